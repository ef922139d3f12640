//! The `ports` capability: which ports a charm may open and close in the unit's firewall
//! (`open-port`, `close-port`, `opened-ports`), and how many it may have open at once.
//!
//! ```yaml
//! ports:
//!   open: [1024-65535/tcp, icmp]   # ports and ranges, Juju's syntax: each call must lie within one
//!   at-most: 1                     # optional: ports open at once (a range counts its ports)
//! ```
//!
//! A range granted is a choice offered, not a port opened: with `at-most: 1` the charm opens one
//! port of it (the one its operator configured), never the whole range. The count includes
//! ports opened before this hook and this hook's own changes, read (`opened-ports`) at each
//! open when `at-most` is set.

use std::collections::BTreeSet;

use juju_hookcmds::ports::PortRange;
use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// What the charm may open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Ports {
    /// Ranges the charm's ports must lie within.
    #[serde(default, deserialize_with = "ranges")]
    pub open: Vec<PortRange>,
    /// How many ports may be open at once.
    #[serde(default)]
    pub at_most: Option<u32>,
}

fn ranges<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PortRange>, D::Error> {
    let given: Vec<String> = Vec::deserialize(d)?;
    given
        .iter()
        .map(|r| {
            PortRange::parse(r).map_err(|e| serde::de::Error::custom(format!("ports: {r:?}: {e}")))
        })
        .collect()
}

impl Ports {
    fn within(&self, gate: &mut Gate, range: &PortRange, verb: &str) -> Result<(), HostError> {
        if self.open.iter().any(|g| g.contains(range)) {
            Ok(())
        } else {
            gate.deny(format!(
                "{verb} port {range} is not granted (capabilities.yaml: ports.open)"
            ))
        }
    }

    /// `open-port`: within a granted range, and within `at-most` once opened. What is open is
    /// asked of Juju at each open (`opened-ports` includes the hook's own opens and closes,
    /// matched exactly, so it can only count too much): a count the policy kept itself could
    /// be fooled by a close Juju ignores.
    pub(super) fn check_open(&self, gate: &mut Gate, range: &PortRange) -> Result<(), HostError> {
        self.within(gate, range, "opening")?;
        let Some(at_most) = self.at_most else {
            return Ok(());
        };
        let mut open: BTreeSet<PortRange> = gate
            .inner
            .opened_ports()?
            .into_iter()
            .map(|p| p.range)
            .collect();
        open.insert(*range);
        let total: u64 = open.iter().map(|r| u64::from(r.ports())).sum();
        if total > u64::from(at_most) {
            return gate.deny(format!(
                "opening {range} would leave {total} ports open; at most {at_most} are granted (capabilities.yaml: ports.at-most)"
            ));
        }
        Ok(())
    }

    /// `close-port`: within a granted range.
    pub(super) fn check_close(&self, gate: &mut Gate, range: &PortRange) -> Result<(), HostError> {
        self.within(gate, range, "closing")
    }

    /// `opened-ports`: with any port granted.
    pub(super) fn check_list(&self, gate: &mut Gate) -> Result<(), HostError> {
        if self.open.is_empty() {
            gate.deny("`ports` is not granted (capabilities.yaml: ports)".into())
        } else {
            Ok(())
        }
    }
}

impl super::Capability for Ports {
    fn interface(&self) -> &'static str {
        "ports"
    }

    fn granted(&self) -> bool {
        !self.open.is_empty()
    }

    fn report(&self) -> String {
        let commands = "(open-port, close-port, opened-ports)";
        if self.open.is_empty() {
            return format!("ports: not granted {commands}");
        }
        let at_most = self
            .at_most
            .map(|n| format!(", at most {n} open at once"))
            .unwrap_or_default();
        format!(
            "ports: {}{at_most} {commands}",
            super::report::list(self.open.iter().map(ToString::to_string))
        )
    }
}
