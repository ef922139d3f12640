//! Capabilities: what a charm may do, declared in its manifest (`capabilities.yaml` beside
//! `metadata.yaml`) and enforced twice — when the component loads (it may import only the
//! contract interfaces its manifest grants something of: [`check_imports`]) and on every call
//! ([`PolicyBackend`]). Nothing is granted by default.
//!
//! Each capability is one module: its grant (its section of the manifest), its per-call
//! checks and its line in `charm-host check`'s report ([`Capability`]). A new capability is a
//! new module, its field in [`Manifest`], and its calls in the policy.
//!
//! ```yaml
//! secrets:
//!   operations: [create-app, read, peek, refresh, info, set, grant, revoke, remove, list]
//!   labels: ["secret-for-*"]          # labels the charm may use; `*` matches any run
//!   readable:                         # which secrets the charm may read by id
//!     owned: true                     #   those this unit manages
//!     granted-over: [database]        #   ids published in remote databags of these endpoints
//!     config: [api-token]             #   user secrets named by these config options
//! relations:
//!   read: [database]                  # endpoints whose databags the charm may read
//!   write: [database]                 # ... write
//!   grant-over: [database]            # ... grant (and revoke) secrets over
//! leadership: true
//! config: true
//! logging: true
//! status: true                        # status-set and status-get
//! application-version: true           # the workload version `juju status` shows
//! actions: [rotate-password]          # actions the charm may run (from actions.yaml)
//! state: true                         # the unit's key/value state across hooks
//! ports:
//!   open: [1024-65535/tcp]            # ports and ranges it may open and close
//!   at-most: 1                        # how many ports may be open at once (optional)
//! bindings: [database]                # bindings whose addresses it may read (network-get)
//! storage: [data]                     # storages of metadata.yaml it may use
//! goal-state: true                    # where the deployment is heading
//! files:                              # paths of the machine, each read or write
//!   - {path: /etc/webserver/*.json, access: write, max-mode: "0600"}
//! commands:                           # programs, each argument matching a rule
//!   - {program: /usr/local/bin/database-set-password, args: [admin]}
//! services:                           # services and the actions on each
//!   - {systemd: webserver, actions: [reload]}
//! network:                            # outbound TCP
//!   connect: ["db.internal:5432"]
//! limits:                             # each optional; the host's defaults otherwise
//!   wall-time: 30s
//!   memory: 64MiB
//!   fuel: 2000000000                  # a deterministic CPU budget, off unless set
//!   output: 256KiB
//!   host-call-data: 4MiB              # data the charm may pass to the host per call
//!   hook-command-timeout: 30s
//!   host-calls: 2000                  # calls into the host per hook
//! ```
//!
//! Limits can only be lowered: each is at most this machine's ceiling
//! ([`crate::engine::ceilings`]), and a manifest asking for more is refused.
//!
//! Nothing is granted unless listed: no manifest grants nothing. A grant of the machine that
//! amounts to root ([`dangerous`]) is refused unless it says `dangerous: true`.

use std::path::Path;

use serde::Deserialize;

use crate::engine::{Limits, LimitsSpec};

mod actions;
mod bindings;
mod commands;
mod config;
pub mod dangerous;
mod files;
mod goal_state;
mod imports;
mod leadership;
mod logging;
mod network;
mod policy;
mod ports;
mod relations;
pub mod report;
mod secrets;
mod services;
mod state;
mod status;
mod storage;
mod version;

pub use actions::Actions;
pub use bindings::Bindings;
pub use commands::{Arg, Class, CommandGrant, Commands, PATH as COMMAND_PATH};
pub use config::Config;
pub use files::{Access, FileGrant, Files, Mode, PathPattern};
pub use goal_state::GoalState;
pub use imports::{Mismatch, check_imports};
pub use leadership::Leadership;
pub use logging::Logging;
pub use network::{Granted, Network};
pub use policy::PolicyBackend;
pub use ports::Ports;
pub use relations::Relations;
pub use secrets::{Readable, SecretOp, Secrets};
pub use services::{ServiceGrant, Services};
pub use state::UnitState;
pub use status::Status;
pub use storage::Storage;
pub use version::ApplicationVersion;

/// What every capability tells the rest of the host about itself.
pub trait Capability {
    /// The contract interface its grant opens (`secrets` for `juju:charm/secrets`).
    fn interface(&self) -> &'static str;
    /// Whether the manifest grants anything of it: a component may import its interface
    /// only then.
    fn granted(&self) -> bool;
    /// Its line in `charm-host check`'s report.
    fn report(&self) -> String;
}

/// Limits as the manifest writes them.
pub type ManifestLimits = LimitsSpec;

/// The longest manifest the host reads (a real one is a few hundred bytes).
pub const MAX_MANIFEST: u64 = 64 << 10;

/// A charm's capability manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Manifest {
    /// Secret operations, labels and readable secrets.
    #[serde(default)]
    pub secrets: Secrets,
    /// Relation endpoints.
    #[serde(default)]
    pub relations: Relations,
    /// `is-leader`.
    #[serde(default)]
    pub leadership: Leadership,
    /// `config-get`.
    #[serde(default)]
    pub config: Config,
    /// `juju-log`.
    #[serde(default)]
    pub logging: Logging,
    /// `status-set`.
    #[serde(default)]
    pub status: Status,
    /// Actions, by name.
    #[serde(default)]
    pub actions: Actions,
    /// The unit's state.
    #[serde(default)]
    pub state: UnitState,
    /// `application-version-set`.
    #[serde(default)]
    pub application_version: ApplicationVersion,
    /// Ports the charm may open.
    #[serde(default)]
    pub ports: Ports,
    /// Bindings whose addresses the charm may read.
    #[serde(default)]
    pub bindings: Bindings,
    /// Storages the charm may use, by name.
    #[serde(default)]
    pub storage: Storage,
    /// `goal-state`.
    #[serde(default)]
    pub goal_state: GoalState,
    /// Paths of the machine.
    #[serde(default)]
    pub files: Files,
    /// Programs of the machine.
    #[serde(default)]
    pub commands: Commands,
    /// Services of the machine.
    #[serde(default)]
    pub services: Services,
    /// Outbound TCP.
    #[serde(default)]
    pub network: Network,
    /// Resource limits.
    #[serde(default)]
    pub limits: ManifestLimits,
}

/// Why a manifest was refused; one line naming the file and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("capability manifest {path}: {problem}")]
pub struct ManifestError {
    /// The file.
    pub path: String,
    /// What is wrong with it.
    pub problem: String,
}

impl Manifest {
    /// Parses manifest YAML; the error is one line (`name` is how it refers to the file).
    pub fn parse(text: &str, name: &str) -> Result<Self, ManifestError> {
        let err = |problem: String| ManifestError {
            path: name.to_string(),
            problem,
        };
        let manifest: Manifest = if text.trim().is_empty() {
            Manifest::default()
        } else {
            juju_hookcmds::yaml::from_str(text).map_err(err)?
        };
        manifest.limits(Limits::default()).map_err(err)?;
        manifest.files.validate().map_err(err)?;
        manifest.commands.validate().map_err(err)?;
        manifest.services.validate().map_err(err)?;
        manifest.network.validate().map_err(err)?;
        Ok(manifest)
    }

    /// Reads a manifest file; a missing file is an empty manifest that grants nothing.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let err = |problem: String| ManifestError {
            path: path.display().to_string(),
            problem,
        };
        use crate::private_file::{ReadError, read_regular};
        let bytes = match read_regular(path, MAX_MANIFEST) {
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Manifest::default());
            }
            Err(e) => return Err(err(e.to_string())),
            Ok(bytes) => bytes,
        };
        let text = String::from_utf8(bytes).map_err(|_| err("not UTF-8 text".into()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// `base` with the manifest's limits applied.
    pub fn limits(&self, base: Limits) -> Result<Limits, String> {
        self.limits.apply(base)
    }

    /// Every capability, in the order the report lists them.
    pub fn capabilities(&self) -> [&dyn Capability; 17] {
        [
            &self.secrets,
            &self.relations,
            &self.leadership,
            &self.config,
            &self.logging,
            &self.status,
            &self.application_version,
            &self.actions,
            &self.state,
            &self.ports,
            &self.bindings,
            &self.storage,
            &self.goal_state,
            &self.files,
            &self.commands,
            &self.services,
            &self.network,
        ]
    }

    /// Every grant that amounts to root (each marked `dangerous: true`, or the manifest
    /// would have been refused), for `check` to list.
    pub fn dangers(&self) -> Vec<String> {
        let mut all = self.files.dangers();
        all.extend(self.commands.dangers());
        all.extend(self.services.dangers());
        all
    }

    /// Whether the manifest grants anything of contract interface `interface` (one the
    /// contract has; the type-only interfaces need no grant).
    pub fn grants_interface(&self, interface: &str) -> bool {
        matches!(interface, "types" | "events")
            || self
                .capabilities()
                .iter()
                .any(|c| c.interface() == interface && c.granted())
    }
}

/// Refuses a grant of names (`actions`, `bindings`, `storage`) naming one the charm's files do
/// not declare: a typo would otherwise leave the real one without its grant until it is used.
fn undeclared(
    key: &str,
    granted: &std::collections::BTreeSet<String>,
    declared: &std::collections::BTreeSet<String>,
    what: &str,
) -> Result<(), String> {
    match granted.iter().find(|name| !declared.contains(*name)) {
        Some(name) => Err(format!("{key}: {name:?} is not {what}")),
        None => Ok(()),
    }
}

/// A call naming `name` of a grant of names (`binding "x"`, `storage "x"`): it must be
/// granted.
fn named(
    gate: &mut policy::Gate,
    key: &str,
    granted: &std::collections::BTreeSet<String>,
    what: &str,
    name: &str,
) -> Result<(), crate::error::HostError> {
    if granted.contains(name) {
        Ok(())
    } else {
        gate.deny(format!(
            "{what} {name:?} is not granted (capabilities.yaml: {key})"
        ))
    }
}

/// The report line of a grant of names: the names, or `not granted`, and the commands.
fn names_report(key: &str, granted: &std::collections::BTreeSet<String>, commands: &str) -> String {
    if granted.is_empty() {
        format!("{key}: not granted ({commands})")
    } else {
        format!("{key}: {} ({commands})", report::list(granted))
    }
}

/// The capability behind a manifest key that is only `true` or `false`.
macro_rules! toggle {
    ($(#[$doc:meta])* $name:ident, $key:literal, $interface:literal, $command:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub bool);

        impl $name {
            /// Lets the call through, or denies it naming the manifest key.
            pub(super) fn check(
                &self,
                gate: &mut super::policy::Gate,
            ) -> Result<(), crate::error::HostError> {
                if self.0 {
                    Ok(())
                } else {
                    gate.deny(format!(
                        "`{}` is not granted (capabilities.yaml: {})",
                        $key, $key
                    ))
                }
            }
        }

        impl super::Capability for $name {
            fn interface(&self) -> &'static str {
                $interface
            }

            fn granted(&self) -> bool {
                self.0
            }

            fn report(&self) -> String {
                let granted = if self.0 { "granted" } else { "not granted" };
                format!("{}: {granted} ({})", $key, $command)
            }
        }
    };
}
use toggle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_manifest_grants_nothing() {
        let m = Manifest::parse("", "capabilities.yaml").unwrap();
        let granting = crate::contract::INTERFACES
            .iter()
            .filter(|i| !matches!(**i, "types" | "events"));
        for iface in granting {
            assert!(!m.grants_interface(iface), "{iface}");
        }
        assert!(!m.secrets.label_allowed("anything"));
    }

    #[test]
    fn every_capability_grants_an_interface_of_the_contract() {
        let m = Manifest::default();
        for capability in m.capabilities() {
            let import = format!(
                "juju:charm/{}@{}",
                capability.interface(),
                crate::contract::CONTRACT_VERSION
            );
            assert_eq!(
                crate::contract::interface(&import),
                Some(capability.interface())
            );
        }
    }

    #[test]
    fn a_manifest_granting_an_unknown_operation_is_refused_naming_it() {
        let err =
            Manifest::parse("secrets:\n  operations: [read, teleport]\n", "c.yaml").unwrap_err();
        assert!(
            err.to_string().starts_with("capability manifest c.yaml: "),
            "{err}"
        );
        assert!(err.to_string().contains("teleport"), "{err}");
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn a_manifest_granting_an_unknown_capability_is_refused_naming_it() {
        let err = Manifest::parse("teleport: true\n", "c.yaml").unwrap_err();
        assert!(err.to_string().contains("teleport"), "{err}");
    }

    #[test]
    fn limits_override_defaults_and_bad_values_are_named() {
        let m = Manifest::parse("limits:\n  memory: 64MiB\n  fuel: 1000\n", "c.yaml").unwrap();
        let l = m.limits(Limits::default()).unwrap();
        assert_eq!((l.memory, l.fuel), (64 << 20, Some(1000)));
        assert_eq!(l.wall_time, Limits::default().wall_time);
        let err = Manifest::parse("limits:\n  wall-time: forever\n", "c.yaml").unwrap_err();
        assert!(
            err.to_string().contains("duration \"forever\" not valid"),
            "{err}"
        );
    }
}
