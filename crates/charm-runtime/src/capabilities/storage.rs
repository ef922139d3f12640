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

/// The most storage instances one hook may ask for in all (`storage-add`): Juju checks only the
/// charm's maximum, which may be unbounded, and a controller should not be asked for millions.
pub const MAX_STORAGE_ADD: u64 = 100;

impl Storage {
    /// Counts `count` more instances asked for in this hook, refusing past
    /// [`MAX_STORAGE_ADD`]: a host limit, not a grant, so the charm's mistake.
    pub(super) fn check_total(requested: &mut u64, count: u32) -> Result<(), HostError> {
        let total = *requested + u64::from(count);
        if total > MAX_STORAGE_ADD {
            return Err(HostError::InvalidArgument(format!(
                "storage-add of {count} would ask for {total} storage instances in this hook; at most {MAX_STORAGE_ADD}"
            )));
        }
        *requested = total;
        Ok(())
    }

    /// A call about storage `name` (or about instance `name/<n>`).
    pub(super) fn check(&self, gate: &mut Gate, name: &str) -> Result<(), HostError> {
        super::named(gate, "storage", &self.0, "storage", name)
    }

    /// Refuses a grant naming a storage `metadata.yaml` does not declare.
    pub fn declared_in(&self, declared: &BTreeSet<String>) -> Result<(), String> {
        super::undeclared("storage", &self.0, declared, "a storage of metadata.yaml")
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
        super::names_report("storage", &self.0, "storage-list, storage-get, storage-add")
    }
}
