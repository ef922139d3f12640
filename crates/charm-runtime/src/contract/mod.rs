//! The contract's host side: the bindings generated from `wit/`, and one module per interface
//! that validates what the guest sent (ids, labels, keys, names, sizes) with Juju's rules
//! ([`validate`]) and converts it to Juju's vocabulary ([`convert`], the one place the
//! contract's types meet the rest of the host) before anything reaches the
//! [`crate::backend::Backend`].
//!
//! Written against a view of the store ([`CharmView`], as wasmtime-wasi's `WasiView`): the
//! host functions see the backend behind the hook's host-call budget and what the charm
//! queued, nothing of the engine, WASI or the limits.

pub(crate) mod bindings;
mod config;
mod convert;
pub mod event;
mod leadership;
mod logging;
mod relations;
mod secrets;
mod status;
pub(crate) mod validate;

use juju_hookcmds::queued::QueuedChanges;
use wasmtime::component::{HasData, Linker};

use crate::backend::Backend;
use crate::error::HostError;
use bindings::juju::charm::{events, types};

/// The version of the contract this host provides.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// The contract's interfaces; `types` and `events` hold only types.
pub const INTERFACES: &[&str] = &[
    "secrets",
    "relations",
    "leadership",
    "config",
    "logging",
    "status",
    "types",
    "events",
];

/// The contract interface `import` names (`secrets` for `juju:charm/secrets@0.1.0`), if it
/// is one of this host's contract version.
pub fn interface(import: &str) -> Option<&str> {
    let (name, version) = import.split_once('@')?;
    let name = name.strip_prefix("juju:charm/")?;
    (version == CONTRACT_VERSION && INTERFACES.contains(&name)).then_some(name)
}

/// What the contract's host functions may touch of a hook's store.
pub(crate) struct CharmCtx<'a> {
    backend: &'a mut dyn Backend,
    /// Calls into the backend so far, and how many the hook may make.
    host_calls: &'a mut (u64, u64),
    /// What the charm queued for each secret in this hook, to warn when a remove drops it.
    queued: &'a mut QueuedChanges,
}

impl<'a> CharmCtx<'a> {
    /// A view over the parts of a store's state the contract needs.
    pub(crate) fn new(
        backend: &'a mut dyn Backend,
        host_calls: &'a mut (u64, u64),
        queued: &'a mut QueuedChanges,
    ) -> Self {
        CharmCtx {
            backend,
            host_calls,
            queued,
        }
    }

    /// The backend, for one more host call: the call traps once the budget is spent, so a
    /// charm cannot make the host run hook commands (or write audit lines) without end.
    fn backend(&mut self) -> Result<&mut dyn Backend, HostError> {
        let (made, budget) = &mut *self.host_calls;
        if *made >= *budget {
            return Err(HostError::HostCalls(*budget));
        }
        *made += 1;
        Ok(&mut *self.backend)
    }
}

/// A store's state that can lend the contract its view.
pub(crate) trait CharmView: Send {
    /// The view for one host call.
    fn charm(&mut self) -> CharmCtx<'_>;
}

struct HasCharm;

impl HasData for HasCharm {
    type Data<'a> = CharmCtx<'a>;
}

/// Adds the whole contract to `linker`, each host function reaching the store through `T`'s
/// [`CharmView`].
pub(crate) fn add_to_linker<T: CharmView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    bindings::Charm::add_to_linker::<T, HasCharm>(linker, T::charm)
}

impl types::Host for CharmCtx<'_> {
    /// Every failure but the ones that trap becomes the matching case of the contract's
    /// `error`, which the charm can catch and handle.
    fn convert_error(&mut self, err: HostError) -> wasmtime::Result<types::Error> {
        use types::Error as Wit;
        Ok(match err {
            HostError::NotFound(m) => Wit::NotFound(m),
            HostError::PermissionDenied(m) => Wit::PermissionDenied(m),
            HostError::NotLeader(m) => Wit::NotLeader(m),
            HostError::InvalidContent(m) => Wit::InvalidContent(m),
            HostError::LabelConflict(m) => Wit::LabelConflict(m),
            HostError::DeniedByPolicy(m) => Wit::DeniedByPolicy(m),
            HostError::InvalidArgument(m) => Wit::InvalidArgument(m),
            HostError::Backend(m) => Wit::Backend(m),
            HostError::Fatal(_) | HostError::HostCalls(_) => return Err(wasmtime::Error::new(err)),
        })
    }
}

impl events::Host for CharmCtx<'_> {}
