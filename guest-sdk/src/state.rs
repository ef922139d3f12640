//! This unit's own state, kept by Juju across hooks: what a charm (which has no disk)
//! remembers. Changes commit with the hook; values may hold secrets (they never reach a
//! command line). Juju limits a key to 256 bytes, a value to 64 KiB and the whole state to
//! 2 MiB by default.
//!
//! [`Stored`] is the typed way: one serde value per key, read once, written back by
//! [`Stored::save`] only if it changed.
//!
//! ```no_run
//! use juju_charm::state::Stored;
//!
//! #[derive(Default, serde::Serialize, serde::Deserialize)]
//! struct Counters {
//!     rotations: u32,
//! }
//!
//! # fn f() -> juju_charm::Result<()> {
//! let mut counters: Stored<Counters> = Stored::load("counters")?;
//! counters.rotations += 1;
//! counters.save()?;
//! # Ok(()) }
//! ```

use std::ops::{Deref, DerefMut};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::juju::charm::state;
use crate::error::{Error, Result};

/// The value stored under `key`, if any.
pub fn get(key: &str) -> Result<Option<String>> {
    Ok(state::get(key)?)
}

/// Every key and value.
pub fn all() -> Result<Vec<(String, String)>> {
    Ok(state::get_all()?)
}

/// Stores `value` under `key`.
pub fn set(key: &str, value: &str) -> Result<()> {
    Ok(state::set(&[(key.to_string(), value.to_string())])?)
}

/// Forgets `key` (no error if it is not there).
pub fn delete(key: &str) -> Result<()> {
    Ok(state::delete(key)?)
}

/// The value stored under `key`, as `T`. State may hold secrets: the error names keys, never
/// a value.
fn decode<T: DeserializeOwned>(key: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        Error::InvalidArgument(match juju_rules::naming_keys_only(&e) {
            Some(why) => format!("unit state {key:?} does not decode: {why}"),
            None => format!("unit state {key:?} does not decode into the charm's type"),
        })
    })
}

/// A typed value kept under one key of the unit's state (as JSON). Its `Debug` shows the key
/// only: the value may be a secret.
pub struct Stored<T> {
    key: String,
    value: T,
    saved: Option<String>,
}

impl<T: Serialize + DeserializeOwned + Default> Stored<T> {
    /// Reads the value under `key`; the type's default if nothing is stored yet.
    pub fn load(key: &str) -> Result<Self> {
        let saved = get(key)?;
        let value = match &saved {
            Some(json) => decode(key, json)?,
            None => T::default(),
        };
        Ok(Stored {
            key: key.to_string(),
            value,
            saved,
        })
    }

    /// Writes the value back if it changed since it was read or last saved.
    pub fn save(&mut self) -> Result<()> {
        let json = serde_json::to_string(&self.value).map_err(|_| {
            Error::InvalidArgument(format!("unit state {:?} does not encode as JSON", self.key))
        })?;
        if self.saved.as_deref() != Some(json.as_str()) {
            set(&self.key, &json)?;
            self.saved = Some(json);
        }
        Ok(())
    }
}

impl<T> std::fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stored")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<T> Deref for Stored<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Stored<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
    struct Login {
        user: String,
        pin: u32,
    }

    #[test]
    fn a_stored_value_that_does_not_decode_is_named_by_key_never_shown() {
        let err = decode::<Login>("login", r#"{"user": "admin", "pin": "hunter2"}"#).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidArgument(
                "unit state \"login\" does not decode into the charm's type".into()
            )
        );
        let missing = decode::<Login>("login", r#"{"user": "admin"}"#).unwrap_err();
        assert!(
            missing.to_string().contains("missing field `pin`"),
            "{missing}"
        );
    }

    #[test]
    fn stored_debug_shows_the_key_not_the_value() {
        let stored = Stored {
            key: "login".to_string(),
            value: Login {
                user: "admin".into(),
                pin: 4242,
            },
            saved: Some(r#"{"user":"admin","pin":4242}"#.into()),
        };
        let shown = format!("{stored:?}");
        assert!(
            shown.contains("login") && !shown.contains("4242"),
            "{shown}"
        );
    }
}
