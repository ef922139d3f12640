use super::CharmCtx;
use super::bindings::juju::charm::state;
use crate::error::HostError;

/// A key the charm names: Juju takes any text but the empty string.
fn check_key(key: &str) -> Result<&str, HostError> {
    if key.is_empty() {
        Err(HostError::InvalidArgument(
            "state key must not be empty".into(),
        ))
    } else {
        Ok(key)
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
        for (key, _) in &values {
            check_key(key)?;
        }
        self.backend()?.state_set(&values)
    }

    fn delete(&mut self, key: String) -> Result<(), HostError> {
        self.backend()?.state_delete(check_key(&key)?)
    }
}
