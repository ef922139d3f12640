use crate::bindings::juju::charm::status::{self, State};
use crate::error::HostError;
use crate::juju::names::check_text;
use crate::runtime::HostState;

impl status::Host for HostState {
    fn set(&mut self, state: State, message: String, application: bool) -> Result<(), HostError> {
        self.backend()?
            .status_set(state, check_text("status message", &message)?, application)
    }
}
