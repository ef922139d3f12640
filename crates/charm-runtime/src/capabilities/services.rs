//! The `services` capability: which of the workload's services a charm may act on, and how.
//!
//! ```yaml
//! services:
//!   - systemd: webserver            # a systemd unit, named exactly as the charm names it
//!     actions: [reload]             # start, stop, restart, reload, enable, disable, query
//!   - snap: lxd.daemon              # a snap's service, <snap>.<app>
//!     actions: [restart, query]
//! ```
//!
//! The host carries each action out with a fixed command line
//! ([`juju_hookcmds::workload::service_argv`]), so a service grant can never become another
//! command.

use std::collections::BTreeSet;

use juju_hookcmds::workload::{ServiceAction, ServiceManager, service_name_problem};
use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// The services a charm may act on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Services(pub Vec<ServiceGrant>);

/// One service and the actions granted on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ServiceGrant {
    /// A systemd unit.
    #[serde(default)]
    pub systemd: Option<String>,
    /// A snap service.
    #[serde(default)]
    pub snap: Option<String>,
    /// What the charm may do to it.
    pub actions: BTreeSet<ServiceAction>,
    /// The service's control amounts to root, and the manifest says so.
    #[serde(default)]
    pub dangerous: bool,
}

impl ServiceGrant {
    /// Why controlling the service amounts to root, if it does.
    pub fn dangers(&self) -> Vec<String> {
        match self.service() {
            Ok((ServiceManager::Systemd, unit)) => super::dangerous::service(unit)
                .map(|d| format!("controls {unit} ({})", d.why))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn service(&self) -> Result<(ServiceManager, &str), String> {
        match (&self.systemd, &self.snap) {
            (Some(unit), None) => Ok((ServiceManager::Systemd, unit)),
            (None, Some(snap)) => Ok((ServiceManager::Snap, snap)),
            _ => Err("services: each grant names one `systemd` unit or one `snap` service".into()),
        }
    }
}

impl Services {
    /// Refuses grants naming no service, two, or a name its manager would not take as one.
    pub(super) fn validate(&self) -> Result<(), String> {
        for grant in &self.0 {
            let (manager, name) = grant.service()?;
            if let Some(problem) = service_name_problem(manager, name) {
                return Err(format!("services: {problem}"));
            }
            if grant.actions.is_empty() {
                return Err(format!("services: {manager} {name}: no actions granted"));
            }
            // A target, slice, mount or scope reaches the whole machine (reboot.target,
            // system.slice): only services, sockets and timers are granted.
            if manager == ServiceManager::Systemd
                && let Some((_, kind)) = name.rsplit_once('.')
                && !matches!(kind, "service" | "socket" | "timer")
            {
                return Err(format!(
                    "services: systemd {name}: only services, sockets and timers are granted, not .{kind} units"
                ));
            }
            if let Some(why) = grant.dangers().first()
                && !grant.dangerous
            {
                return Err(format!(
                    "services: {manager} {name}: {why}; add `dangerous: true` to this grant if that is intended"
                ));
            }
        }
        Ok(())
    }

    /// Every grant's dangers, for `check`.
    pub fn dangers(&self) -> Vec<String> {
        self.0.iter().flat_map(ServiceGrant::dangers).collect()
    }

    /// `action` on the service: granted exactly.
    pub(super) fn check(
        &self,
        gate: &mut Gate,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError> {
        let granted = self
            .0
            .iter()
            .any(|g| g.service() == Ok((manager, name)) && g.actions.contains(&action));
        if granted {
            Ok(())
        } else {
            gate.deny(format!(
                "{} of {manager} service {name:?} is not granted (capabilities.yaml: services)",
                action.name()
            ))
        }
    }
}

impl super::Capability for Services {
    fn interface(&self) -> &'static str {
        "services"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        if self.0.is_empty() {
            return "services: not granted (no service of the machine)".into();
        }
        let grants = self.0.iter().filter_map(|g| {
            let (manager, name) = g.service().ok()?;
            let actions: Vec<&str> = g.actions.iter().map(|a| a.name()).collect();
            Some(format!("{manager} {name} ({})", actions.join(", ")))
        });
        format!("services: {}", super::report::list(grants))
    }
}

#[cfg(test)]
mod tests {
    use crate::capabilities::Manifest;

    #[test]
    fn a_service_grant_names_one_valid_service_and_its_actions() {
        let ok = "services:\n  - {systemd: webserver, actions: [reload]}\n  - {snap: lxd.daemon, actions: [restart, query]}\n";
        let m = Manifest::parse(ok, "c.yaml").unwrap();
        assert_eq!(m.services.0.len(), 2);
        for bad in [
            "services:\n  - {systemd: '-webserver', actions: [reload]}\n",
            "services:\n  - {systemd: 'web*', actions: [reload]}\n",
            "services:\n  - {snap: lxd, actions: [restart]}\n",
            "services:\n  - {systemd: a, snap: b.c, actions: [start]}\n",
            "services:\n  - {systemd: a, actions: []}\n",
            "services:\n  - {systemd: a, actions: [mask]}\n",
            "services:\n  - {systemd: reboot.target, actions: [start]}\n",
            "services:\n  - {systemd: system.slice, actions: [stop]}\n",
            "services:\n  - {systemd: home.mount, actions: [stop]}\n",
        ] {
            assert!(Manifest::parse(bad, "c.yaml").is_err(), "{bad}");
        }
    }
}
