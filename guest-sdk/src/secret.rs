//! Juju secrets: creating them, reading them as owner or observer, and managing revisions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use crate::bindings::juju::charm::secrets::{
    self as wit, AddOptions, AddOwner, Expiry, GetOptions, Grantee, OwnerKind, ReadMode,
    RelationUnit, RotatePolicy, SecretRef, SetOptions,
};
use crate::bindings::juju::charm::types::Datetime;
use crate::content::SecretContent;
use crate::error::{Error, Result};
use crate::model::Relation;

/// How often Juju fires `secret-rotate` for a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotate {
    /// No rotation.
    Never,
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
    /// Every seven days.
    Weekly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
    /// Every year.
    Yearly,
}

impl From<Rotate> for RotatePolicy {
    fn from(r: Rotate) -> Self {
        match r {
            Rotate::Never => RotatePolicy::Never,
            Rotate::Hourly => RotatePolicy::Hourly,
            Rotate::Daily => RotatePolicy::Daily,
            Rotate::Weekly => RotatePolicy::Weekly,
            Rotate::Monthly => RotatePolicy::Monthly,
            Rotate::Quarterly => RotatePolicy::Quarterly,
            Rotate::Yearly => RotatePolicy::Yearly,
        }
    }
}

impl From<RotatePolicy> for Rotate {
    fn from(r: RotatePolicy) -> Self {
        match r {
            RotatePolicy::Never => Rotate::Never,
            RotatePolicy::Hourly => Rotate::Hourly,
            RotatePolicy::Daily => Rotate::Daily,
            RotatePolicy::Weekly => Rotate::Weekly,
            RotatePolicy::Monthly => Rotate::Monthly,
            RotatePolicy::Quarterly => Rotate::Quarterly,
            RotatePolicy::Yearly => Rotate::Yearly,
        }
    }
}

/// Who owns a secret: the application (managed by its leader), this unit, or the model (a
/// user secret the operator added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOwner {
    /// This application (managed by its leader).
    Application,
    /// This unit.
    Unit,
    /// The model: a user secret.
    Model,
}

impl SecretOwner {
    /// Starts building a secret owned by this application or unit.
    ///
    /// ```no_run
    /// # use juju_charm::{Context, Rotate, SecretContent};
    /// # fn f(ctx: &Context) -> juju_charm::Result<()> {
    /// let content = SecretContent::from_pairs([("password", "s3cret")])?;
    /// let secret = ctx.app().add_secret(content)
    ///     .label("db-credentials")
    ///     .rotate(Rotate::Daily)
    ///     .create()?;
    /// # Ok(()) }
    /// ```
    pub fn add_secret(self, content: SecretContent) -> AddSecret {
        AddSecret {
            owner: self,
            content,
            label: None,
            description: None,
            expire: None,
            rotate: None,
        }
    }
}

fn datetime(at: DateTime<Utc>) -> Datetime {
    Datetime {
        seconds: at.timestamp(),
        nanoseconds: at.timestamp_subsec_nanos(),
    }
}

fn from_datetime(d: Datetime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(d.seconds, d.nanoseconds)
}

fn expire_in(after: Duration) -> Result<Expiry> {
    if after.is_zero() {
        return Err(Error::InvalidArgument(
            "negative expire duration \"0s\" not valid".into(),
        ));
    }
    Ok(Expiry::AfterSeconds(after.as_secs().max(1)))
}

/// A secret being created; see [`SecretOwner::add_secret`].
#[derive(Debug)]
#[must_use = "call create() or get_or_create()"]
pub struct AddSecret {
    owner: SecretOwner,
    content: SecretContent,
    label: Option<String>,
    description: Option<String>,
    expire: Option<Result<Expiry>>,
    rotate: Option<Rotate>,
}

impl AddSecret {
    /// The owner label, by which this application or unit finds the secret again.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// A description operators see in `juju show-secret`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The first revision expires at this moment.
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.expire = Some(Ok(Expiry::At(datetime(at))));
        self
    }

    /// The first revision expires this long from now (by Juju's clock).
    pub fn expire_in(mut self, after: Duration) -> Self {
        self.expire = Some(expire_in(after));
        self
    }

    /// How often Juju fires `secret-rotate` for it: first one interval from now, then one
    /// interval after each rotation that makes a new revision (five minutes after one that
    /// does not). Rotate application secrets: for a unit's own secret, Juju 3.6.11 refuses to
    /// record the rotation after each `secret-rotate` hook, and the unit goes into error.
    pub fn rotate(mut self, rotate: Rotate) -> Self {
        self.rotate = Some(rotate);
        self
    }

    /// Creates the secret at revision 1.
    pub fn create(self) -> Result<Secret> {
        let owner = match self.owner {
            SecretOwner::Application => AddOwner::Application,
            SecretOwner::Unit => AddOwner::Unit,
            SecretOwner::Model => {
                return Err(Error::InvalidArgument(
                    "charms cannot create user secrets".into(),
                ));
            }
        };
        let options = AddOptions {
            owner,
            label: self.label.clone(),
            description: self.description,
            expire: self.expire.transpose()?,
            rotate: self.rotate.map(Into::into),
        };
        let id = wit::add(&self.content.to_pairs(), &options)?;
        Ok(Secret {
            id: Some(id),
            label: self.label,
            attach_label: false,
            cached: Some(self.content),
        })
    }

    /// The secret this unit manages under this builder's label if it exists (left as it
    /// is), else creates it. Idempotent, so a charm can call it on every hook. It looks the
    /// label up with `secret-info-get`, which, unlike reading the content, does not make
    /// the owner track a revision (a tracked revision never becomes obsolete).
    pub fn get_or_create(self) -> Result<Secret> {
        let Some(label) = self.label.clone() else {
            return Err(Error::InvalidArgument(
                "get_or_create needs a label to find the secret by".into(),
            ));
        };
        match secret_by_label(label.clone()).info() {
            Ok(info) => Ok(Secret::known(info.id, Some(label))),
            Err(e) if e.is_not_found() => self.create(),
            Err(e) => Err(e),
        }
    }
}

/// What `secret-info-get` tells the secret's manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The id, `secret:<xid>`.
    pub id: String,
    /// The owner label.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    /// Who owns it.
    pub owner: SecretOwner,
    /// The description.
    pub description: Option<String>,
    /// When the latest revision expires.
    pub expires: Option<DateTime<Utc>>,
    /// The rotation policy.
    pub rotation: Option<Rotate>,
    /// When `secret-rotate` fires next.
    pub next_rotation: Option<DateTime<Utc>>,
    /// Who may view it: `(target, scope)`, e.g. `("application-webserver", "relation-...")`.
    pub access: Vec<(String, String)>,
}

impl From<wit::SecretInfo> for SecretInfo {
    fn from(i: wit::SecretInfo) -> Self {
        SecretInfo {
            id: i.id,
            label: i.label,
            revision: i.revision,
            owner: match i.owner {
                OwnerKind::Application => SecretOwner::Application,
                OwnerKind::Unit => SecretOwner::Unit,
                OwnerKind::Model => SecretOwner::Model,
            },
            description: i.description,
            expires: i.expires.and_then(from_datetime),
            rotation: i.rotation.map(Into::into),
            next_rotation: i.next_rotation.and_then(from_datetime),
            access: i.access.into_iter().map(|a| (a.target, a.scope)).collect(),
        }
    }
}

/// A handle on a secret, by id and/or label. Nothing is fetched until content is asked for;
/// the tracked content is then cached for the rest of the hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    id: Option<String>,
    label: Option<String>,
    attach_label: bool,
    cached: Option<SecretContent>,
}

/// A secret by id (`secret:...` or any form Juju prints).
pub fn secret_by_id(id: impl Into<String>) -> Secret {
    Secret {
        id: Some(id.into()),
        label: None,
        attach_label: false,
        cached: None,
    }
}

/// A secret by the label this unit knows it by (its owner label, or a consumer label it
/// attached earlier).
pub fn secret_by_label(label: impl Into<String>) -> Secret {
    Secret {
        id: None,
        label: Some(label.into()),
        attach_label: false,
        cached: None,
    }
}

/// A secret by id, attaching `label` on the first read so later hooks (secret-changed) can
/// tell it by that label.
///
/// ```no_run
/// # fn f(secret_id: &str) -> juju_charm::Result<()> {
/// let mut secret = juju_charm::secret_by_id_with_label(secret_id, "database-secret");
/// let password = secret.get("password")?;
/// # let _ = password;
/// # Ok(()) }
/// ```
pub fn secret_by_id_with_label(id: impl Into<String>, label: impl Into<String>) -> Secret {
    Secret {
        id: Some(id.into()),
        label: Some(label.into()),
        attach_label: true,
        cached: None,
    }
}

/// The ids of the secrets this unit manages (its own, and the application's on the leader).
pub fn owned_secret_ids() -> Result<Vec<String>> {
    Ok(wit::ids()?)
}

impl Secret {
    pub(crate) fn known(id: String, label: Option<String>) -> Self {
        Secret {
            id: Some(id),
            label,
            attach_label: false,
            cached: None,
        }
    }

    /// The id, when known (it always is for secrets created or named by id).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The label the handle was made with, if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The 20-character xid that names the secret whatever form the id was given in.
    pub fn unique_identifier(&self) -> Option<String> {
        self.id
            .as_deref()
            .and_then(|id| juju_rules::SecretId::parse(id).ok())
            .map(|id| id.xid().to_string())
    }

    fn reference(&self) -> Result<SecretRef> {
        match (&self.id, &self.label) {
            (Some(id), _) => Ok(SecretRef::Id(id.clone())),
            (None, Some(label)) => Ok(SecretRef::Label(label.clone())),
            (None, None) => Err(Error::InvalidArgument(
                "require either a secret URI or label".into(),
            )),
        }
    }

    fn read(&mut self, mode: ReadMode, key: Option<&str>) -> Result<SecretContent> {
        let attach_label = if self.attach_label {
            self.label.clone()
        } else {
            None
        };
        let options = GetOptions {
            mode,
            key: key.map(String::from),
            attach_label,
        };
        let pairs = wit::get(&self.reference()?, &options)?;
        self.attach_label = false;
        Ok(SecretContent::from_juju(pairs.into_iter().collect()))
    }

    /// The content of the revision this unit tracks (the latest, on first read); cached.
    pub fn content(&mut self) -> Result<SecretContent> {
        if let Some(content) = &self.cached {
            return Ok(content.clone());
        }
        let content = self.read(ReadMode::Tracked, None)?;
        self.cached = Some(content.clone());
        Ok(content)
    }

    /// The tracked content as a serde struct; see [`SecretContent::to_serde`].
    pub fn content_as<T: DeserializeOwned>(&mut self) -> Result<T> {
        Ok(self.content()?.to_serde()?)
    }

    /// One value of the tracked revision.
    pub fn get(&mut self, key: &str) -> Result<String> {
        if !juju_rules::is_valid_key(key) {
            return Err(Error::InvalidContent(format!("key {key:?} not valid")));
        }
        if let Some(content) = &self.cached {
            return content
                .get(key)
                .map(String::from)
                .ok_or_else(|| Error::NotFound(format!("secret key value {key:?} not found")));
        }
        let content = self.read(ReadMode::Tracked, Some(key))?;
        content
            .get(key)
            .map(String::from)
            .ok_or_else(|| Error::NotFound(format!("secret key value {key:?} not found")))
    }

    /// The latest revision's content, this time only: tracking does not move.
    pub fn peek(&mut self) -> Result<SecretContent> {
        self.read(ReadMode::Peek, None)
    }

    /// The latest revision's content, and track it from now on: what an observer does on
    /// `secret-changed`, typically after [`Secret::peek`] validated it.
    ///
    /// ```no_run
    /// # use juju_charm::Event;
    /// # fn f(event: Event) -> juju_charm::Result<()> {
    /// if let Event::SecretChanged(changed) = event {
    ///     let mut secret = changed.secret();
    ///     if secret.peek()?.get("password").is_some() {
    ///         secret.refresh()?;
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn refresh(&mut self) -> Result<SecretContent> {
        let content = self.read(ReadMode::Refresh, None)?;
        self.cached = Some(content.clone());
        Ok(content)
    }

    /// Metadata, for the secret's manager (owner unit, or the owning application's leader).
    /// A handle known only by label learns its id from it.
    pub fn info(&mut self) -> Result<SecretInfo> {
        let info: SecretInfo = wit::info(&self.reference()?)?.into();
        self.id.get_or_insert_with(|| info.id.clone());
        Ok(info)
    }

    /// The `secret:<xid>` form of the id, the same whichever form Juju printed.
    pub fn canonical_id(&self) -> Option<String> {
        self.unique_identifier().map(|xid| format!("secret:{xid}"))
    }

    /// The id, looking it up by label (`secret-info-get`, so only for the secret's manager)
    /// when the handle has only a label.
    fn resolved_id(&mut self) -> Result<String> {
        match &self.id {
            Some(id) => Ok(id.clone()),
            None => Ok(self.info()?.id),
        }
    }

    /// Publishes new content as a new revision (none if identical to the latest).
    pub fn set_content(&mut self, content: SecretContent) -> Result<()> {
        let id = self.resolved_id()?;
        let options = SetOptions {
            label: None,
            description: None,
            expire: None,
            rotate: None,
        };
        wit::set(&id, Some(&content.to_pairs()), &options)?;
        Ok(())
    }

    /// Changes metadata without a new revision; see [`SetInfo`].
    pub fn set_info(&mut self) -> SetInfo<'_> {
        SetInfo {
            secret: self,
            options: SetOptions {
                label: None,
                description: None,
                expire: None,
                rotate: None,
            },
            expire_error: None,
        }
    }

    /// Lets the remote application of `relation` (all its units) view the secret.
    pub fn grant(&mut self, relation: &Relation) -> Result<()> {
        let id = self.resolved_id()?;
        Ok(wit::grant(&id, relation.id, None)?)
    }

    /// Lets one remote unit of `relation` view the secret.
    pub fn grant_unit(&mut self, relation: &Relation, unit: &str) -> Result<()> {
        let id = self.resolved_id()?;
        Ok(wit::grant(&id, relation.id, Some(unit))?)
    }

    /// Withdraws the grant to the remote application of `relation`.
    pub fn revoke(&mut self, relation: &Relation) -> Result<()> {
        let id = self.resolved_id()?;
        Ok(wit::revoke(&id, &Grantee::Relation(relation.id))?)
    }

    /// Withdraws one remote unit's grant over `relation`.
    ///
    /// Juju names the relation's application in this revoke too, and drops any later revoke
    /// of one of its units in the same hook: revoke one unit per hook, or the application.
    pub fn revoke_unit(&mut self, relation: &Relation, unit: &str) -> Result<()> {
        let id = self.resolved_id()?;
        let grantee = Grantee::RelationUnit(RelationUnit {
            relation_id: relation.id,
            unit: unit.to_string(),
        });
        Ok(wit::revoke(&id, &grantee)?)
    }

    /// Removes one revision. Idempotent: a revision that is already gone is not an error.
    ///
    /// Juju applies a hook's changes when it ends, and a remove drops every other change the
    /// same hook queued for this secret, **whatever the revision**: new content or metadata
    /// from [`Secret::set_content`] / [`Secret::set_info`], grants, revokes and a
    /// `--refresh`. So never renew a secret and remove its old revision in one hook: set the
    /// new content, and remove the old revision on the `secret-remove` event Juju fires once
    /// nobody tracks it ([`crate::SecretRevisionEvent::remove_revision`]). Removing the latest
    /// or only revision is allowed; with no revision left the secret is gone. The host warns
    /// in the unit's log when a remove discards changes.
    pub fn remove_revision(&mut self, revision: u32) -> Result<()> {
        let id = self.resolved_id()?;
        match wit::remove(&id, Some(revision)) {
            Err(e) if Error::from(e.clone()).is_not_found() => Ok(()),
            other => Ok(other?),
        }
    }

    /// Removes the secret and every revision; consumers then get not-found.
    ///
    /// Like [`Secret::remove_revision`], it drops every other change this hook queued for the
    /// secret (a secret added in this hook is never created). A later
    /// [`Secret::set_content`] or [`Secret::set_info`] in the same hook cancels the remove.
    pub fn remove_all_revisions(mut self) -> Result<()> {
        let id = self.resolved_id()?;
        Ok(wit::remove(&id, None)?)
    }
}

/// Metadata changes for [`Secret::set_info`]; `apply` sends them in one `secret-set`.
#[must_use = "call apply()"]
pub struct SetInfo<'a> {
    secret: &'a mut Secret,
    options: SetOptions,
    expire_error: Option<Error>,
}

impl SetInfo<'_> {
    /// A new owner label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.options.label = Some(label.into());
        self
    }

    /// A new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.options.description = Some(description.into());
        self
    }

    /// The latest revision expires at this moment.
    pub fn expire_at(mut self, at: DateTime<Utc>) -> Self {
        self.options.expire = Some(Expiry::At(datetime(at)));
        self
    }

    /// The latest revision expires this long from now; after [`Secret::set_content`] in the
    /// same hook, the new revision does (Juju merges a hook's sets of one secret).
    pub fn expire_in(mut self, after: Duration) -> Self {
        match expire_in(after) {
            Ok(e) => self.options.expire = Some(e),
            Err(e) => self.expire_error = Some(e),
        }
        self
    }

    /// A new rotation policy. From no rotation (or `Never`) to a rotating policy, the first
    /// rotation is due one interval from now; back to `Never`, rotation stops. Juju 3.6.11
    /// fails the hook's commit when a rotating secret is given another rotating policy (or
    /// the same one again), so set `Never` in one hook and the new policy in the next; Juju
    /// 3.6.12 fixes this.
    pub fn rotate(mut self, rotate: Rotate) -> Self {
        self.options.rotate = Some(rotate.into());
        self
    }

    /// Sends the changes.
    pub fn apply(self) -> Result<()> {
        if let Some(e) = self.expire_error {
            return Err(e);
        }
        let o = &self.options;
        if o.label.is_none() && o.description.is_none() && o.expire.is_none() && o.rotate.is_none()
        {
            return Err(Error::InvalidArgument(
                "set_info needs at least one of label, description, expire or rotate".into(),
            ));
        }
        let id = self.secret.resolved_id()?;
        wit::set(&id, None, &self.options)?;
        if let Some(label) = &self.options.label {
            self.secret.label = Some(label.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_expiry_is_refused_before_the_host_is_called() {
        let content = SecretContent::from_pairs([("password", "x")]).unwrap();
        let err = SecretOwner::Application
            .add_secret(content)
            .expire_in(Duration::ZERO)
            .create()
            .unwrap_err();
        assert_eq!(
            err,
            Error::InvalidArgument("negative expire duration \"0s\" not valid".into())
        );
    }

    #[test]
    fn get_or_create_needs_a_label() {
        let content = SecretContent::from_pairs([("password", "x")]).unwrap();
        assert!(matches!(
            SecretOwner::Unit.add_secret(content).get_or_create(),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn an_invalid_key_is_refused_on_single_key_get_before_the_host_is_called() {
        let mut secret = secret_by_label("db");
        assert_eq!(
            secret.get("Pass_Word"),
            Err(Error::InvalidContent("key \"Pass_Word\" not valid".into()))
        );
    }

    #[test]
    fn the_unique_identifier_is_the_xid_of_any_id_form() {
        let s = secret_by_id("secret://42022b73-9739-4a66-890d-f4df231ce55f/cid6tkuffbas7af0e0eg");
        assert_eq!(
            s.unique_identifier().as_deref(),
            Some("cid6tkuffbas7af0e0eg")
        );
    }

    #[test]
    fn a_secret_handle_debug_shows_no_values() {
        let mut s = secret_by_label("db");
        s.cached = Some(SecretContent::from_pairs([("password", "hunter2")]).unwrap());
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn set_info_with_nothing_to_set_is_refused() {
        let mut s = secret_by_id("secret:cid6tkuffbas7af0e0eg");
        assert!(matches!(
            s.set_info().apply(),
            Err(Error::InvalidArgument(_))
        ));
    }
}
