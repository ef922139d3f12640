//! An in-process model of a Juju deployment: applications, units, leaders, relations and
//! their databags, config, status, logs, and secrets with Juju's semantics.
//!
//! This is the one copy of Juju's rules in the project (Juju 3.6.11's, as
//! `docs/juju-reference.md` cites them). The mock backend (tests, demos, `charm-host
//! simulate`) and the hook-command simulator both act on it: a hook runs against a
//! [`HookContext`], which queues the hook's changes as Juju's unit agent does and applies them
//! in the controller's order only if the hook succeeds; commits and operator actions queue the
//! follow-up hooks Juju would fire.

mod controller;
mod deployment;
mod events;
mod hook;
mod machine;
mod recorder;
mod secret;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

pub use deployment::StorageInstance;
pub use events::{HookKind, dispatched_name};
pub use hook::{Call, HookContext, keys_summary};
pub use machine::{Connection, Entry, Machine, MachineError, Program, Ran, Service};
pub use secret::{Consumer, Grant, Owner, Revision, Secret, Subject};

use juju_hookcmds::ConfigValue;
use juju_hookcmds::WorkloadState as State;
use juju_hookcmds::ports::PortRange;
use juju_rules::names::{is_valid_app_name, is_valid_endpoint};
use juju_rules::{SecretContent, SecretId};

pub use juju_hookcmds::JujuError;
pub use juju_hookcmds::charm::ActionSpec;

/// A checksum of a secret's content, as Juju keeps one per latest revision to tell whether a
/// `secret-set` brings new content (SHA-256 of the sorted pairs as JSON; not Juju's bytes,
/// only its use: equal content, equal checksum).
pub(crate) fn checksum(content: &SecretContent) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(content).expect("a map of strings serialises");
    Sha256::digest(json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an operator action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

fn refuse<T>(message: impl Into<String>) -> Result<T, ModelError> {
    Err(ModelError(message.into()))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A workload status as `status-set` sets it.
pub struct Status {
    /// active, blocked, maintenance or waiting.
    pub state: State,
    /// The message shown beside it.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
/// A deployed application.
pub struct App {
    /// Its name.
    pub name: String,
    /// Its units, oldest first.
    pub units: Vec<String>,
    /// The unit that leads it, if any.
    pub leader: Option<String>,
    /// Its configuration as the operator set it.
    pub config: BTreeMap<String, ConfigValue>,
    /// The application status the leader set.
    pub status: Option<Status>,
    /// Its charm's actions (`actions.yaml`), which the operator may run on its units.
    #[serde(default)]
    pub actions: BTreeMap<String, ActionSpec>,
    /// Its charm's bindings as Juju stores them: relation endpoints and extra bindings (what
    /// `open-port --endpoints` takes; `network-get` takes the implicit `juju-info` too).
    #[serde(default)]
    pub bindings: std::collections::BTreeSet<String>,
    /// Its charm's storages (`storage:` in `metadata.yaml`).
    #[serde(default)]
    pub storage: BTreeMap<String, juju_hookcmds::charm::StorageSpec>,
    /// The workload version `juju status` shows (the last `application-version-set`).
    #[serde(default)]
    pub version: String,
    /// What each of its units' machines has when the unit is added (programs, services,
    /// listeners, files).
    #[serde(default)]
    pub machine: Machine,
    next_unit: u32,
}

/// One side of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The application.
    pub app: String,
    /// Its endpoint name.
    pub endpoint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A relation between two applications' endpoints.
pub struct Relation {
    /// Juju's relation id.
    pub id: u32,
    /// The two sides.
    pub ends: [Endpoint; 2],
    /// Databags by owner: a unit name or an application name.
    pub databags: BTreeMap<String, BTreeMap<String, String>>,
    /// When it was established (`goal-state`'s `since`).
    pub since: DateTime<Utc>,
    /// Removed by the operator; kept until its departed and broken hooks have run.
    pub dying: bool,
}

impl Relation {
    /// Whether this is a peer relation: the application's units among themselves.
    pub fn is_peer(&self) -> bool {
        self.ends[0] == self.ends[1]
    }

    /// This application's side and the other side; `None` if `app` is not in the relation.
    pub fn sides(&self, app: &str) -> Option<(&Endpoint, &Endpoint)> {
        match &self.ends {
            [a, b] if a.app == app => Some((a, b)),
            [a, b] if b.app == app => Some((b, a)),
            _ => None,
        }
    }

    /// Juju's relation key, as secret grants show their scope (a peer relation's has its one
    /// endpoint).
    pub fn key(&self) -> String {
        let [a, b] = &self.ends;
        if self.is_peer() {
            return format!("{}:{}", a.app, a.endpoint);
        }
        format!("{}:{} {}:{}", b.app, b.endpoint, a.app, a.endpoint)
    }

    /// Juju's tag for it (`relation-<key>`, `:` as `.` and the space as `#`).
    pub fn tag(&self) -> String {
        format!(
            "relation-{}",
            self.key().replace(':', ".").replace(' ', "#")
        )
    }
}

/// A line a unit logged with juju-log (or the host forwarded from the charm's output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// The unit that logged it.
    pub unit: String,
    /// TRACE, DEBUG, INFO, WARNING or ERROR.
    pub level: String,
    /// The line.
    pub message: String,
}

/// A unit's state: its keys and values. Its `Debug` shows the keys only: a value may be a
/// secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitState(pub BTreeMap<String, String>);

impl std::ops::Deref for UnitState {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::fmt::Debug for UnitState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// An action the operator ran on a unit (a Juju task): what it was given and what it reported.
/// Its `Debug` shows the parameters' names only: an operator may pass a password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Juju's id for it (`JUJU_ACTION_UUID`).
    pub id: String,
    /// The unit it runs on.
    pub unit: String,
    /// The action's name.
    pub action: String,
    /// Its parameters, defaults filled in.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// `pending`, then `completed` or `failed`.
    pub status: String,
    /// The results it set (dotted keys nested), and `return-code`.
    pub results: serde_json::Map<String, serde_json::Value>,
    /// The message of `action-fail`, or why the run failed.
    pub message: Option<String>,
    /// Its `action-log` messages, in order.
    pub logs: Vec<String>,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id)
            .field("unit", &self.unit)
            .field("action", &self.action)
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .field("status", &self.status)
            .field("results", &self.results)
            .field("message", &self.message)
            .field("logs", &self.logs)
            .finish()
    }
}

/// A hook Juju has queued for a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedHook {
    /// The unit that will run it.
    pub unit: String,
    /// Which hook, with its relation or secret.
    pub kind: HookKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
/// A Juju model: everything a hook can observe or change, and the hooks queued.
pub struct Model {
    /// The model's name (JUJU_MODEL_NAME).
    pub name: String,
    /// The model's UUID (JUJU_MODEL_UUID; secret URIs carry it).
    pub uuid: String,
    /// The model's clock: rotations and expiries fall due against it, never wall time.
    pub now: DateTime<Utc>,
    /// Applications by name.
    pub apps: BTreeMap<String, App>,
    /// Unit statuses by unit name.
    pub unit_status: BTreeMap<String, Status>,
    /// Relations by id.
    pub relations: BTreeMap<u32, Relation>,
    /// Secrets by xid.
    pub secrets: BTreeMap<String, Secret>,
    /// Hooks Juju has queued, oldest first.
    pub queue: VecDeque<QueuedHook>,
    /// Every juju-log line, in order.
    pub logs: Vec<LogLine>,
    /// Each unit's state (`state-set`), by unit name.
    pub unit_state: BTreeMap<String, UnitState>,
    /// Actions run, by id.
    pub tasks: BTreeMap<String, Task>,
    /// The ports each unit has open: by unit, each range with its endpoints (`""` for all).
    pub ports: BTreeMap<String, BTreeMap<PortRange, std::collections::BTreeSet<String>>>,
    /// Storage instances attached to units, by id (`data/0`).
    pub storage: BTreeMap<String, StorageInstance>,
    /// Each unit's machine number, from which the model gives it its addresses.
    pub machines: BTreeMap<String, u32>,
    /// When each unit's workload status last changed (`goal-state`'s `since`).
    pub status_since: BTreeMap<String, DateTime<Utc>>,
    /// Each unit's machine: its files, programs, services and what the charm did to them.
    #[serde(default)]
    pub unit_machines: BTreeMap<String, Machine>,
    next_machine: u32,
    next_storage: u64,
    next_relation: u32,
    next_secret: u64,
    next_task: u64,
}

/// The 20-character xid alphabet (base32hex, lowercase).
const XID_ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

impl Model {
    /// An empty model whose clock starts at `now`.
    pub fn new(name: &str, uuid: &str, now: DateTime<Utc>) -> Self {
        Model {
            name: name.into(),
            uuid: uuid.into(),
            now,
            apps: BTreeMap::new(),
            unit_status: BTreeMap::new(),
            relations: BTreeMap::new(),
            secrets: BTreeMap::new(),
            queue: VecDeque::new(),
            logs: Vec::new(),
            unit_state: BTreeMap::new(),
            tasks: BTreeMap::new(),
            ports: BTreeMap::new(),
            storage: BTreeMap::new(),
            machines: BTreeMap::new(),
            status_since: BTreeMap::new(),
            unit_machines: BTreeMap::new(),
            next_machine: 0,
            next_storage: 0,
            next_relation: 0,
            next_secret: 0,
            next_task: 0,
        }
    }

    /// A fresh, deterministic xid (so scenario traces are reproducible).
    pub(crate) fn mint_xid(&mut self) -> String {
        self.next_secret += 1;
        let mut n = self.next_secret;
        let mut tail = [b'0'; 16];
        for slot in tail.iter_mut().rev() {
            *slot = XID_ALPHABET[(n % 32) as usize];
            n /= 32;
        }
        format!("d4jm{}", std::str::from_utf8(&tail).expect("ascii"))
    }

    /// The application a unit name belongs to.
    pub fn app_of(unit: &str) -> &str {
        unit.split_once('/').map_or(unit, |(app, _)| app)
    }

    /// Whether the unit is deployed.
    pub fn unit_exists(&self, unit: &str) -> bool {
        self.apps
            .get(Self::app_of(unit))
            .is_some_and(|a| a.units.iter().any(|u| u == unit))
    }

    /// Whether the unit leads its application now.
    pub fn is_leader(&self, unit: &str) -> bool {
        self.apps
            .get(Self::app_of(unit))
            .is_some_and(|a| a.leader.as_deref() == Some(unit))
    }

    /// The unit that manages a secret now: its owner unit, or its owning application's leader.
    pub fn manager_of(&self, secret: &Secret) -> Option<String> {
        match &secret.owner {
            Owner::Unit(u) => self.unit_exists(u).then(|| u.clone()),
            Owner::App(a) => self.apps.get(a).and_then(|a| a.leader.clone()),
            Owner::Model => None,
        }
    }

    /// The relations `app` takes part in and are not being removed, with the other side.
    pub fn live_relations<'a>(
        &'a self,
        app: &'a str,
    ) -> impl Iterator<Item = (&'a Relation, &'a Endpoint)> + 'a {
        self.relations
            .values()
            .filter(|r| !r.dying)
            .filter_map(move |r| r.sides(app).map(|(_, other)| (r, other)))
    }

    fn queue_hook(&mut self, unit: &str, kind: HookKind) {
        let hook = QueuedHook {
            unit: unit.to_string(),
            kind,
        };
        if !self.queue.contains(&hook) {
            self.queue.push_back(hook);
        }
    }

    // ---- operator actions ------------------------------------------------------------------

    /// Deploys an application with `units` units; the first becomes the leader. Queues each
    /// unit's install, leader-elected (leader), config-changed and start.
    pub fn deploy(&mut self, name: &str, units: u32) -> Result<(), ModelError> {
        if !is_valid_app_name(name) {
            return refuse(format!("application name {name:?} not valid"));
        }
        if self.apps.contains_key(name) {
            return refuse(format!("application {name:?} already exists"));
        }
        self.apps.insert(
            name.to_string(),
            App {
                name: name.to_string(),
                units: Vec::new(),
                leader: None,
                config: BTreeMap::new(),
                status: None,
                actions: BTreeMap::new(),
                bindings: std::collections::BTreeSet::new(),
                storage: BTreeMap::new(),
                version: String::new(),
                machine: Machine::default(),
                next_unit: 0,
            },
        );
        for _ in 0..units {
            self.add_unit(name)?;
        }
        Ok(())
    }

    /// Establishes a peer relation of `app` on `endpoint` (declared under `peers:` in its
    /// metadata), as Juju does at deploy: every unit sees relation-created, then joins each
    /// other unit; units added later join it too. Returns the relation's id.
    pub fn add_peer_relation(&mut self, app: &str, endpoint: &str) -> Result<u32, ModelError> {
        if !self.apps.contains_key(app) {
            return refuse(format!("application {app:?} not found"));
        }
        if !is_valid_endpoint(endpoint) {
            return refuse(format!("endpoint {endpoint:?} not valid"));
        }
        let end = Endpoint {
            app: app.to_string(),
            endpoint: endpoint.to_string(),
        };
        if self
            .relations
            .values()
            .any(|r| r.ends[0] == end || r.ends[1] == end)
        {
            return refuse(format!("endpoint {app}:{endpoint} is already related"));
        }
        let id = self.add_relation([end.clone(), end]);
        let units = self.apps[app].units.clone();
        for unit in &units {
            // Right after the unit's install if that is still queued, as Juju runs it.
            let created = QueuedHook {
                unit: unit.clone(),
                kind: HookKind::RelationCreated { relation_id: id },
            };
            match self
                .queue
                .iter()
                .position(|h| h.unit == *unit && h.kind == HookKind::Install)
            {
                Some(at) => self.queue.insert(at + 1, created),
                None => self.queue.push_back(created),
            }
        }
        for unit in &units {
            for other in units.iter().filter(|u| *u != unit) {
                self.queue_join(id, unit, other);
            }
        }
        Ok(id)
    }

    /// Declares the actions of `app`'s charm (its `actions.yaml`).
    pub fn set_actions(
        &mut self,
        app: &str,
        actions: BTreeMap<String, ActionSpec>,
    ) -> Result<(), ModelError> {
        match self.apps.get_mut(app) {
            Some(a) => {
                a.actions = actions;
                Ok(())
            }
            None => refuse(format!("application {app:?} not found")),
        }
    }

    /// `juju run <unit> <action> key=value...`: checks the parameters against the charm's
    /// `actions.yaml` and fills in its defaults, as the controller does, and queues the action
    /// on the unit; returns the task's id.
    pub fn run_action(
        &mut self,
        unit: &str,
        action: &str,
        params: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, ModelError> {
        if !self.unit_exists(unit) {
            return refuse(format!("unit {unit:?} not found"));
        }
        let Some(spec) = self.apps[Self::app_of(unit)].actions.get(action) else {
            return refuse(format!("action {action:?} not defined on unit {unit:?}"));
        };
        let params = spec.prepare(params).map_err(ModelError)?;
        self.next_task += 1;
        let id = self.next_task.to_string();
        self.tasks.insert(
            id.clone(),
            Task {
                id: id.clone(),
                unit: unit.to_string(),
                action: action.to_string(),
                params,
                status: "pending".into(),
                results: serde_json::Map::new(),
                message: None,
                logs: Vec::new(),
            },
        );
        self.queue_hook(
            unit,
            HookKind::Action {
                id: id.clone(),
                name: action.to_string(),
            },
        );
        Ok(id)
    }

    /// Adds a unit; it joins every relation of its application.
    pub fn add_unit(&mut self, app: &str) -> Result<String, ModelError> {
        let Some(a) = self.apps.get_mut(app) else {
            return refuse(format!("application {app:?} not found"));
        };
        let unit = format!("{app}/{}", a.next_unit);
        a.next_unit += 1;
        a.units.push(unit.clone());
        let leader = a.leader.is_none();
        if leader {
            a.leader = Some(unit.clone());
        }
        let machine = a.machine.clone();
        self.machines.insert(unit.clone(), self.next_machine);
        self.unit_machines.insert(unit.clone(), machine);
        self.next_machine += 1;
        self.status_since.insert(unit.clone(), self.now);
        // On a machine, storage is attached (and its hooks run) before install.
        self.attach_initial_storage(&unit);
        self.queue_hook(&unit, HookKind::Install);
        // A peer relation is created right after install, before leader-elected and start.
        let peers: Vec<u32> = self
            .live_relations(app)
            .filter(|(r, _)| r.is_peer())
            .map(|(r, _)| r.id)
            .collect();
        for id in peers {
            self.queue_hook(&unit, HookKind::RelationCreated { relation_id: id });
        }
        if leader {
            self.queue_hook(&unit, HookKind::LeaderElected);
        }
        self.queue_hook(&unit, HookKind::ConfigChanged);
        self.queue_hook(&unit, HookKind::Start);
        let relations: Vec<(u32, String)> = self
            .live_relations(app)
            .map(|(r, other)| (r.id, other.app.clone()))
            .collect();
        for (id, other) in relations {
            self.queue_hook(&unit, HookKind::RelationCreated { relation_id: id });
            let remote_units = self.apps[&other].units.clone();
            // In a peer relation the other units are the application's own.
            for remote in remote_units.into_iter().filter(|r| *r != unit) {
                self.queue_join(id, &unit, &remote);
                self.queue_join(id, &remote, &unit);
            }
        }
        Ok(unit)
    }

    /// A new relation between `ends`, with empty databags; returns its id.
    fn add_relation(&mut self, ends: [Endpoint; 2]) -> u32 {
        self.next_relation += 1;
        let id = self.next_relation;
        self.relations.insert(
            id,
            Relation {
                id,
                ends,
                databags: BTreeMap::new(),
                since: self.now,
                dying: false,
            },
        );
        id
    }

    fn queue_join(&mut self, relation_id: u32, unit: &str, remote: &str) {
        self.queue_hook(
            unit,
            HookKind::RelationJoined {
                relation_id,
                remote_unit: remote.to_string(),
            },
        );
        self.queue_hook(
            unit,
            HookKind::RelationChanged {
                relation_id,
                remote_unit: Some(remote.to_string()),
            },
        );
    }

    /// Removes a unit: the others see it depart; its consumer records go (which can make
    /// revisions obsolete); a new leader is elected if it led.
    pub fn remove_unit(&mut self, unit: &str) -> Result<(), ModelError> {
        if !self.unit_exists(unit) {
            return refuse(format!("unit {unit:?} not found"));
        }
        let app = Self::app_of(unit).to_string();
        let relations: Vec<(u32, String)> = self
            .live_relations(&app)
            .map(|(r, other)| (r.id, other.app.clone()))
            .collect();
        for (id, other) in relations {
            for remote in self.apps[&other]
                .units
                .clone()
                .into_iter()
                .filter(|r| r != unit)
            {
                self.queue_hook(
                    &remote,
                    HookKind::RelationDeparted {
                        relation_id: id,
                        remote_unit: unit.to_string(),
                        departing_unit: unit.to_string(),
                    },
                );
            }
            if let Some(r) = self.relations.get_mut(&id) {
                r.databags.remove(unit);
            }
        }
        self.queue.retain(|h| h.unit != unit);
        let a = self.apps.get_mut(&app).expect("unit's app exists");
        a.units.retain(|u| u != unit);
        if a.leader.as_deref() == Some(unit) {
            a.leader = a.units.first().cloned();
            if let Some(new_leader) = a.leader.clone() {
                self.queue_hook(&new_leader, HookKind::LeaderElected);
            }
        }
        self.unit_status.remove(unit);
        self.unit_state.remove(unit);
        self.ports.remove(unit);
        self.storage.retain(|_, s| s.unit != unit);
        self.machines.remove(unit);
        self.status_since.remove(unit);
        for secret in self.secrets.values_mut() {
            secret.consumers.remove(unit);
            secret
                .grants
                .retain(|g| g.subject != Subject::Unit(unit.to_string()));
        }
        self.settle_secrets();
        Ok(())
    }

    /// Makes `unit` its application's leader and queues leader-elected on it.
    pub fn set_leader(&mut self, unit: &str) -> Result<(), ModelError> {
        if !self.unit_exists(unit) {
            return refuse(format!("unit {unit:?} not found"));
        }
        let app = self.apps.get_mut(Self::app_of(unit)).expect("exists");
        if app.leader.as_deref() != Some(unit) {
            app.leader = Some(unit.to_string());
            self.queue_hook(unit, HookKind::LeaderElected);
            self.settle_secrets();
        }
        Ok(())
    }

    /// Sets config options and queues config-changed on every unit of the application.
    pub fn set_config(
        &mut self,
        app: &str,
        values: BTreeMap<String, ConfigValue>,
    ) -> Result<(), ModelError> {
        let Some(a) = self.apps.get_mut(app) else {
            return refuse(format!("application {app:?} not found"));
        };
        a.config.extend(values);
        for unit in a.units.clone() {
            self.queue_hook(&unit, HookKind::ConfigChanged);
        }
        Ok(())
    }

    /// Relates two endpoints (`app:endpoint`); queues relation-created on every unit, then
    /// relation-joined and -changed for every remote unit.
    pub fn relate(&mut self, a: &str, b: &str) -> Result<u32, ModelError> {
        let parse = |s: &str| -> Result<Endpoint, ModelError> {
            let (app, endpoint) = s
                .split_once(':')
                .ok_or_else(|| ModelError(format!("endpoint {s:?} not valid: use app:endpoint")))?;
            if !self.apps.contains_key(app) {
                return refuse(format!("application {app:?} not found"));
            }
            if !is_valid_endpoint(endpoint) {
                return refuse(format!("endpoint {endpoint:?} not valid"));
            }
            Ok(Endpoint {
                app: app.into(),
                endpoint: endpoint.into(),
            })
        };
        let ends = [parse(a)?, parse(b)?];
        if ends[0].app == ends[1].app {
            return refuse(
                "an application's peer relations come with it (peers: in its metadata): relate two applications",
            );
        }
        let id = self.add_relation(ends.clone());
        for end in &ends {
            for unit in self.apps[&end.app].units.clone() {
                self.queue_hook(&unit, HookKind::RelationCreated { relation_id: id });
            }
        }
        let (left, right) = (
            self.apps[&ends[0].app].units.clone(),
            self.apps[&ends[1].app].units.clone(),
        );
        for l in &left {
            for r in &right {
                self.queue_join(id, l, r);
                self.queue_join(id, r, l);
            }
        }
        Ok(id)
    }

    /// Removes a relation: departed for every remote unit, then broken on every unit; grants
    /// scoped to the relation go when the last broken hook has run.
    pub fn unrelate(&mut self, relation_id: u32) -> Result<(), ModelError> {
        let Some(relation) = self
            .relations
            .get(&relation_id)
            .filter(|r| !r.dying)
            .cloned()
        else {
            return refuse(format!("relation {relation_id} not found"));
        };
        if relation.is_peer() {
            return refuse(format!(
                "relation {relation_id} is a peer relation: it lasts as long as its application"
            ));
        }
        let [a, b] = &relation.ends;
        let (ua, ub) = (
            self.apps[&a.app].units.clone(),
            self.apps[&b.app].units.clone(),
        );
        for (units, remotes) in [(&ua, &ub), (&ub, &ua)] {
            for unit in units {
                for remote in remotes {
                    self.queue_hook(
                        unit,
                        HookKind::RelationDeparted {
                            relation_id,
                            remote_unit: remote.clone(),
                            departing_unit: remote.clone(),
                        },
                    );
                }
            }
        }
        for unit in ua.iter().chain(&ub) {
            self.queue_hook(unit, HookKind::RelationBroken { relation_id });
        }
        if let Some(r) = self.relations.get_mut(&relation_id) {
            r.dying = true;
        }
        Ok(())
    }

    /// A unit's relation-broken hook has run: it left the relation. Once no unit is left in
    /// it (no departed or broken hook queued), the relation is removed, and the grants scoped
    /// to it with it; until then they still hold, as on Juju.
    pub(crate) fn left_relation(&mut self, relation_id: u32) {
        let winding_down = self.queue.iter().any(|h| {
            matches!(h.kind,
                HookKind::RelationDeparted { relation_id: r, .. } | HookKind::RelationBroken { relation_id: r }
                if r == relation_id)
        });
        if winding_down || !self.relations.get(&relation_id).is_some_and(|r| r.dying) {
            return;
        }
        self.relations.remove(&relation_id);
        for secret in self.secrets.values_mut() {
            secret.grants.retain(|g| g.relation_id != Some(relation_id));
        }
    }

    /// `juju add-secret`: a user secret owned by the model, named by its label.
    pub fn add_user_secret(
        &mut self,
        name: &str,
        content: SecretContent,
    ) -> Result<String, ModelError> {
        if self
            .secrets
            .values()
            .any(|s| s.is_user_secret() && s.label.as_deref() == Some(name))
        {
            return refuse(format!("secret with name {name:?} already exists"));
        }
        let xid = self.mint_xid();
        let content_checksum = checksum(&content);
        self.secrets.insert(
            xid.clone(),
            Secret {
                xid: xid.clone(),
                owner: Owner::Model,
                label: Some(name.to_string()),
                description: None,
                rotate: None,
                next_rotation: None,
                revisions: BTreeMap::from([(
                    1,
                    Revision {
                        content,
                        expires: None,
                        expiry_due: None,
                    },
                )]),
                latest: 1,
                latest_checksum: content_checksum,
                latest_expires: None,
                grants: Vec::new(),
                consumers: BTreeMap::new(),
                removal_queued: Default::default(),
                owner_access_revoked: false,
                rotate_retry: None,
            },
        );
        Ok(format!("secret:{xid}"))
    }

    fn user_secret_mut(&mut self, name_or_id: &str) -> Result<&mut Secret, ModelError> {
        let xid = SecretId::parse(name_or_id)
            .ok()
            .map(|id| id.xid().to_string());
        self.secrets
            .values_mut()
            .find(|s| {
                s.is_user_secret()
                    && (Some(&s.xid) == xid.as_ref() || s.label.as_deref() == Some(name_or_id))
            })
            .ok_or_else(|| ModelError(format!("user secret {name_or_id:?} not found")))
    }

    /// `juju update-secret`: a new revision (unless identical), secret-changed to consumers.
    pub fn update_user_secret(
        &mut self,
        name_or_id: &str,
        content: SecretContent,
    ) -> Result<(), ModelError> {
        let secret = self.user_secret_mut(name_or_id)?;
        let checksum = self::checksum(&content);
        if secret.latest_checksum != checksum {
            secret.latest += 1;
            secret.latest_checksum = checksum;
            let latest = secret.latest;
            secret.revisions.insert(
                latest,
                Revision {
                    content,
                    expires: None,
                    expiry_due: None,
                },
            );
        }
        self.settle_secrets();
        Ok(())
    }

    /// `juju grant-secret`: lets an application's units view a user secret. Fires no hook.
    pub fn grant_user_secret(&mut self, name_or_id: &str, app: &str) -> Result<(), ModelError> {
        if !self.apps.contains_key(app) {
            return refuse(format!("application {app:?} not found"));
        }
        let secret = self.user_secret_mut(name_or_id)?;
        let grant = Grant {
            subject: Subject::App(app.to_string()),
            relation_id: None,
        };
        if !secret.grants.contains(&grant) {
            secret.grants.push(grant);
        }
        Ok(())
    }

    /// `juju revoke-secret`.
    pub fn revoke_user_secret(&mut self, name_or_id: &str, app: &str) -> Result<(), ModelError> {
        let secret = self.user_secret_mut(name_or_id)?;
        secret
            .grants
            .retain(|g| g.subject != Subject::App(app.to_string()));
        Ok(())
    }

    /// `juju remove-secret`.
    pub fn remove_user_secret(&mut self, name_or_id: &str) -> Result<(), ModelError> {
        let xid = self.user_secret_mut(name_or_id)?.xid.clone();
        self.secrets.remove(&xid);
        Ok(())
    }

    /// Moves the clock forward and queues the rotations and expiries that fell due.
    pub fn advance(&mut self, by: TimeDelta) {
        self.now += by;
        self.settle_secrets();
    }

    // ---- follow-up hooks -------------------------------------------------------------------

    /// Queues what Juju would fire now for secrets: secret-changed to consumers behind the
    /// latest revision (once per revision), secret-remove for each newly obsolete revision,
    /// secret-rotate when due (its commit schedules the next), and secret-expired when due
    /// (re-fired every 5 minutes until the revision is removed).
    pub fn settle_secrets(&mut self) {
        let now = self.now;
        let mut hooks = Vec::new();
        let managers: BTreeMap<String, Option<String>> = self
            .secrets
            .values()
            .map(|s| (s.xid.clone(), self.manager_of(s)))
            .collect();
        for secret in self.secrets.values_mut() {
            let xid = secret.xid.clone();
            let manager = managers[&xid].clone();
            let latest = secret.latest;
            for (unit, consumer) in secret.consumers.iter_mut() {
                if consumer.notified < latest && Some(unit) != manager.as_ref() {
                    consumer.notified = latest;
                    hooks.push((unit.clone(), HookKind::SecretChanged { xid: xid.clone() }));
                }
            }
            if secret.is_user_secret() {
                continue;
            }
            let Some(manager) = manager else { continue };
            for revision in secret.obsolete_revisions() {
                if secret.removal_queued.insert(revision) {
                    hooks.push((
                        manager.clone(),
                        HookKind::SecretRemove {
                            xid: xid.clone(),
                            revision,
                        },
                    ));
                }
            }
            // The rotate hook's commit sets the next rotation (`secret_rotated`); until it
            // runs, the hook stays queued once.
            let retry_later = secret.rotate_retry.is_some_and(|t| t > now);
            if secret::rotates(secret.rotate)
                && secret.next_rotation.is_some_and(|t| t <= now)
                && !retry_later
            {
                hooks.push((manager.clone(), HookKind::SecretRotate { xid: xid.clone() }));
            }
            for (&revision, rev) in secret.revisions.iter_mut() {
                let due = rev.expiry_due.or(rev.expires);
                if due.is_some_and(|t| t <= now) {
                    rev.expiry_due = Some(now + secret::RETRY_DELAY);
                    hooks.push((
                        manager.clone(),
                        HookKind::SecretExpired {
                            xid: xid.clone(),
                            revision,
                        },
                    ));
                }
            }
        }
        for (unit, kind) in hooks {
            self.queue_hook(&unit, kind);
        }
    }

    /// Takes the next queued hook whose subject still exists (a hook about a secret or
    /// revision removed since it was queued is dropped, unlike juju/juju#20794).
    pub fn next_hook(&mut self) -> Option<QueuedHook> {
        while let Some(hook) = self.queue.pop_front() {
            if self.unit_exists(&hook.unit) && events::still_relevant(self, &hook.kind) {
                return Some(hook);
            }
        }
        None
    }

    /// A unit's status, as `juju status` shows it.
    pub fn status_of(&self, unit: &str) -> Option<&Status> {
        self.unit_status.get(unit)
    }
}
