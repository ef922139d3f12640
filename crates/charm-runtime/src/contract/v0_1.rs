//! Contract 0.1.0, still provided so charms built for it keep running.
//!
//! Its interfaces are 0.2.0's, word for word, under the older version: each host function
//! here hands its call to the 0.2.0 one. The generated types of the two versions differ only
//! in name, so a value crosses by its serde shape ([`port`]). Its event has fewer kinds: a
//! hook 0.1.0 has no kind for arrives as `other(<hook name>)`, as it did.

// Generated code: its documentation is the WIT's.
#![allow(missing_docs)]

mod generated {
    wasmtime::component::bindgen!({
        world: "charm",
        path: "../../wit/0.1.0",
        imports: { default: trappable },
        trappable_error_type: { "juju:charm/types.error" => crate::error::HostError },
        additional_derives: [serde::Serialize, serde::Deserialize],
    });
}

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::CharmCtx;
use super::bindings::juju::charm as now;
use crate::error::HostError;
use generated::juju::charm as then;
pub(crate) use generated::{Charm, CharmPre};

/// A value of one version's generated type as the other version's same-shaped type.
fn port<A: Serialize, B: DeserializeOwned>(value: A) -> Result<B, HostError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            HostError::Fatal(format!(
                "a value does not convert between contract 0.1.0 and 0.2.0: {e}"
            ))
        })
}

/// The event as 0.1.0 shows it: a kind 0.1.0 has no case for is `other(<hook name>)`.
pub(crate) fn event(event: &now::events::Event) -> then::events::Event {
    let kind = serde_json::to_value(&event.kind)
        .and_then(serde_json::from_value)
        .unwrap_or_else(|_| then::events::Kind::Other(event.hook_name.clone()));
    then::events::Event {
        kind,
        hook_name: event.hook_name.clone(),
        unit: event.unit.clone(),
        app: event.app.clone(),
        model_name: event.model_name.clone(),
        model_uuid: event.model_uuid.clone(),
    }
}

impl then::types::Host for CharmCtx<'_> {
    fn convert_error(&mut self, err: HostError) -> wasmtime::Result<then::types::Error> {
        let now = now::types::Host::convert_error(self, err)?;
        Ok(port(now)?)
    }
}

impl then::events::Host for CharmCtx<'_> {}

impl then::leadership::Host for CharmCtx<'_> {
    fn is_leader(&mut self) -> Result<bool, HostError> {
        now::leadership::Host::is_leader(self)
    }
}

impl then::config::Host for CharmCtx<'_> {
    fn get_all(&mut self) -> Result<Vec<(String, then::config::Value)>, HostError> {
        port(now::config::Host::get_all(self)?)
    }
}

impl then::logging::Host for CharmCtx<'_> {
    fn log(&mut self, level: then::logging::Level, message: String) -> Result<(), HostError> {
        now::logging::Host::log(self, port(level)?, message)
    }
}

impl then::status::Host for CharmCtx<'_> {
    fn set(
        &mut self,
        state: then::status::State,
        message: String,
        application: bool,
    ) -> Result<(), HostError> {
        now::status::Host::set(self, port(state)?, message, application)
    }
}

impl then::relations::Host for CharmCtx<'_> {
    fn ids(&mut self, endpoint: String) -> Result<Vec<u32>, HostError> {
        now::relations::Host::ids(self, endpoint)
    }

    fn units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        now::relations::Host::units(self, relation_id)
    }

    fn remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        now::relations::Host::remote_app(self, relation_id)
    }

    fn get(
        &mut self,
        relation_id: u32,
        bag: then::relations::Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        now::relations::Host::get(self, relation_id, port(bag)?)
    }

    fn set(
        &mut self,
        relation_id: u32,
        scope: then::relations::Scope,
        data: Vec<(String, String)>,
    ) -> Result<(), HostError> {
        now::relations::Host::set(self, relation_id, port(scope)?, data)
    }
}

impl then::secrets::Host for CharmCtx<'_> {
    fn add(
        &mut self,
        content: Vec<(String, String)>,
        options: then::secrets::AddOptions,
    ) -> Result<String, HostError> {
        now::secrets::Host::add(self, content, port(options)?)
    }

    fn get(
        &mut self,
        secret: then::secrets::SecretRef,
        options: then::secrets::GetOptions,
    ) -> Result<Vec<(String, String)>, HostError> {
        now::secrets::Host::get(self, port(secret)?, port(options)?)
    }

    fn info(
        &mut self,
        secret: then::secrets::SecretRef,
    ) -> Result<then::secrets::SecretInfo, HostError> {
        port(now::secrets::Host::info(self, port(secret)?)?)
    }

    fn set(
        &mut self,
        id: String,
        content: Option<Vec<(String, String)>>,
        options: then::secrets::SetOptions,
    ) -> Result<(), HostError> {
        now::secrets::Host::set(self, id, content, port(options)?)
    }

    fn grant(
        &mut self,
        id: String,
        relation_id: u32,
        unit: Option<String>,
    ) -> Result<(), HostError> {
        now::secrets::Host::grant(self, id, relation_id, unit)
    }

    fn revoke(&mut self, id: String, grantee: then::secrets::Grantee) -> Result<(), HostError> {
        now::secrets::Host::revoke(self, id, port(grantee)?)
    }

    fn remove(&mut self, id: String, revision: Option<u32>) -> Result<(), HostError> {
        now::secrets::Host::remove(self, id, revision)
    }

    fn ids(&mut self) -> Result<Vec<String>, HostError> {
        now::secrets::Host::ids(self)
    }
}
