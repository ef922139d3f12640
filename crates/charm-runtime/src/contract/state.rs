use super::CharmCtx;
use super::bindings::juju::charm::state;
use super::validate::check_text;
use crate::error::HostError;

/// A key the charm names: Juju takes any text but the empty string; a NUL could not reach a
/// command line.
fn check_key(key: &str) -> Result<&str, HostError> {
    if key.is_empty() {
        Err(HostError::InvalidArgument(
            "state key must not be empty".into(),
        ))
    } else {
        check_text("state key", key)
    }
}

impl state::Host for CharmCtx<'_> {
    fn get(&mut self, key: String) -> Result<Option<String>, HostError> {
        let found = self.backend()?.state_get(Some(check_key(&key)?))?;
        Ok(found.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v))
    }

    fn get_all(&mut self) -> Result<Vec<(String, String)>, HostError> {
        self.backend()?.state_get(None)
    }

    fn set(&mut self, values: Vec<(String, String)>) -> Result<(), HostError> {
        for (key, value) in &values {
            check_key(key)?;
            check_text("state value", value)?;
        }
        self.backend()?.state_set(&values)
    }

    fn delete(&mut self, key: String) -> Result<(), HostError> {
        self.backend()?.state_delete(check_key(&key)?)
    }
}
