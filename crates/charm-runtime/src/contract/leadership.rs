use super::CharmCtx;
use super::bindings::juju::charm::leadership;
use crate::error::HostError;

impl leadership::Host for CharmCtx<'_> {
    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.backend()?.is_leader()
    }
}
