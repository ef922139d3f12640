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
//! ports opened before this hook, read once (`opened-ports`) when the first open needs it.

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

/// The ranges this unit has open, as far as the policy knows in this hook.
#[derive(Debug, Default)]
pub(super) struct OpenCount(Option<BTreeSet<PortRange>>);

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

    /// `open-port`: within a granted range, and within `at-most` once opened.
    pub(super) fn check_open(
        &self,
        gate: &mut Gate,
        count: &mut OpenCount,
        range: &PortRange,
    ) -> Result<(), HostError> {
        self.within(gate, range, "opening")?;
        let Some(at_most) = self.at_most else {
            return Ok(());
        };
        let open = match &mut count.0 {
            Some(open) => open,
            None => {
                let listed = gate.inner.opened_ports()?;
                count
                    .0
                    .insert(listed.into_iter().map(|p| p.range).collect())
            }
        };
        let total: u64 = open
            .iter()
            .chain((!open.contains(range)).then_some(range))
            .map(|r| u64::from(r.ports()))
            .sum();
        if total > u64::from(at_most) {
            return gate.deny(format!(
                "opening {range} would leave {total} ports open; at most {at_most} are granted (capabilities.yaml: ports.at-most)"
            ));
        }
        Ok(())
    }

    /// A port opened: counted.
    pub(super) fn opened(count: &mut OpenCount, range: &PortRange) {
        if let Some(open) = &mut count.0 {
            open.insert(*range);
        }
    }

    /// A port closed on every endpoint: no longer counted.
    pub(super) fn closed(count: &mut OpenCount, range: &PortRange, endpoints: &[String]) {
        if let Some(open) = &mut count.0
            && endpoints.is_empty()
        {
            open.remove(range);
        }
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
