//! `charm-runtime`: what runs inside every packed charm, and nothing else.
//!
//! The path of one hook ([`unit::UnitCommand`]'s `run`): [`event`] reads Juju's environment into the
//! contract's event; the [`engine`] loads the charm's component from the machine's artifact
//! cache into a sandbox (no files, network, environment or processes) with limits; the charm
//! calls the contract's host functions ([`contract`]), which validate every argument with
//! Juju's rules and pass it, in Juju's vocabulary, through the [`capabilities`]' policy to one
//! [`backend::Backend`] — in production Juju's hook commands, and for the unit's own machine
//! (files, programs, services, outbound TCP, each only as granted) the [`machine`]; the charm's
//! result becomes the hook's exit status.

#![warn(missing_docs)]

pub mod backend;
pub mod capabilities;
pub mod contract;
pub mod engine;
mod error;
pub mod machine;
pub mod private_file;
pub mod unit;

pub use contract::event;
pub use error::HostError;

/// The version every charm-host binary carries as plain bytes, so that `charm-host check`
/// can read a bundled runtime's version without running it.
pub static VERSION_MARKER: &str = concat!("\0charm-host version ", env!("CARGO_PKG_VERSION"), "\0");
