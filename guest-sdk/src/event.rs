//! The event a hook handles, as a Rust enum carrying its data.

use crate::bindings::juju::charm::events::{self as wit, Kind};
use crate::model::Relation;
use crate::secret::{Secret, SecretOwner};

/// Who is handling the event: this unit, its application, the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The hook Juju dispatched, e.g. `database-relation-joined`.
    pub hook_name: String,
    /// This unit, e.g. `database/0`.
    pub unit_name: String,
    /// This unit's application, e.g. `database`.
    pub app_name: String,
    /// The model's name.
    pub model_name: String,
    /// The model's UUID.
    pub model_uuid: String,
}

impl Context {
    /// This application, to add application-owned secrets (managed by the leader).
    pub fn app(&self) -> SecretOwner {
        SecretOwner::Application
    }

    /// This unit, to add unit-owned secrets.
    pub fn unit(&self) -> SecretOwner {
        SecretOwner::Unit
    }
}

/// A relation event: the relation, and the remote side it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationEvent {
    /// The relation the event is about.
    pub relation: Relation,
    /// The application on the other side.
    pub remote_app: String,
    /// The remote unit (none for relation-created and application-level changes).
    pub remote_unit: Option<String>,
    /// In relation-departed: the unit leaving.
    pub departing_unit: Option<String>,
}

/// A secret event: the secret, by id and the label this unit knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEvent {
    /// The secret's id, `secret:<xid>`.
    pub id: String,
    /// The label this unit knows the secret by, if any.
    pub label: Option<String>,
}

impl SecretEvent {
    /// A handle on the secret (nothing is fetched until asked).
    pub fn secret(&self) -> Secret {
        Secret::known(self.id.clone(), self.label.clone())
    }
}

/// A secret event about one revision (secret-remove, secret-expired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRevisionEvent {
    /// The secret's id, `secret:<xid>`.
    pub id: String,
    /// The owner label, if any.
    pub label: Option<String>,
    /// The revision the event is about.
    pub revision: u32,
}

impl SecretRevisionEvent {
    /// A handle on the secret (nothing is fetched until asked).
    pub fn secret(&self) -> Secret {
        Secret::known(self.id.clone(), self.label.clone())
    }

    /// Removes the revision this event is about (idempotent, like
    /// [`Secret::remove_revision`], and like it dropping every other change this hook queued
    /// for the secret: on `secret-expired`, renew without removing, and remove the old
    /// revision when Juju reports it on `secret-remove`).
    ///
    /// ```no_run
    /// # use juju_charm::Event;
    /// # fn f(event: Event) -> juju_charm::Result<()> {
    /// if let Event::SecretRemove(remove) = event {
    ///     remove.remove_revision()?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn remove_revision(&self) -> crate::Result<()> {
        self.secret().remove_revision(self.revision)
    }
}

/// An action the operator ran: read its parameters with [`crate::action::params`], report
/// with [`crate::action::set_results`], [`crate::action::log`] and [`crate::action::fail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionEvent {
    /// The action's name from `actions.yaml`.
    pub name: String,
    /// The id Juju gave this run of the action.
    pub id: String,
}

/// A storage instance attached to, or detaching from, this unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageEvent {
    /// The storage name from the charm's metadata, e.g. `data`.
    pub name: String,
    /// The instance, e.g. `data/0`.
    pub id: String,
}

/// A Pebble notice in a workload container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeEvent {
    /// The container.
    pub workload: String,
    /// The notice's id.
    pub id: String,
    /// Its type (`custom` for the notices a workload records).
    pub kind: String,
    /// Its key, e.g. `example.com/db-backup-done`.
    pub key: String,
}

/// A Pebble health check in a workload container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckEvent {
    /// The container.
    pub workload: String,
    /// The check.
    pub check: String,
}

/// What the unit is handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The unit was just deployed.
    Install,
    /// The workload should start.
    Start,
    /// The unit is being stopped.
    Stop,
    /// The unit is being removed.
    Remove,
    /// A new charm revision was deployed.
    UpgradeCharm,
    /// The configuration (or something it depends on) changed.
    ConfigChanged,
    /// Periodic status check.
    UpdateStatus,
    /// This unit became the leader.
    LeaderElected,
    /// Deprecated by Juju with leader settings (use a peer relation's application data).
    LeaderSettingsChanged,
    /// Before a machine's series upgrade (deprecated by Juju).
    PreSeriesUpgrade,
    /// After a machine's series upgrade (deprecated by Juju).
    PostSeriesUpgrade,
    /// Time to collect metrics (deprecated by Juju).
    CollectMetrics,
    /// The model's meter status changed (deprecated by Juju).
    MeterStatusChanged,
    /// A relation was established (before any remote unit joined).
    RelationCreated(RelationEvent),
    /// A remote unit joined the relation.
    RelationJoined(RelationEvent),
    /// A remote unit's or the remote application's data changed.
    RelationChanged(RelationEvent),
    /// A remote unit left the relation.
    RelationDeparted(RelationEvent),
    /// The relation is being removed.
    RelationBroken(RelationEvent),
    /// A newer revision of a secret this unit reads exists.
    SecretChanged(SecretEvent),
    /// A secret this unit manages is due for rotation: set new content.
    SecretRotate(SecretEvent),
    /// A revision of a secret this unit manages has expired.
    SecretExpired(SecretRevisionEvent),
    /// A revision of a secret this unit manages is no longer tracked by anyone.
    SecretRemove(SecretRevisionEvent),
    /// Storage was attached to this unit.
    StorageAttached(StorageEvent),
    /// Storage is about to be detached from this unit.
    StorageDetaching(StorageEvent),
    /// A workload container's Pebble is ready (the container's name).
    PebbleReady(String),
    /// A workload recorded a Pebble notice.
    PebbleCustomNotice(NoticeEvent),
    /// A Pebble health check started failing.
    PebbleCheckFailed(CheckEvent),
    /// A failing Pebble health check passes again.
    PebbleCheckRecovered(CheckEvent),
    /// The operator ran an action.
    Action(ActionEvent),
    /// A hook this version of the contract does not know, by name.
    Other(String),
}

fn relation(r: wit::RelationEvent) -> RelationEvent {
    RelationEvent {
        relation: Relation {
            id: r.relation_id,
            endpoint: r.endpoint,
        },
        remote_app: r.remote_app,
        remote_unit: r.remote_unit,
        departing_unit: r.departing_unit,
    }
}

fn secret(s: wit::SecretEvent) -> SecretEvent {
    SecretEvent {
        id: s.id,
        label: s.label,
    }
}

fn revision(s: wit::SecretRevisionEvent) -> SecretRevisionEvent {
    SecretRevisionEvent {
        id: s.id,
        label: s.label,
        revision: s.revision,
    }
}

fn storage(s: wit::StorageEvent) -> StorageEvent {
    StorageEvent {
        name: s.name,
        id: s.id,
    }
}

fn check(c: wit::CheckEvent) -> CheckEvent {
    CheckEvent {
        workload: c.workload,
        check: c.check_name,
    }
}

pub(crate) fn from_wit(e: wit::Event) -> (Context, Event) {
    let ctx = Context {
        hook_name: e.hook_name,
        unit_name: e.unit,
        app_name: e.app,
        model_name: e.model_name,
        model_uuid: e.model_uuid,
    };
    let event = match e.kind {
        Kind::Install => Event::Install,
        Kind::Start => Event::Start,
        Kind::Stop => Event::Stop,
        Kind::Remove => Event::Remove,
        Kind::UpgradeCharm => Event::UpgradeCharm,
        Kind::ConfigChanged => Event::ConfigChanged,
        Kind::UpdateStatus => Event::UpdateStatus,
        Kind::LeaderElected => Event::LeaderElected,
        Kind::LeaderSettingsChanged => Event::LeaderSettingsChanged,
        Kind::PreSeriesUpgrade => Event::PreSeriesUpgrade,
        Kind::PostSeriesUpgrade => Event::PostSeriesUpgrade,
        Kind::CollectMetrics => Event::CollectMetrics,
        Kind::MeterStatusChanged => Event::MeterStatusChanged,
        Kind::RelationCreated(r) => Event::RelationCreated(relation(r)),
        Kind::RelationJoined(r) => Event::RelationJoined(relation(r)),
        Kind::RelationChanged(r) => Event::RelationChanged(relation(r)),
        Kind::RelationDeparted(r) => Event::RelationDeparted(relation(r)),
        Kind::RelationBroken(r) => Event::RelationBroken(relation(r)),
        Kind::SecretChanged(s) => Event::SecretChanged(secret(s)),
        Kind::SecretRotate(s) => Event::SecretRotate(secret(s)),
        Kind::SecretExpired(s) => Event::SecretExpired(revision(s)),
        Kind::SecretRemove(s) => Event::SecretRemove(revision(s)),
        Kind::StorageAttached(s) => Event::StorageAttached(storage(s)),
        Kind::StorageDetaching(s) => Event::StorageDetaching(storage(s)),
        Kind::PebbleReady(w) => Event::PebbleReady(w.workload),
        Kind::PebbleCustomNotice(n) => Event::PebbleCustomNotice(NoticeEvent {
            workload: n.workload,
            id: n.notice_id,
            kind: n.notice_type,
            key: n.notice_key,
        }),
        Kind::PebbleCheckFailed(c) => Event::PebbleCheckFailed(check(c)),
        Kind::PebbleCheckRecovered(c) => Event::PebbleCheckRecovered(check(c)),
        Kind::Action(a) => Event::Action(ActionEvent {
            name: a.name,
            id: a.id,
        }),
        Kind::Other(name) => Event::Other(name),
    };
    (ctx, event)
}
