//! The hook's pending secret changes, kept as Juju 3.6's unit agent keeps them: entries keyed
//! by secret (`secretsChangeRecorder`, `internal/worker/uniter/runner/context/secrets.go`;
//! `docs/juju-reference.md` cites each rule). Nothing here touches the controller's state: the
//! entries are applied, in the controller's order, when the hook commits.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::secret::Owner;
use juju_hookcmds::RotatePolicy;
use juju_hookcmds::queued::Discarded;
use juju_rules::SecretContent;

/// A pending `secret-add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Create {
    /// The secret's id, minted when `secret-add` ran.
    pub xid: String,
    /// Its owner.
    pub owner: Owner,
    /// Its owner label.
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// When revision 1 expires.
    pub expire: Option<DateTime<Utc>>,
    /// Its rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// Revision 1's content.
    pub content: SecretContent,
}

/// A pending `secret-set` (several in one hook merge field by field).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// A new owner label.
    pub label: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new expiry: of the new revision if there is new content, else of the latest.
    pub expire: Option<DateTime<Utc>>,
    /// A new rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// New content (only when it differs from the committed latest revision's).
    pub content: Option<SecretContent>,
}

/// A pending `secret-remove`: the whole secret, or these revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delete {
    /// `None`: every revision.
    pub revisions: Option<Vec<u32>>,
}

/// A pending `secret-grant` or `secret-revoke`, as the hook command filled it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The application named (a grant always names the relation's remote application).
    pub app: Option<String>,
    /// The unit named, if any: then the unit is the subject.
    pub unit: Option<String>,
    /// The relation a grant is made over; revokes name none.
    pub relation_id: Option<u32>,
}

impl Access {
    /// Who the change is for: the unit when one is named, else the application.
    pub fn subject(&self) -> Option<super::Subject> {
        match (&self.unit, &self.app) {
            (Some(unit), _) => Some(super::Subject::Unit(unit.clone())),
            (None, Some(app)) => Some(super::Subject::App(app.clone())),
            (None, None) => None,
        }
    }
}

/// Every secret change one hook has queued; see the module documentation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Recorder {
    /// Pending creates by secret.
    pub creates: BTreeMap<String, Create>,
    /// Pending updates by secret.
    pub updates: BTreeMap<String, Update>,
    /// Pending deletes by secret.
    pub deletes: BTreeMap<String, Delete>,
    /// Pending grants by secret, then by relation: a second grant over a relation replaces
    /// the first.
    pub grants: BTreeMap<String, BTreeMap<u32, Access>>,
    /// Pending revokes by secret, in order.
    pub revokes: BTreeMap<String, Vec<Access>>,
    /// Secrets whose pending new revision this unit read with `--refresh`: at commit it
    /// tracks the latest revision.
    pub track_latest: BTreeSet<String>,
}

/// Why a `secret-add` was refused at once: another pending create has its label.
pub struct DuplicateLabel;

impl Recorder {
    /// Records a create; a label another pending create has is refused at once.
    pub fn create(&mut self, create: Create) -> Result<(), DuplicateLabel> {
        if create.label.is_some() && self.creates.values().any(|c| c.label == create.label) {
            return Err(DuplicateLabel);
        }
        self.creates.insert(create.xid.clone(), create);
        Ok(())
    }

    /// Records an update: merged into a pending create or an earlier update of the same
    /// secret, field by field (later values win); it cancels a pending delete.
    pub fn update(&mut self, xid: &str, update: Update) {
        self.deletes.remove(xid);
        if let Some(create) = self.creates.get_mut(xid) {
            merge(&mut create.label, update.label);
            merge(&mut create.description, update.description);
            if let Some(content) = update.content {
                create.content = content;
            }
            merge(&mut create.rotate, update.rotate);
            merge(&mut create.expire, update.expire);
            return;
        }
        let pending = self.updates.entry(xid.to_string()).or_default();
        merge(&mut pending.label, update.label);
        merge(&mut pending.description, update.description);
        merge(&mut pending.content, update.content);
        merge(&mut pending.rotate, update.rotate);
        merge(&mut pending.expire, update.expire);
    }

    /// Records a remove of the whole secret (`None`) or of one revision. Whatever the
    /// revision, every other change this hook queued for the secret is dropped; returns what
    /// was dropped, for the warning. Removes of several revisions accumulate; a whole-secret
    /// remove wins.
    pub fn remove(&mut self, xid: &str, revision: Option<u32>) -> Discarded {
        let update = self.updates.remove(xid);
        let dropped = Discarded {
            add: self.creates.remove(xid).is_some(),
            new_content: update.as_ref().is_some_and(|u| u.content.is_some()),
            metadata: update.is_some(),
            grant: self.grants.remove(xid).is_some(),
            revoke: self.revokes.remove(xid).is_some(),
            refresh: self.track_latest.remove(xid),
        };
        let delete = self.deletes.entry(xid.to_string()).or_insert(Delete {
            revisions: revision.map(|_| Vec::new()),
        });
        match (&mut delete.revisions, revision) {
            (Some(revisions), Some(revision)) => revisions.push(revision),
            (revisions, None) => *revisions = None,
            (None, Some(_)) => {}
        }
        dropped
    }

    /// Records a grant, keyed by the relation it is made over.
    pub fn grant(&mut self, xid: &str, grant: Access) {
        let relation = grant.relation_id.unwrap_or_default();
        self.grants
            .entry(xid.to_string())
            .or_default()
            .insert(relation, grant);
    }

    /// Records a revoke, unless the same revoke is pending, or it names a unit of an
    /// application a pending revoke already names (a revoke over a relation names both).
    pub fn revoke(&mut self, xid: &str, revoke: Access) {
        let pending = self.revokes.entry(xid.to_string()).or_default();
        let redundant = pending.iter().any(|earlier| {
            *earlier == revoke
                || matches!((&earlier.app, &revoke.unit),
                    (Some(app), Some(unit)) if super::Model::app_of(unit) == app)
        });
        if !redundant {
            pending.push(revoke);
        }
    }
}

/// Sets `field` to `new` when the change names it (`secret-set` leaves unnamed fields alone).
pub(super) fn merge<T>(field: &mut Option<T>, new: Option<T>) {
    if new.is_some() {
        *field = new;
    }
}
