//! Enforcement on every call: a [`Backend`] that checks the manifest before passing a call
//! on. A denied call never reaches Juju: the charm gets `denied-by-policy` naming the missing
//! capability, and the host writes an audit warning to juju-log.
//!
//! Wrapping the backend (rather than each host function) means the mock and the production
//! path enforce exactly the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::manifest::{Manifest, SecretOp};
use crate::backend::{AddOptions, Backend, Grantee, Lookup, ReadMode, SecretInfo, SetOptions};
use crate::bindings::juju::charm::events::Event;
use crate::bindings::juju::charm::secrets::AddOwner;
use crate::bindings::juju::charm::{config, logging, relations, status};
use crate::error::HostError;
use crate::juju::{SecretContent, SecretId};

/// A backend that only lets through what the manifest grants.
pub struct PolicyBackend {
    manifest: Arc<Manifest>,
    inner: Box<dyn Backend>,
    /// Relation ids per endpoint, looked up once per hook.
    endpoints: BTreeMap<String, Vec<u32>>,
    /// Each relation's remote application, looked up once per hook.
    remote_apps: BTreeMap<u32, String>,
    /// Secret ids found readable this hook, by xid.
    readable: BTreeSet<String>,
    /// The relation the hook is about and its endpoint: in relation-broken it is no longer
    /// listed by `relation-ids`, but it is still on its endpoint.
    hook_relation: Option<(u32, String)>,
    /// How often each denial happened in this hook: each is audited once when it first
    /// happens, repeats are counted and summed up at the end of the hook.
    denials: BTreeMap<String, (u64, bool)>,
    /// Bytes of the reasons kept to be named at the end of the hook, at most [`SUMMARY_BYTES`].
    kept: usize,
    /// Denials for reasons not kept once that much was: only counted, so the audit's memory
    /// stays bounded whatever the host-call budget.
    unnamed: u64,
}

/// Distinct denials audited one line each in a hook; any more are named together when the
/// hook ends, so a charm cannot make one `juju-log` call per denial.
const AUDITED_DENIALS: usize = 20;

/// How much of the end-of-hook summary names denials: a charm making thousands of distinct
/// denials gets them counted, and named up to this much text (about eight `juju-log` calls).
const SUMMARY_BYTES: usize = 8 * crate::backend::LOG_PIECE;

impl PolicyBackend {
    /// Enforces `manifest` in front of `inner`.
    pub fn new(manifest: Arc<Manifest>, inner: Box<dyn Backend>) -> Self {
        PolicyBackend {
            manifest,
            inner,
            endpoints: BTreeMap::new(),
            remote_apps: BTreeMap::new(),
            readable: BTreeSet::new(),
            hook_relation: None,
            denials: BTreeMap::new(),
            kept: 0,
            unnamed: 0,
        }
    }

    /// Tells the policy which relation (and endpoint) the hook's event is about.
    pub fn for_event(mut self, event: &Event) -> Self {
        use crate::bindings::juju::charm::events::Kind;
        self.hook_relation = match &event.kind {
            Kind::RelationCreated(r)
            | Kind::RelationJoined(r)
            | Kind::RelationChanged(r)
            | Kind::RelationDeparted(r)
            | Kind::RelationBroken(r) => Some((r.relation_id, r.endpoint.clone())),
            _ => None,
        };
        self
    }

    /// Refuses: audit line to juju-log (the first time this denial happens in the hook, for
    /// the first few distinct ones; the rest are named at the end of the hook), typed error to
    /// the charm.
    fn deny<T>(&mut self, what: String) -> Result<T, HostError> {
        // What a charm chose (labels, names) is bounded when it is checked; this bounds the
        // rest, so the audit keeps and prints little whatever the charm asks.
        let what = crate::runtime::one_line(&what);
        if let Some((count, _)) = self.denials.get_mut(&what) {
            *count += 1;
        } else if self.denials.len() < AUDITED_DENIALS {
            self.denials.insert(what.clone(), (1, true));
            let _ = self.inner.host_log(
                logging::Level::Warning,
                &format!("capability denied: {what}"),
            );
        } else if self.kept + what.len() < SUMMARY_BYTES {
            self.kept += what.len() + 1;
            self.denials.insert(what.clone(), (1, false));
        } else {
            self.unnamed += 1;
        }
        Err(HostError::DeniedByPolicy(what))
    }

    fn require_op(&mut self, op: SecretOp) -> Result<(), HostError> {
        if self.manifest.secrets.operations.contains(&op) {
            Ok(())
        } else {
            self.deny(format!(
                "secret operation `{}` is not granted (capabilities.yaml: secrets.operations)",
                op.name()
            ))
        }
    }

    fn require_label(&mut self, label: &str) -> Result<(), HostError> {
        if self.manifest.label_allowed(label) {
            Ok(())
        } else {
            self.deny(format!(
                "secret label {label:?} is not granted (capabilities.yaml: secrets.labels)"
            ))
        }
    }

    fn require_flag(&mut self, granted: bool, what: &str) -> Result<(), HostError> {
        if granted {
            Ok(())
        } else {
            self.deny(format!(
                "`{what}` is not granted (capabilities.yaml: {what})"
            ))
        }
    }

    /// The relation ids on `endpoint` (cached for the hook).
    fn ids_on(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        if let Some(ids) = self.endpoints.get(endpoint) {
            return Ok(ids.clone());
        }
        let ids = self.inner.relation_ids(endpoint)?;
        self.endpoints.insert(endpoint.to_string(), ids.clone());
        Ok(ids)
    }

    /// Whether the relation is on one of `endpoints`.
    fn relation_on(
        &mut self,
        relation_id: u32,
        endpoints: &BTreeSet<String>,
    ) -> Result<bool, HostError> {
        if let Some((id, endpoint)) = &self.hook_relation
            && *id == relation_id
        {
            return Ok(endpoints.contains(endpoint));
        }
        for endpoint in endpoints {
            if self.ids_on(endpoint)?.contains(&relation_id) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn require_relation(
        &mut self,
        relation_id: u32,
        endpoints: BTreeSet<String>,
        what: &str,
    ) -> Result<(), HostError> {
        if self.relation_on(relation_id, &endpoints)? {
            Ok(())
        } else {
            self.deny(format!(
                "{what} relation {relation_id} is not granted: it is not on an endpoint in capabilities.yaml relations.{}",
                what.replace(' ', "-")
            ))
        }
    }

    /// A revoke naming an application (or one of its units) rather than a relation: allowed
    /// only for an application related over an endpoint the manifest lets it grant over.
    fn require_related(&mut self, app: &str, over: &BTreeSet<String>) -> Result<(), HostError> {
        for endpoint in over {
            for relation_id in self.ids_on(endpoint)? {
                let remote = match self.remote_apps.get(&relation_id) {
                    Some(remote) => remote.clone(),
                    None => {
                        let remote = self.inner.relation_remote_app(relation_id)?;
                        self.remote_apps.insert(relation_id, remote.clone());
                        remote
                    }
                };
                if remote == app {
                    return Ok(());
                }
            }
        }
        self.deny(format!(
            "revoking secrets from {app:?} is not granted: it is not related over an endpoint in capabilities.yaml relations.grant-over"
        ))
    }

    /// Whether a secret may be read by id: owned, published over a granted endpoint, or
    /// named by a granted config option.
    fn readable_by_id(&mut self, id: &SecretId) -> Result<bool, HostError> {
        if self.readable.contains(id.xid()) {
            return Ok(true);
        }
        let readable = self.manifest.secrets.readable.clone();
        let xid = id.xid().to_string();
        let names = |value: &str| SecretId::parse(value).is_ok_and(|v| v.xid() == xid);
        let mut found = readable.owned && self.inner.secret_ids()?.iter().any(|v| names(v));
        if !found && !readable.config.is_empty() {
            found = self.inner.config_get()?.iter().any(|(key, value)| {
                readable.config.contains(key) && matches!(value, config::Value::Text(v) if names(v))
            });
        }
        for endpoint in &readable.granted_over {
            if found {
                break;
            }
            for relation_id in self.ids_on(endpoint)? {
                if found {
                    break;
                }
                // The application databag first: that is where owners publish ids.
                let remote = self.inner.relation_remote_app(relation_id)?;
                let in_bag = |inner: &mut Box<dyn Backend>, bag| -> Result<bool, HostError> {
                    Ok(inner
                        .relation_get(relation_id, &bag)?
                        .iter()
                        .any(|(_, v)| names(v)))
                };
                found = in_bag(&mut self.inner, relations::Databag::App(remote))?;
                if !found {
                    for unit in self.inner.relation_units(relation_id)? {
                        if in_bag(&mut self.inner, relations::Databag::Unit(unit))? {
                            found = true;
                            break;
                        }
                    }
                }
            }
        }
        if found {
            self.readable.insert(xid);
        }
        Ok(found)
    }
}

impl Backend for PolicyBackend {
    fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &AddOptions,
    ) -> Result<String, HostError> {
        self.require_op(match options.owner {
            AddOwner::Application => SecretOp::CreateApp,
            AddOwner::Unit => SecretOp::CreateUnit,
        })?;
        if let Some(label) = &options.label {
            self.require_label(label)?;
        }
        let id = self.inner.secret_add(content, options)?;
        if let Ok(parsed) = SecretId::parse(&id) {
            self.readable.insert(parsed.xid().to_string());
        }
        Ok(id)
    }

    fn secret_get(
        &mut self,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<SecretContent, HostError> {
        self.require_op(match mode {
            ReadMode::Tracked => SecretOp::Read,
            ReadMode::Peek => SecretOp::Peek,
            ReadMode::Refresh => SecretOp::Refresh,
        })?;
        if let Some(label) = attach_label {
            self.require_label(label)?;
        }
        match lookup {
            Lookup::Label(label) => self.require_label(label)?,
            Lookup::Id(id) => {
                if !self.readable_by_id(id)? {
                    return self.deny(format!(
                        "reading secret {id} is not granted: it is not owned, published over, or named by config as capabilities.yaml secrets.readable allows"
                    ));
                }
            }
        }
        self.inner.secret_get(lookup, mode, attach_label)
    }

    fn secret_info(&mut self, lookup: &Lookup) -> Result<SecretInfo, HostError> {
        self.require_op(SecretOp::Info)?;
        if let Lookup::Label(label) = lookup {
            self.require_label(label)?;
        }
        self.inner.secret_info(lookup)
    }

    fn secret_set(
        &mut self,
        id: &SecretId,
        content: Option<&SecretContent>,
        options: &SetOptions,
    ) -> Result<(), HostError> {
        self.require_op(SecretOp::Set)?;
        if let Some(label) = &options.label {
            self.require_label(label)?;
        }
        self.inner.secret_set(id, content, options)
    }

    fn secret_grant(
        &mut self,
        id: &SecretId,
        relation_id: u32,
        unit: Option<&str>,
    ) -> Result<(), HostError> {
        self.require_op(SecretOp::Grant)?;
        let over = self.manifest.relations.grant_over.clone();
        self.require_relation(relation_id, over, "grant over")?;
        self.inner.secret_grant(id, relation_id, unit)
    }

    fn secret_revoke(&mut self, id: &SecretId, grantee: &Grantee) -> Result<(), HostError> {
        self.require_op(SecretOp::Revoke)?;
        let over = self.manifest.relations.grant_over.clone();
        match grantee {
            Grantee::Relation(r) => self.require_relation(*r, over, "grant over")?,
            Grantee::RelationUnit(ru) => {
                self.require_relation(ru.relation_id, over, "grant over")?
            }
            Grantee::Application(app) => self.require_related(app, &over)?,
            Grantee::Unit(unit) => {
                let app = unit.split_once('/').map_or(unit.as_str(), |(app, _)| app);
                self.require_related(app, &over)?
            }
        }
        self.inner.secret_revoke(id, grantee)
    }

    fn secret_remove(&mut self, id: &SecretId, revision: Option<u32>) -> Result<(), HostError> {
        self.require_op(SecretOp::Remove)?;
        self.inner.secret_remove(id, revision)
    }

    fn secret_ids(&mut self) -> Result<Vec<String>, HostError> {
        self.require_op(SecretOp::List)?;
        self.inner.secret_ids()
    }

    fn is_leader(&mut self) -> Result<bool, HostError> {
        self.require_flag(self.manifest.leadership, "leadership")?;
        self.inner.is_leader()
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<u32>, HostError> {
        let r = &self.manifest.relations;
        let known = r.read.contains(endpoint)
            || r.write.contains(endpoint)
            || r.grant_over.contains(endpoint);
        if !known {
            return self.deny(format!(
                "endpoint {endpoint:?} is not granted (capabilities.yaml: relations)"
            ));
        }
        self.ids_on(endpoint)
    }

    fn relation_units(&mut self, relation_id: u32) -> Result<Vec<String>, HostError> {
        let read = self.manifest.relations.read.clone();
        self.require_relation(relation_id, read, "read")?;
        self.inner.relation_units(relation_id)
    }

    fn relation_remote_app(&mut self, relation_id: u32) -> Result<String, HostError> {
        let read = self.manifest.relations.read.clone();
        self.require_relation(relation_id, read, "read")?;
        self.inner.relation_remote_app(relation_id)
    }

    fn relation_get(
        &mut self,
        relation_id: u32,
        bag: &relations::Databag,
    ) -> Result<Vec<(String, String)>, HostError> {
        let read = self.manifest.relations.read.clone();
        self.require_relation(relation_id, read, "read")?;
        self.inner.relation_get(relation_id, bag)
    }

    fn relation_set(
        &mut self,
        relation_id: u32,
        scope: relations::Scope,
        data: &[(String, String)],
    ) -> Result<(), HostError> {
        let write = self.manifest.relations.write.clone();
        self.require_relation(relation_id, write, "write")?;
        self.inner.relation_set(relation_id, scope, data)
    }

    fn config_get(&mut self) -> Result<Vec<(String, config::Value)>, HostError> {
        self.require_flag(self.manifest.config, "config")?;
        self.inner.config_get()
    }

    fn log(&mut self, level: logging::Level, message: &str) -> Result<(), HostError> {
        self.require_flag(self.manifest.logging, "logging")?;
        self.inner.log(level, message)
    }

    fn host_log(&mut self, level: logging::Level, message: &str) -> Result<(), HostError> {
        self.inner.host_log(level, message)
    }

    fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.inner.set_deadline(deadline);
    }

    fn finish_hook(&mut self) {
        let denials = std::mem::take(&mut self.denials);
        let unnamed = std::mem::take(&mut self.unnamed);
        self.kept = 0;
        let mut rest = String::new();
        let mut others = (0, unnamed);
        for (what, (count, audited)) in &denials {
            if !audited {
                others.0 += 1;
                others.1 += count;
                let times = if *count > 1 {
                    format!(" ({count} times)")
                } else {
                    String::new()
                };
                rest.push_str(&format!("{what}{times}\n"));
            } else if *count > 1 {
                let _ = self.inner.host_log(
                    logging::Level::Warning,
                    &format!("capability denied {count} times in this hook: {what}"),
                );
            }
        }
        if unnamed > 0 {
            rest.push_str(&format!(
                "and {unnamed} more denials, not named: more than the summary holds\n"
            ));
        }
        if others.1 > 0 {
            // Denials are named in as few juju-log calls as the text allows.
            let reasons = if unnamed > 0 {
                format!("more than {}", others.0)
            } else {
                others.0.to_string()
            };
            let list = crate::backend::pieces(rest.trim_end(), crate::backend::LOG_PIECE);
            let total = list.len();
            for (n, piece) in list.iter().enumerate() {
                let _ = self.inner.host_log(
                    logging::Level::Warning,
                    &format!(
                        "capability denied {} more times in this hook, for {} other reasons ({} of {total}): {}",
                        others.1,
                        reasons,
                        n + 1,
                        piece.trim_end().replace('\n', "; ")
                    ),
                );
            }
        }
        self.inner.finish_hook();
    }

    fn status_set(
        &mut self,
        state: status::State,
        message: &str,
        application: bool,
    ) -> Result<(), HostError> {
        self.require_flag(self.manifest.status, "status")?;
        self.inner.status_set(state, message, application)
    }
}
