use super::CharmCtx;
use super::bindings::juju::charm::config::{self, Value};
use crate::error::HostError;

impl config::Host for CharmCtx<'_> {
    fn get_all(&mut self) -> Result<Vec<(String, Value)>, HostError> {
        Ok(self
            .backend()?
            .config_get()?
            .into_iter()
            .map(|(k, v)| (k, v.into()))
            .collect())
    }
}
