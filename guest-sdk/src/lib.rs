//! Write Juju charms in Rust, run them sandboxed under `charm-host`.
//!
//! A charm is one type implementing [`Charm`], exported with [`export_charm!`]. Each hook,
//! the host calls [`Charm::handle`] with the [`Event`] Juju is dispatching and a [`Context`]
//! naming the unit. Everything a charm does goes through the host, which grants only what the
//! charm was allowed:
//!
//! - secrets: [`Context::app`]/[`Context::unit`] `.add_secret(..)`, [`secret_by_id`],
//!   [`secret_by_label`], [`secret_by_id_with_label`], and the [`Secret`] handle;
//! - relations and their data ([`relations`], [`Relation`]; peer relations too, whose
//!   remote units are this application's others), leadership ([`is_leader`]), configuration
//!   ([`config`]), logging ([`log`]) and status ([`status`]);
//! - actions ([`action`]: typed parameters, results, progress, failure) and the unit's own
//!   state across hooks ([`state`], [`state::Stored`]);
//! - the unit's place in the deployment: its open ports ([`ports`]), its bindings' addresses
//!   ([`binding`]), its storage ([`storage`]), where the deployment is heading
//!   ([`goal_state`], [`goal_state::planned_units`]), its status as Juju reports it and the
//!   application's version ([`status::get`], [`status::set_version`]);
//! - the unit's machine, one grant at a time: files ([`files`]: atomic writes with exact modes
//!   and owners), the workload's programs ([`commands`]: secrets on stdin), its services
//!   ([`services`]) and outbound TCP ([`network`]).
//!
//! Juju's `leader-get`/`leader-set` are left out: a peer relation's application data does
//! the same job (the leader writes, every unit reads), as Juju's documentation recommends.
//!
//! ```no_run
//! use juju_charm::{Charm, Context, Event, Result, SecretContent};
//!
//! struct Database;
//!
//! impl Charm for Database {
//!     fn handle(ctx: &Context, event: Event) -> Result<()> {
//!         if let Event::RelationJoined(joined) = event {
//!             if !juju_charm::is_leader()? {
//!                 return Ok(());
//!             }
//!             let content = SecretContent::from_pairs([("username", "admin"), ("password", "s3cret")])?;
//!             let mut secret = ctx.app().add_secret(content).label("db-credentials").create()?;
//!             secret.grant(&joined.relation)?;
//!             joined.relation.set_app_data([("secret-id", secret.id().unwrap_or_default())])?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! juju_charm::export_charm!(Database);
//! ```
//!
//! Build with `cargo build --release --target wasm32-wasip2`: the output is a component.

#![warn(missing_docs)]

pub mod action;
pub mod binding;
pub mod commands;
mod content;
mod error;
mod event;
pub mod files;
pub mod goal_state;
mod model;
pub mod network;
pub mod ports;
mod secret;
pub mod services;
pub mod state;
pub mod storage;

pub use content::{ContentError, SecretContent};
pub use error::{Error, Result};
pub use event::{
    ActionEvent, CheckEvent, Context, Event, NoticeEvent, RelationEvent, SecretEvent,
    SecretRevisionEvent, StorageEvent,
};
pub use model::{
    Config, ConfigValue, Relation, config, is_leader, log, relation, relations, status,
};
pub use secret::{
    AddSecret, Rotate, Secret, SecretInfo, SecretOwner, SetInfo, owned_secret_ids, secret_by_id,
    secret_by_id_with_label, secret_by_label,
};

/// Raw bindings of the `juju:charm` contract; the SDK's types wrap them.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "charm",
        path: "../wit",
        pub_export_macro: true,
        export_macro_name: "__export_charm_bindings",
        default_bindings_module: "juju_charm::bindings",
    });
}

/// A charm: one type whose `handle` reacts to each event Juju dispatches.
pub trait Charm {
    /// Handles one event. `Ok` commits the hook's changes; `Err` fails the hook, so Juju
    /// discards them and retries later.
    fn handle(ctx: &Context, event: Event) -> Result<()>;
}

/// Runs a charm on one event from the host. Used by [`export_charm!`].
#[doc(hidden)]
pub fn __run<C: Charm>(
    event: bindings::juju::charm::events::Event,
) -> std::result::Result<(), String> {
    let (ctx, event) = event::from_wit(event);
    C::handle(&ctx, event).map_err(|e| e.to_string())
}

/// Exports a [`Charm`] type as the component's `handle` entry point.
#[macro_export]
macro_rules! export_charm {
    ($charm:ty) => {
        const _: () = {
            struct __JujuCharmExport;
            impl $crate::bindings::Guest for __JujuCharmExport {
                fn handle(
                    event: $crate::bindings::juju::charm::events::Event,
                ) -> ::core::result::Result<(), ::std::string::String> {
                    $crate::__run::<$charm>(event)
                }
            }
            $crate::bindings::__export_charm_bindings!(__JujuCharmExport with_types_in $crate::bindings);
        };
    };
}
