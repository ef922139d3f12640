//! The `storage` capability: which of the charm's storages (`storage:` in `metadata.yaml`)
//! it may list, read and ask more of (`storage-list`, `storage-get`, `storage-add`).
//!
//! ```yaml
//! storage: [data]
//! ```
//!
//! A storage not granted still reaches the charm as storage-attached and -detaching events;
//! every call about it is denied.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// The storages a charm may use, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Storage(pub BTreeSet<String>);

impl Storage {
    /// A call about storage `name` (or about instance `name/<n>`).
    pub(super) fn check(&self, gate: &mut Gate, name: &str) -> Result<(), HostError> {
        if self.0.contains(name) {
            Ok(())
        } else {
            gate.deny(format!(
                "storage {name:?} is not granted (capabilities.yaml: storage)"
            ))
        }
    }

    /// Refuses a grant naming a storage `metadata.yaml` does not declare.
    pub fn declared_in(&self, declared: &BTreeSet<String>) -> Result<(), String> {
        match self.0.iter().find(|name| !declared.contains(*name)) {
            Some(name) => Err(format!(
                "storage: {name:?} is not a storage of metadata.yaml"
            )),
            None => Ok(()),
        }
    }
}

impl super::Capability for Storage {
    fn interface(&self) -> &'static str {
        "storage"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        let commands = "(storage-list, storage-get, storage-add)";
        if self.0.is_empty() {
            format!("storage: not granted {commands}")
        } else {
            format!("storage: {} {commands}", super::report::list(&self.0))
        }
    }
}
