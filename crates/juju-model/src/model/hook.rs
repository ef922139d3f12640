//! One hook on one unit, as Juju 3.6's unit agent runs it: the hook commands' checks, the
//! pending buffer, reads, and the commit.
//!
//! The hook acts on the controller's state (`controller`) only through what Juju itself does
//! at once: reads save consumer tracking and labels, and an owner's read with a new label
//! relabels the secret, whether or not the hook then succeeds. Every change a hook command
//! makes is queued in the [`Recorder`], keyed by secret as Juju keeps it, and read back
//! through the same overlays Juju's hook context applies (`secret-ids` and `secret-info-get`
//! see the hook's own creates, updates and removes; `secret-get` sees a pending create, and a
//! pending new revision only with `--peek` or `--refresh`). When the hook exits 0 the queued
//! changes are applied in the controller's order, each step failing on its own
//! ([`HookContext::finish`]); `docs/juju-reference.md` cites the source of every rule.

mod deployment;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::controller::Metadata;
use super::recorder::{Access, Create, DuplicateLabel, Recorder, Update, merge};
use super::secret::{Owner, Subject};
use super::{HookKind, JujuError, Model, Status, checksum};
use juju_hookcmds::ConfigValue;
use juju_hookcmds::Datetime;
use juju_hookcmds::WorkloadState as State;
use juju_hookcmds::cli::{MAX_CHARM_STATE, MAX_STATE_KEY, MAX_STATE_VALUE};
use juju_hookcmds::queued::discard_warning;
use juju_hookcmds::{AccessGrant, AddOwner, Expiry, OwnerKind};
use juju_hookcmds::{AddOptions, Grantee, Lookup, ReadMode, SecretInfo, SetOptions};
use juju_hookcmds::{Databag, Scope};
use juju_rules::{SecretContent, SecretId};

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
    /// The controller's state: what reads change is kept even if the hook fails.
    controller: Model,
    /// The secrets this unit manages, as first loaded in this hook (Juju loads them once,
    /// on the first command that needs them).
    metadata: Option<BTreeMap<String, Metadata>>,
    /// The secret changes queued by this hook.
    pending: Recorder,
    /// The databags this hook wrote, whole, by relation, then owner.
    bags: BTreeMap<u32, BTreeMap<String, BTreeMap<String, String>>>,
    /// Calls made so far in this hook.
    pub calls: Vec<Call>,
    /// juju-log lines: they are kept whether or not the hook succeeds.
    pub logs: Vec<(String, String)>,
    /// status-set calls, applied whether or not the hook succeeds (Juju sets them at once).
    pub statuses: Vec<(Status, bool)>,
    /// What a charm author should know about this hook's calls (changes a remove discarded).
    pub warnings: Vec<String>,
    /// The unit's state as this hook changed it, once a state command loaded it.
    state: Option<BTreeMap<String, String>>,
    /// In an action: the results set so far, and the `action-fail` message.
    results: serde_json::Map<String, serde_json::Value>,
    failed: Option<String>,
    /// The ports this hook asked to open and close.
    #[serde(default)]
    ports: deployment::PendingPorts,
    /// The storage this hook asked for (`storage-add`), by name.
    #[serde(default)]
    storage_added: Vec<(String, u64)>,
    /// The unit's status as the hook's first `status-get` read it.
    #[serde(default)]
    status_cache: Option<juju_hookcmds::StatusInfo>,
}

fn not_running_an_action() -> JujuError {
    JujuError::run("not running an action")
}

fn not_found(what: &str) -> JujuError {
    JujuError::run(format!("secret {what:?} not found"))
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

fn owner_kind(owner: &Owner) -> OwnerKind {
    match owner {
        Owner::App(_) => OwnerKind::Application,
        Owner::Unit(_) => OwnerKind::Unit,
        Owner::Model => OwnerKind::Model,
    }
}

/// Joins the errors of one commit step as one line (Juju joins them with newlines).
fn step_failed(
    step: &str,
    results: impl IntoIterator<Item = Result<(), String>>,
) -> Result<(), String> {
    // Every change of the step is tried, as Juju does, before the step fails.
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{step}: {}", errors.join("; ")))
    }
}

impl HookContext {
    /// A hook on `unit` against `model` as it is now.
    pub fn new(model: &Model, unit: &str, kind: HookKind) -> Self {
        HookContext {
            unit: unit.to_string(),
            app: Model::app_of(unit).to_string(),
            kind,
            controller: model.clone(),
            metadata: None,
            pending: Recorder::default(),
            bags: BTreeMap::new(),
            calls: Vec::new(),
            logs: Vec::new(),
            statuses: Vec::new(),
            warnings: Vec::new(),
            state: None,
            results: serde_json::Map::new(),
            failed: None,
            ports: Default::default(),
            storage_added: Vec::new(),
            status_cache: None,
        }
    }

    /// The hook being run.
    pub fn kind(&self) -> &HookKind {
        &self.kind
    }

    /// The model as this hook sees it: the controller's state, with what this hook's reads
    /// changed (its queued changes are not in it until it commits).
    pub fn model(&self) -> &Model {
        &self.controller
    }

    /// Ends the hook. With `succeeded`, applies the queued changes as the controller does:
    /// secret creates, updates, track-latest, grants, revokes, then removes, each step only
    /// if the ones before succeeded, and the databags last (all or none). A step that fails
    /// fails the hook with `cannot apply changes: <step>: <why>`, and what earlier steps
    /// applied stays applied, as on Juju 3.6. Logs, statuses and what reads saved are kept
    /// either way; follow-up hooks are queued.
    pub fn finish(mut self, succeeded: bool) -> (Model, Result<(), String>) {
        let mut outcome = if succeeded {
            self.commit()
                .map_err(|e| format!("cannot apply changes: {e}"))
        } else {
            Ok(())
        };
        if let HookKind::SecretRotate { xid } = &self.kind {
            let xid = xid.clone();
            if outcome.is_ok() && succeeded {
                // The agent reports the rotation with the latest revision its metadata
                // shows: loaded on the hook's first secret command (else now, after the
                // commit), with the hook's removes hidden. If the controller refuses, the
                // agent's commit of the hook fails (its changes are applied already).
                let original = self.secret_metadata().get(&xid).map_or(0, |md| md.latest);
                let unit = self.unit.clone();
                if let Err(e) = self.controller.secret_rotated(&unit, &xid, original) {
                    outcome = Err(format!("committing the hook: recording the rotation: {e}"));
                }
            }
            if outcome.is_err() || !succeeded {
                // Juju's agent retries a failed hook; the model fires it again after the
                // retry delay, without moving the controller's rotation time.
                let retry = self.controller.now + super::secret::RETRY_DELAY;
                if let Some(s) = self.controller.secrets.get_mut(&xid) {
                    s.rotate_retry = Some(retry);
                }
            }
        }
        if let HookKind::Action { id, .. } = &self.kind
            && let Some(task) = self.controller.tasks.get_mut(id)
        {
            // The hook's changes commit on exit 0 even after action-fail; a failed run keeps
            // the results set before it failed and says why, as Juju's runner does.
            let ran = succeeded && outcome.is_ok();
            task.results = std::mem::take(&mut self.results);
            task.results
                .insert("return-code".into(), i32::from(!ran).into());
            task.status = if ran && self.failed.is_none() {
                "completed".into()
            } else {
                "failed".into()
            };
            task.message = match (&outcome, succeeded) {
                (_, false) => Some("exit status 1".into()),
                (Err(e), true) => Some(e.clone()),
                (Ok(()), true) => self.failed.take(),
            };
        }
        let mut model = self.controller;
        if let HookKind::RelationBroken { relation_id } = &self.kind {
            model.left_relation(*relation_id);
        }
        if let HookKind::StorageDetaching { id } = &self.kind
            && succeeded
            && outcome.is_ok()
        {
            model.storage.remove(id);
        }
        model.settle_secrets();
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
                if model.unit_status.get(&self.unit) != Some(&status) {
                    model.status_since.insert(self.unit.clone(), model.now);
                }
                model.unit_status.insert(self.unit.clone(), status);
            }
        }
        (model, outcome)
    }

    /// The unit's machine: what the charm does to it happens at once and stays, whether or
    /// not the hook succeeds.
    pub fn machine(&mut self) -> &mut super::Machine {
        self.controller
            .unit_machines
            .entry(self.unit.clone())
            .or_default()
    }

    /// `CommitHookChanges`: see [`HookContext::finish`].
    fn commit(&mut self) -> Result<(), String> {
        // Storage names are checked while the commit is prepared, before any secret step.
        self.check_storage_names()?;
        let unit = self.unit.clone();
        let pending = &self.pending;
        let m = &mut self.controller;
        step_failed(
            "creating secrets",
            pending.creates.values().map(|c| m.apply_create(&unit, c)),
        )?;
        step_failed(
            "updating secrets",
            pending
                .updates
                .iter()
                .map(|(xid, u)| m.apply_update(&unit, xid, u)),
        )?;
        step_failed(
            "updating secret tracked revisions",
            pending
                .track_latest
                .iter()
                .map(|xid| m.apply_track_latest(&unit, xid)),
        )?;
        step_failed(
            "granting secrets access",
            pending
                .grants
                .iter()
                .flat_map(|(xid, by_relation)| by_relation.values().map(move |g| (xid, g)))
                .map(|(xid, g)| m.apply_grant(&unit, xid, g)),
        )?;
        step_failed(
            "revoking secrets access",
            pending
                .revokes
                .iter()
                .flat_map(|(xid, revokes)| revokes.iter().map(move |r| (xid, r)))
                .map(|(xid, r)| m.apply_revoke(&unit, xid, r)),
        )?;
        step_failed(
            "removing secrets",
            pending.deletes.iter().map(|(xid, d)| {
                m.apply_delete(&unit, xid, d.revisions.as_deref())
                    .map(|_| ())
            }),
        )?;
        // The ports, the databags, the unit's state and the storage are written in one
        // transaction, checked in Juju's order: a failed check writes none of them.
        self.check_ports()?;
        if let Some(state) = &self.state {
            let size: usize = state.iter().map(|(k, v)| k.len() + v.len()).sum();
            if size > MAX_CHARM_STATE {
                return Err(format!(
                    "persisting charm state: max allowed size ({MAX_CHARM_STATE}) exceeded"
                ));
            }
        }
        self.check_storage()?;
        for (relation_id, bags) in std::mem::take(&mut self.bags) {
            for (owner, bag) in bags {
                let Some(relation) = self.controller.relations.get_mut(&relation_id) else {
                    continue;
                };
                let current = relation.databags.entry(owner.clone()).or_default();
                if *current != bag {
                    *current = bag;
                    self.controller
                        .queue_relation_changed(relation_id, &owner, &self.unit);
                }
            }
        }
        if let Some(state) = self.state.take() {
            self.controller
                .unit_state
                .insert(self.unit.clone(), super::UnitState(state));
        }
        self.apply_ports();
        self.apply_storage();
        Ok(())
    }

    fn is_leader(&self) -> bool {
        self.controller.is_leader(&self.unit)
    }

    fn expiry_time(&self, expiry: &Expiry) -> Result<DateTime<Utc>, JujuError> {
        match expiry {
            Expiry::At(at) => DateTime::from_timestamp(at.seconds, at.nanoseconds)
                .ok_or_else(|| JujuError::usage("expire time not valid")),
            Expiry::AfterSeconds(s) => i64::try_from(*s)
                .ok()
                .and_then(TimeDelta::try_seconds)
                .map(|d| self.controller.now + d)
                .ok_or_else(|| {
                    JujuError::usage(format!("expire time or duration \"{s}s\" not valid"))
                }),
        }
    }

    /// The controller's metadata of the secrets this unit manages, loaded once per hook.
    fn loaded_metadata(&mut self) -> &BTreeMap<String, Metadata> {
        if self.metadata.is_none() {
            self.metadata = Some(self.controller.owned_metadata(&self.unit));
        }
        self.metadata.as_ref().expect("just loaded")
    }

    /// Refuses to manage a known application secret on a non-leader, as the hook commands
    /// do before queueing anything.
    fn check_leader_for(&mut self, xid: &str) -> Result<(), JujuError> {
        let app_owned = self
            .loaded_metadata()
            .get(xid)
            .is_some_and(|md| matches!(md.owner, Owner::App(_)));
        if app_owned && !self.is_leader() {
            return Err(JujuError::run("this unit is not the leader"));
        }
        Ok(())
    }

    /// `SecretMetadata`: the loaded metadata with the hook's pending creates added, pending
    /// removes hidden, and pending updates' label, description, rotation policy and expiry
    /// overlaid (not their revision, nor pending grants: Juju's overlay of access is lost).
    fn secret_metadata(&mut self) -> BTreeMap<String, Metadata> {
        let loaded = self.loaded_metadata().clone();
        let mut result: BTreeMap<String, Metadata> = self
            .pending
            .creates
            .values()
            .map(|c| {
                (
                    c.xid.clone(),
                    Metadata {
                        owner: c.owner.clone(),
                        label: c.label.clone(),
                        description: c.description.clone(),
                        rotate: c.rotate,
                        latest: 1,
                        latest_checksum: checksum(&c.content),
                        latest_expires: c.expire,
                        next_rotation: None,
                        access: Vec::new(),
                    },
                )
            })
            .collect();
        for (xid, mut md) in loaded {
            if self.pending.deletes.contains_key(&xid) {
                continue;
            }
            if let Some(u) = self.pending.updates.get(&xid) {
                merge(&mut md.label, u.label.clone());
                merge(&mut md.description, u.description.clone());
                merge(&mut md.rotate, u.rotate);
                merge(&mut md.latest_expires, u.expire);
            }
            result.insert(xid, md);
        }
        result
    }

    // ---- secrets ---------------------------------------------------------------------------

    /// `secret-add`: queued; refused at once on a non-leader for an application secret, and
    /// for a label another secret created in this hook has.
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
        let expire = options
            .expire
            .as_ref()
            .map(|e| self.expiry_time(e))
            .transpose()?;
        let xid = self.controller.mint_xid();
        let uri = format!("secret://{}/{xid}", self.controller.uuid);
        self.pending
            .create(Create {
                xid,
                owner,
                label: options.label.clone(),
                description: options.description.clone(),
                expire,
                rotate: options.rotate,
                content: content.clone(),
            })
            .map_err(|DuplicateLabel| {
                JujuError::run(format!(
                    "secret with label {:?} already exists",
                    options.label.as_deref().unwrap_or_default()
                ))
            })?;
        Ok(uri)
    }

    /// The pending content a read returns, as Juju's hook context finds it: a secret created
    /// in this hook (by id or label) whatever the mode, attaching `label` to it; a pending new
    /// revision only with `--peek` or `--refresh` (which also queues tracking it).
    fn pending_read(
        &mut self,
        xid: Option<&str>,
        label: Option<&str>,
        mode: ReadMode,
    ) -> Option<SecretContent> {
        for (id, create) in self.pending.creates.iter_mut() {
            if xid == Some(id.as_str()) {
                if let Some(label) = label {
                    create.label = Some(label.to_string());
                }
                return Some(create.content.clone());
            }
            if label.is_some() && create.label.as_deref() == label {
                return Some(create.content.clone());
            }
        }
        if mode == ReadMode::Tracked {
            return None;
        }
        let found = self.pending.updates.iter_mut().find(|(id, update)| {
            xid == Some(id.as_str()) || (label.is_some() && update.label.as_deref() == label)
        });
        let (id, update) = found?;
        if xid == Some(id.as_str())
            && let Some(label) = label
        {
            update.label = Some(label.to_string());
        }
        let id = id.clone();
        let content = update.content.clone();
        if mode == ReadMode::Refresh {
            self.pending.track_latest.insert(id);
        }
        content
    }

    /// `secret-get`. A secret this hook created or gave new content is read from the pending
    /// buffer as [`Self::pending_read`] says; anything else is read from the controller, which
    /// saves what the read changes at once.
    pub fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, JujuError> {
        let (mut xid, mut label) = match lookup {
            Lookup::Id(id) => (Some(id.xid().to_string()), attach_label.map(str::to_string)),
            Lookup::Label(label) => (None, Some(label.clone())),
        };
        if let Some(id) = &xid
            && let Some(content) = self.pending_read(Some(id), label.as_deref(), mode)
        {
            return Ok(content);
        }
        if let Some(l) = &label
            && let Some(content) = self.pending_read(None, Some(l), mode)
        {
            return Ok(content);
        }
        if xid.is_none()
            && let Some(l) = &label
        {
            // A label of a unit secret this unit owns, or of a secret this hook creates or
            // relabels, resolves here; anything else is for the controller to resolve.
            let unit = Owner::Unit(self.unit.clone());
            let owned = self
                .secret_metadata()
                .into_iter()
                .find(|(_, md)| md.label.as_ref() == Some(l) && md.owner == unit)
                .map(|(id, _)| id);
            let queued = || {
                let creates = self.pending.creates.iter().map(|(id, c)| (id, &c.label));
                let updates = self.pending.updates.iter().map(|(id, u)| (id, &u.label));
                creates
                    .chain(updates)
                    .find(|(_, pending)| pending.as_ref() == Some(l))
                    .map(|(id, _)| id.clone())
            };
            if let Some(found) = owned.or_else(queued) {
                xid = Some(found);
                label = None;
            }
        }
        self.controller.read_secret(
            &self.unit.clone(),
            xid.as_deref(),
            label.as_deref(),
            mode == ReadMode::Refresh,
            mode == ReadMode::Peek,
        )
    }

    /// `secret-info-get`, for secrets this unit manages, with the hook's pending changes
    /// overlaid as [`Self::secret_metadata`] says.
    pub fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, JujuError> {
        let all = self.secret_metadata();
        let (xid, md) = match lookup {
            Lookup::Id(id) => all
                .get_key_value(id.xid())
                .ok_or_else(|| not_found(id.xid()))?,
            Lookup::Label(label) => all
                .iter()
                .find(|(_, md)| md.label.as_ref() == Some(label))
                .ok_or_else(|| not_found(label))?,
        };
        let relations = &self.controller.relations;
        let access = md
            .access
            .iter()
            .map(|g| AccessGrant {
                target: g.subject.tag(),
                scope: match g.relation_id.and_then(|id| relations.get(&id)) {
                    Some(r) => r.tag(),
                    None => format!("model-{}", self.controller.uuid),
                },
                role: "view".into(),
            })
            .collect();
        Ok(SecretInfo {
            id: format!("secret:{xid}"),
            label: md.label.clone(),
            revision: md.latest,
            owner: owner_kind(&md.owner),
            description: md.description.clone(),
            expires: md.latest_expires.map(datetime),
            rotation: md.rotate,
            next_rotation: md.next_rotation.map(datetime),
            access,
        })
    }

    /// `secret-set`: queued (merged with earlier sets of the same secret), after the leader
    /// check for a known application secret. New content counts only if it differs from the
    /// committed latest revision's; a set that changes nothing queues nothing. Whether the
    /// unit may manage the secret at all is the controller's to say, at commit.
    pub fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), JujuError> {
        let xid = id.xid().to_string();
        self.check_leader_for(&xid)?;
        let expire = options
            .expire
            .as_ref()
            .map(|e| self.expiry_time(e))
            .transpose()?;
        let committed = self
            .loaded_metadata()
            .get(&xid)
            .map(|md| md.latest_checksum.clone());
        let content = content
            .filter(|c| committed.as_ref() != Some(&checksum(c)))
            .cloned();
        let update = Update {
            label: options.label.clone(),
            description: options.description.clone(),
            expire,
            rotate: options.rotate,
            content,
        };
        if update == Update::default() {
            return Ok(());
        }
        self.pending.update(&xid, update);
        Ok(())
    }

    /// The relation `relation_id` as seen from this unit's application, and its remote app.
    fn relation(&self, relation_id: u32) -> Result<String, JujuError> {
        self.controller
            .relations
            .get(&relation_id)
            .and_then(|r| r.sides(&self.app))
            .map(|(_, other)| other.app.clone())
            .ok_or_else(|| relation_not_found(relation_id))
    }

    /// `secret-grant`: the secret must be one this unit manages (as `secret-info-get` sees
    /// it); granting what is already granted in that relation is no change; the grant is
    /// queued by relation (a second grant over the same relation replaces the first). Whether
    /// the unit exists, and whether the application already has a grant over another
    /// relation, the controller checks at commit.
    pub fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), JujuError> {
        let remote_app = self.relation(relation_id)?;
        if let Some(unit) = unit
            && Model::app_of(unit) != remote_app
        {
            return Err(JujuError::usage(format!(
                "cannot specify unit {unit:?} in relation to application {remote_app:?}"
            )));
        }
        let xid = id.xid();
        let md = self
            .secret_metadata()
            .remove(xid)
            .ok_or_else(|| not_found(xid))?;
        if matches!(md.owner, Owner::App(_)) && !self.is_leader() {
            return Err(JujuError::run("this unit is not the leader"));
        }
        let subject = match unit {
            Some(unit) => Subject::Unit(unit.to_string()),
            None => Subject::App(remote_app.clone()),
        };
        for existing in md
            .access
            .iter()
            .filter(|g| g.relation_id == Some(relation_id))
        {
            if existing.subject == subject || matches!(existing.subject, Subject::App(_)) {
                return Ok(());
            }
            if matches!(subject, Subject::App(_)) {
                return Err(JujuError::run(
                    "any unit level grants need to be revoked before granting access to the corresponding application",
                ));
            }
        }
        self.pending.grant(
            xid,
            Access {
                app: Some(remote_app),
                unit: unit.map(str::to_string),
                relation_id: Some(relation_id),
            },
        );
        Ok(())
    }

    /// `secret-revoke`: queued after the leader check for a known application secret. A
    /// revoke names a subject, not a relation: over a relation it names the remote
    /// application (and the unit, if given).
    pub fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), JujuError> {
        let revoke = match grantee {
            Grantee::Relation(r) => Access {
                app: Some(self.relation(*r)?),
                unit: None,
                relation_id: None,
            },
            Grantee::RelationUnit(ru) => Access {
                app: Some(self.relation(ru.relation_id)?),
                unit: Some(ru.unit.clone()),
                relation_id: None,
            },
            Grantee::Application(app) => Access {
                app: Some(app.clone()),
                unit: None,
                relation_id: None,
            },
            Grantee::Unit(unit) => Access {
                app: None,
                unit: Some(unit.clone()),
                relation_id: None,
            },
        };
        let xid = id.xid();
        self.check_leader_for(xid)?;
        self.pending.revoke(xid, revoke);
        Ok(())
    }

    /// `secret-remove`: queued after the leader check for a known application secret. It
    /// drops every change this hook queued for the secret, whatever revision it names; the
    /// hook's warnings name what was dropped.
    pub fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), JujuError> {
        let xid = id.xid();
        self.check_leader_for(xid)?;
        let dropped = self.pending.remove(xid, revision);
        if !dropped.is_empty() {
            self.warnings
                .push(discard_warning(&id.canonical(), revision, &dropped));
        }
        Ok(())
    }

    /// `secret-ids`: the secrets this unit manages, with the hook's creates and removes.
    pub fn secret_ids(&mut self) -> Vec<String> {
        self.secret_metadata().into_keys().collect()
    }

    // ---- the rest of the unit's world ------------------------------------------------------

    /// `is-leader`.
    pub fn is_leader_now(&self) -> bool {
        self.is_leader()
    }

    /// `relation-ids`.
    pub fn relation_ids(&self, endpoint: &str) -> Vec<u32> {
        self.controller
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
        let units: Vec<String> = self.controller.apps[&remote]
            .units
            .iter()
            .filter(|u| **u != self.unit)
            .cloned()
            .collect();
        if !self.controller.relations[&relation_id].dying {
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
                // Every unit reads its application's databag of a peer relation.
                let peer = self.controller.relations[&relation_id].is_peer();
                if *app == self.app && !self.is_leader() && !peer {
                    return Err(JujuError::run("permission denied"));
                }
                if *app != self.app && *app != remote {
                    return Err(JujuError::run("permission denied"));
                }
                app
            }
        };
        Ok(self
            .bags
            .get(&relation_id)
            .and_then(|bags| bags.get(owner))
            .or_else(|| self.controller.relations[&relation_id].databags.get(owner))
            .cloned()
            .unwrap_or_default())
    }

    /// `relation-set`: queued; the other side sees relation-changed once the hook commits.
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
        let committed = &self.controller.relations[&relation_id].databags;
        let bag = self
            .bags
            .entry(relation_id)
            .or_default()
            .entry(owner.clone())
            .or_insert_with(|| committed.get(&owner).cloned().unwrap_or_default());
        for (key, value) in data {
            if value.is_empty() {
                bag.remove(key);
            } else {
                bag.insert(key.clone(), value.clone());
            }
        }
        Ok(())
    }

    /// `config-get`.
    pub fn config(&self) -> BTreeMap<String, ConfigValue> {
        self.controller.apps[&self.app].config.clone()
    }

    /// `juju-log`: kept even if the hook fails.
    pub fn log(&mut self, level: &str, message: &str) {
        self.logs.push((level.to_string(), message.to_string()));
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

impl HookContext {
    /// `action-get`: the parameters, or Juju's refusal outside an action.
    pub fn action_params(&self) -> Result<serde_json::Map<String, serde_json::Value>, JujuError> {
        match &self.kind {
            HookKind::Action { id, .. } => Ok(self
                .controller
                .tasks
                .get(id)
                .map(|t| t.params.clone())
                .unwrap_or_default()),
            _ => Err(not_running_an_action()),
        }
    }

    /// `action-set`: one result at its dotted path; the last value set wins, and a value
    /// where a map is needed becomes a map, as in Juju's `addValueToMap`.
    pub fn action_set(&mut self, path: &[String], value: &str) -> Result<(), JujuError> {
        if !matches!(self.kind, HookKind::Action { .. }) {
            return Err(not_running_an_action());
        }
        let Some((last, parents)) = path.split_last() else {
            return Ok(());
        };
        let mut map = &mut self.results;
        for key in parents {
            let entry = map
                .entry(key.clone())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            if !entry.is_object() {
                *entry = serde_json::Value::Object(Default::default());
            }
            map = entry.as_object_mut().expect("made a map");
        }
        map.insert(last.clone(), value.into());
        Ok(())
    }

    /// `action-log`: recorded at once, whatever becomes of the hook.
    pub fn action_log(&mut self, message: &str) -> Result<(), JujuError> {
        let HookKind::Action { id, .. } = &self.kind else {
            return Err(not_running_an_action());
        };
        if let Some(task) = self.controller.tasks.get_mut(id) {
            task.logs.push(message.to_string());
        }
        Ok(())
    }

    /// `action-fail`: the action fails with `message`; the hook goes on and still commits.
    pub fn action_fail(&mut self, message: &str) -> Result<(), JujuError> {
        if !matches!(self.kind, HookKind::Action { .. }) {
            return Err(not_running_an_action());
        }
        self.failed = Some(message.to_string());
        Ok(())
    }

    /// The unit's state as this hook sees it (loaded on the first state command).
    fn state(&mut self) -> &mut BTreeMap<String, String> {
        let committed = &self.controller.unit_state;
        let unit = &self.unit;
        self.state
            .get_or_insert_with(|| committed.get(unit).map(|s| s.0.clone()).unwrap_or_default())
    }

    /// `state-get`: every key, or one (`None` if missing).
    pub fn state_get(&mut self, key: Option<&str>) -> BTreeMap<String, String> {
        let state = self.state();
        match key {
            None => state.clone(),
            Some(key) => state
                .get(key)
                .map(|v| BTreeMap::from([(key.to_string(), v.clone())]))
                .unwrap_or_default(),
        }
    }

    /// `state-set`: Juju's per-key and per-value limits are checked now, the total when the
    /// hook commits.
    pub fn state_set(&mut self, values: &BTreeMap<String, String>) -> Result<(), JujuError> {
        for (key, value) in values {
            if key.len() > MAX_STATE_KEY {
                return Err(JujuError::run(format!(
                    "max allowed key length ({MAX_STATE_KEY}) exceeded"
                )));
            }
            if value.len() > MAX_STATE_VALUE {
                return Err(JujuError::run(format!(
                    "max allowed value length ({MAX_STATE_VALUE}) exceeded"
                )));
            }
            self.state().insert(key.clone(), value.clone());
        }
        Ok(())
    }

    /// `state-delete`: a missing key is not an error.
    pub fn state_delete(&mut self, key: &str) {
        self.state().remove(key);
    }
}

impl Model {
    /// A databag changed: the units on the other side see relation-changed (in a peer
    /// relation, every unit but the one that wrote it).
    fn queue_relation_changed(&mut self, relation_id: u32, owner: &str, writer: &str) {
        let Some(relation) = self.relations.get(&relation_id).filter(|r| !r.dying) else {
            return;
        };
        let owner_app = Model::app_of(owner).to_string();
        let Some((_, other)) = relation.sides(&owner_app) else {
            return;
        };
        let remote_unit = owner.contains('/').then(|| owner.to_string());
        for unit in self.apps[&other.app].units.clone() {
            if unit == writer {
                continue;
            }
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
