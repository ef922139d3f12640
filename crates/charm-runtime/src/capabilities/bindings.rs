//! The `bindings` capability: which of the charm's bindings (relation endpoints and extra
//! bindings of `metadata.yaml`) it may ask the addresses of (`network-get`).
//!
//! ```yaml
//! bindings: [database]
//! ```
//!
//! Named `bindings`, not `network`: reading an address is not reaching one (outbound network
//! access would be a grant of its own).

use std::collections::BTreeSet;

use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// The bindings a charm may read, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Bindings(pub BTreeSet<String>);

impl Bindings {
    /// `network-get <binding>`: the binding must be granted.
    pub(super) fn check(&self, gate: &mut Gate, binding: &str) -> Result<(), HostError> {
        super::named(gate, "bindings", &self.0, "binding", binding)
    }

    /// Refuses a grant naming a binding `metadata.yaml` does not declare.
    pub fn declared_in(&self, declared: &BTreeSet<String>) -> Result<(), String> {
        super::undeclared(
            "bindings",
            &self.0,
            declared,
            "an endpoint or extra binding of metadata.yaml",
        )
    }
}

impl super::Capability for Bindings {
    fn interface(&self) -> &'static str {
        "bindings"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        super::names_report("bindings", &self.0, "network-get")
    }
}
