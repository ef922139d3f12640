//! A unit's place in the deployment, as the controller keeps it: its charm's bindings and
//! storages, the storage instances attached to it, its addresses, the ports it has open, and
//! where the deployment is heading (`goal-state`).
//!
//! Each unit is on a machine of its own (numbered in the order units are added), whose one
//! interface `eth0` has the address `10.1.<m / 200>.<m % 200 + 10>` in `10.1.0.0/16`: no two
//! units share a machine, so no unit's ports conflict with another's.

use std::collections::{BTreeMap, BTreeSet};

use juju_hookcmds::charm::{IMPLICIT_BINDING, StorageSpec};
use juju_hookcmds::cli::goal_since;
use juju_hookcmds::{
    BindAddress, Goal, GoalState, InterfaceAddress, NetworkInfo, StatusInfo, StorageKind,
};
use serde::{Deserialize, Serialize};

use super::{HookKind, Model, ModelError, QueuedHook, Status, refuse};
use juju_hookcmds::cli::storage_name;
use juju_hookcmds::ports::{OpenedPort, PortRange};

/// A storage instance attached to a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageInstance {
    /// The unit it is attached to.
    pub unit: String,
    /// `filesystem` or `block`.
    pub kind: StorageKind,
    /// Its mount point or device.
    pub location: String,
    /// Detaching: its storage-detaching hook is queued.
    pub dying: bool,
}

impl StorageInstance {
    /// Its kind as Juju prints it.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            StorageKind::Filesystem => "filesystem",
            StorageKind::Block => "block",
        }
    }
}

/// A status's name as Juju prints it.
pub(crate) fn state_name(status: Option<&Status>) -> &'static str {
    status.map_or("unknown", |s| juju_hookcmds::args::state_name(s.state))
}

/// A status as `status-get --include-data` shows it (the model keeps no status data).
pub(crate) fn status_info(status: Option<&Status>) -> StatusInfo {
    StatusInfo {
        status: state_name(status).to_string(),
        message: status.map(|s| s.message.clone()).unwrap_or_default(),
        data: BTreeMap::new(),
    }
}

/// How Juju ranks statuses when it derives an application's from its units'.
fn severity(status: &str) -> u8 {
    match status {
        "error" => 100,
        "blocked" => 90,
        "maintenance" => 80,
        "waiting" => 70,
        "active" => 60,
        "terminated" => 50,
        _ => 40,
    }
}

/// An application's status: what its leader set, else derived from its units' as Juju
/// derives it (the most severe unit's, else `unknown`).
pub(crate) fn application_status_of(
    set: Option<&Status>,
    units: impl IntoIterator<Item = StatusInfo>,
) -> StatusInfo {
    if let Some(set) = set {
        return status_info(Some(set));
    }
    let mut derived = status_info(None);
    for info in units {
        if severity(&info.status) > severity(&derived.status) {
            derived = info;
        }
    }
    derived
}

/// Ranges with their endpoints as `opened-ports --endpoints` lists them: sorted, an endpoint
/// `""` (every endpoint) shown as `*` whatever else the range is open for.
pub(crate) fn opened_list(ports: BTreeMap<PortRange, BTreeSet<String>>) -> Vec<OpenedPort> {
    ports
        .into_iter()
        .filter(|(_, endpoints)| !endpoints.is_empty())
        .map(|(range, endpoints)| OpenedPort {
            range,
            endpoints: if endpoints.contains("") {
                Vec::new()
            } else {
                endpoints.into_iter().collect()
            },
        })
        .collect()
}

/// The most instances of one storage the model attaches to a unit: Juju's limit is the
/// charm's maximum, which may be unbounded; the model keeps its own memory bounded.
pub const MAX_STORAGE_INSTANCES: u64 = 1000;

impl Model {
    /// Sets up the machines of `app`'s units: each has `machine`'s programs, services,
    /// listeners and files (its own copy); a unit added later starts with the same.
    pub fn set_machine(&mut self, app: &str, machine: super::Machine) -> Result<(), ModelError> {
        let Some(a) = self.apps.get_mut(app) else {
            return refuse(format!("application {app:?} not found"));
        };
        a.machine = machine.clone();
        for unit in &a.units {
            self.unit_machines.insert(unit.clone(), machine.clone());
        }
        Ok(())
    }

    /// The machine of `unit`, if it is a unit of the model.
    pub fn machine_of(&self, unit: &str) -> Option<&super::Machine> {
        self.unit_machines.get(unit)
    }

    /// Declares `app`'s charm bindings (from its `metadata.yaml`: endpoints and extra
    /// bindings).
    pub fn set_bindings(&mut self, app: &str, names: BTreeSet<String>) -> Result<(), ModelError> {
        match self.apps.get_mut(app) {
            Some(a) => {
                a.bindings = names;
                Ok(())
            }
            None => refuse(format!("application {app:?} not found")),
        }
    }

    /// Declares `app`'s storages and attaches to each unit the instances Juju creates at
    /// deploy (each storage's minimum count), their storage-attached hooks before install.
    pub fn set_storage(
        &mut self,
        app: &str,
        specs: BTreeMap<String, StorageSpec>,
    ) -> Result<(), ModelError> {
        if let Some((name, spec)) = specs
            .iter()
            .find(|(_, spec)| u64::from(spec.count_min) > MAX_STORAGE_INSTANCES)
        {
            return refuse(format!(
                "storage {name:?} needs {} instances per unit; the model attaches at most {MAX_STORAGE_INSTANCES}",
                spec.count_min
            ));
        }
        let Some(a) = self.apps.get_mut(app) else {
            return refuse(format!("application {app:?} not found"));
        };
        a.storage = specs;
        for unit in a.units.clone() {
            self.attach_initial_storage(&unit);
        }
        Ok(())
    }

    /// The instances a new unit gets of each storage (its minimum count), queued to attach
    /// before the unit's install if that has not run yet.
    pub(crate) fn attach_initial_storage(&mut self, unit: &str) {
        let specs = self.apps[Self::app_of(unit)].storage.clone();
        for (name, spec) in specs {
            let have = self.storage_of(unit, &name).len() as u32;
            for _ in have..spec.count_min {
                let id = self.create_storage(unit, &name, &spec);
                let hook = QueuedHook {
                    unit: unit.to_string(),
                    kind: HookKind::StorageAttached { id },
                };
                match self
                    .queue
                    .iter()
                    .position(|h| h.unit == unit && h.kind == HookKind::Install)
                {
                    Some(at) => self.queue.insert(at, hook),
                    None => self.queue.push_back(hook),
                }
            }
        }
    }

    /// A new instance of storage `name` on `unit`; ids count across every storage of the
    /// model, as Juju's do (`data/0`, `logs/1`, `data/2`).
    fn create_storage(&mut self, unit: &str, name: &str, spec: &StorageSpec) -> String {
        let seq = self.next_storage;
        self.next_storage += 1;
        let id = format!("{name}/{seq}");
        self.storage.insert(
            id.clone(),
            StorageInstance {
                unit: unit.to_string(),
                kind: spec.kind,
                location: spec.location_of(&id, seq),
                dying: false,
            },
        );
        id
    }

    /// The ids of `unit`'s instances of storage `name`, oldest first.
    pub fn storage_of(&self, unit: &str, name: &str) -> Vec<String> {
        let mut ids: Vec<(u64, String)> = self
            .storage
            .iter()
            .filter(|(id, s)| s.unit == unit && storage_name(id) == name)
            .map(|(id, _)| {
                let seq = id.rsplit('/').next().and_then(|n| n.parse().ok());
                (seq.unwrap_or(u64::MAX), id.clone())
            })
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// `juju add-storage <unit> <name>=<count>` (and a committed `storage-add`): checks the
    /// count against the charm's limits with Juju's texts, attaches the new instances and
    /// queues their storage-attached hooks. Returns their ids.
    pub fn add_storage(
        &mut self,
        unit: &str,
        name: &str,
        count: u64,
    ) -> Result<Vec<String>, ModelError> {
        if !self.unit_exists(unit) {
            return refuse(format!("unit {unit:?} not found"));
        }
        let Some(spec) = self.apps[Self::app_of(unit)].storage.get(name).cloned() else {
            return refuse(format!(
                "adding storage {name} for unit-{}: storage {name:?} not found",
                unit.replace('/', "-")
            ));
        };
        let fail = |why: String| refuse(format!("adding {name:?} storage to {unit}: {why}"));
        if count == 0 {
            return fail("adding storage where instance count is 0 not valid".into());
        }
        let current = self.storage_of(unit, name).len() as u64;
        let total = current.saturating_add(count);
        let instances = if count == 1 {
            "1 storage instance".to_string()
        } else {
            format!("{count} storage instances")
        };
        if spec.count_min == 1 && spec.count_max == Some(1) && total != 1 {
            return fail("cannot attach, storage is singular".into());
        }
        if total < u64::from(spec.count_min) {
            return fail(format!(
                "attaching {instances} brings the total to {total}, which is less than the minimum of {}",
                spec.count_min
            ));
        }
        if let Some(max) = spec.count_max
            && total > u64::from(max)
        {
            return fail(format!(
                "attaching {instances} brings the total to {total}, exceeding the maximum of {max}"
            ));
        }
        if total > MAX_STORAGE_INSTANCES {
            return fail(format!(
                "attaching {instances} brings the total to {total}, more than the model attaches to a unit ({MAX_STORAGE_INSTANCES})"
            ));
        }
        let ids: Vec<String> = (0..count)
            .map(|_| self.create_storage(unit, name, &spec))
            .collect();
        // The unit agent runs storage hooks before whatever else is pending for the unit.
        let at = self
            .queue
            .iter()
            .position(|h| h.unit == unit)
            .unwrap_or(self.queue.len());
        for (n, id) in ids.iter().enumerate() {
            self.queue.insert(
                at + n,
                QueuedHook {
                    unit: unit.to_string(),
                    kind: HookKind::StorageAttached { id: id.clone() },
                },
            );
        }
        Ok(ids)
    }

    /// `juju detach-storage <id>`: the unit's storage-detaching hook is queued; the instance
    /// goes once that hook has run (at once, with no hook, if its storage-attached never ran).
    pub fn detach_storage(&mut self, id: &str) -> Result<(), ModelError> {
        let Some(instance) = self.storage.get_mut(id).filter(|s| !s.dying) else {
            return refuse(format!("storage {id:?} not found"));
        };
        instance.dying = true;
        let unit = instance.unit.clone();
        let attached = HookKind::StorageAttached { id: id.to_string() };
        if let Some(at) = self.queue.iter().position(|h| h.kind == attached) {
            // Never attached as far as the charm knows: it goes without either hook.
            self.queue.remove(at);
            self.storage.remove(id);
            return Ok(());
        }
        self.queue_hook(&unit, HookKind::StorageDetaching { id: id.to_string() });
        Ok(())
    }

    /// `unit`'s charm's stored bindings (what ports are opened for): its declared bindings,
    /// and the endpoints of its application's relations (for a charm whose metadata was never
    /// declared).
    pub fn bindings_of(&self, unit: &str) -> BTreeSet<String> {
        let app = Self::app_of(unit);
        let mut names = self
            .apps
            .get(app)
            .map(|a| a.bindings.clone())
            .unwrap_or_default();
        names.extend(
            self.relations
                .values()
                .filter_map(|r| r.sides(app).map(|(mine, _)| mine.endpoint.clone())),
        );
        names
    }

    /// The address the model gives `unit`'s machine.
    pub fn address_of(&self, unit: &str) -> Option<String> {
        let m = *self.machines.get(unit)?;
        Some(format!("10.1.{}.{}", m / 200, m % 200 + 10))
    }

    /// `network-get <binding>` for `unit`: every binding is on the model's one space, so each
    /// has the machine's address; `None` if `binding` is not one of the charm's.
    pub fn network_of(&self, unit: &str, binding: &str) -> Option<NetworkInfo> {
        if binding != IMPLICIT_BINDING && !self.bindings_of(unit).contains(binding) {
            return None;
        }
        let m = *self.machines.get(unit)?;
        let address = self.address_of(unit)?;
        Some(NetworkInfo {
            bind_addresses: vec![BindAddress {
                mac_address: format!("00:16:3e:00:{:02x}:{:02x}", m / 256 % 256, m % 256),
                interface_name: "eth0".into(),
                addresses: vec![InterfaceAddress {
                    hostname: String::new(),
                    value: address.clone(),
                    cidr: "10.1.0.0/16".into(),
                }],
            }],
            egress_subnets: vec![format!("{address}/32")],
            ingress_addresses: vec![address],
        })
    }

    /// The application's status as `status-get --application` shows it: what the leader set,
    /// else derived from its units' (the most severe), as Juju derives it.
    pub fn application_status(&self, app: &str) -> StatusInfo {
        let Some(a) = self.apps.get(app) else {
            return status_info(None);
        };
        application_status_of(
            a.status.as_ref(),
            a.units.iter().map(|u| status_info(self.unit_status.get(u))),
        )
    }

    /// The ports `unit` has open, as `opened-ports --endpoints` lists them.
    pub fn opened_ports(&self, unit: &str) -> Vec<OpenedPort> {
        opened_list(self.ports.get(unit).cloned().unwrap_or_default())
    }

    /// `goal-state` for `unit`: its application's units (itself included) with their workload
    /// status, and per endpoint of every relation with another application, that application
    /// (with the relation's status) and its units. Peer relations are left out, as Juju
    /// leaves them out.
    pub fn goal_state(&self, unit: &str) -> GoalState {
        let app = Self::app_of(unit);
        let unit_goal = |u: &str| Goal {
            status: state_name(self.unit_status.get(u)).to_string(),
            since: Some(goal_since(
                self.status_since.get(u).copied().unwrap_or(self.now),
            )),
        };
        let units = self.apps.get(app).map_or_else(BTreeMap::new, |a| {
            a.units.iter().map(|u| (u.clone(), unit_goal(u))).collect()
        });
        let mut relations: BTreeMap<String, BTreeMap<String, Goal>> = BTreeMap::new();
        for relation in self.relations.values().filter(|r| !r.is_peer()) {
            let Some((mine, other)) = relation.sides(app) else {
                continue;
            };
            let goals = relations.entry(mine.endpoint.clone()).or_default();
            goals.insert(
                other.app.clone(),
                Goal {
                    status: "joined".into(),
                    since: Some(goal_since(relation.since)),
                },
            );
            if let Some(remote) = self.apps.get(&other.app) {
                for u in &remote.units {
                    goals.insert(u.clone(), unit_goal(u));
                }
            }
        }
        GoalState { units, relations }
    }
}
