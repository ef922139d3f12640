//! The `actions` capability: which of the charm's actions (from `actions.yaml`) it may run,
//! reading their parameters and reporting results, progress and failure (`action-get`,
//! `action-set`, `action-log`, `action-fail`).
//!
//! ```yaml
//! actions: [rotate-password]
//! ```
//!
//! An action not listed still reaches the charm as an event, but every call it makes about
//! the action is denied. Each name must be an action of `actions.yaml` ([`Actions::declared_in`]).

use std::collections::BTreeSet;

use serde::Deserialize;

use super::policy::Gate;
use crate::error::HostError;

/// The actions a charm may run, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Actions(pub BTreeSet<String>);

impl Actions {
    /// An action call while `running` (the action this hook runs, if any): the action must be
    /// granted. Outside an action the call goes on to Juju, which refuses it as it refuses any
    /// charm (`not running an action`), unless no action is granted at all.
    pub(super) fn check(&self, gate: &mut Gate, running: Option<&str>) -> Result<(), HostError> {
        match running {
            Some(name) => super::named(gate, "actions", &self.0, "action", name),
            None if self.0.is_empty() => {
                gate.deny("`actions` is not granted (capabilities.yaml: actions)".into())
            }
            None => Ok(()),
        }
    }

    /// Refuses a grant naming an action `actions.yaml` does not declare.
    pub fn declared_in(&self, declared: &BTreeSet<String>) -> Result<(), String> {
        super::undeclared("actions", &self.0, declared, "an action of actions.yaml")
    }
}

impl super::Capability for Actions {
    fn interface(&self) -> &'static str {
        "actions"
    }

    fn granted(&self) -> bool {
        !self.0.is_empty()
    }

    fn report(&self) -> String {
        super::names_report(
            "actions",
            &self.0,
            "action-get, action-set, action-log, action-fail",
        )
    }
}
