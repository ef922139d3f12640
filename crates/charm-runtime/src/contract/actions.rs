use juju_hookcmds::cli::result_key;

use super::CharmCtx;
use super::bindings::juju::charm::actions;
use super::validate::check_text;
use crate::error::HostError;

impl actions::Host for CharmCtx<'_> {
    fn params(&mut self) -> Result<String, HostError> {
        Ok(self.backend()?.action_params()?.to_string())
    }

    fn set_results(&mut self, results: Vec<(String, String)>) -> Result<(), HostError> {
        // Juju's key rules, checked here as well: a key goes on a command line, and one the
        // host let through must never be taken for a flag.
        for (key, value) in &results {
            result_key(key).map_err(|e| HostError::InvalidArgument(e.message))?;
            check_text("action result", value)?;
        }
        self.backend()?.action_set(&results)
    }

    fn log(&mut self, message: String) -> Result<(), HostError> {
        self.backend()?
            .action_log(check_text("action message", &message)?)
    }

    fn fail(&mut self, message: String) -> Result<(), HostError> {
        self.backend()?
            .action_fail(check_text("action failure message", &message)?)
    }
}
