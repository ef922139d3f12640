//! The contract's host side: the bindings generated from `wit/`, and one module per interface
//! that validates what the guest sent (ids, labels, keys, names, sizes) with Juju's rules
//! ([`validate`]) and converts it to Juju's vocabulary ([`convert`], the one place the
//! contract's types meet the rest of the host) before anything reaches the
//! [`crate::backend::Backend`].
//!
//! Written against a view of the store ([`CharmView`], as wasmtime-wasi's `WasiView`): the
//! host functions see the backend behind the hook's host-call budget and what the charm
//! queued, nothing of the engine, WASI or the limits.

mod actions;
mod binding;
pub(crate) mod bindings;
mod commands;
mod config;
mod convert;
pub mod event;
mod files;
mod goal_state;
mod leadership;
mod logging;
mod network;
mod ports;
mod relations;
mod secrets;
mod services;
mod state;
mod status;
mod storage;
mod v0_1;
pub(crate) mod validate;

use juju_hookcmds::queued::QueuedChanges;
use wasmtime::component::{HasData, Linker};

use crate::backend::Backend;
use crate::error::HostError;
use bindings::juju::charm::{events, types};

/// The version of the contract this host provides, and the one charms should target.
pub const CONTRACT_VERSION: &str = "0.2.2";

/// Every version this host runs, newest first: a charm built for an older one keeps running.
/// 0.2.1 and 0.2.2 only added to 0.2.0, so a 0.2.0 or 0.2.1 charm links with the current
/// host functions (wasmtime resolves `@0.2.0` imports to `@0.2.2` definitions,
/// semver-compatible); 0.1.0 has its own forwarding bindings.
pub const CONTRACT_VERSIONS: &[&str] = &[CONTRACT_VERSION, "0.2.1", "0.2.0", "0.1.0"];

/// The contract's interfaces; `types` and `events` hold only types.
pub const INTERFACES: &[&str] = &[
    "secrets",
    "relations",
    "leadership",
    "config",
    "logging",
    "status",
    "actions",
    "state",
    "ports",
    "bindings",
    "storage",
    "goal-state",
    "files",
    "commands",
    "services",
    "network",
    "types",
    "events",
];

/// The interfaces 0.2.0 added: 0.1.0 has the others.
const ADDED_IN_0_2: &[&str] = &["actions", "state"];

/// The interfaces 0.2.1 added: 0.2.0 has the others (and `status` gained functions).
const ADDED_IN_0_2_1: &[&str] = &["ports", "bindings", "storage", "goal-state"];

/// The interfaces 0.2.2 added: the unit's machine.
const ADDED_IN_0_2_2: &[&str] = &["files", "commands", "services", "network"];

/// The contract interface `import` names (`secrets` for `juju:charm/secrets@0.2.0`), if it
/// is one of a contract version this host runs.
pub fn interface(import: &str) -> Option<&str> {
    let (name, version) = import.split_once('@')?;
    let name = name.strip_prefix("juju:charm/")?;
    let added = |since: &[&[&str]]| since.iter().any(|added| added.contains(&name));
    let known = match version {
        CONTRACT_VERSION => true,
        "0.2.1" => !added(&[ADDED_IN_0_2_2]),
        "0.2.0" => !added(&[ADDED_IN_0_2_1, ADDED_IN_0_2_2]),
        "0.1.0" => !added(&[ADDED_IN_0_2, ADDED_IN_0_2_1, ADDED_IN_0_2_2]),
        _ => false,
    };
    (known && INTERFACES.contains(&name)).then_some(name)
}

/// The contract version a component's `imports` target: `None` if it imports none of the
/// contract, an error naming both if it mixes versions.
pub fn targets(imports: &[String]) -> Result<Option<&'static str>, String> {
    let mut found: Option<&'static str> = None;
    for import in imports {
        let Some(version) = import
            .strip_prefix("juju:charm/")
            .and_then(|rest| rest.split_once('@'))
            .and_then(|(_, v)| CONTRACT_VERSIONS.iter().find(|known| **known == v))
        else {
            continue;
        };
        match found {
            Some(other) if other != *version => {
                return Err(format!(
                    "it imports both contract {other} and {version}: a charm targets one version"
                ));
            }
            _ => found = Some(version),
        }
    }
    Ok(found)
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

/// Adds contract `version` (the one the component targets) to `linker`, each host function
/// reaching the store through `T`'s [`CharmView`]: a hook links only what its charm uses.
pub(crate) fn add_to_linker<T: CharmView + 'static>(
    linker: &mut Linker<T>,
    version: &str,
) -> wasmtime::Result<()> {
    if version == "0.1.0" {
        v0_1::Charm::add_to_linker::<T, HasCharm>(linker, T::charm)
    } else {
        bindings::Charm::add_to_linker::<T, HasCharm>(linker, T::charm)
    }
}

/// A linked charm, ready to instantiate, of whichever contract version it targets.
pub(crate) enum CharmPre<T: 'static> {
    /// The current contract.
    Current(bindings::CharmPre<T>),
    /// Contract 0.1.0.
    V0_1(v0_1::CharmPre<T>),
}

impl<T: CharmView + 'static> CharmPre<T> {
    /// Checks that `pre` exports the `handle` of contract `version`.
    pub(crate) fn new(
        pre: wasmtime::component::InstancePre<T>,
        version: &str,
    ) -> wasmtime::Result<Self> {
        Ok(if version == "0.1.0" {
            CharmPre::V0_1(v0_1::CharmPre::new(pre)?)
        } else {
            CharmPre::Current(bindings::CharmPre::new(pre)?)
        })
    }

    /// Instantiates the charm and hands it `event`: the charm's own verdict, or the trap.
    pub(crate) fn handle(
        &self,
        store: &mut wasmtime::Store<T>,
        event: &event::HookEvent,
    ) -> wasmtime::Result<Result<(), String>> {
        match self {
            CharmPre::Current(pre) => pre
                .instantiate(&mut *store)?
                .call_handle(store, event.contract()),
            CharmPre::V0_1(pre) => pre
                .instantiate(&mut *store)?
                .call_handle(store, &v0_1::event(event.contract())),
        }
    }
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
