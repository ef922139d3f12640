//! Storage attached to this unit (`storage-list`, `storage-get`, `storage-add`), declared
//! under `storage:` in `metadata.yaml`.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! for id in juju_charm::storage::list("data")? {
//!     let location = juju_charm::storage::get(&id)?.location;
//! #   let _ = location;
//! }
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::storage as wit;
use crate::error::Result;

pub use wit::{Instance, Kind};

/// The ids of the instances of storage `name` attached to this unit (`data/0`, ...).
pub fn list(name: &str) -> Result<Vec<String>> {
    Ok(wit::list(name)?)
}

/// An attached instance: its kind and where it is.
pub fn get(id: &str) -> Result<Instance> {
    Ok(wit::get(id)?)
}

/// Asks for `count` more instances of storage `name`; they attach after the hook succeeds,
/// each with a storage-attached event (Juju checks the charm's maximum then).
pub fn add(name: &str, count: u32) -> Result<()> {
    Ok(wit::add(name, count)?)
}
