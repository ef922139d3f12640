//! The event a hook handles, read from the environment Juju gives the dispatch process.

use crate::contract::bindings::juju::charm::events::{
    ActionEvent, CheckEvent, Event, Kind, NoticeEvent, RelationEvent, SecretEvent,
    SecretRevisionEvent, StorageEvent, WorkloadEvent,
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

    /// The action this hook runs, if it runs one.
    pub fn action(&self) -> Option<&str> {
        match &self.0.kind {
            Kind::Action(a) => Some(&a.name),
            _ => None,
        }
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

/// The hooks named after something in the charm's metadata: `<name><suffix>`.
const NAMED_SUFFIXES: [&str; 11] = [
    "-relation-created",
    "-relation-joined",
    "-relation-changed",
    "-relation-departed",
    "-relation-broken",
    "-storage-attached",
    "-storage-detaching",
    "-pebble-ready",
    "-pebble-custom-notice",
    "-pebble-check-failed",
    "-pebble-check-recovered",
];

/// Builds the event from Juju's variables, read through `var` (so tests need no process
/// environment). The hook name is `JUJU_HOOK_NAME`, else the last part of
/// `JUJU_DISPATCH_PATH` (`hooks/install` → `install`, `actions/backup` → `backup`); an
/// action is told by `JUJU_ACTION_NAME` (Juju leaves `JUJU_HOOK_NAME` empty for one).
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
    let hook_name = match get("JUJU_HOOK_NAME").or_else(|| get("JUJU_ACTION_NAME")) {
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

    let storage = |name: &str| -> Result<StorageEvent, EventError> {
        Ok(StorageEvent {
            name: name.to_string(),
            id: require("JUJU_STORAGE_ID")?,
        })
    };
    let workload = |name: &str| get("JUJU_WORKLOAD_NAME").unwrap_or_else(|| name.to_string());
    let check = |name: &str| -> Result<CheckEvent, EventError> {
        Ok(CheckEvent {
            workload: workload(name),
            check_name: require("JUJU_PEBBLE_CHECK_NAME")?,
        })
    };

    if let Some(name) = get("JUJU_ACTION_NAME") {
        return Ok(Event {
            kind: Kind::Action(ActionEvent {
                name: name.clone(),
                id: require("JUJU_ACTION_UUID")?,
            }),
            hook_name,
            unit,
            app,
            model_name: get("JUJU_MODEL_NAME").unwrap_or_default(),
            model_uuid: get("JUJU_MODEL_UUID").unwrap_or_default(),
        });
    }
    let kind = match hook_name.as_str() {
        "install" => Kind::Install,
        "start" => Kind::Start,
        "stop" => Kind::Stop,
        "remove" => Kind::Remove,
        "upgrade-charm" => Kind::UpgradeCharm,
        "config-changed" => Kind::ConfigChanged,
        "update-status" => Kind::UpdateStatus,
        "leader-elected" => Kind::LeaderElected,
        "leader-settings-changed" => Kind::LeaderSettingsChanged,
        "pre-series-upgrade" => Kind::PreSeriesUpgrade,
        "post-series-upgrade" => Kind::PostSeriesUpgrade,
        "collect-metrics" => Kind::CollectMetrics,
        "meter-status-changed" => Kind::MeterStatusChanged,
        "secret-changed" => Kind::SecretChanged(secret()?),
        "secret-rotate" => Kind::SecretRotate(secret()?),
        "secret-expired" => Kind::SecretExpired(secret_revision()?),
        "secret-remove" => Kind::SecretRemove(secret_revision()?),
        name => match NAMED_SUFFIXES
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).map(|prefix| (prefix, *suffix)))
        {
            Some((prefix, suffix)) if !prefix.is_empty() => match suffix {
                "-relation-created" => Kind::RelationCreated(relation(prefix)?),
                "-relation-joined" => Kind::RelationJoined(relation(prefix)?),
                "-relation-changed" => Kind::RelationChanged(relation(prefix)?),
                "-relation-departed" => Kind::RelationDeparted(relation(prefix)?),
                "-relation-broken" => Kind::RelationBroken(relation(prefix)?),
                "-storage-attached" => Kind::StorageAttached(storage(prefix)?),
                "-storage-detaching" => Kind::StorageDetaching(storage(prefix)?),
                "-pebble-ready" => Kind::PebbleReady(WorkloadEvent {
                    workload: workload(prefix),
                }),
                "-pebble-custom-notice" => Kind::PebbleCustomNotice(NoticeEvent {
                    workload: workload(prefix),
                    notice_id: require("JUJU_NOTICE_ID")?,
                    notice_type: require("JUJU_NOTICE_TYPE")?,
                    notice_key: require("JUJU_NOTICE_KEY")?,
                }),
                "-pebble-check-failed" => Kind::PebbleCheckFailed(check(prefix)?),
                _ => Kind::PebbleCheckRecovered(check(prefix)?),
            },
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
        let e = event(&[("JUJU_HOOK_NAME", "teleport-requested"), UNIT]).unwrap();
        assert!(matches!(e.kind, Kind::Other(ref n) if n == "teleport-requested"));
    }

    #[test]
    fn every_hook_juju_dispatches_has_its_own_kind() {
        let vars = [
            UNIT,
            ("JUJU_RELATION_ID", "peers:4"),
            ("JUJU_STORAGE_ID", "data/0"),
            ("JUJU_WORKLOAD_NAME", "workload"),
            ("JUJU_NOTICE_ID", "12"),
            ("JUJU_NOTICE_TYPE", "custom"),
            ("JUJU_NOTICE_KEY", "example.com/a"),
            ("JUJU_PEBBLE_CHECK_NAME", "http"),
            ("JUJU_SECRET_ID", "secret:cid6tkuffbas7af0e0eg"),
            ("JUJU_SECRET_REVISION", "1"),
        ];
        for hook in [
            "install",
            "start",
            "stop",
            "remove",
            "upgrade-charm",
            "config-changed",
            "update-status",
            "leader-elected",
            "leader-settings-changed",
            "pre-series-upgrade",
            "post-series-upgrade",
            "collect-metrics",
            "meter-status-changed",
            "peers-relation-created",
            "peers-relation-joined",
            "peers-relation-changed",
            "peers-relation-departed",
            "peers-relation-broken",
            "secret-changed",
            "secret-rotate",
            "secret-expired",
            "secret-remove",
            "data-storage-attached",
            "data-storage-detaching",
            "workload-pebble-ready",
            "workload-pebble-custom-notice",
            "workload-pebble-check-failed",
            "workload-pebble-check-recovered",
        ] {
            let mut all = vars.to_vec();
            all.push(("JUJU_HOOK_NAME", hook));
            let e = event(&all).unwrap_or_else(|e| panic!("{hook}: {e}"));
            assert!(!matches!(e.kind, Kind::Other(_)), "{hook} arrived as other");
        }
    }

    #[test]
    fn an_action_is_told_by_its_name_with_juju_hook_name_empty() {
        let e = event(&[
            ("JUJU_HOOK_NAME", ""),
            ("JUJU_DISPATCH_PATH", "actions/rotate-password"),
            ("JUJU_ACTION_NAME", "rotate-password"),
            ("JUJU_ACTION_UUID", "42"),
            UNIT,
        ])
        .unwrap();
        let Kind::Action(a) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!((a.name.as_str(), a.id.as_str()), ("rotate-password", "42"));
        assert_eq!(e.hook_name, "rotate-password");
    }

    #[test]
    fn pebble_and_storage_hooks_carry_their_workload_and_storage() {
        let e = event(&[
            ("JUJU_HOOK_NAME", "data-storage-attached"),
            ("JUJU_STORAGE_ID", "data/3"),
            UNIT,
        ])
        .unwrap();
        let Kind::StorageAttached(s) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!((s.name.as_str(), s.id.as_str()), ("data", "data/3"));
        let e = event(&[
            ("JUJU_HOOK_NAME", "web-pebble-check-failed"),
            ("JUJU_WORKLOAD_NAME", "web"),
            ("JUJU_PEBBLE_CHECK_NAME", "alive"),
            UNIT,
        ])
        .unwrap();
        let Kind::PebbleCheckFailed(c) = e.kind else {
            panic!("wrong kind")
        };
        assert_eq!(
            (c.workload.as_str(), c.check_name.as_str()),
            ("web", "alive")
        );
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
