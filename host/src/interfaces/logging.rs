use crate::bindings::juju::charm::logging::{self, Level};
use crate::error::HostError;
use crate::juju::names::check_text;
use crate::runtime::HostState;

impl logging::Host for HostState {
    fn log(&mut self, level: Level, message: String) -> Result<(), HostError> {
        self.backend()?
            .log(level, check_text("log message", &message)?)
    }
}
