use super::CharmCtx;
use super::bindings::juju::charm::status::{self, State};
use super::validate::check_text;
use crate::error::HostError;

impl status::Host for CharmCtx<'_> {
    fn set(&mut self, state: State, message: String, application: bool) -> Result<(), HostError> {
        self.backend()?.status_set(
            state.into(),
            check_text("status message", &message)?,
            application,
        )
    }
}
