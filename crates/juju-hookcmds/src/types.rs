//! Juju's vocabulary: what the hook commands take and print, as the host's backends, the
//! model and the simulator all speak it. The contract (`wit/`) has its own types for the guest;
//! the runtime converts between the two in one place.

use juju_rules::SecretId;
use serde::{Deserialize, Serialize};

/// A moment, as seconds and nanoseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datetime {
    /// Whole seconds.
    pub seconds: i64,
    /// Nanoseconds past them.
    pub nanoseconds: u32,
}

/// `--rotate`: how often Juju asks the owner to rotate a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RotatePolicy {
    /// `never`.
    Never,
    /// `hourly`.
    Hourly,
    /// `daily`.
    Daily,
    /// `weekly`.
    Weekly,
    /// `monthly`.
    Monthly,
    /// `quarterly`.
    Quarterly,
    /// `yearly`.
    Yearly,
}

/// `secret-add --owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AddOwner {
    /// The application: only its leader manages it.
    Application,
    /// The unit that creates it.
    Unit,
}

/// Who owns a secret, as `secret-info-get` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerKind {
    /// An application.
    Application,
    /// A unit.
    Unit,
    /// The model (a user secret).
    Model,
}

/// `--expire`: a moment, or a delay from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expiry {
    /// At this moment.
    At(Datetime),
    /// This many seconds from now.
    AfterSeconds(u64),
}

/// Which revision `secret-get` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadMode {
    /// The revision this unit tracks.
    Tracked,
    /// `--peek`: the latest, without tracking it.
    Peek,
    /// `--refresh`: the latest, tracked from now on.
    Refresh,
}

/// `secret-add`'s flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOptions {
    /// `--owner`.
    pub owner: AddOwner,
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`.
    pub expire: Option<Expiry>,
    /// `--rotate`.
    pub rotate: Option<RotatePolicy>,
}

/// `secret-set`'s flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetOptions {
    /// `--label`.
    pub label: Option<String>,
    /// `--description`.
    pub description: Option<String>,
    /// `--expire`.
    pub expire: Option<Expiry>,
    /// `--rotate`.
    pub rotate: Option<RotatePolicy>,
}

/// One entry of a secret's access list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessGrant {
    /// The application or unit granted.
    pub target: String,
    /// What the grant is scoped to (a relation key).
    pub scope: String,
    /// `view` or `manage`.
    pub role: String,
}

/// What `secret-info-get` prints of one secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretInfo {
    /// The id, `secret:<xid>`.
    pub id: String,
    /// The owner's label.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u32,
    /// The owner.
    pub owner: OwnerKind,
    /// Its description.
    pub description: Option<String>,
    /// When the latest revision expires.
    pub expires: Option<Datetime>,
    /// Its rotate policy.
    pub rotation: Option<RotatePolicy>,
    /// When Juju next asks for a rotation.
    pub next_rotation: Option<Datetime>,
    /// Who may read it.
    pub access: Vec<AccessGrant>,
}

/// A unit of a relation, as `secret-revoke --relation --unit` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationUnit {
    /// The relation.
    pub relation_id: u32,
    /// The unit.
    pub unit: String,
}

/// Whose access `secret-revoke` takes away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    /// `--relation`: the remote application of a relation.
    Relation(u32),
    /// `--relation --unit`.
    RelationUnit(RelationUnit),
    /// `--app`.
    Application(String),
    /// `--unit`.
    Unit(String),
}

/// How a secret is named in a read or a metadata query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// By id, in any form Juju prints.
    Id(SecretId),
    /// By owner label or this unit's consumer label.
    Label(String),
}

/// Whose databag `relation-get` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Databag {
    /// A unit's.
    Unit(String),
    /// An application's (`--app`).
    App(String),
}

/// Which databag of its own `relation-set` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The unit's.
    Unit,
    /// The application's (`--app`; the leader only).
    App,
}

/// A config option's value, as `config-get --format=json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConfigValue {
    /// A string (or secret) option.
    Text(String),
    /// An int option.
    Integer(i64),
    /// A float option.
    Float(f64),
    /// A boolean option.
    Boolean(bool),
}

/// `juju-log --log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING`.
    Warning,
    /// `ERROR`.
    Error,
}

/// The workload status `status-set` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkloadState {
    /// `active`.
    Active,
    /// `blocked`.
    Blocked,
    /// `maintenance`.
    Maintenance,
    /// `waiting`.
    Waiting,
}

/// A status as `status-get --include-data --format=json` prints it: any of Juju's states
/// (`unknown`, `error`, `terminated` besides what a charm sets), its message and its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// `active`, `blocked`, `maintenance`, `waiting`, `unknown`, `error`, `terminated`, ...
    pub status: String,
    /// The message, possibly empty.
    #[serde(default)]
    pub message: String,
    /// The data set with it.
    #[serde(rename = "status-data", default)]
    pub data: std::collections::BTreeMap<String, serde_json::Value>,
}

/// `status-get --application`: the application's status with its units', nested as Juju
/// nests them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationStatus {
    /// The application's own status.
    #[serde(flatten)]
    pub application: StatusInfo,
    /// Each unit's, by name.
    #[serde(default)]
    pub units: std::collections::BTreeMap<String, StatusInfo>,
}

/// One address of a binding's interface, as `network-get --format=json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterfaceAddress {
    /// The host name Juju knows, if any (always printed, possibly empty).
    #[serde(default)]
    pub hostname: String,
    /// The IP address.
    pub value: String,
    /// Its subnet.
    #[serde(default)]
    pub cidr: String,
}

/// A machine interface on a binding's space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BindAddress {
    /// Its MAC address (empty on Kubernetes).
    #[serde(default)]
    pub mac_address: String,
    /// Its name (empty on Kubernetes).
    #[serde(default)]
    pub interface_name: String,
    /// Its addresses.
    #[serde(default)]
    pub addresses: Vec<InterfaceAddress>,
}

/// `network-get <binding>`'s full form; empty lists are left out, as Juju leaves them out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct NetworkInfo {
    /// Where to listen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bind_addresses: Vec<BindAddress>,
    /// The subnets the unit's traffic comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress_subnets: Vec<String>,
    /// The addresses to give the other side, preferred first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress_addresses: Vec<String>,
}

/// A storage instance's kind (`storage-get kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// A mounted filesystem.
    Filesystem,
    /// A block device.
    Block,
}

/// `storage-get -s <id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageDetails {
    /// Its kind.
    pub kind: StorageKind,
    /// Its mount point or device.
    pub location: String,
}

/// A unit or a relation in `goal-state`: its status and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// `active`, `waiting`, `dying`, ... (units); `joining`, `joined`, ... (relations).
    pub status: String,
    /// `2006-01-02 15:04:05Z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// `goal-state --format=json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GoalState {
    /// This application's units, this one included, by name.
    #[serde(default)]
    pub units: std::collections::BTreeMap<String, Goal>,
    /// Per local endpoint: the related applications (relation status) and their units.
    #[serde(default)]
    pub relations: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Goal>>,
}
