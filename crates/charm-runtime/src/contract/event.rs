//! The event a hook handles, read from the environment Juju gives the dispatch process.

use crate::contract::bindings::juju::charm::events::{
    Event, Kind, RelationEvent, SecretEvent, SecretRevisionEvent,
};

/// The event one hook hands the charm, read from Juju's environment. Opaque outside the
/// contract's host side: the rest of the host needs only its name and its relation.
#[derive(Debug, Clone)]
pub struct HookEvent(Event);

impl HookEvent {
    /// The hook's name (`install`, `database-relation-joined`, ...).
    pub fn hook_name(&self) -> &str {
        &self.0.hook_name
    }

    /// The relation and endpoint a relation hook is about; `None` for other hooks.
    pub fn relation(&self) -> Option<(u32, String)> {
        match &self.0.kind {
            Kind::RelationCreated(r)
            | Kind::RelationJoined(r)
            | Kind::RelationChanged(r)
            | Kind::RelationDeparted(r)
            | Kind::RelationBroken(r) => Some((r.relation_id, r.endpoint.clone())),
            _ => None,
        }
    }

    /// The contract's value, for the charm's `handle`.
    pub(crate) fn contract(&self) -> &Event {
        &self.0
    }
}

/// Why the environment does not describe a hook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(String);

const RELATION_SUFFIXES: [&str; 5] = [
    "-relation-created",
    "-relation-joined",
    "-relation-changed",
    "-relation-departed",
    "-relation-broken",
];

/// Builds the event from Juju's variables, read through `var` (so tests need no process
/// environment). The hook name is `JUJU_HOOK_NAME`, else the last part of
/// `JUJU_DISPATCH_PATH` (`hooks/install` → `install`).
pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<HookEvent, EventError> {
    contract_event(var).map(HookEvent)
}

fn contract_event(var: impl Fn(&str) -> Option<String>) -> Result<Event, EventError> {
    let get = |name: &str| var(name).filter(|v| !v.is_empty());
    let require = |name: &str| {
        get(name).ok_or_else(|| {
            EventError(format!(
                "{name} is not set: `charm-host run` must be started by a charm's dispatch, in a Juju hook"
            ))
        })
    };
    let hook_name = match get("JUJU_HOOK_NAME") {
        Some(name) => name,
        None => {
            let path = require("JUJU_DISPATCH_PATH")
                .map_err(|_| EventError("neither JUJU_HOOK_NAME nor JUJU_DISPATCH_PATH is set: `charm-host run` must be started by a charm's dispatch, in a Juju hook".into()))?;
            path.rsplit('/').next().unwrap_or(&path).to_string()
        }
    };
    let unit = require("JUJU_UNIT_NAME")?;
    let app = match unit.split_once('/') {
        Some((app, _)) => app.to_string(),
        None => return Err(EventError(format!("JUJU_UNIT_NAME {unit:?} not valid"))),
    };

    let relation = |endpoint: &str| -> Result<RelationEvent, EventError> {
        let raw = require("JUJU_RELATION_ID")?;
        let relation_id = raw
            .rsplit(':')
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| EventError(format!("JUJU_RELATION_ID {raw:?} not valid")))?;
        Ok(RelationEvent {
            endpoint: endpoint.to_string(),
            relation_id,
            remote_app: get("JUJU_REMOTE_APP")
                .or_else(|| {
                    get("JUJU_REMOTE_UNIT").and_then(|u| u.split_once('/').map(|(a, _)| a.into()))
                })
                .unwrap_or_default(),
            remote_unit: get("JUJU_REMOTE_UNIT"),
            departing_unit: get("JUJU_DEPARTING_UNIT"),
        })
    };
    let secret = || -> Result<SecretEvent, EventError> {
        Ok(SecretEvent {
            id: require("JUJU_SECRET_ID")?,
            label: get("JUJU_SECRET_LABEL"),
        })
    };
    let secret_revision = || -> Result<SecretRevisionEvent, EventError> {
        let raw = require("JUJU_SECRET_REVISION")?;
        let revision = raw
            .parse()
            .ok()
            .filter(|&r| r > 0)
            .ok_or_else(|| EventError(format!("JUJU_SECRET_REVISION {raw:?} not valid")))?;
        let s = secret()?;
        Ok(SecretRevisionEvent {
            id: s.id,
            label: s.label,
            revision,
        })
    };

    let kind = match hook_name.as_str() {
        "install" => Kind::Install,
        "start" => Kind::Start,
        "stop" => Kind::Stop,
        "remove" => Kind::Remove,
        "upgrade-charm" => Kind::UpgradeCharm,
        "config-changed" => Kind::ConfigChanged,
        "update-status" => Kind::UpdateStatus,
        "leader-elected" => Kind::LeaderElected,
        "secret-changed" => Kind::SecretChanged(secret()?),
        "secret-rotate" => Kind::SecretRotate(secret()?),
        "secret-expired" => Kind::SecretExpired(secret_revision()?),
        "secret-remove" => Kind::SecretRemove(secret_revision()?),
        name => match RELATION_SUFFIXES
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).map(|endpoint| (endpoint, suffix)))
        {
            Some((endpoint, suffix)) if !endpoint.is_empty() => {
                let r = relation(endpoint)?;
                match *suffix {
                    "-relation-created" => Kind::RelationCreated(r),
                    "-relation-joined" => Kind::RelationJoined(r),
                    "-relation-changed" => Kind::RelationChanged(r),
                    "-relation-departed" => Kind::RelationDeparted(r),
                    _ => Kind::RelationBroken(r),
                }
            }
            _ => Kind::Other(name.to_string()),
        },
    };
    Ok(Event {
        kind,
        hook_name,
        unit,
        app,
        model_name: get("JUJU_MODEL_NAME").unwrap_or_default(),
        model_uuid: get("JUJU_MODEL_UUID").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn event(vars: &[(&str, &str)]) -> Result<Event, EventError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        contract_event(|k| map.get(k).cloned())
    }

    const UNIT: (&str, &str) = ("JUJU_UNIT_NAME", "database/0");

    #[test]
    fn the_hook_name_comes_from_the_dispatch_path_when_juju_hook_name_is_absent() {
        let e = event(&[("JUJU_DISPATCH_PATH", "hooks/install"), UNIT]).unwrap();
        assert_eq!(e.hook_name, "install");
        assert!(matches!(e.kind, Kind::Install));
        assert_eq!(e.app, "database");
    }

    #[test]
    fn identity_comes_from_unit_and_model_variables() {
        let e = event(&[
            ("JUJU_HOOK_NAME", "start"),
            UNIT,
            ("JUJU_MODEL_NAME", "prod"),
            ("JUJU_MODEL_UUID", "42022b73-9739-4a66-890d-f4df231ce55f"),
        ])
        .unwrap();
        assert_eq!(
            (e.unit.as_str(), e.app.as_str(), e.model_name.as_str()),
            ("database/0", "database", "prod")
        );
        assert_eq!(e.model_uuid, "42022b73-9739-4a66-890d-f4df231ce55f");
    }

    #[test]
    fn relation_hooks_carry_endpoint_relation_and_remote_unit() {
        let e = event(&[
            ("JUJU_HOOK_NAME", "database-relation-joined"),
            UNIT,
            ("JUJU_RELATION_ID", "database:7"),
            ("JUJU_REMOTE_APP", "webserver"),
            ("JUJU_REMOTE_UNIT", "webserver/1"),
        ])
        .unwrap();
        let Kind::RelationJoined(r) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!(r.endpoint, "database");
        assert_eq!(r.relation_id, 7);
        assert_eq!(r.remote_app, "webserver");
        assert_eq!(r.remote_unit.as_deref(), Some("webserver/1"));
    }

    #[test]
    fn relation_departed_names_the_departing_unit() {
        let e = event(&[
            ("JUJU_HOOK_NAME", "db-admin-relation-departed"),
            UNIT,
            ("JUJU_RELATION_ID", "3"),
            ("JUJU_REMOTE_UNIT", "webserver/1"),
            ("JUJU_DEPARTING_UNIT", "webserver/1"),
        ])
        .unwrap();
        let Kind::RelationDeparted(r) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!(r.endpoint, "db-admin");
        assert_eq!(r.remote_app, "webserver");
        assert_eq!(r.departing_unit.as_deref(), Some("webserver/1"));
    }

    #[test]
    fn secret_remove_requires_a_revision() {
        let base = [
            ("JUJU_HOOK_NAME", "secret-remove"),
            UNIT,
            ("JUJU_SECRET_ID", "secret:cid6tkuffbas7af0e0eg"),
            ("JUJU_SECRET_LABEL", ""),
        ];
        assert_eq!(
            event(&base).unwrap_err().to_string(),
            "JUJU_SECRET_REVISION is not set: `charm-host run` must be started by a charm's dispatch, in a Juju hook"
        );
        let mut with_rev = base.to_vec();
        with_rev.push(("JUJU_SECRET_REVISION", "2"));
        let Kind::SecretRemove(s) = event(&with_rev).unwrap().kind else {
            panic!("wrong kind")
        };
        assert_eq!(s.revision, 2);
        assert_eq!(s.label, None, "an empty JUJU_SECRET_LABEL means no label");
    }

    #[test]
    fn secret_changed_carries_id_and_label() {
        let e = event(&[
            ("JUJU_HOOK_NAME", "secret-changed"),
            UNIT,
            ("JUJU_SECRET_ID", "secret:cid6tkuffbas7af0e0eg"),
            ("JUJU_SECRET_LABEL", "database-secret"),
        ])
        .unwrap();
        let Kind::SecretChanged(s) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!(s.label.as_deref(), Some("database-secret"));
    }

    #[test]
    fn unknown_hooks_are_other_with_their_name() {
        let e = event(&[("JUJU_HOOK_NAME", "workload-pebble-ready"), UNIT]).unwrap();
        assert!(matches!(e.kind, Kind::Other(ref n) if n == "workload-pebble-ready"));
    }

    #[test]
    fn missing_unit_name_is_a_clear_error() {
        let err = event(&[("JUJU_HOOK_NAME", "install")]).unwrap_err();
        assert!(
            err.to_string().starts_with("JUJU_UNIT_NAME is not set"),
            "{err}"
        );
    }
}
