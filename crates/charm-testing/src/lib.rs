//! Tests for charm authors, in any wasm language, on the model of Juju (`juju-model`): the
//! [`Harness`] (a Rust API in the spirit of Scenario: state in, event, state out) and
//! [`scenario`]s (the same in YAML, for `charm-host simulate`). A charm runs in process on the
//! [`mock`] backend, or packed, through its `dispatch`, on the hook-command simulator.

#![warn(missing_docs)]

mod harness;
pub mod mock;
pub mod scenario;

pub use harness::{Harness, HookRecord};
