//! The controller's side of secrets, as Juju 3.6.11's API server and state carry it out:
//! what a read changes at once (`GetSecretContentInfo`), and how a hook's queued changes are
//! applied when it commits (`CommitHookChanges`). `docs/juju-reference.md` cites the source
//! of each rule.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::recorder::{Access, Create, Update};
use super::secret::{self, Consumer, Grant, Owner, Revision, Secret, Subject};
use super::{JujuError, Model, checksum};
use juju_hookcmds::RotatePolicy;
use juju_rules::SecretContent;

/// What `secret-ids` and `secret-info-get` see of a secret this unit manages (the unit
/// agent's `SecretMetadata`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// Its owner.
    pub owner: Owner,
    /// Its owner label (empty when none).
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its rotation policy; `None` only for a secret created in this hook without one.
    pub rotate: Option<RotatePolicy>,
    /// The latest revision.
    pub latest: u32,
    /// The checksum of the latest revision's content.
    pub latest_checksum: String,
    /// When the latest revision expires.
    pub latest_expires: Option<DateTime<Utc>>,
    /// When `secret-rotate` is next due.
    pub next_rotation: Option<DateTime<Utc>>,
    /// Who may view it.
    pub access: Vec<Grant>,
}

/// How a failed commit step reads: Juju loses the error's kind, only the text remains.
pub type CommitError = String;

/// Who a label belongs to, in the controller's label registry: an application or a unit,
/// as owner or as consumer.
#[derive(PartialEq)]
enum Holder<'a> {
    App(&'a str),
    Unit(&'a str),
    Model,
}

fn holder_of(owner: &Owner) -> Holder<'_> {
    match owner {
        Owner::App(app) => Holder::App(app),
        Owner::Unit(unit) => Holder::Unit(unit),
        Owner::Model => Holder::Model,
    }
}

impl Model {
    /// Whether `unit` manages the secret now: it owns it, or leads the application that does.
    pub(super) fn unit_manages(&self, unit: &str, s: &Secret) -> bool {
        self.check_manager(unit, &s.owner, false).is_ok()
    }

    /// `CanManage` for a secret `owner` owns: the owner unit, or the leader of the owning
    /// application, unless the owner's own access was `revoked`.
    fn check_manager(&self, unit: &str, owner: &Owner, revoked: bool) -> Result<(), CommitError> {
        let app = Model::app_of(unit);
        match owner {
            _ if revoked => Err("permission denied".into()),
            Owner::Unit(u) if u == unit => Ok(()),
            Owner::App(a) if a == app && self.is_leader(unit) => Ok(()),
            Owner::App(a) if a == app => Err(format!("{unit:?} is not leader of {app:?}")),
            _ => Err("permission denied".into()),
        }
    }

    /// The secrets `unit` manages, as the controller lists them for its hook context: its own,
    /// and its application's when it leads (`GetSecretMetadata`).
    pub(super) fn owned_metadata(&self, unit: &str) -> BTreeMap<String, Metadata> {
        self.secrets
            .values()
            .filter(|s| self.unit_manages(unit, s))
            .map(|s| {
                (
                    s.xid.clone(),
                    Metadata {
                        owner: s.owner.clone(),
                        label: s.label.clone(),
                        description: s.description.clone(),
                        rotate: Some(s.rotate.unwrap_or(RotatePolicy::Never)),
                        latest: s.latest,
                        latest_checksum: s.latest_checksum.clone(),
                        latest_expires: s.latest_expires,
                        next_rotation: s.next_rotation,
                        access: s.grants.clone(),
                    },
                )
            })
            .collect()
    }

    /// `CanManage`: the owner unit, or the leader of the owning application.
    fn can_manage(&self, unit: &str, xid: &str) -> Result<(), CommitError> {
        let s = self
            .secrets
            .get(xid)
            .ok_or_else(|| format!("secret \"secret:{xid}\" not found"))?;
        self.check_manager(unit, &s.owner, s.owner_access_revoked)
    }

    /// The first use of `label` that clashes with giving it to `holder` (as owner when
    /// `as_owner`, else as consumer), as the controller's label registry reports it; `except`
    /// is the secret being relabelled.
    fn label_clash(
        &self,
        holder: &Holder<'_>,
        label: &str,
        as_owner: bool,
        except: &str,
    ) -> Option<String> {
        let owners = self
            .secrets
            .values()
            .filter(|s| s.xid != except && s.label.as_deref() == Some(label))
            .map(|s| holder_of(&s.owner));
        let consumers = self.secrets.values().flat_map(|s| {
            s.consumers
                .iter()
                .filter(|(_, c)| c.label.as_deref() == Some(label))
                .map(|(unit, _)| Holder::Unit(unit.as_str()))
        });
        let owner_holders: Vec<Holder<'_>> = owners.collect();
        let consumer_holders: Vec<Holder<'_>> = consumers.collect();
        let all = || owner_holders.iter().chain(consumer_holders.iter());
        // An application's label may be used by none of its units, and a unit's by none of
        // its application's secrets.
        match holder {
            Holder::App(app) => {
                if all().any(|h| matches!(h, Holder::Unit(u) if Model::app_of(u) == *app)) {
                    return Some(format!(
                        "secret label {label:?} for a unit of application {app:?} already exists"
                    ));
                }
            }
            Holder::Unit(unit) => {
                let app = Model::app_of(unit);
                if all().any(|h| *h == Holder::App(app)) {
                    return Some(format!(
                        "secret label {label:?} for application {app:?} already exists"
                    ));
                }
            }
            Holder::Model => {
                if owner_holders.contains(&Holder::Model) {
                    return Some(format!("user secret label {label:?} already exists"));
                }
                return None;
            }
        }
        let holder_tag = match holder {
            Holder::App(app) => Subject::App(app.to_string()).tag(),
            Holder::Unit(unit) => Subject::Unit(unit.to_string()).tag(),
            Holder::Model => return None,
        };
        let (first, second) = if as_owner {
            (("consumer", &consumer_holders), ("owner", &owner_holders))
        } else {
            (("owner", &owner_holders), ("consumer", &consumer_holders))
        };
        for (role, holders) in [first, second] {
            if holders.contains(holder) {
                return Some(format!(
                    "secret label {label:?} for {role} {holder_tag:?} already exists"
                ));
            }
        }
        None
    }

    // ---- reads: applied at once, kept even if the hook fails ----------------------------

    /// `GetSecretContentInfo` for `unit`: resolves the id or label, checks access, and saves
    /// the consumer record (first read, `--refresh`, a consumer label) or the owner's new
    /// label at once.
    pub(super) fn read_secret(
        &mut self,
        unit: &str,
        xid: Option<&str>,
        label: Option<&str>,
        refresh: bool,
        peek: bool,
    ) -> Result<SecretContent, JujuError> {
        let app = Model::app_of(unit).to_string();
        let owned_by_caller = |s: &Secret| match &s.owner {
            Owner::Unit(u) => u == unit,
            Owner::App(a) => *a == app,
            Owner::Model => false,
        };
        let mut label_to_save = label.filter(|_| xid.is_some()).map(str::to_string);
        let owned = match (xid, label) {
            (Some(xid), _) => self.secrets.get(xid).filter(|s| owned_by_caller(s)),
            (None, Some(label)) => self
                .secrets
                .values()
                .find(|s| owned_by_caller(s) && s.label.as_deref() == Some(label)),
            (None, None) => None,
        }
        .map(|s| (s.xid.clone(), s.label.clone(), s.owner.clone()));
        let xid = match owned {
            Some((owned_xid, owned_label, owner)) => {
                if let Some(new) = label_to_save.take()
                    && Some(&new) != owned_label.as_ref()
                    && (owner == Owner::Unit(unit.to_string()) || self.is_leader(unit))
                {
                    self.relabel(&owned_xid, &owner, &new)
                        .map_err(JujuError::run)?;
                }
                owned_xid
            }
            None => match xid {
                Some(xid) => xid.to_string(),
                None => {
                    let label = label.unwrap_or_default();
                    self.secrets
                        .values()
                        .find(|s| {
                            s.consumers
                                .get(unit)
                                .is_some_and(|c| c.label.as_deref() == Some(label))
                        })
                        .map(|s| s.xid.clone())
                        .ok_or_else(|| {
                            JujuError::run(format!("consumer label {label:?} not found"))
                        })?
                }
            },
        };
        let Some(s) = self.secrets.get(&xid) else {
            return Err(JujuError::run(format!("secret \"secret:{xid}\" not found")));
        };
        let readable = (owned_by_caller(s) && !s.owner_access_revoked)
            || s.grants.iter().any(|g| match &g.subject {
                Subject::App(a) => *a == app,
                Subject::Unit(u) => u == unit,
            });
        if !readable {
            return Err(JujuError::run("permission denied"));
        }
        let revision = self
            .consume(unit, &xid, refresh, peek, label_to_save.as_deref())
            .map_err(|e| JujuError::run(format!("getting latest secret revision: {e}")))?;
        self.secrets[&xid]
            .revisions
            .get(&revision)
            .map(|r| r.content.clone())
            .ok_or_else(|| {
                JujuError::run(format!("secret revision \"{xid}/{revision}\" not found"))
            })
    }

    /// The owner (or the owning application's leader) reading with a new label: the owner
    /// label changes at once, under the controller's label rules.
    fn relabel(&mut self, xid: &str, owner: &Owner, label: &str) -> Result<(), String> {
        if let Some(clash) = self.label_clash(&holder_of(owner), label, true, xid) {
            return Err(clash);
        }
        self.secrets.get_mut(xid).expect("exists").label = Some(label.to_string());
        Ok(())
    }

    /// `getConsumedRevision`: the revision a read returns, saving the consumer record when
    /// it is new, refreshed, or given a label.
    fn consume(
        &mut self,
        unit: &str,
        xid: &str,
        refresh: bool,
        peek: bool,
        label: Option<&str>,
    ) -> Result<u32, String> {
        let s = &self.secrets[xid];
        let existing = s.consumers.get(unit).cloned();
        let refresh = refresh || existing.is_none();
        let latest = s.latest;
        let mut record = existing.clone().unwrap_or(Consumer {
            tracked: latest,
            label: None,
            notified: latest,
        });
        let mut wanted = record.tracked;
        if refresh || peek {
            wanted = latest;
            if refresh {
                record.tracked = latest;
            }
        }
        if refresh || label.is_some() {
            if let Some(label) = label {
                let changed = existing
                    .as_ref()
                    .is_none_or(|c| c.label.as_deref() != Some(label));
                if changed
                    && let Some(clash) = self.label_clash(&Holder::Unit(unit), label, false, "")
                {
                    return Err(clash);
                }
                record.label = Some(label.to_string());
            }
            self.secrets
                .get_mut(xid)
                .expect("exists")
                .consumers
                .insert(unit.to_string(), record);
        }
        Ok(wanted)
    }

    // ---- a hook's commit ------------------------------------------------------------------

    /// Applies a pending create (`CreateSecrets`).
    pub(super) fn apply_create(&mut self, unit: &str, c: &Create) -> Result<(), CommitError> {
        self.check_manager(unit, &c.owner, false)?;
        if let Some(label) = &c.label
            && self
                .label_clash(&holder_of(&c.owner), label, true, "")
                .is_some()
        {
            return Err(format!("secret with label {label:?} already exists"));
        }
        let next_rotation = c
            .rotate
            .filter(|p| secret::rotates(Some(*p)))
            .and_then(|p| secret::next_rotation(p, self.now))
            .map(secret::to_the_second);
        let expire = c.expire.map(secret::to_the_second);
        self.secrets.insert(
            c.xid.clone(),
            Secret {
                xid: c.xid.clone(),
                owner: c.owner.clone(),
                label: c.label.clone(),
                description: c.description.clone(),
                rotate: c.rotate,
                next_rotation,
                revisions: BTreeMap::from([(
                    1,
                    Revision {
                        content: c.content.clone(),
                        expires: expire,
                        expiry_due: None,
                    },
                )]),
                latest: 1,
                latest_checksum: checksum(&c.content),
                latest_expires: expire,
                grants: Vec::new(),
                consumers: BTreeMap::new(),
                removal_queued: Default::default(),
                owner_access_revoked: false,
                rotate_retry: None,
            },
        );
        Ok(())
    }

    /// Applies a pending update (`UpdateSecrets`): checked whole, then applied whole.
    pub(super) fn apply_update(
        &mut self,
        unit: &str,
        xid: &str,
        u: &Update,
    ) -> Result<(), CommitError> {
        if u.label.is_none()
            && u.description.is_none()
            && u.expire.is_none()
            && u.rotate.is_none()
            && u.content.is_none()
        {
            return Err("at least one attribute to update must be specified".into());
        }
        self.can_manage(unit, xid)?;
        let s = &self.secrets[xid];
        let new_schedule = match u.rotate {
            Some(policy) if !secret::rotates(s.rotate) && secret::rotates(Some(policy)) => {
                secret::next_rotation(policy, self.now).map(secret::to_the_second)
            }
            _ => None,
        };
        let expire = u.expire.map(secret::to_the_second);
        if let Some(label) = &u.label
            && s.label.as_ref() != Some(label)
            && self
                .label_clash(&holder_of(&s.owner), label, true, xid)
                .is_some()
        {
            return Err(format!("secret with label {label:?} already exists"));
        }
        if u.content.is_none() && u.expire.is_some() && !s.revisions.contains_key(&s.latest) {
            return Err(format!(
                "reversion {} for secret \"secret:{xid}\" not found",
                s.latest
            ));
        }
        if let Some(policy) = u.rotate
            && secret::rotates(Some(policy))
            && new_schedule.is_none()
        {
            // Juju 3.6.11 refuses a rotating policy on a secret that already rotates (even
            // the same one; juju/juju#20928, fixed in 3.6.12): the whole update fails.
            return Err("must specify a secret rotate time".into());
        }
        let s = self.secrets.get_mut(xid).expect("exists");
        if let Some(label) = &u.label {
            s.label = Some(label.clone());
        }
        if let Some(description) = &u.description {
            s.description = Some(description.clone());
        }
        if let Some(policy) = u.rotate {
            s.rotate = Some(policy);
            if !secret::rotates(Some(policy)) {
                s.next_rotation = None;
            } else if new_schedule.is_some() {
                s.next_rotation = new_schedule;
            }
        }
        match &u.content {
            Some(content) => {
                s.latest += 1;
                s.revisions.insert(
                    s.latest,
                    Revision {
                        content: content.clone(),
                        expires: expire,
                        expiry_due: None,
                    },
                );
                s.latest_checksum = checksum(content);
                s.latest_expires = expire;
            }
            None => {
                if let Some(expire) = expire {
                    let latest = s.latest;
                    let revision = s.revisions.get_mut(&latest).expect("checked above");
                    revision.expires = Some(expire);
                    revision.expiry_due = None;
                    s.latest_expires = Some(expire);
                }
            }
        }
        Ok(())
    }

    /// Applies a pending track-latest (`UpdateTrackedRevisions`): a refresh without reading.
    pub(super) fn apply_track_latest(&mut self, unit: &str, xid: &str) -> Result<(), CommitError> {
        if !self.secrets.contains_key(xid) {
            return Err(format!("secret \"secret:{xid}\" not found"));
        }
        self.consume(unit, xid, true, false, None).map(|_| ())
    }

    /// Applies a pending grant (`SecretsGrant`): one grant per subject, over one relation.
    pub(super) fn apply_grant(
        &mut self,
        unit: &str,
        xid: &str,
        grant: &Access,
    ) -> Result<(), CommitError> {
        self.can_manage(unit, xid)?;
        let Some(subject) = grant.subject() else {
            return Ok(());
        };
        let wrap = |e: String| {
            format!(
                "cannot change access to \"secret:{xid}\" for {:?}: {e}",
                subject.tag()
            )
        };
        let relation_id = grant.relation_id.unwrap_or_default();
        match self.relations.get(&relation_id) {
            None => {
                return Err(wrap(format!(
                    "invalid scope reference: relation {relation_id} not found"
                )));
            }
            Some(r) if r.dying => {
                return Err(wrap(format!(
                    "cannot grant access to secret in scope of \"{}\" which is not alive",
                    r.tag()
                )));
            }
            Some(_) => {}
        }
        let exists = match &subject {
            Subject::App(app) => self.apps.contains_key(app),
            Subject::Unit(u) => self.unit_exists(u),
        };
        if !exists {
            let what = match &subject {
                Subject::App(app) => format!("application {app:?}"),
                Subject::Unit(u) => format!("unit {u:?}"),
            };
            return Err(wrap(format!("invalid subject reference: {what} not found")));
        }
        let s = self.secrets.get_mut(xid).expect("checked by can_manage");
        match s.grants.iter().find(|g| g.subject == subject) {
            Some(existing) if existing.relation_id != Some(relation_id) => {
                Err(wrap("cannot change secret permission scope".into()))
            }
            Some(_) => Ok(()),
            None => {
                s.grants.push(Grant {
                    subject,
                    relation_id: Some(relation_id),
                });
                Ok(())
            }
        }
    }

    /// Applies a pending revoke (`SecretsRevoke`): the subject's grant goes, whatever
    /// relation it was made over; other subjects' grants stay.
    pub(super) fn apply_revoke(
        &mut self,
        unit: &str,
        xid: &str,
        revoke: &Access,
    ) -> Result<(), CommitError> {
        self.can_manage(unit, xid)?;
        if let Some(subject) = revoke.subject() {
            let s = self.secrets.get_mut(xid).expect("checked by can_manage");
            s.grants.retain(|g| g.subject != subject);
            // The owner's own permission is a grant to it like any other: revoking the
            // owner takes it away.
            let owner = match &s.owner {
                Owner::App(app) => Some(Subject::App(app.clone())),
                Owner::Unit(u) => Some(Subject::Unit(u.clone())),
                Owner::Model => None,
            };
            if owner == Some(subject) {
                s.owner_access_revoked = true;
            }
        }
        Ok(())
    }

    /// Applies a pending delete (`RemoveSecrets`). `Ok(false)`: the secret does not exist,
    /// which the commit ignores (since 3.6.11: `secret-remove` is idempotent).
    pub(super) fn apply_delete(
        &mut self,
        unit: &str,
        xid: &str,
        revisions: Option<&[u32]>,
    ) -> Result<bool, CommitError> {
        if !self.secrets.contains_key(xid) {
            return Ok(false);
        }
        self.can_manage(unit, xid)?;
        let s = self.secrets.get_mut(xid).expect("exists");
        if let Some(revisions) = revisions
            && s.revisions.keys().any(|r| !revisions.contains(r))
        {
            s.revisions.retain(|r, _| !revisions.contains(r));
            return Ok(true);
        }
        self.secrets.remove(xid);
        Ok(true)
    }

    /// After a `secret-rotate` hook commits (`SecretsRotated`): the next rotation is the
    /// policy's interval after the one just due, or five minutes after it when the hook made
    /// no new revision, or when the latest revision expires before the next rotation would
    /// (and after those five minutes). Refused for a secret that is gone, and for a unit's
    /// own secret (the controller compares the unit's application with the owner tag's id).
    pub(super) fn secret_rotated(
        &mut self,
        unit: &str,
        xid: &str,
        original_revision: u32,
    ) -> Result<(), String> {
        let now = self.now;
        let Some(s) = self.secrets.get_mut(xid) else {
            return Err(format!("secret \"secret:{xid}\" not found"));
        };
        if s.owner != Owner::App(Model::app_of(unit).to_string()) {
            return Err("permission denied".into());
        }
        s.rotate_retry = None;
        let Some(policy) = s.rotate.filter(|p| secret::rotates(Some(*p))) else {
            return Ok(());
        };
        let last = s.next_rotation.unwrap_or(now);
        let Some(mut next) = secret::next_rotation(policy, last) else {
            return Ok(());
        };
        let forced = last + secret::RETRY_DELAY;
        let expires_first = s.latest_expires.filter(|e| *e < next);
        if expires_first.is_some_and(|e| forced < e) || s.latest == original_revision {
            next = forced;
        }
        s.next_rotation = Some(next);
        Ok(())
    }
}
