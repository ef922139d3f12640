//! `charm-host`: runs Juju charms compiled to WebAssembly components.
//!
//! The path of one hook: [`event`] reads Juju's environment into the contract's `event`;
//! [`runtime`] loads the charm's component into a sandbox (no files, network, environment or
//! processes) with limits; the charm calls the host functions in [`interfaces`], which validate
//! every argument with Juju's rules ([`juju`]) and carry the call out through one
//! [`backend::Backend`]; the charm's result becomes the hook's exit status.

#![warn(missing_docs)]

pub mod backend;
pub mod bindings;
pub mod capabilities;
pub mod error;
pub mod event;
pub mod harness;
pub mod juju;
pub mod model;
pub mod pack;
pub mod private_file;
pub mod simulator;

pub use error::HostError;
pub mod interfaces;
pub mod runtime;
pub mod yaml;
