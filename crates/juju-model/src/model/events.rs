//! The hooks Juju queues for a unit, and the environment it dispatches them with.

use serde::{Deserialize, Serialize};

use super::Model;

/// A hook for one unit, as the model queues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HookKind {
    /// See Juju's hook of the same name.
    Install,
    /// See Juju's hook of the same name.
    Start,
    /// See Juju's hook of the same name.
    Stop,
    /// See Juju's hook of the same name.
    Remove,
    /// See Juju's hook of the same name.
    UpgradeCharm,
    /// See Juju's hook of the same name.
    ConfigChanged,
    /// See Juju's hook of the same name.
    UpdateStatus,
    /// See Juju's hook of the same name.
    LeaderElected,
    /// `<endpoint>-relation-created`.
    RelationCreated {
        /// The relation.
        relation_id: u32,
    },
    /// `<endpoint>-relation-joined`.
    RelationJoined {
        /// The relation.
        relation_id: u32,
        /// The unit that joined.
        remote_unit: String,
    },
    /// `remote_unit` is `None` when the remote application's databag changed.
    RelationChanged {
        /// The relation.
        relation_id: u32,
        /// The unit whose data changed.
        remote_unit: Option<String>,
    },
    /// `<endpoint>-relation-departed`.
    RelationDeparted {
        /// The relation.
        relation_id: u32,
        /// The unit the event is about.
        remote_unit: String,
        /// The unit that is leaving.
        departing_unit: String,
    },
    /// `<endpoint>-relation-broken`.
    RelationBroken {
        /// The relation.
        relation_id: u32,
    },
    /// `secret-changed`, for a consumer.
    SecretChanged {
        /// The secret.
        xid: String,
    },
    /// `secret-rotate`, for the manager.
    SecretRotate {
        /// The secret.
        xid: String,
    },
    /// `secret-expired`, for the manager.
    SecretExpired {
        /// The secret.
        xid: String,
        /// The revision that expired.
        revision: u32,
    },
    /// `secret-remove`, for the manager.
    SecretRemove {
        /// The secret.
        xid: String,
        /// The revision nobody tracks any more.
        revision: u32,
    },
    /// `<name>-storage-attached`: a storage instance is attached to the unit.
    StorageAttached {
        /// The instance, e.g. `data/0`.
        id: String,
    },
    /// `<name>-storage-detaching`: a storage instance is about to be detached.
    StorageDetaching {
        /// The instance.
        id: String,
    },
    /// An action the operator ran (`juju run`); its parameters are on the model's task.
    Action {
        /// The task's id (`JUJU_ACTION_UUID`).
        id: String,
        /// The action's name.
        name: String,
    },
    /// Any other hook, by name.
    Other(String),
}

impl HookKind {
    /// The relation the hook is about, if any.
    pub fn relation_id(&self) -> Option<u32> {
        match self {
            HookKind::RelationCreated { relation_id }
            | HookKind::RelationJoined { relation_id, .. }
            | HookKind::RelationChanged { relation_id, .. }
            | HookKind::RelationDeparted { relation_id, .. }
            | HookKind::RelationBroken { relation_id } => Some(*relation_id),
            _ => None,
        }
    }

    /// The secret the hook is about, if any.
    pub fn secret_xid(&self) -> Option<&str> {
        match self {
            HookKind::SecretChanged { xid }
            | HookKind::SecretRotate { xid }
            | HookKind::SecretExpired { xid, .. }
            | HookKind::SecretRemove { xid, .. } => Some(xid),
            _ => None,
        }
    }
}

/// Whether a queued hook still makes sense: its secret (and revision) and relation exist.
/// Relation-departed and -broken are exempt: they fire after the relation is gone.
pub(super) fn still_relevant(model: &Model, kind: &HookKind) -> bool {
    match kind {
        HookKind::SecretRemove { xid, revision } | HookKind::SecretExpired { xid, revision } => {
            model
                .secrets
                .get(xid)
                .is_some_and(|s| s.revisions.contains_key(revision))
        }
        HookKind::SecretChanged { xid } | HookKind::SecretRotate { xid } => {
            model.secrets.contains_key(xid)
        }
        HookKind::RelationDeparted { .. } | HookKind::RelationBroken { .. } => true,
        HookKind::StorageAttached { id } | HookKind::StorageDetaching { id } => {
            model.storage.contains_key(id)
        }
        other => other
            .relation_id()
            .is_none_or(|id| model.relations.get(&id).is_some_and(|r| !r.dying)),
    }
}

/// The name of what `env` dispatches: the hook's, or the action's (Juju leaves
/// `JUJU_HOOK_NAME` empty in an action; `JUJU_DISPATCH_PATH` names both).
pub fn dispatched_name(env: &[(String, String)]) -> String {
    env.iter()
        .find(|(k, _)| k == "JUJU_DISPATCH_PATH")
        .and_then(|(_, v)| v.rsplit('/').next())
        .unwrap_or_default()
        .to_string()
}

impl Model {
    /// The environment Juju's unit agent gives `unit`'s dispatch for this hook: the same
    /// variables a real deployment sets, so the host reads mock and real hooks alike.
    pub fn hook_env(&self, unit: &str, kind: &HookKind) -> Vec<(String, String)> {
        let app = Model::app_of(unit);
        let mut env: Vec<(String, String)> = Vec::new();
        let mut set = |k: &str, v: String| env.push((k.to_string(), v));
        let relation = kind
            .relation_id()
            .and_then(|id| self.relations.get(&id).map(|r| (id, r)));
        let endpoint = relation
            .and_then(|(_, r)| r.sides(app))
            .map(|(mine, _)| mine.endpoint.clone())
            .unwrap_or_default();
        let name = match kind {
            HookKind::Install => "install".to_string(),
            HookKind::Start => "start".into(),
            HookKind::Stop => "stop".into(),
            HookKind::Remove => "remove".into(),
            HookKind::UpgradeCharm => "upgrade-charm".into(),
            HookKind::ConfigChanged => "config-changed".into(),
            HookKind::UpdateStatus => "update-status".into(),
            HookKind::LeaderElected => "leader-elected".into(),
            HookKind::RelationCreated { .. } => format!("{endpoint}-relation-created"),
            HookKind::RelationJoined { .. } => format!("{endpoint}-relation-joined"),
            HookKind::RelationChanged { .. } => format!("{endpoint}-relation-changed"),
            HookKind::RelationDeparted { .. } => format!("{endpoint}-relation-departed"),
            HookKind::RelationBroken { .. } => format!("{endpoint}-relation-broken"),
            HookKind::SecretChanged { .. } => "secret-changed".into(),
            HookKind::SecretRotate { .. } => "secret-rotate".into(),
            HookKind::SecretExpired { .. } => "secret-expired".into(),
            HookKind::SecretRemove { .. } => "secret-remove".into(),
            HookKind::StorageAttached { id } => {
                format!("{}-storage-attached", juju_hookcmds::cli::storage_name(id))
            }
            HookKind::StorageDetaching { id } => {
                format!("{}-storage-detaching", juju_hookcmds::cli::storage_name(id))
            }
            HookKind::Action { name, .. } => name.clone(),
            HookKind::Other(name) => name.clone(),
        };
        if let HookKind::Action { id, name } = kind {
            // Juju leaves JUJU_HOOK_NAME empty for an action and names it in its own variables.
            set("JUJU_HOOK_NAME", String::new());
            set("JUJU_DISPATCH_PATH", format!("actions/{name}"));
            set("JUJU_ACTION_NAME", name.clone());
            set("JUJU_ACTION_UUID", id.clone());
            set("JUJU_ACTION_TAG", format!("action-{id}"));
        } else {
            set("JUJU_HOOK_NAME", name.clone());
            set("JUJU_DISPATCH_PATH", format!("hooks/{name}"));
        }
        set("JUJU_UNIT_NAME", unit.to_string());
        set("JUJU_MODEL_NAME", self.name.clone());
        set("JUJU_MODEL_UUID", self.uuid.clone());
        if let Some(id) = kind.relation_id() {
            set("JUJU_RELATION", endpoint.clone());
            set("JUJU_RELATION_ID", format!("{endpoint}:{id}"));
            // A broken relation may be gone from the model already; Juju still names the app.
            let remote_app = relation
                .and_then(|(_, r)| r.sides(app))
                .map(|(_, other)| other.app.clone());
            if let Some(remote_app) = remote_app {
                set("JUJU_REMOTE_APP", remote_app);
            }
        }
        match kind {
            HookKind::RelationJoined { remote_unit, .. }
            | HookKind::RelationChanged {
                remote_unit: Some(remote_unit),
                ..
            } => set("JUJU_REMOTE_UNIT", remote_unit.clone()),
            HookKind::RelationDeparted {
                remote_unit,
                departing_unit,
                ..
            } => {
                set("JUJU_REMOTE_APP", Model::app_of(remote_unit).to_string());
                set("JUJU_REMOTE_UNIT", remote_unit.clone());
                set("JUJU_DEPARTING_UNIT", departing_unit.clone());
            }
            _ => {}
        }
        if let HookKind::StorageAttached { id } | HookKind::StorageDetaching { id } = kind
            && let Some(instance) = self.storage.get(id)
        {
            set("JUJU_STORAGE_ID", id.clone());
            set("JUJU_STORAGE_LOCATION", instance.location.clone());
            set("JUJU_STORAGE_KIND", instance.kind_name().to_string());
        }
        if let Some(xid) = kind.secret_xid() {
            set("JUJU_SECRET_ID", format!("secret:{xid}"));
            let label = self
                .secrets
                .get(xid)
                .and_then(|s| s.label_for(unit))
                .unwrap_or_default();
            set("JUJU_SECRET_LABEL", label.to_string());
        }
        if let HookKind::SecretExpired { revision, .. } | HookKind::SecretRemove { revision, .. } =
            kind
        {
            set("JUJU_SECRET_REVISION", revision.to_string());
        }
        env
    }
}
