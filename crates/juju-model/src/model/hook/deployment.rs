//! The hook commands about the unit's place in the deployment, as the unit agent runs them:
//! ports (queued, checked for conflicts as each is asked for, committed with the hook),
//! bindings, status as Juju reports it, the application version, storage, and goal state.

use std::collections::{BTreeMap, BTreeSet};

use juju_hookcmds::ports::{OpenedPort, PortRange};
use juju_hookcmds::{ApplicationStatus, GoalState, NetworkInfo, StatusInfo, StorageDetails};

use super::super::deployment::{application_status_of, opened_list, status_info};
use super::{HookContext, HookKind, JujuError, Model};

/// The ports a hook asked to open and close, by endpoint (`""` for all), as Juju keeps them
/// until the hook commits.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct PendingPorts {
    open: BTreeMap<String, Vec<PortRange>>,
    close: BTreeMap<String, Vec<PortRange>>,
}

impl PendingPorts {
    /// Whether the hook asked for nothing.
    fn is_empty(&self) -> bool {
        self.open.values().all(Vec::is_empty) && self.close.values().all(Vec::is_empty)
    }
}

impl HookContext {
    fn conflict(
        &self,
        verb: &str,
        range: &PortRange,
        with: &PortRange,
        earlier: bool,
    ) -> JujuError {
        let unit = &self.unit;
        let earlier = if earlier { " requested earlier" } else { "" };
        JujuError::run(format!(
            "cannot {verb} {range} (unit {unit:?}): port range conflicts with {with} (unit {unit:?}){earlier}"
        ))
    }

    /// Checks `range` on `endpoint` against what the hook already asked to open (or close):
    /// `true` if the identical request is there (nothing to do), an error if a different
    /// range overlaps it.
    fn against_queued(
        &self,
        verb: &str,
        queued: &BTreeMap<String, Vec<PortRange>>,
        range: &PortRange,
        endpoint: &str,
    ) -> Result<bool, JujuError> {
        for (ep, ranges) in queued {
            for r in ranges {
                if r == range && ep == endpoint {
                    return Ok(true);
                }
                if r != range && r.conflicts_with(range) {
                    return Err(self.conflict(verb, range, r, true));
                }
            }
        }
        Ok(false)
    }

    /// The ranges this unit has open now, with their endpoints.
    fn committed_ports(&self) -> BTreeMap<PortRange, BTreeSet<String>> {
        self.controller
            .ports
            .get(&self.unit)
            .cloned()
            .unwrap_or_default()
    }

    /// `open-port`: a range identical to one already open (or asked for) on the same
    /// endpoint is nothing to do; one overlapping a different range is refused.
    pub fn open_port(&mut self, range: PortRange, endpoint: &str) -> Result<(), JujuError> {
        if let Some(closing) = self.ports.close.get_mut(endpoint) {
            closing.retain(|r| *r != range);
        }
        if self.against_queued("open", &self.ports.open, &range, endpoint)? {
            return Ok(());
        }
        for (r, endpoints) in &self.committed_ports() {
            if *r == range && endpoints.contains(endpoint) {
                return Ok(());
            }
            if *r != range && r.conflicts_with(&range) {
                return Err(self.conflict("open", &range, r, false));
            }
        }
        self.ports
            .open
            .entry(endpoint.to_string())
            .or_default()
            .push(range);
        Ok(())
    }

    /// `close-port`: closing what is not open is nothing to do; a range overlapping a
    /// different open one is refused.
    pub fn close_port(&mut self, range: PortRange, endpoint: &str) -> Result<(), JujuError> {
        if let Some(opening) = self.ports.open.get_mut(endpoint) {
            opening.retain(|r| *r != range);
        }
        if self.against_queued("close", &self.ports.close, &range, endpoint)? {
            return Ok(());
        }
        let committed = self.committed_ports();
        for r in committed.keys() {
            if *r != range && r.conflicts_with(&range) {
                return Err(self.conflict("close", &range, r, false));
            }
        }
        if committed.is_empty() {
            return Ok(());
        }
        self.ports
            .close
            .entry(endpoint.to_string())
            .or_default()
            .push(range);
        Ok(())
    }

    /// `opened-ports`: what is open, with this hook's opens and closes merged in by exact
    /// range and endpoint, as Juju merges them; sorted as Juju sorts ranges.
    pub fn opened_ports(&self) -> Vec<OpenedPort> {
        let mut ports = self.committed_ports();
        for (endpoint, ranges) in &self.ports.open {
            for r in ranges {
                ports.entry(*r).or_default().insert(endpoint.clone());
            }
        }
        for (endpoint, ranges) in &self.ports.close {
            for r in ranges {
                if let Some(endpoints) = ports.get_mut(r) {
                    endpoints.remove(endpoint);
                }
            }
        }
        opened_list(ports)
    }

    /// The commit's check of the queued ports: every endpoint named must be one of the
    /// charm's.
    pub(super) fn check_ports(&self) -> Result<(), String> {
        let bindings = self.controller.bindings_of(&self.unit);
        for (verb, queued) in [("open", &self.ports.open), ("close", &self.ports.close)] {
            for (endpoint, ranges) in queued {
                if !endpoint.is_empty() && !ranges.is_empty() && !bindings.contains(endpoint) {
                    return Err(format!(
                        "cannot open/close ports: {verb} port range: endpoint {endpoint:?} for unit {:?} not found",
                        self.unit
                    ));
                }
            }
        }
        Ok(())
    }

    /// Applies the queued ports as the controller merges them: an open for every endpoint
    /// replaces the same range's specific endpoints; a close for every endpoint closes the
    /// range on all; a close for one endpoint of a range open on all leaves it open on the
    /// charm's other bindings.
    pub(super) fn apply_ports(&mut self) {
        if self.ports.is_empty() {
            return;
        }
        let bindings = self.controller.bindings_of(&self.unit);
        let pending = std::mem::take(&mut self.ports);
        let ports = self.controller.ports.entry(self.unit.clone()).or_default();
        for (endpoint, ranges) in pending.open {
            for r in ranges {
                let endpoints = ports.entry(r).or_default();
                if endpoint.is_empty() {
                    endpoints.clear();
                } else if endpoints.contains("") {
                    // Open for every endpoint already: Juju adds nothing.
                    continue;
                }
                endpoints.insert(endpoint.clone());
            }
        }
        for (endpoint, ranges) in pending.close {
            for r in ranges {
                let Some(endpoints) = ports.get_mut(&r) else {
                    continue;
                };
                if endpoint.is_empty() {
                    endpoints.clear();
                } else if endpoints.remove("") {
                    endpoints.extend(bindings.iter().filter(|b| **b != endpoint).cloned());
                } else {
                    endpoints.remove(&endpoint);
                }
            }
        }
        ports.retain(|_, endpoints| !endpoints.is_empty());
        if ports.is_empty() {
            self.controller.ports.remove(&self.unit);
        }
    }

    /// `network-get <binding>`.
    pub fn network_get(&self, binding: &str) -> Result<NetworkInfo, JujuError> {
        self.controller
            .network_of(&self.unit, binding)
            .ok_or_else(|| {
                JujuError::run(format!("no network config found for binding {binding:?}"))
            })
    }

    /// `status-get`: the unit's status, read once per hook as Juju's context caches it (a
    /// `status-set` after the first read is not seen by a later one).
    pub fn unit_status(&mut self) -> StatusInfo {
        if let Some(cached) = &self.status_cache {
            return cached.clone();
        }
        let status = status_info(self.current_status(false).as_ref());
        self.status_cache = Some(status.clone());
        status
    }

    /// The unit's (or the application's) last `status-set` of this hook, if any.
    fn pending_status(&self, application: bool) -> Option<&super::Status> {
        self.statuses
            .iter()
            .rev()
            .find(|(_, app)| *app == application)
            .map(|(s, _)| s)
    }

    /// The unit's (or the application's) status as Juju has it now: the last `status-set` of
    /// this hook (Juju applies them at once), else the committed one.
    fn current_status(&self, application: bool) -> Option<super::Status> {
        self.pending_status(application).cloned().or_else(|| {
            if application {
                self.controller.apps.get(&self.app)?.status.clone()
            } else {
                self.controller.unit_status.get(&self.unit).cloned()
            }
        })
    }

    /// `status-get --application`: the leader only; the application's status and every unit's,
    /// as set so far (Juju applies `status-set` at once).
    pub fn application_status(&self) -> Result<ApplicationStatus, JujuError> {
        if !self.is_leader() {
            return Err(JujuError::run(
                "finding application status: this unit is not the leader",
            ));
        }
        let units: BTreeMap<String, StatusInfo> = self
            .controller
            .apps
            .get(&self.app)
            .map(|a| a.units.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|u| {
                let status = if u == self.unit {
                    self.current_status(false)
                } else {
                    self.controller.unit_status.get(&u).cloned()
                };
                (u, status_info(status.as_ref()))
            })
            .collect();
        let set = self.current_status(true);
        let application = application_status_of(set.as_ref(), units.values().cloned());
        Ok(ApplicationStatus { application, units })
    }

    /// `application-version-set`: recorded at once, whatever becomes of the hook.
    pub fn application_version_set(&mut self, version: &str) {
        if let Some(app) = self.controller.apps.get_mut(&self.app) {
            app.version = version.to_string();
        }
    }

    /// The storage instance a storage hook is about.
    pub fn hook_storage(&self) -> Option<&str> {
        match &self.kind {
            HookKind::StorageAttached { id } | HookKind::StorageDetaching { id } => Some(id),
            _ => None,
        }
    }

    /// `storage-list [<name>]`: the instances attached to this unit (detaching ones too),
    /// oldest first.
    pub fn storage_list(&self, name: Option<&str>) -> Vec<String> {
        let names: BTreeSet<&str> = self
            .controller
            .storage
            .iter()
            .filter(|(_, s)| s.unit == self.unit)
            .map(|(id, _)| juju_hookcmds::cli::storage_name(id))
            .collect();
        names
            .into_iter()
            .filter(|n| name.is_none_or(|want| want == *n))
            .flat_map(|n| self.controller.storage_of(&self.unit, n))
            .collect()
    }

    /// `storage-get -s <id>`: an instance attached to this unit, checked as the `-s` flag
    /// checks it (usage errors).
    pub fn storage_get(&self, id: &str) -> Result<StorageDetails, JujuError> {
        if !juju_hookcmds::cli::is_storage_id(id) {
            return Err(JujuError::usage(format!(
                "invalid value {id:?} for option -s: invalid storage ID {id:?}"
            )));
        }
        match self
            .controller
            .storage
            .get(id)
            .filter(|s| s.unit == self.unit)
        {
            Some(s) => Ok(StorageDetails {
                kind: s.kind,
                location: s.location.clone(),
            }),
            None => Err(JujuError::usage(format!(
                "invalid value {id:?} for option -s: storage attachment {id}:{} not found",
                self.unit
            ))),
        }
    }

    /// `storage-add`: recorded; the controller checks the names and counts when the hook
    /// commits.
    pub fn storage_add(&mut self, directives: &[(String, u64)]) {
        self.storage_added.extend(directives.iter().cloned());
    }

    /// The check Juju makes of the storage asked for as it prepares the commit: every name
    /// must be one of the charm's.
    pub(super) fn check_storage_names(&self) -> Result<(), String> {
        let declared = self.controller.apps.get(&self.app).map(|a| &a.storage);
        match self
            .storage_added
            .iter()
            .find(|(name, _)| !declared.is_some_and(|d| d.contains_key(name)))
        {
            Some((name, _)) => Err(format!(
                "adding storage {name} for unit-{}: storage {name:?} not found",
                self.unit.replace('/', "-")
            )),
            None => Ok(()),
        }
    }

    /// The commit's check of the storage asked for: on a copy of the controller, so nothing is
    /// applied unless all of it (and the hook's other changes) can be.
    pub(super) fn check_storage(&self) -> Result<(), String> {
        if self.storage_added.is_empty() {
            return Ok(());
        }
        let mut trial: Model = self.controller.clone();
        for (name, count) in &self.storage_added {
            trial
                .add_storage(&self.unit, name, *count)
                .map_err(|e| e.0)?;
        }
        Ok(())
    }

    /// Attaches the storage asked for (already checked).
    pub(super) fn apply_storage(&mut self) {
        for (name, count) in std::mem::take(&mut self.storage_added) {
            let _ = self.controller.add_storage(&self.unit, &name, count);
        }
    }

    /// `goal-state`: with this unit's status as Juju has it now (a `status-set` of this hook
    /// applies at once).
    pub fn goal_state(&self) -> GoalState {
        let mut goal = self.controller.goal_state(&self.unit);
        if let (Some(pending), Some(mine)) =
            (self.pending_status(false), goal.units.get_mut(&self.unit))
        {
            mine.status = juju_hookcmds::args::state_name(pending.state).to_string();
            mine.since = Some(juju_hookcmds::cli::goal_since(self.controller.now));
        }
        goal
    }
}
