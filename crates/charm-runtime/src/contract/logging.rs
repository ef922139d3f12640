use super::CharmCtx;
use super::bindings::juju::charm::logging::{self, Level};
use super::validate::check_text;
use crate::error::HostError;

impl logging::Host for CharmCtx<'_> {
    fn log(&mut self, level: Level, message: String) -> Result<(), HostError> {
        self.backend()?
            .log(level.into(), check_text("log message", &message)?)
    }
}
