//! The action this hook runs: its parameters, results, progress and failure.
//!
//! Results travel to Juju on a command line, where other processes on the machine can read
//! them: never put a secret in one (tell the operator where to find it instead).
//!
//! ```no_run
//! use juju_charm::{Event, action};
//!
//! #[derive(serde::Deserialize)]
//! struct Backup {
//!     target: String,
//!     #[serde(default)]
//!     compress: bool,
//! }
//!
//! # fn f(event: Event) -> juju_charm::Result<()> {
//! if let Event::Action(a) = event {
//!     if a.name == "backup" {
//!         let params: Backup = action::params()?;
//!         action::log(&format!("backing up to {}", params.target))?;
//!         action::set_results([("archive", "backup-1.tar")])?;
//!     }
//! }
//! # Ok(()) }
//! ```

use serde::de::DeserializeOwned;

use crate::bindings::juju::charm::actions;
use crate::error::{Error, Result};

/// The action's parameters, decoded into the charm's own type (defaults from `actions.yaml`
/// already filled in by Juju).
pub fn params<T: DeserializeOwned>() -> Result<T> {
    let json = actions::params()?;
    // A parameter may be a password: the error names keys, never a value.
    serde_json::from_str(&json).map_err(|e| {
        Error::InvalidArgument(match juju_rules::naming_keys_only(&e) {
            Some(why) => format!("action parameters do not decode: {why}"),
            None => "action parameters do not decode into the charm's type".into(),
        })
    })
}

/// Adds results: keys are lowercase letters, digits and `-` (dots nest); never a secret.
pub fn set_results<K: Into<String>, V: Into<String>>(
    results: impl IntoIterator<Item = (K, V)>,
) -> Result<()> {
    let results: Vec<(String, String)> = results
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    Ok(actions::set_results(&results)?)
}

/// A progress message the operator sees while the action runs.
pub fn log(message: &str) -> Result<()> {
    Ok(actions::log(message)?)
}

/// Fails the action with `message`. Return `Ok` afterwards to keep the hook's other changes
/// (returning an error fails the action too, but discards them).
pub fn fail(message: &str) -> Result<()> {
    Ok(actions::fail(message)?)
}
