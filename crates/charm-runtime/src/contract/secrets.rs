use juju_hookcmds::Lookup;
use juju_rules::{SecretContent, is_valid_key};

use super::CharmCtx;
use super::bindings::juju::charm::secrets::{
    self, AddOptions, Expiry, GetOptions, Grantee, ReadMode, SecretInfo, SecretRef, SetOptions,
};
use super::validate::{check_app, check_label, check_text, check_unit, secret_id};
use crate::error::HostError;

fn lookup(secret: SecretRef) -> Result<Lookup, HostError> {
    Ok(match secret {
        SecretRef::Id(id) => Lookup::Id(secret_id(&id)?),
        SecretRef::Label(label) => Lookup::Label(check_label(&label)?.to_string()),
    })
}

fn check_metadata(
    label: &Option<String>,
    description: &Option<String>,
    expire: &Option<Expiry>,
) -> Result<(), HostError> {
    if let Some(label) = label {
        check_label(label)?;
    }
    if let Some(description) = description {
        check_text("description", description)?;
    }
    if let Some(Expiry::AfterSeconds(0)) = expire {
        return Err(HostError::InvalidArgument(
            "negative expire duration \"0s\" not valid".into(),
        ));
    }
    Ok(())
}

impl secrets::Host for CharmCtx<'_> {
    fn add(
        &mut self,
        content: Vec<(String, String)>,
        options: AddOptions,
    ) -> Result<String, HostError> {
        let content = SecretContent::from_pairs(content)?;
        check_metadata(&options.label, &options.description, &options.expire)?;
        let id = self.backend()?.secret_add(&content, &options.into())?;
        if let Ok(parsed) = secret_id(&id) {
            self.queued.added(parsed.xid());
        }
        Ok(id)
    }

    fn get(
        &mut self,
        secret: SecretRef,
        options: GetOptions,
    ) -> Result<Vec<(String, String)>, HostError> {
        let lookup = lookup(secret)?;
        if let Some(label) = &options.attach_label {
            check_label(label)?;
            if !matches!(lookup, Lookup::Id(_)) {
                return Err(HostError::InvalidArgument(
                    "a label can only be attached when getting a secret by id".into(),
                ));
            }
        }
        if let Some(key) = &options.key
            && !is_valid_key(key)
        {
            return Err(HostError::InvalidContent(format!("key {key:?} not valid")));
        }
        let content = self.backend()?.secret_get(
            &lookup,
            options.mode.into(),
            options.attach_label.as_deref(),
        )?;
        if let (Lookup::Id(id), ReadMode::Refresh) = (&lookup, options.mode) {
            self.queued.refreshed(id.xid());
        }
        let content = match &options.key {
            Some(key) => content.select(key)?,
            None => content,
        };
        Ok(content.into_pairs())
    }

    fn info(&mut self, secret: SecretRef) -> Result<SecretInfo, HostError> {
        let lookup = lookup(secret)?;
        Ok(self.backend()?.secret_info(&lookup)?.into())
    }

    fn set(
        &mut self,
        id: String,
        content: Option<Vec<(String, String)>>,
        options: SetOptions,
    ) -> Result<(), HostError> {
        let id = secret_id(&id)?;
        let content = content.map(SecretContent::from_pairs).transpose()?;
        check_metadata(&options.label, &options.description, &options.expire)?;
        self.backend()?
            .secret_set(&id, content.as_ref(), &options.into())?;
        self.queued.set(id.xid(), content.is_some());
        Ok(())
    }

    fn grant(
        &mut self,
        id: String,
        relation_id: u32,
        unit: Option<String>,
    ) -> Result<(), HostError> {
        let id = secret_id(&id)?;
        if let Some(unit) = &unit {
            check_unit(unit)?;
        }
        self.backend()?
            .secret_grant(&id, relation_id, unit.as_deref())?;
        self.queued.granted(id.xid());
        Ok(())
    }

    fn revoke(&mut self, id: String, grantee: Grantee) -> Result<(), HostError> {
        let id = secret_id(&id)?;
        match &grantee {
            Grantee::Relation(_) => {}
            Grantee::RelationUnit(ru) => {
                check_unit(&ru.unit)?;
            }
            Grantee::Application(app) => {
                check_app(app)?;
            }
            Grantee::Unit(unit) => {
                check_unit(unit)?;
            }
        }
        self.backend()?.secret_revoke(&id, &grantee.into())?;
        self.queued.revoked(id.xid());
        Ok(())
    }

    fn remove(&mut self, id: String, revision: Option<u32>) -> Result<(), HostError> {
        let id = secret_id(&id)?;
        if revision == Some(0) {
            return Err(HostError::InvalidArgument(
                "revision 0 not valid: revisions start at 1 (pass none to remove every revision)"
                    .into(),
            ));
        }
        self.backend()?.secret_remove(&id, revision)?;
        if let Some(warning) = self.queued.removed(id.xid(), &id.canonical(), revision) {
            let _ = self
                .backend
                .host_log(juju_hookcmds::LogLevel::Warning, &warning);
        }
        Ok(())
    }

    fn ids(&mut self) -> Result<Vec<String>, HostError> {
        self.backend()?.secret_ids()
    }
}
