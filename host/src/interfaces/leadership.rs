use crate::bindings::juju::charm::leadership;
use crate::error::HostError;
use crate::runtime::HostState;

impl leadership::Host for HostState {
    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.backend()?.is_leader()
    }
}
