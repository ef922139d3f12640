//! One hook on one unit: the pending buffer, the rules for reads inside the hook, and the
//! atomic commit.
//!
//! The hook works on a copy of the model (`work`). Every operation applies to the copy as the
//! commit would, and remembers what the rules for reads inside a hook need (secrets created
//! or revised in this hook, reference §6). Failures Juju only reports when it applies the
//! hook's changes are collected in `deferred`: the operation succeeds, and the commit fails
//! with `cannot apply changes: ...`. Committing swaps the copy in; failing discards it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};

use super::secret::{self, Consumer, Grant, Owner, Revision, Secret, Subject};
use super::{HookKind, JujuError, Model, Status};
use crate::backend::{AddOptions, Grantee, Lookup, ReadMode, SecretInfo, SetOptions};
use crate::bindings::juju::charm::config::Value as ConfigValue;
use crate::bindings::juju::charm::relations::{Databag, Scope};
use crate::bindings::juju::charm::secrets::{AccessGrant, AddOwner, Expiry, OwnerKind};
use crate::bindings::juju::charm::status::State;
use crate::bindings::juju::charm::types::Datetime;
use crate::juju::{SecretContent, SecretId};

/// One backend call a charm made, with values redacted, for traces and assertions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    /// The unit that made the call.
    pub unit: String,
    /// The call in hook-command form, values redacted.
    pub operation: String,
    /// `ok`, `ok: <what came back>` or `error: <message>`.
    pub outcome: String,
}

/// `keys [a, b]`: what a trace shows of content, databags and config instead of their values.
pub fn keys_summary<K: AsRef<str>>(keys: impl Iterator<Item = K>) -> String {
    let keys: Vec<K> = keys.collect();
    let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
    format!("keys [{}]", keys.join(", "))
}

/// One hook on one unit; see the module documentation. Serialisable so the hook-command
/// simulator can keep it in a file between the separate processes of one hook's commands.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct HookContext {
    /// The unit running the hook.
    pub unit: String,
    app: String,
    kind: HookKind,
    base: Model,
    work: Model,
    created: BTreeSet<String>,
    revised: BTreeSet<String>,
    deferred: Vec<String>,
    changed_bags: BTreeSet<(u32, String)>,
    /// Calls made so far in this hook.
    pub calls: Vec<Call>,
    /// juju-log lines: they are kept whether or not the hook succeeds.
    pub logs: Vec<(String, String)>,
    /// status-set calls, applied whether or not the hook succeeds (Juju sets them at once).
    pub statuses: Vec<(Status, bool)>,
}

fn not_found(what: &str) -> JujuError {
    JujuError::run(format!("secret {what:?} not found"))
}

fn label_taken(label: &str) -> String {
    format!("secret with label {label:?} already exists")
}

fn relation_not_found(relation_id: u32) -> JujuError {
    JujuError::usage(format!(
        "invalid value \"{relation_id}\" for option -r: relation not found"
    ))
}

fn datetime(t: DateTime<Utc>) -> Datetime {
    Datetime {
        seconds: t.timestamp(),
        nanoseconds: t.timestamp_subsec_nanos(),
    }
}

/// The units and entities whose labels share a scope with `owner` (Juju: labels are unique
/// across an application and its units, whichever role uses them; sibling units may share).
fn label_scope(model: &Model, owner: &Owner) -> (Vec<String>, Vec<Owner>) {
    match owner {
        Owner::App(app) => {
            let units = model
                .apps
                .get(app)
                .map(|a| a.units.clone())
                .unwrap_or_default();
            let mut entities = vec![Owner::App(app.clone())];
            entities.extend(units.iter().cloned().map(Owner::Unit));
            (units, entities)
        }
        Owner::Unit(unit) => (
            vec![unit.clone()],
            vec![
                Owner::Unit(unit.clone()),
                Owner::App(Model::app_of(unit).to_string()),
            ],
        ),
        Owner::Model => (Vec::new(), vec![Owner::Model]),
    }
}

/// The secret (other than `except`) already using `label` in `owner`'s scope, if any.
fn label_conflict(model: &Model, owner: &Owner, label: &str, except: &str) -> Option<String> {
    let (units, entities) = label_scope(model, owner);
    model
        .secrets
        .values()
        .filter(|s| s.xid != except)
        .find(|s| {
            (entities.contains(&s.owner) && s.label.as_deref() == Some(label))
                || units.iter().any(|u| {
                    s.consumers
                        .get(u)
                        .is_some_and(|c| c.label.as_deref() == Some(label))
                })
        })
        .map(|s| s.xid.clone())
}

impl HookContext {
    /// A hook on `unit` against `model` as it is now.
    pub fn new(model: &Model, unit: &str, kind: HookKind) -> Self {
        HookContext {
            unit: unit.to_string(),
            app: Model::app_of(unit).to_string(),
            kind,
            base: model.clone(),
            work: model.clone(),
            created: BTreeSet::new(),
            revised: BTreeSet::new(),
            deferred: Vec::new(),
            changed_bags: BTreeSet::new(),
            calls: Vec::new(),
            logs: Vec::new(),
            statuses: Vec::new(),
        }
    }

    /// The hook being run.
    pub fn kind(&self) -> &HookKind {
        &self.kind
    }

    /// The model as it would be if the hook committed now.
    pub fn pending_model(&self) -> &Model {
        &self.work
    }

    /// Ends the hook. With `succeeded`, commits atomically and queues the follow-up hooks;
    /// a commit-time failure fails the hook instead. Logs and statuses are kept either way.
    pub fn finish(self, succeeded: bool) -> (Model, Result<(), String>) {
        let (mut model, outcome) = if !succeeded {
            (self.base, Ok(()))
        } else if !self.deferred.is_empty() {
            (
                self.base,
                Err(format!(
                    "cannot apply changes: {}",
                    self.deferred.join("; ")
                )),
            )
        } else {
            let mut model = self.work;
            for (relation_id, owner) in &self.changed_bags {
                model.queue_relation_changed(*relation_id, owner);
            }
            model.settle_secrets();
            (model, Ok(()))
        };
        for (level, message) in self.logs {
            model.logs.push(super::LogLine {
                unit: self.unit.clone(),
                level,
                message,
            });
        }
        for (status, application) in self.statuses {
            if application {
                if let Some(app) = model.apps.get_mut(&self.app) {
                    app.status = Some(status);
                }
            } else {
                model.unit_status.insert(self.unit.clone(), status);
            }
        }
        (model, outcome)
    }

    fn is_leader(&self) -> bool {
        self.work.is_leader(&self.unit)
    }

    fn manages(&self, s: &Secret) -> bool {
        match &s.owner {
            Owner::Unit(u) => *u == self.unit,
            Owner::App(a) => *a == self.app && self.is_leader(),
            Owner::Model => false,
        }
    }

    fn can_read(&self, s: &Secret) -> bool {
        self.manages(s)
            || s.owner == Owner::App(self.app.clone())
            || s.grants.iter().any(|g| match &g.subject {
                Subject::App(a) => *a == self.app,
                Subject::Unit(u) => *u == self.unit,
            })
    }

    /// Checks a label for `owner`: a clash with a secret created in this hook fails now; a
    /// clash with an existing secret fails now if `immediate`, else when the hook commits.
    fn check_label(
        &mut self,
        owner: &Owner,
        label: &str,
        xid: &str,
        immediate: bool,
    ) -> Result<(), JujuError> {
        if let Some(other) = label_conflict(&self.work, owner, label, xid) {
            if immediate || self.created.contains(&other) {
                return Err(JujuError::run(label_taken(label)));
            }
            self.deferred.push(label_taken(label));
        }
        Ok(())
    }

    fn expiry_time(&self, expiry: &Expiry) -> Result<DateTime<Utc>, JujuError> {
        match expiry {
            Expiry::At(at) => DateTime::from_timestamp(at.seconds, at.nanoseconds)
                .ok_or_else(|| JujuError::usage("expire time not valid")),
            Expiry::AfterSeconds(s) => i64::try_from(*s)
                .ok()
                .and_then(TimeDelta::try_seconds)
                .map(|d| self.work.now + d)
                .ok_or_else(|| {
                    JujuError::usage(format!("expire time or duration \"{s}s\" not valid"))
                }),
        }
    }

    /// The secret a lookup names, for a read: ids as given; labels as owner labels of secrets
    /// this unit manages or its application owns, then as this unit's consumer labels.
    fn resolve_read(&self, lookup: &Lookup) -> Result<String, JujuError> {
        match lookup {
            Lookup::Id(id) => {
                if self.work.secrets.contains_key(id.xid()) {
                    Ok(id.xid().to_string())
                } else {
                    Err(not_found(&id.canonical()))
                }
            }
            Lookup::Label(label) => {
                let secrets = || self.work.secrets.values();
                secrets()
                    .find(|s| {
                        (self.manages(s) || s.owner == Owner::App(self.app.clone()))
                            && s.label.as_deref() == Some(label)
                    })
                    .or_else(|| {
                        secrets().find(|s| {
                            s.consumers
                                .get(&self.unit)
                                .is_some_and(|c| c.label.as_deref() == Some(label))
                        })
                    })
                    .map(|s| s.xid.clone())
                    .ok_or_else(|| JujuError::run(format!("consumer label {label:?} not found")))
            }
        }
    }

    /// The secret a lookup names among those this unit manages (`secret-info-get`).
    fn resolve_managed(&self, lookup: &Lookup) -> Result<String, JujuError> {
        let found = match lookup {
            Lookup::Id(id) => self.work.secrets.get(id.xid()).filter(|s| self.manages(s)),
            Lookup::Label(label) => self
                .work
                .secrets
                .values()
                .find(|s| self.manages(s) && s.label.as_deref() == Some(label)),
        };
        found.map(|s| s.xid.clone()).ok_or_else(|| match lookup {
            Lookup::Id(id) => not_found(id.xid()),
            Lookup::Label(label) => not_found(label),
        })
    }

    /// For set, revoke and remove: Juju queues these without checking, and fails the commit
    /// if the secret is gone or not this unit's to manage. `None` means "deferred".
    fn managed_for_update(&mut self, id: &SecretId) -> Option<String> {
        let xid = id.xid().to_string();
        match self.work.secrets.get(&xid) {
            None => {
                self.deferred
                    .push(format!("secret {:?} not found", id.canonical()));
                None
            }
            Some(s) if !self.manages(s) => {
                self.deferred.push("permission denied".into());
                None
            }
            Some(_) => Some(xid),
        }
    }

    // ---- secrets ---------------------------------------------------------------------------

    /// `secret-add`.
    pub fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, JujuError> {
        let owner = match options.owner {
            AddOwner::Application => {
                if !self.is_leader() {
                    return Err(JujuError::run("this unit is not the leader"));
                }
                Owner::App(self.app.clone())
            }
            AddOwner::Unit => Owner::Unit(self.unit.clone()),
        };
        if let Some(label) = &options.label {
            self.check_label(&owner, label, "", false)?;
        }
        let expires = options
            .expire
            .as_ref()
            .map(|e| self.expiry_time(e))
            .transpose()?;
        let now = self.work.now;
        let xid = self.work.mint_xid();
        let rotate = options.rotate;
        let secret = Secret {
            xid: xid.clone(),
            owner,
            label: options.label.clone(),
            description: options.description.clone(),
            rotate,
            next_rotation: rotate.and_then(|p| secret::rotation_due(p, now, expires)),
            revisions: BTreeMap::from([(
                1,
                Revision {
                    content: content.clone(),
                    expires,
                    expiry_due: None,
                },
            )]),
            latest: 1,
            grants: Vec::new(),
            consumers: BTreeMap::new(),
            removal_queued: BTreeSet::new(),
        };
        let uri = secret.uri(&self.work.uuid);
        self.work.secrets.insert(xid.clone(), secret);
        self.created.insert(xid);
        Ok(uri)
    }

    /// `secret-get`, with the rules for reads inside a hook.
    pub fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, JujuError> {
        let xid = self.resolve_read(lookup)?;
        let s = &self.work.secrets[&xid];
        if !self.can_read(s) {
            return Err(JujuError::run("permission denied"));
        }
        let manages = self.manages(s);
        let peer_of_app_secret = !manages && s.owner == Owner::App(self.app.clone());
        let owner = s.owner.clone();
        if let Some(label) = attach_label {
            if manages {
                self.check_label(&owner, label, &xid, false)?;
                self.work.secrets.get_mut(&xid).expect("exists").label = Some(label.into());
            } else if !peer_of_app_secret {
                self.check_label(&Owner::Unit(self.unit.clone()), label, &xid, true)?;
            }
        }
        if self.created.contains(&xid) {
            return Ok(self.work.secrets[&xid].latest_content().clone());
        }
        let first_track = match self.base.secrets.get(&xid) {
            Some(committed) if self.revised.contains(&xid) => committed.latest,
            _ => self.work.secrets[&xid].latest,
        };
        let unit = self.unit.clone();
        let s = self.work.secrets.get_mut(&xid).expect("exists");
        let latest = s.latest;
        let consumer = s.consumers.entry(unit).or_insert(Consumer {
            tracked: first_track,
            label: None,
            notified: first_track,
        });
        if let Some(label) = attach_label
            && !manages
            && !peer_of_app_secret
        {
            consumer.label = Some(label.to_string());
        }
        let revision = match mode {
            ReadMode::Tracked => consumer.tracked,
            ReadMode::Peek => latest,
            ReadMode::Refresh => {
                consumer.tracked = latest;
                consumer.notified = consumer.notified.max(latest);
                latest
            }
        };
        s.revisions
            .get(&revision)
            .map(|r| r.content.clone())
            .ok_or_else(|| JujuError::run(format!("secret revision {revision} not found")))
    }

    /// `secret-info-get`, for secrets this unit manages.
    pub fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, JujuError> {
        let xid = self.resolve_managed(lookup)?;
        let s = &self.work.secrets[&xid];
        let revision = match self.base.secrets.get(&xid) {
            Some(committed) if self.revised.contains(&xid) => committed.latest,
            _ => s.latest,
        };
        let relations = &self.work.relations;
        let access = s
            .grants
            .iter()
            .map(|g| AccessGrant {
                target: match &g.subject {
                    Subject::App(a) => format!("application-{a}"),
                    Subject::Unit(u) => format!("unit-{}", u.replace('/', "-")),
                },
                scope: match g.relation_id.and_then(|id| relations.get(&id)) {
                    Some(r) => format!("relation-{}", r.key().replace(':', ".").replace(' ', "#")),
                    None => format!("model-{}", self.work.uuid),
                },
                role: "view".into(),
            })
            .collect();
        Ok(SecretInfo {
            id: format!("secret:{xid}"),
            label: s.label.clone(),
            revision,
            owner: match s.owner {
                Owner::App(_) => OwnerKind::Application,
                Owner::Unit(_) => OwnerKind::Unit,
                Owner::Model => OwnerKind::Model,
            },
            description: s.description.clone(),
            expires: s.revisions[&s.latest].expires.map(datetime),
            rotation: s.rotate.or(if self.created.contains(&xid) {
                None
            } else {
                Some(crate::bindings::juju::charm::secrets::RotatePolicy::Never)
            }),
            next_rotation: s.next_rotation.map(datetime),
            access,
        })
    }

    /// `secret-set`; a failure Juju reports only at commit is deferred.
    pub fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), JujuError> {
        let Some(xid) = self.managed_for_update(id) else {
            return Ok(());
        };
        if let Some(label) = &options.label {
            let owner = self.work.secrets[&xid].owner.clone();
            self.check_label(&owner, label, &xid, false)?;
        }
        let expires = options
            .expire
            .as_ref()
            .map(|e| self.expiry_time(e))
            .transpose()?;
        let now = self.work.now;
        let rotating_hook = self.kind == HookKind::SecretRotate { xid: xid.clone() };
        let revised_before = self.revised.contains(&xid);
        let s = self
            .work
            .secrets
            .get_mut(&xid)
            .expect("managed secret exists");
        if let Some(label) = &options.label {
            s.label = Some(label.clone());
        }
        if let Some(description) = &options.description {
            s.description = Some(description.clone());
        }
        if let Some(policy) = options.rotate {
            let was_rotating = secret::rotates(s.rotate);
            s.rotate = Some(policy);
            if !secret::rotates(Some(policy)) {
                s.next_rotation = None;
            } else if !was_rotating {
                let expires = s.revisions[&s.latest].expires;
                s.next_rotation = secret::rotation_due(policy, now, expires);
            }
        }
        let new_content = content.filter(|c| *c != s.latest_content());
        match new_content {
            Some(content) => {
                let revision = Revision {
                    content: content.clone(),
                    expires,
                    expiry_due: None,
                };
                if revised_before {
                    // Juju 3.6 coalesces several sets in one hook into one new revision.
                    s.revisions.insert(s.latest, revision);
                } else {
                    s.latest += 1;
                    s.revisions.insert(s.latest, revision);
                }
                if rotating_hook && let Some(policy) = s.rotate {
                    s.next_rotation = secret::rotation_due(policy, now, expires);
                }
                self.revised.insert(xid);
            }
            None => {
                if let Some(expires) = expires {
                    let latest = s.latest;
                    let rev = s.revisions.get_mut(&latest).expect("latest exists");
                    rev.expires = Some(expires);
                    rev.expiry_due = None;
                }
            }
        }
        Ok(())
    }

    /// The relation `relation_id` as seen from this unit's application, and its remote app.
    fn relation(&self, relation_id: u32) -> Result<String, JujuError> {
        self.work
            .relations
            .get(&relation_id)
            .and_then(|r| r.sides(&self.app))
            .map(|(_, other)| other.app.clone())
            .ok_or_else(|| relation_not_found(relation_id))
    }

    /// `secret-grant`.
    pub fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), JujuError> {
        let remote_app = self.relation(relation_id)?;
        if let Some(unit) = unit
            && (Model::app_of(unit) != remote_app || !self.work.unit_exists(unit))
        {
            return Err(JujuError::usage(format!(
                "cannot specify unit {unit:?} in relation to application {remote_app:?}"
            )));
        }
        let xid = id.xid();
        let s = self
            .work
            .secrets
            .get(xid)
            .filter(|s| self.manages(s))
            .ok_or_else(|| not_found(xid))?;
        let scope = Some(relation_id);
        let app_grant = Grant {
            subject: Subject::App(remote_app.clone()),
            relation_id: scope,
        };
        let grant = match unit {
            Some(unit) => Grant {
                subject: Subject::Unit(unit.to_string()),
                relation_id: scope,
            },
            None => {
                let unit_grants = s.grants.iter().any(|g| {
                    g.relation_id == scope
                        && matches!(&g.subject, Subject::Unit(u) if Model::app_of(u) == remote_app)
                });
                if unit_grants {
                    return Err(JujuError::run(
                        "any unit level grants need to be revoked before granting access to the corresponding application",
                    ));
                }
                app_grant.clone()
            }
        };
        let s = self.work.secrets.get_mut(xid).expect("exists");
        if !s.grants.contains(&app_grant) && !s.grants.contains(&grant) {
            s.grants.push(grant);
        }
        Ok(())
    }

    /// `secret-revoke`; a failure Juju reports only at commit is deferred.
    pub fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), JujuError> {
        let in_relation = match grantee {
            Grantee::Relation(r) => Some((*r, None)),
            Grantee::RelationUnit(ru) => Some((ru.relation_id, Some(ru.unit.clone()))),
            _ => None,
        };
        let relation = match in_relation {
            Some((r, unit)) => Some((r, self.relation(r)?, unit)),
            None => None,
        };
        let Some(xid) = self.managed_for_update(id) else {
            return Ok(());
        };
        let s = self
            .work
            .secrets
            .get_mut(&xid)
            .expect("managed secret exists");
        let of_app = |subject: &Subject, app: &str| match subject {
            Subject::App(a) => a == app,
            Subject::Unit(u) => Model::app_of(u) == app,
        };
        s.grants.retain(|g| match (&relation, grantee) {
            (Some((r, remote, None)), _) => {
                !(g.relation_id == Some(*r) && of_app(&g.subject, remote))
            }
            (Some((r, _, Some(unit))), _) => {
                !(g.relation_id == Some(*r) && g.subject == Subject::Unit(unit.clone()))
            }
            (None, Grantee::Application(app)) => !of_app(&g.subject, app),
            (None, Grantee::Unit(unit)) => g.subject != Subject::Unit(unit.clone()),
            (None, _) => true,
        });
        Ok(())
    }

    /// `secret-remove`; a failure Juju reports only at commit is deferred.
    pub fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), JujuError> {
        let Some(xid) = self.managed_for_update(id) else {
            return Ok(());
        };
        match revision {
            None => {
                self.work.secrets.remove(&xid);
                self.created.remove(&xid);
                self.revised.remove(&xid);
            }
            Some(revision) => {
                let s = self
                    .work
                    .secrets
                    .get_mut(&xid)
                    .expect("managed secret exists");
                if !s.revisions.contains_key(&revision) {
                    self.deferred
                        .push(format!("secret revision {revision} of {xid:?} not found"));
                } else if revision == s.latest {
                    self.deferred.push(format!(
                        "cannot remove revision {revision} of secret {xid:?}: it is the latest revision"
                    ));
                } else {
                    s.revisions.remove(&revision);
                }
            }
        }
        Ok(())
    }

    /// `secret-ids`.
    pub fn secret_ids(&self) -> Vec<String> {
        self.work
            .secrets
            .values()
            .filter(|s| self.manages(s))
            .map(|s| s.xid.clone())
            .collect()
    }

    // ---- the rest of the unit's world ------------------------------------------------------

    /// `is-leader`.
    pub fn is_leader_now(&self) -> bool {
        self.is_leader()
    }

    /// `relation-ids`.
    pub fn relation_ids(&self, endpoint: &str) -> Vec<u32> {
        self.work
            .live_relations(&self.app)
            .filter(|(r, _)| {
                r.sides(&self.app)
                    .is_some_and(|(mine, _)| mine.endpoint == endpoint)
            })
            .map(|(r, _)| r.id)
            .collect()
    }

    /// `relation-list`. While a removed relation winds down, the remote units leave it one
    /// departed hook at a time (in the order they were queued), and none is left in
    /// relation-broken.
    pub fn relation_units(&self, relation_id: u32) -> Result<Vec<String>, JujuError> {
        let remote = self.relation(relation_id)?;
        let units = self.work.apps[&remote].units.clone();
        if !self.work.relations[&relation_id].dying {
            return Ok(units);
        }
        Ok(match &self.kind {
            HookKind::RelationBroken { .. } => Vec::new(),
            HookKind::RelationDeparted { remote_unit, .. } => units
                .iter()
                .skip_while(|u| *u != remote_unit)
                .skip(1)
                .cloned()
                .collect(),
            _ => units,
        })
    }

    /// `relation-list --app`.
    pub fn relation_remote_app(&self, relation_id: u32) -> Result<String, JujuError> {
        self.relation(relation_id)
    }

    /// `relation-get`.
    pub fn relation_get(
        &self,
        relation_id: u32,
        bag: &Databag,
    ) -> Result<BTreeMap<String, String>, JujuError> {
        let remote = self.relation(relation_id)?;
        let owner = match bag {
            Databag::Unit(unit) => {
                let app = Model::app_of(unit);
                if app != self.app && app != remote {
                    return Err(JujuError::run("permission denied"));
                }
                unit
            }
            Databag::App(app) => {
                if *app == self.app && !self.is_leader() {
                    return Err(JujuError::run("permission denied"));
                }
                if *app != self.app && *app != remote {
                    return Err(JujuError::run("permission denied"));
                }
                app
            }
        };
        Ok(self.work.relations[&relation_id]
            .databags
            .get(owner)
            .cloned()
            .unwrap_or_default())
    }

    /// `relation-set`; the other side sees relation-changed once the hook commits.
    pub fn relation_set(
        &mut self,
        relation_id: u32,
        scope: Scope,
        data: &[(String, String)],
    ) -> Result<(), JujuError> {
        self.relation(relation_id)?;
        let owner = match scope {
            Scope::Unit => self.unit.clone(),
            Scope::App => {
                if !self.is_leader() {
                    return Err(JujuError::run(
                        "cannot write application settings: this unit is not the leader",
                    ));
                }
                self.app.clone()
            }
        };
        let relation = self.work.relations.get_mut(&relation_id).expect("exists");
        let bag = relation.databags.entry(owner.clone()).or_default();
        let before = bag.clone();
        for (key, value) in data {
            if value.is_empty() {
                bag.remove(key);
            } else {
                bag.insert(key.clone(), value.clone());
            }
        }
        if *bag != before {
            self.changed_bags.insert((relation_id, owner));
        }
        Ok(())
    }

    /// `config-get`.
    pub fn config(&self) -> BTreeMap<String, ConfigValue> {
        self.work.apps[&self.app].config.clone()
    }

    /// `juju-log`: kept even if the hook fails.
    pub fn log(&mut self, level: &str, message: &str) {
        self.logs.push((level.to_string(), message.to_string()));
    }

    /// `status-get`: the unit's (or, for the leader, the application's) status as last set,
    /// including earlier in this hook; `None` if never set.
    pub fn status_get(&self, application: bool) -> Result<Option<Status>, JujuError> {
        if application && !self.is_leader() {
            return Err(JujuError::run(
                "finding application status: this unit is not the leader",
            ));
        }
        let pending = self
            .statuses
            .iter()
            .rev()
            .find(|(_, app)| *app == application)
            .map(|(status, _)| status.clone());
        Ok(pending.or_else(|| {
            if application {
                self.work.apps[&self.app].status.clone()
            } else {
                self.work.unit_status.get(&self.unit).cloned()
            }
        }))
    }

    /// `status-set`: applied even if the hook fails, as Juju does.
    pub fn status_set(
        &mut self,
        state: State,
        message: &str,
        application: bool,
    ) -> Result<(), JujuError> {
        if application && !self.is_leader() {
            return Err(JujuError::run(
                "setting application status: this unit is not the leader",
            ));
        }
        self.statuses.push((
            Status {
                state,
                message: message.to_string(),
            },
            application,
        ));
        Ok(())
    }
}

impl Model {
    /// A databag changed: the units on the other side see relation-changed.
    fn queue_relation_changed(&mut self, relation_id: u32, owner: &str) {
        let Some(relation) = self.relations.get(&relation_id).filter(|r| !r.dying) else {
            return;
        };
        let owner_app = Model::app_of(owner).to_string();
        let Some((_, other)) = relation.sides(&owner_app) else {
            return;
        };
        let remote_unit = owner.contains('/').then(|| owner.to_string());
        for unit in self.apps[&other.app].units.clone() {
            self.queue_hook(
                &unit,
                HookKind::RelationChanged {
                    relation_id,
                    remote_unit: remote_unit.clone(),
                },
            );
        }
    }
}
