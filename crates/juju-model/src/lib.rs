//! A model of Juju without wasmtime: the one copy of Juju's semantics in the project (what a
//! hook's calls do to the deployment), and the two front doors a charm reaches it through.
//!
//! - [`Model`]: applications, units, leaders, relations and databags, config, status, logs and
//!   secrets with Juju 3.6.11's semantics; [`HookContext`], one hook as the unit agent runs it,
//!   with its pending buffer committed only if the hook succeeds.
//! - [`simulator`]: Juju's hook commands as real processes on that context, and
//!   [`simulator::UnitAgent`], a stand-in for Juju's unit agent that runs a charm directory's
//!   `dispatch`. Any charm runs on it: a packed wasm charm or a plain Python `ops` charm.
//!
//! The in-process mock backend (in `charm-testing`) is the other door: it calls the same
//! [`HookContext`], so a charm cannot tell which one it runs behind.

#![warn(missing_docs)]

mod model;
pub mod simulator;

pub use model::{
    ActionSpec, App, Call, Connection, Consumer, Endpoint, Entry, Grant, HookContext, HookKind,
    JujuError, LogLine, Machine, MachineError, Model, ModelError, Owner, Program, QueuedHook, Ran,
    Relation, Revision, Secret, Service, Status, Subject, Task, dispatched_name, keys_summary,
};
