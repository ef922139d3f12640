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

/// A typed value kept under one key of the unit's state (as JSON).
#[derive(Debug)]
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
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Error::InvalidArgument(format!("unit state {key:?} does not decode: {e}"))
            })?,
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
        let json = serde_json::to_string(&self.value)
            .map_err(|e| Error::InvalidArgument(format!("unit state {:?}: {e}", self.key)))?;
        if self.saved.as_deref() != Some(json.as_str()) {
            set(&self.key, &json)?;
            self.saved = Some(json);
        }
        Ok(())
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
