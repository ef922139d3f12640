//! Juju's hook commands, both ways, in one place (in the spirit of ops' `hookcmds`): the
//! vocabulary they speak, the command lines the host runs ([`args`]) and how it reads their
//! output ([`output`]) and errors ([`CommandError::from_stderr`]); and for the simulator, how
//! Juju parses a command line ([`cli`]), prints its output ([`format`]) and refuses
//! ([`JujuError`]). The production backend and the model both build on it, so neither needs
//! the other, and the grammar exists once. No wasmtime: the model of Juju depends on it.

#![warn(missing_docs)]

pub mod args;
pub mod charm;
pub mod cli;
mod error;
pub mod format;
pub mod output;
pub mod ports;
pub mod process;
pub mod queued;
mod types;
pub mod workload;
pub mod yaml;

pub use error::{CommandError, JujuError, neutral};
pub use types::{
    AccessGrant, AddOptions, AddOwner, ApplicationStatus, BindAddress, ConfigValue, Databag,
    Datetime, Expiry, Goal, GoalState, Grantee, InterfaceAddress, LogLevel, Lookup, NetworkInfo,
    OwnerKind, ReadMode, RelationUnit, RotatePolicy, Scope, SecretInfo, SetOptions, StatusInfo,
    StorageDetails, StorageKind, WorkloadState,
};
