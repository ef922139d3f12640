use juju_hookcmds::StorageKind;

use super::CharmCtx;
use super::bindings::juju::charm::storage::{self, Instance, Kind};
use super::validate::{check_storage_id, check_storage_name};
use crate::error::HostError;

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
        if count == 0 {
            return Err(HostError::InvalidArgument(
                "storage-add count 0 not valid: at least 1".into(),
            ));
        }
        self.backend()?
            .storage_add(check_storage_name(&storage)?, count)
    }
}
