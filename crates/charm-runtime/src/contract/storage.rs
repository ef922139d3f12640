use juju_hookcmds::StorageKind;

use super::CharmCtx;
use super::bindings::juju::charm::storage::{self, Instance, Kind};
use super::validate::{check_storage_id, check_storage_name};
use crate::error::HostError;

/// The most instances one `storage-add` asks for: Juju checks only the charm's maximum, which
/// may be unbounded, and a controller should not be asked for billions.
pub const MAX_STORAGE_ADD: u32 = 100;

impl storage::Host for CharmCtx<'_> {
    fn list(&mut self, storage: String) -> Result<Vec<String>, HostError> {
        self.backend()?.storage_list(check_storage_name(&storage)?)
    }

    fn get(&mut self, id: String) -> Result<Instance, HostError> {
        let details = self.backend()?.storage_get(check_storage_id(&id)?)?;
        Ok(Instance {
            id,
            kind: match details.kind {
                StorageKind::Filesystem => Kind::Filesystem,
                StorageKind::Block => Kind::Block,
            },
            location: details.location,
        })
    }

    fn add(&mut self, storage: String, count: u32) -> Result<(), HostError> {
        if count == 0 || count > MAX_STORAGE_ADD {
            return Err(HostError::InvalidArgument(format!(
                "storage-add count {count} not valid: between 1 and {MAX_STORAGE_ADD}"
            )));
        }
        self.backend()?
            .storage_add(check_storage_name(&storage)?, count)
    }
}
