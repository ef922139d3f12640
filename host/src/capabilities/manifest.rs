//! The capability manifest a charm ships (`capabilities.yaml` beside `metadata.yaml`).
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
//! status: true
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
//! ([`crate::runtime::ceilings`]), and a manifest asking for more is refused.
//!
//! Nothing is granted unless listed: no manifest grants nothing.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use crate::runtime::{Limits, LimitsSpec};

/// A secret operation a manifest can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretOp {
    /// `secret-add --owner=application`.
    CreateApp,
    /// `secret-add --owner=unit`.
    CreateUnit,
    /// `secret-get` of the tracked revision.
    Read,
    /// `secret-get --peek`.
    Peek,
    /// `secret-get --refresh`.
    Refresh,
    /// `secret-info-get`.
    Info,
    /// `secret-set`.
    Set,
    /// `secret-grant`.
    Grant,
    /// `secret-revoke`.
    Revoke,
    /// `secret-remove`.
    Remove,
    /// `secret-ids`.
    List,
}

impl SecretOp {
    /// The name the manifest uses.
    pub fn name(self) -> &'static str {
        match self {
            SecretOp::CreateApp => "create-app",
            SecretOp::CreateUnit => "create-unit",
            SecretOp::Read => "read",
            SecretOp::Peek => "peek",
            SecretOp::Refresh => "refresh",
            SecretOp::Info => "info",
            SecretOp::Set => "set",
            SecretOp::Grant => "grant",
            SecretOp::Revoke => "revoke",
            SecretOp::Remove => "remove",
            SecretOp::List => "list",
        }
    }
}

/// Which secrets may be read by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Readable {
    /// Secrets this unit manages (its own, and its application's on the leader).
    #[serde(default)]
    pub owned: bool,
    /// Secrets whose id a remote application or unit published in a databag of a relation
    /// on one of these endpoints.
    #[serde(default)]
    pub granted_over: BTreeSet<String>,
    /// User secrets whose id is the value of one of these config options.
    #[serde(default)]
    pub config: BTreeSet<String>,
}

/// What the manifest grants of secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Secrets {
    /// The operations granted.
    #[serde(default)]
    pub operations: BTreeSet<SecretOp>,
    /// Patterns for the labels the charm may use; `*` matches any run of characters.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Which secrets may be read by id.
    #[serde(default)]
    pub readable: Readable,
}

/// What the manifest grants of relations, by endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Relations {
    /// Endpoints whose databags may be read.
    #[serde(default)]
    pub read: BTreeSet<String>,
    /// Endpoints whose databags this unit (or app) may write.
    #[serde(default)]
    pub write: BTreeSet<String>,
    /// Endpoints secrets may be granted and revoked over.
    #[serde(default)]
    pub grant_over: BTreeSet<String>,
}

/// Limits as the manifest writes them.
pub type ManifestLimits = LimitsSpec;

/// The longest manifest the host reads (a real one is a few hundred bytes).
pub const MAX_MANIFEST: u64 = 64 << 10;

/// A charm's capability manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
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
    pub leadership: bool,
    /// `config-get`.
    #[serde(default)]
    pub config: bool,
    /// `juju-log`.
    #[serde(default)]
    pub logging: bool,
    /// `status-set`.
    #[serde(default)]
    pub status: bool,
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
            crate::yaml::from_str(text).map_err(err)?
        };
        manifest.limits(Limits::default()).map_err(err)?;
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

    /// Whether `label` matches one of the label patterns.
    pub fn label_allowed(&self, label: &str) -> bool {
        self.secrets.labels.iter().any(|p| glob(p, label))
    }

    /// Whether the manifest grants anything of a contract interface (`secrets`, ...).
    pub fn grants_interface(&self, interface: &str) -> Option<bool> {
        Some(match interface {
            "secrets" => !self.secrets.operations.is_empty(),
            "relations" => {
                let r = &self.relations;
                !(r.read.is_empty() && r.write.is_empty() && r.grant_over.is_empty())
            }
            "leadership" => self.leadership,
            "config" => self.config,
            "logging" => self.logging,
            "status" => self.status,
            "types" | "events" => true,
            _ => return None,
        })
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_patterns_match_with_stars() {
        assert!(glob("secret-for-*", "secret-for-webserver-app"));
        assert!(glob("*-secret", "database-secret"));
        assert!(glob("db", "db"));
        assert!(glob("a*b*c", "a-x-b-y-c"));
        assert!(!glob("secret-for-*", "other"));
        assert!(!glob("db", "db2"));
        assert!(!glob("a*b*c", "a-c-b"));
    }

    #[test]
    fn an_empty_manifest_grants_nothing() {
        let m = Manifest::parse("", "capabilities.yaml").unwrap();
        for iface in [
            "secrets",
            "relations",
            "leadership",
            "config",
            "logging",
            "status",
        ] {
            assert_eq!(m.grants_interface(iface), Some(false), "{iface}");
        }
        assert!(!m.label_allowed("anything"));
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
        let err = Manifest::parse("network: true\n", "c.yaml").unwrap_err();
        assert!(err.to_string().contains("network"), "{err}");
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
