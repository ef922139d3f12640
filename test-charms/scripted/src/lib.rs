//! A test charm for the host's Juju-fidelity tests: on each hook (or action, by its name) it
//! makes the secret, action and unit-state calls its config option `script` lists for that
//! hook, in order, and logs each call's outcome; and the calls about the unit's place in the
//! deployment (ports, bindings, status, version, storage, goal state) and on its machine
//! (files, commands, services, outbound TCP).
//!
//! `script` is a JSON object from hook name to a list of steps, for example
//!
//! ```json
//! {"run": [{"op": "add", "label": "ca", "content": {"marker": "v1"}},
//!          {"op": "set", "id": "$0", "content": {"marker": "v2"}}]}
//! ```
//!
//! An `id` of `$N` stands for the id step N returned (a step of this hook). Each outcome is
//! logged as `step N <op>: ok[ <what came back>]` or `step N <op>: error <kind>: <message>`;
//! reads show the content as `k=v` pairs, since a script's content is test data, not secrets.
//! A step `{"op": "fail"}` makes the hook fail once every step has run, so that tests can see
//! what a failed hook keeps. A step that errors does not stop the script.

wit_bindgen::generate!({ world: "charm", path: "../../wit" });

use std::collections::BTreeMap;

use juju::charm::secrets::{
    self, AddOptions, AddOwner, Expiry, GetOptions, Grantee, ReadMode, RelationUnit, RotatePolicy,
    SecretRef, SetOptions,
};
use juju::charm::types::Datetime;
use juju::charm::{
    actions, bindings, commands, config, files, goal_state, logging, network, ports, relations,
    services, state, status, storage,
};
use serde::Deserialize;

/// One call, as the script names it.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
enum Step {
    Add {
        #[serde(default)]
        unit: bool,
        content: BTreeMap<String, String>,
        #[serde(flatten)]
        meta: Meta,
    },
    Set {
        id: String,
        content: Option<BTreeMap<String, String>>,
        #[serde(flatten)]
        meta: Meta,
    },
    Get {
        id: Option<String>,
        label: Option<String>,
        #[serde(default)]
        mode: Mode,
        key: Option<String>,
        #[serde(rename = "attach-label")]
        attach_label: Option<String>,
    },
    Info {
        id: Option<String>,
        label: Option<String>,
    },
    Ids,
    Grant {
        id: String,
        relation: u32,
        unit: Option<String>,
    },
    Revoke {
        id: String,
        relation: Option<u32>,
        unit: Option<String>,
        app: Option<String>,
    },
    Remove {
        id: String,
        revision: Option<u32>,
    },
    Publish {
        relation: u32,
        key: String,
        value: String,
    },
    ActionParams,
    ActionSet {
        results: BTreeMap<String, String>,
    },
    ActionLog {
        message: String,
    },
    ActionFail {
        message: String,
    },
    StateGet {
        key: String,
    },
    StateAll,
    StateSet {
        values: BTreeMap<String, String>,
    },
    StateDelete {
        key: String,
    },
    OpenPort {
        #[serde(flatten)]
        ports: Ports,
    },
    ClosePort {
        #[serde(flatten)]
        ports: Ports,
    },
    OpenedPorts,
    NetworkGet {
        binding: String,
        relation: Option<u32>,
    },
    StatusGet,
    AppStatusGet,
    SetVersion {
        version: String,
    },
    StorageList {
        name: String,
    },
    StorageGet {
        id: String,
    },
    StorageAdd {
        name: String,
        count: u32,
    },
    GoalState,
    ReadFile {
        path: String,
    },
    WriteFile {
        path: String,
        content: String,
        mode: u32,
        #[serde(default)]
        owner: Option<String>,
        #[serde(default)]
        group: Option<String>,
    },
    RemoveFile {
        path: String,
    },
    ListDir {
        path: String,
    },
    MakeDir {
        path: String,
        mode: u32,
        #[serde(default)]
        owner: Option<String>,
    },
    StatFile {
        path: String,
    },
    Run {
        program: String,
        #[serde(default)]
        args: Vec<String>,
        #[serde(default)]
        stdin: Option<String>,
    },
    Service {
        manager: String,
        name: String,
        action: String,
    },
    /// Connects, sends `send`, ends its side, and reads what comes back until the end.
    Connect {
        host: String,
        port: u16,
        #[serde(default)]
        send: String,
    },
    Fail,
}

fn file_line(info: &files::FileInfo) -> String {
    let kind = match info.kind {
        files::FileKind::File => "file",
        files::FileKind::Directory => "directory",
        files::FileKind::Symlink => "symlink",
        files::FileKind::Other => "other",
    };
    format!("{kind} {:04o} {}:{}", info.mode, info.owner, info.group)
}

fn service_step(manager: &str, name: &str, action: &str) -> Result<String, String> {
    let manager = match manager {
        "systemd" => services::Manager::Systemd,
        "snap" => services::Manager::Snap,
        other => return Err(format!("unknown manager {other:?}")),
    };
    let action = match action {
        "start" => services::Action::Start,
        "stop" => services::Action::Stop,
        "restart" => services::Action::Restart,
        "reload" => services::Action::Reload,
        "enable" => services::Action::Enable,
        "disable" => services::Action::Disable,
        "query" => {
            return services::query(manager, name)
                .map(|s| format!("{} {}", s.active, s.enabled))
                .map_err(|e| kind(&e));
        }
        other => return Err(format!("unknown action {other:?}")),
    };
    services::act(manager, name, action)
        .map(|()| String::new())
        .map_err(|e| kind(&e))
}

fn connect_step(host: &str, port: u16, send: &str) -> Result<String, String> {
    let stream = network::connect(host, port).map_err(|e| kind(&e))?;
    stream.write(send.as_bytes()).map_err(|e| kind(&e))?;
    stream.shutdown().map_err(|e| kind(&e))?;
    let mut got = Vec::new();
    loop {
        let data = stream.read(4096).map_err(|e| kind(&e))?;
        if data.is_empty() {
            break;
        }
        got.extend(data);
    }
    Ok(String::from_utf8_lossy(&got).into_owned())
}

/// A port range as a step names it: `protocol` (`tcp`, `udp`, `icmp`), `first`, `last`
/// (default: `first`), `endpoints` (default: all).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ports {
    protocol: String,
    #[serde(default)]
    first: u16,
    last: Option<u16>,
    #[serde(default)]
    endpoints: Vec<String>,
}

impl Ports {
    fn range(&self) -> Result<ports::PortRange, String> {
        let span = ports::Span {
            first: self.first,
            last: self.last.unwrap_or(self.first),
        };
        Ok(match self.protocol.as_str() {
            "tcp" => ports::PortRange::Tcp(span),
            "udp" => ports::PortRange::Udp(span),
            "icmp" => ports::PortRange::Icmp,
            other => return Err(format!("unknown protocol {other:?}")),
        })
    }
}

fn port_line(opened: &ports::OpenedPort) -> String {
    let range = match &opened.ports {
        ports::PortRange::Icmp => "icmp".to_string(),
        ports::PortRange::Tcp(s) | ports::PortRange::Udp(s) => {
            let protocol = if matches!(opened.ports, ports::PortRange::Tcp(_)) {
                "tcp"
            } else {
                "udp"
            };
            if s.first == s.last {
                format!("{}/{protocol}", s.first)
            } else {
                format!("{}-{}/{protocol}", s.first, s.last)
            }
        }
    };
    if opened.endpoints.is_empty() {
        format!("{range} (*)")
    } else {
        format!("{range} ({})", opened.endpoints.join(", "))
    }
}

fn status_line(s: &status::StatusInfo) -> String {
    let state = match s.state {
        status::Reported::Active => "active",
        status::Reported::Blocked => "blocked",
        status::Reported::Maintenance => "maintenance",
        status::Reported::Waiting => "waiting",
        status::Reported::Unknown => "unknown",
        status::Reported::Error => "error",
        status::Reported::Terminated => "terminated",
    };
    format!("{state}: {}", s.message)
}

/// The metadata options `add` and `set` share.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Meta {
    label: Option<String>,
    description: Option<String>,
    /// Seconds from now.
    #[serde(rename = "expire-in")]
    expire_in: Option<u64>,
    /// Seconds since the Unix epoch.
    #[serde(rename = "expire-at")]
    expire_at: Option<i64>,
    rotate: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    #[default]
    Tracked,
    Peek,
    Refresh,
}

struct Scripted;

fn rotate(name: &str) -> Result<RotatePolicy, String> {
    Ok(match name {
        "never" => RotatePolicy::Never,
        "hourly" => RotatePolicy::Hourly,
        "daily" => RotatePolicy::Daily,
        "weekly" => RotatePolicy::Weekly,
        "monthly" => RotatePolicy::Monthly,
        "quarterly" => RotatePolicy::Quarterly,
        "yearly" => RotatePolicy::Yearly,
        other => return Err(format!("unknown rotate policy {other:?}")),
    })
}

impl Meta {
    fn expire(&self) -> Option<Expiry> {
        match (self.expire_in, self.expire_at) {
            (Some(s), _) => Some(Expiry::AfterSeconds(s)),
            (None, Some(at)) => Some(Expiry::At(Datetime {
                seconds: at,
                nanoseconds: 0,
            })),
            (None, None) => None,
        }
    }

    fn rotate(&self) -> Result<Option<RotatePolicy>, String> {
        self.rotate.as_deref().map(rotate).transpose()
    }
}

fn rotate_name(policy: RotatePolicy) -> &'static str {
    match policy {
        RotatePolicy::Never => "never",
        RotatePolicy::Hourly => "hourly",
        RotatePolicy::Daily => "daily",
        RotatePolicy::Weekly => "weekly",
        RotatePolicy::Monthly => "monthly",
        RotatePolicy::Quarterly => "quarterly",
        RotatePolicy::Yearly => "yearly",
    }
}

fn pairs(content: &BTreeMap<String, String>) -> Vec<(String, String)> {
    content
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn shown(content: &[(String, String)]) -> String {
    let mut sorted = content.to_vec();
    sorted.sort();
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn kind(error: &secrets::Error) -> String {
    let (kind, message) = match error {
        secrets::Error::NotFound(m) => ("not-found", m),
        secrets::Error::PermissionDenied(m) => ("permission-denied", m),
        secrets::Error::NotLeader(m) => ("not-leader", m),
        secrets::Error::InvalidContent(m) => ("invalid-content", m),
        secrets::Error::LabelConflict(m) => ("label-conflict", m),
        secrets::Error::DeniedByPolicy(m) => ("denied-by-policy", m),
        secrets::Error::InvalidArgument(m) => ("invalid-argument", m),
        secrets::Error::Backend(m) => ("backend", m),
    };
    format!("{kind}: {message}")
}

fn secret_ref(id: Option<String>, label: Option<String>) -> Result<SecretRef, String> {
    match (id, label) {
        (Some(id), _) => Ok(SecretRef::Id(id)),
        (None, Some(label)) => Ok(SecretRef::Label(label)),
        (None, None) => Err("a step needs an id or a label".into()),
    }
}

fn info_line(info: &secrets::SecretInfo) -> String {
    let mut line = format!("revision={}", info.revision);
    if let Some(label) = &info.label {
        line += &format!(" label={label}");
    }
    if let Some(description) = &info.description {
        line += &format!(" description={description}");
    }
    if let Some(expires) = &info.expires {
        line += &format!(" expires={}", expires.seconds);
    }
    if let Some(rotation) = &info.rotation {
        line += &format!(" rotation={}", rotate_name(*rotation));
    }
    if let Some(next) = &info.next_rotation {
        line += &format!(" rotates={}", next.seconds);
    }
    for grant in &info.access {
        line += &format!(" access={}@{}", grant.target, grant.scope);
    }
    line
}

/// Runs one step: `Ok(Some(id))` when it returned an id later steps may name.
fn run(step: Step, ids: &[Option<String>]) -> Result<(String, Option<String>), String> {
    let id = |given: String| -> String {
        match given
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => ids.get(n).cloned().flatten().unwrap_or(given),
            None => given,
        }
    };
    let done =
        |r: Result<(), secrets::Error>| r.map(|()| (String::new(), None)).map_err(|e| kind(&e));
    match step {
        Step::Add {
            unit,
            content,
            meta,
        } => {
            let options = AddOptions {
                owner: if unit {
                    AddOwner::Unit
                } else {
                    AddOwner::Application
                },
                label: meta.label.clone(),
                description: meta.description.clone(),
                expire: meta.expire(),
                rotate: meta.rotate()?,
            };
            secrets::add(&pairs(&content), &options)
                .map(|id| (id.clone(), Some(id)))
                .map_err(|e| kind(&e))
        }
        Step::Set {
            id: given,
            content,
            meta,
        } => {
            let options = SetOptions {
                label: meta.label.clone(),
                description: meta.description.clone(),
                expire: meta.expire(),
                rotate: meta.rotate()?,
            };
            let content = content.as_ref().map(pairs);
            done(secrets::set(&id(given), content.as_deref(), &options))
        }
        Step::Get {
            id: given,
            label,
            mode,
            key,
            attach_label,
        } => {
            let options = GetOptions {
                mode: match mode {
                    Mode::Tracked => ReadMode::Tracked,
                    Mode::Peek => ReadMode::Peek,
                    Mode::Refresh => ReadMode::Refresh,
                },
                key,
                attach_label,
            };
            secrets::get(&secret_ref(given.map(id), label)?, &options)
                .map(|content| (shown(&content), None))
                .map_err(|e| kind(&e))
        }
        Step::Info { id: given, label } => secrets::info(&secret_ref(given.map(id), label)?)
            .map(|info| (info_line(&info), None))
            .map_err(|e| kind(&e)),
        Step::Ids => secrets::ids()
            .map(|mut ids| {
                ids.sort();
                (ids.join(" "), None)
            })
            .map_err(|e| kind(&e)),
        Step::Grant {
            id: given,
            relation,
            unit,
        } => done(secrets::grant(&id(given), relation, unit.as_deref())),
        Step::Revoke {
            id: given,
            relation,
            unit,
            app,
        } => {
            let grantee = match (relation, unit, app) {
                (Some(relation_id), Some(unit), _) => {
                    Grantee::RelationUnit(RelationUnit { relation_id, unit })
                }
                (Some(relation_id), None, _) => Grantee::Relation(relation_id),
                (None, Some(unit), _) => Grantee::Unit(unit),
                (None, None, Some(app)) => Grantee::Application(app),
                (None, None, None) => return Err("revoke needs a relation, unit or app".into()),
            };
            done(secrets::revoke(&id(given), &grantee))
        }
        Step::Remove {
            id: given,
            revision,
        } => done(secrets::remove(&id(given), revision)),
        Step::Publish {
            relation,
            key,
            value,
        } => relations::set(relation, relations::Scope::App, &[(key, id(value))])
            .map(|()| (String::new(), None))
            .map_err(|e| format!("{e:?}")),
        Step::ActionParams => actions::params()
            .map(|json| (json, None))
            .map_err(|e| kind(&e)),
        Step::ActionSet { results } => done(actions::set_results(&pairs(&results))),
        Step::ActionLog { message } => done(actions::log(&message)),
        Step::ActionFail { message } => done(actions::fail(&message)),
        Step::StateGet { key } => state::get(&key)
            .map(|value| (value.unwrap_or_else(|| "<none>".into()), None))
            .map_err(|e| kind(&e)),
        Step::StateAll => state::get_all()
            .map(|mut all| {
                all.sort();
                (shown(&all), None)
            })
            .map_err(|e| kind(&e)),
        Step::StateSet { values } => done(state::set(&pairs(&values))),
        Step::StateDelete { key } => done(state::delete(&key)),
        Step::OpenPort { ports: p } => done(ports::open(p.range()?, &p.endpoints)),
        Step::ClosePort { ports: p } => done(ports::close(p.range()?, &p.endpoints)),
        Step::OpenedPorts => ports::opened()
            .map(|all| {
                let lines: Vec<String> = all.iter().map(port_line).collect();
                (lines.join(", "), None)
            })
            .map_err(|e| kind(&e)),
        Step::NetworkGet { binding, relation } => bindings::get(&binding, relation)
            .map(|n| {
                let bind: Vec<String> = n
                    .bind_addresses
                    .iter()
                    .flat_map(|b| {
                        b.addresses
                            .iter()
                            .map(move |a| format!("{}:{}/{}", b.interface_name, a.value, a.cidr))
                    })
                    .collect();
                let line = format!(
                    "bind={} ingress={} egress={}",
                    bind.join(","),
                    n.ingress_addresses.join(","),
                    n.egress_subnets.join(",")
                );
                (line, None)
            })
            .map_err(|e| kind(&e)),
        Step::StatusGet => status::get()
            .map(|s| (status_line(&s), None))
            .map_err(|e| kind(&e)),
        Step::AppStatusGet => status::get_application()
            .map(|all| {
                let units: Vec<String> = all
                    .units
                    .iter()
                    .map(|(u, s)| format!("{u}={}", status_line(s)))
                    .collect();
                (
                    format!(
                        "app={} units={}",
                        status_line(&all.application),
                        units.join("; ")
                    ),
                    None,
                )
            })
            .map_err(|e| kind(&e)),
        Step::SetVersion { version } => done(status::set_version(&version)),
        Step::StorageList { name } => storage::list(&name)
            .map(|ids| (ids.join(" "), None))
            .map_err(|e| kind(&e)),
        Step::StorageGet { id: given } => storage::get(&given)
            .map(|i| {
                let kind = match i.kind {
                    storage::Kind::Filesystem => "filesystem",
                    storage::Kind::Block => "block",
                };
                (format!("{} {kind} {}", i.id, i.location), None)
            })
            .map_err(|e| kind(&e)),
        Step::StorageAdd { name, count } => done(storage::add(&name, count)),
        Step::ReadFile { path } => files::read(&path)
            .map(|c| (String::from_utf8_lossy(&c).into_owned(), None))
            .map_err(|e| kind(&e)),
        Step::WriteFile {
            path,
            content,
            mode,
            owner,
            group,
        } => done(files::write(
            &path,
            content.as_bytes(),
            mode,
            &files::Ownership { owner, group },
        )),
        Step::RemoveFile { path } => files::remove(&path)
            .map(|removed| (removed.to_string(), None))
            .map_err(|e| kind(&e)),
        Step::ListDir { path } => files::list(&path)
            .map(|names| (names.join(", "), None))
            .map_err(|e| kind(&e)),
        Step::MakeDir { path, mode, owner } => {
            files::make_dir(&path, mode, &files::Ownership { owner, group: None })
                .map(|made| (made.to_string(), None))
                .map_err(|e| kind(&e))
        }
        Step::StatFile { path } => files::stat(&path)
            .map(|info| (info.as_ref().map_or("absent".into(), file_line), None))
            .map_err(|e| kind(&e)),
        Step::Run {
            program,
            args,
            stdin,
        } => commands::run(&program, &args, stdin.as_ref().map(|s| s.as_bytes()))
            .map(|o| {
                let text = |b: &[u8]| String::from_utf8_lossy(b).trim_end().to_string();
                let code = o.exit_code.map_or("none".into(), |c| c.to_string());
                (
                    format!(
                        "exit={code} timed-out={} truncated={} stdout={} stderr={}",
                        o.timed_out,
                        o.truncated,
                        text(&o.stdout),
                        text(&o.stderr)
                    ),
                    None,
                )
            })
            .map_err(|e| kind(&e)),
        Step::Service {
            manager,
            name,
            action,
        } => service_step(&manager, &name, &action).map(|s| (s, None)),
        Step::Connect { host, port, send } => connect_step(&host, port, &send).map(|s| (s, None)),
        Step::GoalState => goal_state::get()
            .map(|plan| {
                let units: Vec<String> = plan
                    .units
                    .iter()
                    .map(|g| format!("{}={}", g.name, g.status))
                    .collect();
                let relations: Vec<String> = plan
                    .relations
                    .iter()
                    .map(|r| {
                        let goals: Vec<String> = r
                            .goals
                            .iter()
                            .map(|g| format!("{}={}", g.name, g.status))
                            .collect();
                        format!("{}:[{}]", r.endpoint, goals.join(","))
                    })
                    .collect();
                (
                    format!(
                        "units={} relations={}",
                        units.join(","),
                        relations.join(";")
                    ),
                    None,
                )
            })
            .map_err(|e| kind(&e)),
        Step::Fail => Ok(("the hook will fail".into(), None)),
    }
}

fn op_name(step: &Step) -> &'static str {
    match step {
        Step::Add { .. } => "add",
        Step::Set { .. } => "set",
        Step::Get { .. } => "get",
        Step::Info { .. } => "info",
        Step::Ids => "ids",
        Step::Grant { .. } => "grant",
        Step::Revoke { .. } => "revoke",
        Step::Remove { .. } => "remove",
        Step::Publish { .. } => "publish",
        Step::ActionParams => "action-params",
        Step::ActionSet { .. } => "action-set",
        Step::ActionLog { .. } => "action-log",
        Step::ActionFail { .. } => "action-fail",
        Step::StateGet { .. } => "state-get",
        Step::StateAll => "state-all",
        Step::StateSet { .. } => "state-set",
        Step::StateDelete { .. } => "state-delete",
        Step::OpenPort { .. } => "open-port",
        Step::ClosePort { .. } => "close-port",
        Step::OpenedPorts => "opened-ports",
        Step::NetworkGet { .. } => "network-get",
        Step::StatusGet => "status-get",
        Step::AppStatusGet => "app-status-get",
        Step::SetVersion { .. } => "set-version",
        Step::StorageList { .. } => "storage-list",
        Step::StorageGet { .. } => "storage-get",
        Step::StorageAdd { .. } => "storage-add",
        Step::GoalState => "goal-state",
        Step::ReadFile { .. } => "read-file",
        Step::WriteFile { .. } => "write-file",
        Step::RemoveFile { .. } => "remove-file",
        Step::ListDir { .. } => "list-dir",
        Step::MakeDir { .. } => "make-dir",
        Step::StatFile { .. } => "stat-file",
        Step::Run { .. } => "run",
        Step::Service { .. } => "service",
        Step::Connect { .. } => "connect",
        Step::Fail => "fail",
    }
}

fn script_for(hook: &str) -> Result<Vec<Step>, String> {
    let config = config::get_all().map_err(|e| format!("config-get: {e:?}"))?;
    let Some((_, config::Value::Text(script))) = config.into_iter().find(|(k, _)| k == "script")
    else {
        return Ok(Vec::new());
    };
    let mut by_hook: BTreeMap<String, Vec<Step>> =
        serde_json::from_str(&script).map_err(|e| format!("script is not valid: {e}"))?;
    Ok(by_hook.remove(hook).unwrap_or_default())
}

impl Guest for Scripted {
    fn handle(event: Event) -> Result<(), String> {
        let steps = script_for(&event.hook_name)?;
        let mut ids: Vec<Option<String>> = Vec::new();
        let mut fail = false;
        for (n, step) in steps.into_iter().enumerate() {
            let op = op_name(&step);
            fail |= matches!(step, Step::Fail);
            let (line, id) = match run(step, &ids) {
                Ok((shown, id)) if shown.is_empty() => (format!("step {n} {op}: ok"), id),
                Ok((shown, id)) => (format!("step {n} {op}: ok {shown}"), id),
                Err(error) => (format!("step {n} {op}: error {error}"), None),
            };
            ids.push(id);
            logging::log(logging::Level::Info, &line).map_err(|e| format!("juju-log: {e:?}"))?;
        }
        if fail {
            return Err("the script asked the hook to fail".into());
        }
        Ok(())
    }
}

export!(Scripted);
