//! The `relations` capability: which endpoints' relations a charm may list and read, write
//! its own databags on, and grant (and revoke) secrets over.
//!
//! ```yaml
//! relations:
//!   read: [database]                  # endpoints whose databags the charm may read
//!   write: [database]                 # ... write
//!   grant-over: [database]            # ... grant (and revoke) secrets over
//! ```

use std::collections::BTreeSet;

use juju_hookcmds::Grantee;
use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// What the manifest grants of relations, by endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Relations {
    /// Endpoints whose databags may be read.
    #[serde(default)]
    pub read: BTreeSet<String>,
    /// Endpoints whose databags this unit (or app) may write.
    #[serde(default)]
    pub write: BTreeSet<String>,
    /// Endpoints secrets may be granted and revoked over.
    #[serde(default)]
    pub grant_over: BTreeSet<String>,
}

impl Relations {
    /// `relation-ids`: the endpoint must be named in any of the lists.
    pub(super) fn check_endpoint(&self, gate: &mut Gate, endpoint: &str) -> Result<(), HostError> {
        let known = self.read.contains(endpoint)
            || self.write.contains(endpoint)
            || self.grant_over.contains(endpoint);
        if known {
            Ok(())
        } else {
            gate.deny(format!(
                "endpoint {endpoint:?} is not granted (capabilities.yaml: relations)"
            ))
        }
    }

    /// Listing and reading a relation's units and databags.
    pub(super) fn check_read(&self, gate: &mut Gate, relation_id: u32) -> Result<(), HostError> {
        require(gate, relation_id, &self.read, "read")
    }

    /// Writing this unit's (or application's) databag of a relation.
    pub(super) fn check_write(&self, gate: &mut Gate, relation_id: u32) -> Result<(), HostError> {
        require(gate, relation_id, &self.write, "write")
    }

    /// Granting a secret over a relation.
    pub(super) fn check_grant(&self, gate: &mut Gate, relation_id: u32) -> Result<(), HostError> {
        require(gate, relation_id, &self.grant_over, "grant over")
    }

    /// Revoking a secret: over a relation on a grant-over endpoint, or from an application
    /// (or one of its units) related over one.
    pub(super) fn check_revoke(&self, gate: &mut Gate, grantee: &Grantee) -> Result<(), HostError> {
        match grantee {
            Grantee::Relation(r) => self.check_grant(gate, *r),
            Grantee::RelationUnit(ru) => self.check_grant(gate, ru.relation_id),
            Grantee::Application(app) => self.require_related(gate, app),
            Grantee::Unit(unit) => {
                let app = unit.split_once('/').map_or(unit.as_str(), |(app, _)| app);
                self.require_related(gate, app)
            }
        }
    }

    /// A revoke naming an application (or one of its units) rather than a relation: allowed
    /// only for an application related over an endpoint the manifest lets it grant over.
    fn require_related(&self, gate: &mut Gate, app: &str) -> Result<(), HostError> {
        for endpoint in &self.grant_over {
            for relation_id in gate.ids_on(endpoint)? {
                if gate.remote_app(relation_id)? == app {
                    return Ok(());
                }
            }
        }
        gate.deny(format!(
            "revoking secrets from {app:?} is not granted: it is not related over an endpoint in capabilities.yaml relations.grant-over"
        ))
    }
}

/// Denies a call on a relation that is not on one of `endpoints` (the list `what` names).
fn require(
    gate: &mut Gate,
    relation_id: u32,
    endpoints: &BTreeSet<String>,
    what: &str,
) -> Result<(), HostError> {
    if gate.relation_on(relation_id, endpoints)? {
        Ok(())
    } else {
        gate.deny(format!(
            "{what} relation {relation_id} is not granted: it is not on an endpoint in capabilities.yaml relations.{}",
            what.replace(' ', "-")
        ))
    }
}

impl super::Capability for Relations {
    fn interface(&self) -> &'static str {
        "relations"
    }

    fn granted(&self) -> bool {
        !(self.read.is_empty() && self.write.is_empty() && self.grant_over.is_empty())
    }

    fn report(&self) -> String {
        use super::report::list;
        format!(
            "relations: read [{}]; write [{}]; grant over [{}]",
            list(&self.read),
            list(&self.write),
            list(&self.grant_over)
        )
    }
}
