//! The `secrets` capability: which secret operations a charm may make, with which labels, and
//! which secrets it may read by id.
//!
//! ```yaml
//! secrets:
//!   operations: [create-app, read, peek, refresh, info, set, grant, revoke, remove, list]
//!   labels: ["secret-for-*"]          # labels the charm may use; `*` matches any run
//!   readable:                         # which secrets the charm may read by id
//!     owned: true                     #   those this unit manages
//!     granted-over: [database]        #   ids published in remote databags of these endpoints
//!     config: [api-token]             #   user secrets named by these config options
//! ```
//!
//! Granting and revoking also need the relation to be on an endpoint of `relations.grant-over`
//! (the `relations` capability).

use std::collections::BTreeSet;

use juju_hookcmds::{AddOptions, AddOwner, ConfigValue, Databag, Lookup, ReadMode, SetOptions};
use juju_rules::SecretId;
use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// A secret operation a manifest can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretOp {
    /// `secret-add --owner=application`.
    CreateApp,
    /// `secret-add --owner=unit`.
    CreateUnit,
    /// `secret-get` of the tracked revision.
    Read,
    /// `secret-get --peek`.
    Peek,
    /// `secret-get --refresh`.
    Refresh,
    /// `secret-info-get`.
    Info,
    /// `secret-set`.
    Set,
    /// `secret-grant`.
    Grant,
    /// `secret-revoke`.
    Revoke,
    /// `secret-remove`.
    Remove,
    /// `secret-ids`.
    List,
}

impl SecretOp {
    /// The name the manifest uses.
    pub fn name(self) -> &'static str {
        match self {
            SecretOp::CreateApp => "create-app",
            SecretOp::CreateUnit => "create-unit",
            SecretOp::Read => "read",
            SecretOp::Peek => "peek",
            SecretOp::Refresh => "refresh",
            SecretOp::Info => "info",
            SecretOp::Set => "set",
            SecretOp::Grant => "grant",
            SecretOp::Revoke => "revoke",
            SecretOp::Remove => "remove",
            SecretOp::List => "list",
        }
    }
}

/// Which secrets may be read by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Readable {
    /// Secrets this unit manages (its own, and its application's on the leader).
    #[serde(default)]
    pub owned: bool,
    /// Secrets whose id a remote application or unit published in a databag of a relation
    /// on one of these endpoints.
    #[serde(default)]
    pub granted_over: BTreeSet<String>,
    /// User secrets whose id is the value of one of these config options.
    #[serde(default)]
    pub config: BTreeSet<String>,
}

/// What the manifest grants of secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Secrets {
    /// The operations granted.
    #[serde(default)]
    pub operations: BTreeSet<SecretOp>,
    /// Patterns for the labels the charm may use; `*` matches any run of characters.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Which secrets may be read by id.
    #[serde(default)]
    pub readable: Readable,
}

impl Secrets {
    /// Whether `label` matches one of the label patterns.
    pub fn label_allowed(&self, label: &str) -> bool {
        self.labels.iter().any(|p| glob(p, label))
    }

    /// Denies an operation the manifest does not list.
    pub(super) fn require(&self, gate: &mut Gate, op: SecretOp) -> Result<(), HostError> {
        if self.operations.contains(&op) {
            Ok(())
        } else {
            gate.deny(format!(
                "secret operation `{}` is not granted (capabilities.yaml: secrets.operations)",
                op.name()
            ))
        }
    }

    /// Denies a label no pattern matches.
    pub(super) fn require_label(&self, gate: &mut Gate, label: &str) -> Result<(), HostError> {
        if self.label_allowed(label) {
            Ok(())
        } else {
            gate.deny(format!(
                "secret label {label:?} is not granted (capabilities.yaml: secrets.labels)"
            ))
        }
    }

    /// `secret-add`: the owner's operation, and the label.
    pub(super) fn check_add(&self, gate: &mut Gate, options: &AddOptions) -> Result<(), HostError> {
        self.require(
            gate,
            match options.owner {
                AddOwner::Application => SecretOp::CreateApp,
                AddOwner::Unit => SecretOp::CreateUnit,
            },
        )?;
        if let Some(label) = &options.label {
            self.require_label(gate, label)?;
        }
        Ok(())
    }

    /// `secret-info-get`: the operation, and the label it is looked up by.
    pub(super) fn check_info(&self, gate: &mut Gate, lookup: &Lookup) -> Result<(), HostError> {
        self.require(gate, SecretOp::Info)?;
        match lookup {
            Lookup::Label(label) => self.require_label(gate, label),
            Lookup::Id(_) => Ok(()),
        }
    }

    /// `secret-set`: the operation, and a new label.
    pub(super) fn check_set(&self, gate: &mut Gate, options: &SetOptions) -> Result<(), HostError> {
        self.require(gate, SecretOp::Set)?;
        match &options.label {
            Some(label) => self.require_label(gate, label),
            None => Ok(()),
        }
    }

    /// `secret-get`: the read mode's operation, the labels, and for a read by id that the
    /// secret is one the manifest makes readable (`readable` remembers those found so far).
    pub(super) fn check_get(
        &self,
        gate: &mut Gate,
        readable: &mut BTreeSet<String>,
        lookup: &Lookup,
        mode: ReadMode,
        attach_label: Option<&str>,
    ) -> Result<(), HostError> {
        self.require(
            gate,
            match mode {
                ReadMode::Tracked => SecretOp::Read,
                ReadMode::Peek => SecretOp::Peek,
                ReadMode::Refresh => SecretOp::Refresh,
            },
        )?;
        if let Some(label) = attach_label {
            self.require_label(gate, label)?;
        }
        match lookup {
            Lookup::Label(label) => self.require_label(gate, label),
            Lookup::Id(id) => {
                if self.readable_by_id(gate, readable, id)? {
                    Ok(())
                } else {
                    gate.deny(format!(
                        "reading secret {id} is not granted: it is not owned, published over, or named by config as capabilities.yaml secrets.readable allows"
                    ))
                }
            }
        }
    }

    /// Whether a secret may be read by id: owned, published over a granted endpoint, or
    /// named by a granted config option.
    fn readable_by_id(
        &self,
        gate: &mut Gate,
        readable: &mut BTreeSet<String>,
        id: &SecretId,
    ) -> Result<bool, HostError> {
        if readable.contains(id.xid()) {
            return Ok(true);
        }
        let grant = &self.readable;
        let xid = id.xid().to_string();
        let names = |value: &str| SecretId::parse(value).is_ok_and(|v| v.xid() == xid);
        let mut found = grant.owned && gate.inner.secret_ids()?.iter().any(|v| names(v));
        if !found && !grant.config.is_empty() {
            found = gate.inner.config_get()?.iter().any(|(key, value)| {
                grant.config.contains(key) && matches!(value, ConfigValue::Text(v) if names(v))
            });
        }
        for endpoint in &grant.granted_over {
            if found {
                break;
            }
            for relation_id in gate.ids_on(endpoint)? {
                if found {
                    break;
                }
                // The application databag first: that is where owners publish ids.
                let remote = gate.inner.relation_remote_app(relation_id)?;
                let in_bag = |gate: &mut Gate, bag| -> Result<bool, HostError> {
                    Ok(gate
                        .inner
                        .relation_get(relation_id, &bag)?
                        .iter()
                        .any(|(_, v)| names(v)))
                };
                found = in_bag(gate, Databag::App(remote))?;
                if !found {
                    for unit in gate.inner.relation_units(relation_id)? {
                        if in_bag(gate, Databag::Unit(unit))? {
                            found = true;
                            break;
                        }
                    }
                }
            }
        }
        if found {
            readable.insert(xid);
        }
        Ok(found)
    }
}

impl super::Capability for Secrets {
    fn interface(&self) -> &'static str {
        "secrets"
    }

    fn granted(&self) -> bool {
        !self.operations.is_empty()
    }

    fn report(&self) -> String {
        use super::report::list;
        format!(
            "secrets: operations [{}]; labels [{}]; readable: owned {}, granted over [{}], config [{}]",
            list(self.operations.iter().map(|o| o.name())),
            list(&self.labels),
            if self.readable.owned { "yes" } else { "no" },
            list(&self.readable.granted_over),
            list(&self.readable.config),
        )
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_patterns_match_with_stars() {
        assert!(glob("secret-for-*", "secret-for-webserver-app"));
        assert!(glob("*-secret", "database-secret"));
        assert!(glob("db", "db"));
        assert!(glob("a*b*c", "a-x-b-y-c"));
        assert!(!glob("secret-for-*", "other"));
        assert!(!glob("db", "db2"));
        assert!(!glob("a*b*c", "a-c-b"));
    }
}
