//! The host side of each interface of the contract, one module per interface.
//!
//! Each function validates what the guest sent (ids, labels, keys, names, sizes) with Juju's
//! rules before anything reaches the [`crate::backend::Backend`], so a backend never sees a
//! value that could be mistaken for a flag or that Juju would reject.

mod config;
mod leadership;
mod logging;
mod relations;
mod secrets;
mod status;

use crate::bindings::juju::charm::{events, types};
use crate::error::HostError;
use crate::runtime::HostState;

impl types::Host for HostState {
    fn convert_error(&mut self, err: HostError) -> wasmtime::Result<types::Error> {
        match err.to_wit() {
            Some(wit) => Ok(wit),
            None => Err(wasmtime::Error::new(err)),
        }
    }
}

impl events::Host for HostState {}
