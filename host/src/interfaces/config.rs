use crate::bindings::juju::charm::config::{self, Value};
use crate::error::HostError;
use crate::runtime::HostState;

impl config::Host for HostState {
    fn get_all(&mut self) -> Result<Vec<(String, Value)>, HostError> {
        self.backend()?.config_get()
    }
}
