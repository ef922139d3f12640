//! Declarative scenarios for `charm-host simulate`: a model, steps, and expectations, in YAML.
//!
//! ```yaml
//! applications:
//!   database:
//!     charm: ../../target/wasm32-wasip2/release/database.wasm
//!     manifest: ../database/capabilities.yaml
//!     metadata: ../database/metadata.yaml
//!     units: 2
//!     machine:                                # each unit's machine
//!       programs: {/usr/local/bin/database-set-password: {exit: 0}}
//!   webserver:
//!     charm: ../../target/wasm32-wasip2/release/webserver.wasm
//!     manifest: ../webserver/capabilities.yaml
//!     metadata: ../webserver/metadata.yaml
//!     units: 2
//!     machine: {services: {webserver: active}}
//! steps:
//!   - settle                                  # run queued hooks until none is left
//!   - relate: [database:database, webserver:database]
//!   - settle
//!   - expect: {content: {unit: webserver/0, label: database-secret, has: {username: admin}}}
//!   - advance: 1d                             # the clock; due rotations and expiries queue
//!   - settle
//!   - expect: {tracked: {unit: webserver/1, label: database-secret, revision: 2}}
//!   - run-action: {unit: database/0, action: rotate-password, params: {}}
//!   - expect: {action: {unit: database/0, action: rotate-password, status: completed, results: {revision: 3}}}
//!   - expect: {state: {unit: database/0, has: {rotations: '{"action":1,"daily":1}'}}}
//!   - expect: {file: {unit: webserver/0, path: /etc/webserver/database.json, mode: "0600", has: {username: admin}}}
//!   - expect: {ran: {unit: database/0, argv: [/usr/local/bin/database-set-password, admin], times: 3}}
//!   - expect: {service: {unit: webserver/0, name: webserver, state: active}}
//! ```
//!
//! Charm paths are relative to the scenario file. An application is a wasm component
//! (`charm:`, with `manifest:` and optionally `metadata:`), run in process on the mock, or
//! packed and run through `dispatch` on the hook-command simulator when the scenario runs with
//! `dispatch`; or a charm directory (`charm-dir:`, e.g. a plain `ops` charm), always run
//! through its `dispatch` on the simulator. All of them share one model.
//!
//! An application's `machine:` sets up each of its units' machines: `programs: {PATH: {exit,
//! stdout, stderr}}`, what each program answers every time it runs, and `services: {NAME:
//! active}`, systemd units and snap services with their state. The expectations on a unit's
//! machine are `file: {unit, path, mode, has, absent}` (it exists, with this mode as quoted
//! octal, and as a JSON object holds `has`, values compared and never shown; or with `absent:
//! true`, it does not), `ran: {unit, argv, times}` (this command line ran exactly `times`
//! times, or without `times` at least once; a service action counts as the command line the
//! host runs, `[/usr/bin/systemctl, reload, webserver]`) and `service: {unit, name, state}`.
//! Run through `dispatch`, each unit has its own view of the machine (a mount namespace with
//! overlays; it needs root), and the files the charm left there are read back after each hook.
//!
//! A scenario fails at the first expectation that does not hold, or at the end if a hook
//! failed that no `hook-failed` expected.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::TimeDelta;
use serde::Deserialize;

use crate::harness::{Harness, HookRecord};
use charm_runtime::capabilities::Manifest;
use charm_runtime::engine::{Limits, parse_duration};
use juju_hookcmds::ConfigValue;
use juju_model::HookKind;
use juju_rules::SecretContent;

/// A parsed scenario file; see the module documentation for the format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    description: Option<String>,
    applications: BTreeMap<String, Application>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Application {
    /// A wasm component.
    #[serde(default)]
    charm: Option<PathBuf>,
    /// A charm directory with a `dispatch` (instead of `charm`).
    #[serde(default)]
    charm_dir: Option<PathBuf>,
    /// The capability manifest; none grants nothing.
    #[serde(default)]
    manifest: Option<PathBuf>,
    /// The component's `metadata.yaml` (its peer relations; its `actions.yaml` is beside it),
    /// packed with it when it runs through `dispatch`.
    #[serde(default)]
    metadata: Option<PathBuf>,
    #[serde(default = "one")]
    units: u32,
    #[serde(default)]
    config: BTreeMap<String, YamlValue>,
    /// What each unit's machine has: programs (with what they answer) and services.
    #[serde(default)]
    machine: MachineSpec,
}

/// A unit's machine as a scenario sets it up.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct MachineSpec {
    /// Programs by absolute path, and what each answers every time it runs.
    #[serde(default)]
    programs: BTreeMap<String, juju_model::Program>,
    /// Systemd units and snap services by name, and their state (`active`, `inactive`).
    #[serde(default)]
    services: BTreeMap<String, String>,
}

impl MachineSpec {
    fn machine(&self) -> juju_model::Machine {
        let mut machine = juju_model::Machine {
            programs: self.programs.clone(),
            ..Default::default()
        };
        for (name, active) in &self.services {
            machine.services.insert(
                name.clone(),
                juju_model::Service {
                    active: active.clone(),
                    enabled: "enabled".into(),
                },
            );
        }
        machine
    }
}

/// Where an application's hooks run from.
enum Source {
    /// A wasm component (relative to the scenario file).
    Component(PathBuf),
    /// A charm directory; `true` when given on the command line (relative to the current
    /// directory), else relative to the scenario file.
    CharmDir(PathBuf, bool),
}

impl Application {
    /// `--charm-dir` wins; otherwise exactly one of `charm` and `charm-dir`.
    fn source(&self, name: &str, options: &Options) -> Result<Source, ScenarioError> {
        if let Some((_, dir)) = options.charm_dirs.iter().find(|(app, _)| app == name) {
            return Ok(Source::CharmDir(dir.clone(), true));
        }
        match (&self.charm, &self.charm_dir) {
            (Some(charm), None) => Ok(Source::Component(charm.clone())),
            (None, Some(dir)) => Ok(Source::CharmDir(dir.clone(), false)),
            _ => Err(ScenarioError::Invalid(format!(
                "{name}: give exactly one of charm or charm-dir"
            ))),
        }
    }
}

fn one() -> u32 {
    1
}

/// A config value as written in YAML.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum YamlValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl From<YamlValue> for ConfigValue {
    fn from(v: YamlValue) -> Self {
        match v {
            YamlValue::Bool(b) => ConfigValue::Boolean(b),
            YamlValue::Int(i) => ConfigValue::Integer(i),
            YamlValue::Float(f) => ConfigValue::Float(f),
            YamlValue::Text(s) => ConfigValue::Text(s),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
enum Step {
    /// Run queued hooks until none is left.
    Settle,
    /// Run one hook on one unit now.
    Hook(HookStep),
    /// Move the clock: `30s`, `5m`, `25h`, `1d`.
    Advance(String),
    Relate([String; 2]),
    Unrelate(u32),
    AddUnit(String),
    RemoveUnit(String),
    SetLeader(String),
    Config {
        app: String,
        values: BTreeMap<String, YamlValue>,
    },
    AddUserSecret {
        name: String,
        content: BTreeMap<String, String>,
    },
    UpdateUserSecret {
        name: String,
        content: BTreeMap<String, String>,
    },
    GrantUserSecret {
        name: String,
        app: String,
    },
    RevokeUserSecret {
        name: String,
        app: String,
    },
    RemoveUserSecret(String),
    /// `juju run <unit> <action> [params]`: queue the action and run what is queued.
    RunAction {
        unit: String,
        action: String,
        #[serde(default)]
        params: serde_json::Map<String, serde_json::Value>,
    },
    /// `juju add-storage <unit> <storage>=<count>`: attach more instances (checked against
    /// the charm's limits); their storage-attached hooks are queued.
    AddStorage {
        unit: String,
        storage: String,
        #[serde(default = "one")]
        count: u32,
    },
    /// `juju detach-storage <id>`: its storage-detaching hook is queued; it goes once that
    /// hook has run.
    DetachStorage(String),
    Expect(Expectation),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct HookStep {
    unit: String,
    /// A hook name without relation or secret context: install, start, config-changed, ...
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
enum Expectation {
    /// The content `unit` reads (as a tracked read) for the secret it knows by `label`
    /// includes `has`; with `visible: false`, the unit cannot read it at all.
    Content {
        unit: String,
        label: String,
        #[serde(default)]
        has: BTreeMap<String, String>,
        #[serde(default = "yes")]
        visible: bool,
    },
    /// `unit` tracks `revision` of the secret it knows by `label`.
    Tracked {
        unit: String,
        label: String,
        revision: u32,
    },
    /// The secret with owner label `secret` has exactly these revisions (`[]`: it is gone).
    Revisions { secret: String, are: Vec<u32> },
    /// `unit`'s workload status.
    Status {
        unit: String,
        #[serde(default)]
        state: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
    /// The last run of `hook` on `unit` failed, its line containing `message`.
    HookFailed {
        unit: String,
        hook: String,
        #[serde(default)]
        message: Option<String>,
    },
    /// A relation databag holds these keys (values are not shown in failures).
    Databag {
        relation: u32,
        owner: String,
        keys: Vec<String>,
    },
    /// The last run of `action` on `unit` ended with this status (`completed`, `failed`),
    /// these results (dotted keys; values compared as text), a message containing `message`,
    /// and these `action-log` messages.
    Action {
        unit: String,
        action: String,
        #[serde(default)]
        status: Option<String>,
        #[serde(default)]
        results: BTreeMap<String, serde_json::Value>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        logs: Option<Vec<String>>,
    },
    /// `unit`'s state holds these values (unit state may hold secrets: failures name keys only).
    State {
        unit: String,
        has: BTreeMap<String, String>,
    },
    /// `unit` has exactly these ports open (`8080/tcp`, `10-20/udp`, `icmp`; with endpoints
    /// as `opened-ports --endpoints` prints them, `8080/tcp (*)`, they are compared too).
    OpenedPorts { unit: String, ports: Vec<String> },
    /// The application's status (what its leader set, else derived from its units').
    AppStatus {
        app: String,
        #[serde(default)]
        state: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
    /// The workload version `juju status` shows for `app`.
    Version { app: String, version: String },
    /// `unit` has exactly these instances of `storage` attached (ids, oldest first).
    Storage {
        unit: String,
        storage: String,
        ids: Vec<String>,
    },
    /// A file on `unit`'s machine: it exists (or with `absent: true`, not), with this mode
    /// (octal text, `"0600"`), and as a JSON object it holds `has` (values compared, never
    /// shown: a file may hold credentials).
    File {
        unit: String,
        path: String,
        #[serde(default)]
        mode: Option<String>,
        #[serde(default)]
        has: BTreeMap<String, String>,
        #[serde(default)]
        absent: bool,
    },
    /// `unit`'s machine ran this command line (`times` times exactly, or at least once).
    Ran {
        unit: String,
        argv: Vec<String>,
        #[serde(default)]
        times: Option<usize>,
    },
    /// A service on `unit`'s machine is in this state (`active`, `inactive`).
    Service {
        unit: String,
        name: String,
        state: String,
    },
}

fn yes() -> bool {
    true
}

/// Why a scenario could not run or did not hold.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario cannot run: it does not parse, or a charm cannot be loaded.
    #[error("{0}")]
    Invalid(String),
    /// A step did not hold (step number, from 1; what differed).
    #[error("step {0}: {1}")]
    Failed(usize, String),
}

/// Reads a scenario file; a parse error names the file, line and problem on one line.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::Invalid(format!("cannot read scenario {}: {e}", path.display()))
    })?;
    parse(&text).map_err(|e| ScenarioError::Invalid(format!("{}: {e}", path.display())))
}

/// Parses scenario YAML; the error is one line.
pub fn parse(text: &str) -> Result<Scenario, String> {
    juju_hookcmds::yaml::from_str(text)
}

/// How to run a scenario.
pub struct Options<'a> {
    /// The limits every in-process hook runs with (manifests may lower them).
    pub limits: Limits,
    /// One of this project's programs (`charm-host`): the simulator's hook commands
    /// (`juju-hook-tool`) and the runtime packed charms bundle (`charm-host-unit`) are beside
    /// it; needed for `charm-dir` applications and for `dispatch`.
    pub hook_commands: Option<&'a Path>,
    /// Pack every component and run it through `dispatch` on the hook-command simulator.
    pub dispatch: bool,
    /// Where to write the record of hook-command invocations (JSON, one per line).
    pub invocations: Option<&'a Path>,
    /// Applications to run from these charm directories instead of the scenario's charms
    /// (e.g. an `ops` charm in place of a wasm one: the same lifecycle, another implementation).
    pub charm_dirs: &'a [(String, PathBuf)],
}

/// Runs a scenario, writing its trace to `out`. Charm paths are relative to `base`.
pub fn run(
    scenario: &Scenario,
    base: &Path,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> Result<(), ScenarioError> {
    let invalid = |e: anyhow::Error| ScenarioError::Invalid(format!("{e:#}"));
    let mut h = Harness::new(options.limits).map_err(invalid)?;
    if let Some((app, _)) = options
        .charm_dirs
        .iter()
        .find(|(app, _)| !scenario.applications.contains_key(app))
    {
        return Err(ScenarioError::Invalid(format!(
            "--charm-dir names {app:?}, which the scenario does not deploy"
        )));
    }
    let sources = scenario
        .applications
        .iter()
        .map(|(name, app)| app.source(name, options).map(|s| (name, app, s)))
        .collect::<Result<Vec<_>, _>>()?;
    let uses_dispatch = options.dispatch
        || sources
            .iter()
            .any(|(_, _, s)| matches!(s, Source::CharmDir(..)));
    if uses_dispatch {
        let binary = options.hook_commands.ok_or_else(|| {
            ScenarioError::Invalid(
                "running charms through dispatch needs the hook-command binary".into(),
            )
        })?;
        h.use_hook_commands(binary).map_err(invalid)?;
    }
    let result = run_steps(&mut h, scenario, &sources, base, options, out);
    if let Some(path) = options.invocations {
        let lines: String = h
            .invocations()
            .iter()
            .filter_map(|i| serde_json::to_string(i).ok())
            .map(|l| l + "\n")
            .collect();
        std::fs::write(path, lines)
            .map_err(|e| ScenarioError::Invalid(format!("cannot write {}: {e}", path.display())))?;
    }
    result
}

fn run_steps(
    h: &mut Harness,
    scenario: &Scenario,
    sources: &[(&String, &Application, Source)],
    base: &Path,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> Result<(), ScenarioError> {
    let invalid = |e: anyhow::Error| ScenarioError::Invalid(format!("{e:#}"));
    if let Some(d) = &scenario.description {
        let _ = writeln!(out, "# {d}");
    }
    for (name, app, source) in sources {
        let (name, app) = (name.as_str(), *app);
        let shown = match source {
            Source::CharmDir(dir, given) => {
                let dir = if *given { dir.clone() } else { base.join(dir) };
                h.deploy_charm_dir(name, &dir, app.units).map_err(invalid)?;
                format!("{} (run through dispatch)", dir.display())
            }
            Source::Component(charm) => {
                let path = base.join(charm);
                match (&app.manifest, options.dispatch) {
                    (Some(m), true) => {
                        let metadata = app.metadata.as_ref().map(|m| base.join(m));
                        h.deploy_packed(name, &path, &base.join(m), metadata.as_deref(), app.units)
                            .map_err(invalid)?;
                        format!("{} (packed, run through dispatch)", charm.display())
                    }
                    (None, true) => {
                        return Err(ScenarioError::Invalid(format!(
                            "{name}: packing needs a manifest"
                        )));
                    }
                    (m, false) => {
                        let manifest = match m {
                            Some(m) => Manifest::load(&base.join(m))
                                .map_err(|e| ScenarioError::Invalid(e.to_string()))?,
                            None => Manifest::default(),
                        };
                        h.deploy(name, &path, manifest, app.units)
                            .map_err(invalid)?;
                        if let Some(metadata) = &app.metadata {
                            let metadata = base.join(metadata);
                            let actions = metadata.with_file_name("actions.yaml");
                            h.declare(name, Some(&metadata), Some(&actions))
                                .map_err(invalid)?;
                        }
                        charm.display().to_string()
                    }
                }
            }
        };
        if !app.machine.programs.is_empty() || !app.machine.services.is_empty() {
            h.model
                .set_machine(name, app.machine.machine())
                .map_err(|e| invalid(e.into()))?;
        }
        if !app.config.is_empty() {
            let values = app
                .config
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            h.model
                .set_config(name, values)
                .map_err(|e| invalid(e.into()))?;
        }
        let _ = writeln!(out, "deploy {name} ({} units) from {shown}", app.units);
    }
    let mut traced = 0;
    let mut expected_failures = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let n = i + 1;
        let failed = |message: String| ScenarioError::Failed(n, message);
        let model_err = |e: juju_model::ModelError| failed(e.to_string());
        match step {
            Step::Settle => {
                let _ = writeln!(out, "settle");
                h.run_queued().map_err(|e| failed(format!("{e:#}")))?;
            }
            Step::Hook(hook) => {
                let _ = writeln!(out, "hook {} {}", hook.unit, hook.name);
                let kind = simple_hook(&hook.name).ok_or_else(|| {
                    failed(format!(
                        "hook {:?} needs a relation or secret: let settle run it",
                        hook.name
                    ))
                })?;
                h.dispatch(&hook.unit, kind)
                    .map_err(|e| failed(format!("{e:#}")))?;
            }
            Step::Advance(by) => {
                let d = parse_duration(by).map_err(failed)?;
                let delta = TimeDelta::from_std(d).map_err(|e| failed(e.to_string()))?;
                h.advance(delta);
                let _ = writeln!(
                    out,
                    "advance {by} (now {})",
                    h.model.now.format("%Y-%m-%d %H:%M")
                );
            }
            Step::Relate([a, b]) => {
                let id = h.model.relate(a, b).map_err(model_err)?;
                let _ = writeln!(out, "relate {a} {b} (relation {id})");
            }
            Step::Unrelate(id) => {
                h.model.unrelate(*id).map_err(model_err)?;
                let _ = writeln!(out, "unrelate {id}");
            }
            Step::AddUnit(app) => {
                let unit = h.model.add_unit(app).map_err(model_err)?;
                let _ = writeln!(out, "add-unit {unit}");
            }
            Step::RemoveUnit(unit) => {
                h.model.remove_unit(unit).map_err(model_err)?;
                let _ = writeln!(out, "remove-unit {unit}");
            }
            Step::SetLeader(unit) => {
                h.model.set_leader(unit).map_err(model_err)?;
                let _ = writeln!(out, "set-leader {unit}");
            }
            Step::Config { app, values } => {
                let values = values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone().into()))
                    .collect();
                h.model.set_config(app, values).map_err(model_err)?;
                let _ = writeln!(out, "config {app}");
            }
            Step::AddUserSecret { name, content } => {
                let id = h
                    .model
                    .add_user_secret(name, user_content(content).map_err(failed)?)
                    .map_err(model_err)?;
                let _ = writeln!(out, "add-user-secret {name} ({id})");
            }
            Step::UpdateUserSecret { name, content } => {
                h.model
                    .update_user_secret(name, user_content(content).map_err(failed)?)
                    .map_err(model_err)?;
                let _ = writeln!(out, "update-user-secret {name}");
            }
            Step::GrantUserSecret { name, app } => {
                h.model.grant_user_secret(name, app).map_err(model_err)?;
                let _ = writeln!(out, "grant-user-secret {name} {app}");
            }
            Step::RevokeUserSecret { name, app } => {
                h.model.revoke_user_secret(name, app).map_err(model_err)?;
                let _ = writeln!(out, "revoke-user-secret {name} {app}");
            }
            Step::RemoveUserSecret(name) => {
                h.model.remove_user_secret(name).map_err(model_err)?;
                let _ = writeln!(out, "remove-user-secret {name}");
            }
            Step::RunAction {
                unit,
                action,
                params,
            } => {
                let id = h
                    .model
                    .run_action(unit, action, params.clone())
                    .map_err(model_err)?;
                let _ = writeln!(out, "run-action {unit} {action} (task {id})");
                h.run_queued().map_err(|e| failed(format!("{e:#}")))?;
                for record in &h.hooks()[traced..] {
                    let _ = write!(out, "{}", trace(h, record));
                }
                traced = h.hooks().len();
                // What `juju run` prints at the end: the task's status and message, and its
                // results' keys (an operator may see them; a trace shows no values).
                let task = &h.model.tasks[&id];
                let results: Vec<&String> = task.results.keys().collect();
                let _ = writeln!(
                    out,
                    "  task {id}: {}{} (results {results:?})",
                    task.status,
                    task.message
                        .as_deref()
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                );
            }
            Step::AddStorage {
                unit,
                storage,
                count,
            } => {
                let ids = h
                    .model
                    .add_storage(unit, storage, u64::from(*count))
                    .map_err(model_err)?;
                let _ = writeln!(
                    out,
                    "add-storage {unit} {storage}={count} ({})",
                    ids.join(", ")
                );
            }
            Step::DetachStorage(id) => {
                h.model.detach_storage(id).map_err(model_err)?;
                let _ = writeln!(out, "detach-storage {id}");
            }
            Step::Expect(expectation) => {
                let shown = check(h, expectation, &mut expected_failures).map_err(failed)?;
                let _ = writeln!(out, "  ✓ {shown}");
            }
        }
        for record in &h.hooks()[traced..] {
            let _ = write!(out, "{}", trace(h, record));
        }
        traced = h.hooks().len();
    }
    let unexpected = h
        .hooks()
        .iter()
        .enumerate()
        .find(|(i, r)| r.outcome.is_err() && !expected_failures.contains(i));
    if let Some((_, record)) = unexpected {
        return Err(ScenarioError::Failed(
            scenario.steps.len(),
            format!(
                "unexpected hook failure on {}: {}",
                record.unit,
                record.outcome.clone().unwrap_err()
            ),
        ));
    }
    let _ = writeln!(out, "scenario passed: {} hooks ran", h.hooks().len());
    Ok(())
}

fn user_content(content: &BTreeMap<String, String>) -> Result<SecretContent, String> {
    SecretContent::from_pairs(content.clone()).map_err(|e| e.to_string())
}

fn simple_hook(name: &str) -> Option<HookKind> {
    Some(match name {
        "install" => HookKind::Install,
        "start" => HookKind::Start,
        "stop" => HookKind::Stop,
        "remove" => HookKind::Remove,
        "upgrade-charm" => HookKind::UpgradeCharm,
        "config-changed" => HookKind::ConfigChanged,
        "update-status" => HookKind::UpdateStatus,
        "leader-elected" => HookKind::LeaderElected,
        n if n.contains("-relation-") || n.starts_with("secret-") => return None,
        other => HookKind::Other(other.to_string()),
    })
}

/// One line for the hook, then one indented line per backend call (values redacted) and per
/// warning.
fn trace(h: &Harness, record: &HookRecord) -> String {
    let mut s = format!(
        "  [{}] {} {}: {}\n",
        h.model.now.format("%Y-%m-%d %H:%M"),
        record.unit,
        record.hook,
        match &record.outcome {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("FAILED {e}"),
        }
    );
    for call in &record.calls {
        let _ = writeln!(s, "      {} -> {}", call.operation, call.outcome);
    }
    for warning in &record.warnings {
        let _ = writeln!(s, "      warning: {warning}");
    }
    s
}

/// Finds the secret `unit` knows by `label` (its consumer label, or an owner label it sees).
fn secret_for<'a>(h: &'a Harness, unit: &str, label: &str) -> Option<&'a juju_model::Secret> {
    h.model
        .secrets
        .values()
        .find(|s| {
            s.consumers
                .get(unit)
                .is_some_and(|c| c.label.as_deref() == Some(label))
        })
        .or_else(|| {
            h.model
                .secrets
                .values()
                .find(|s| s.label.as_deref() == Some(label))
        })
}

/// Checks one expectation; `Ok` is how the trace shows it. Failures never show values.
fn check(
    h: &Harness,
    expectation: &Expectation,
    expected_failures: &mut Vec<usize>,
) -> Result<String, String> {
    match expectation {
        Expectation::Content {
            unit,
            label,
            has,
            visible,
        } => {
            let seen = h.content_seen_by(unit, label);
            match (seen, visible) {
                (None, false) => Ok(format!("{unit} cannot read {label}")),
                (Some(_), false) => Err(format!("{unit} can read {label}, expected it not to")),
                (None, true) => Err(format!("{unit} cannot read the secret it knows as {label}")),
                (Some(content), true) => {
                    holds(
                        &content,
                        has,
                        |key| format!("{unit} sees no key {key} in {label}"),
                        |key| {
                            format!(
                                "{unit} sees a different value for {key} in {label} than expected"
                            )
                        },
                    )?;
                    let keys: Vec<&String> = has.keys().collect();
                    Ok(format!("{unit} reads {label} with the expected {keys:?}"))
                }
            }
        }
        Expectation::Tracked {
            unit,
            label,
            revision,
        } => {
            let secret = secret_for(h, unit, label)
                .ok_or_else(|| format!("no secret known to {unit} as {label}"))?;
            match secret.consumers.get(unit).map(|c| c.tracked) {
                Some(r) if r == *revision => Ok(format!("{unit} tracks revision {r} of {label}")),
                Some(r) => Err(format!(
                    "{unit} tracks revision {r} of {label}, expected {revision}"
                )),
                None => Err(format!("{unit} has never read {label}")),
            }
        }
        Expectation::Revisions { secret, are } => {
            let found = h
                .model
                .secrets
                .values()
                .find(|s| s.label.as_deref() == Some(secret));
            let have: Vec<u32> = found
                .map(|s| s.revisions.keys().copied().collect())
                .unwrap_or_default();
            if have == *are {
                Ok(if are.is_empty() {
                    format!("{secret} is gone")
                } else {
                    format!("{secret} has revisions {are:?}")
                })
            } else {
                Err(format!("{secret} has revisions {have:?}, expected {are:?}"))
            }
        }
        Expectation::Status {
            unit,
            state,
            message,
        } => {
            let status = h
                .model
                .status_of(unit)
                .ok_or_else(|| format!("{unit} has set no status"))?;
            let got_state = juju_hookcmds::args::state_name(status.state);
            if let Some(want) = state
                && want != got_state
            {
                return Err(format!("{unit} is {got_state}, expected {want}"));
            }
            if let Some(want) = message
                && *want != status.message
            {
                return Err(format!(
                    "{unit} says {:?}, expected {want:?}",
                    status.message
                ));
            }
            Ok(format!("{unit} is {got_state}: {}", status.message))
        }
        Expectation::HookFailed {
            unit,
            hook,
            message,
        } => {
            let (i, record) = h
                .hooks()
                .iter()
                .enumerate()
                .rev()
                .find(|(_, r)| r.unit == *unit && r.hook == *hook)
                .ok_or_else(|| format!("{hook} never ran on {unit}"))?;
            match (&record.outcome, message) {
                (Ok(()), _) => Err(format!("{hook} on {unit} succeeded, expected it to fail")),
                (Err(line), Some(want)) if !line.contains(want.as_str()) => Err(format!(
                    "{hook} on {unit} failed with {line:?}, expected {want:?}"
                )),
                (Err(line), _) => {
                    expected_failures.push(i);
                    Ok(format!("{hook} on {unit} failed: {line}"))
                }
            }
        }
        Expectation::Databag {
            relation,
            owner,
            keys,
        } => {
            let bag = h
                .model
                .relations
                .get(relation)
                .and_then(|r| r.databags.get(owner))
                .cloned()
                .unwrap_or_default();
            match keys.iter().find(|k| !bag.contains_key(*k)) {
                Some(missing) => Err(format!(
                    "relation {relation} databag of {owner} has no key {missing}"
                )),
                None => Ok(format!(
                    "relation {relation} databag of {owner} has {keys:?}"
                )),
            }
        }
        Expectation::Action {
            unit,
            action,
            status,
            results,
            message,
            logs,
        } => check_action(h, unit, action, status, results, message, logs),
        Expectation::State { unit, has } => {
            let state = h.model.unit_state.get(unit).cloned().unwrap_or_default().0;
            holds(
                &state,
                has,
                |key| format!("{unit}'s state has no key {key}"),
                |key| format!("{unit}'s state holds a different value for {key} than expected"),
            )?;
            let keys: Vec<&String> = has.keys().collect();
            Ok(format!("{unit}'s state holds the expected {keys:?}"))
        }
        Expectation::OpenedPorts { unit, ports } => {
            let open = h.model.opened_ports(unit);
            let with_endpoints = ports.iter().any(|p| p.contains(" ("));
            let have: Vec<String> = open
                .iter()
                .map(|p| {
                    if with_endpoints {
                        p.line()
                    } else {
                        p.range.to_string()
                    }
                })
                .collect();
            if have == *ports {
                Ok(format!("{unit} has open {have:?}"))
            } else {
                Err(format!("{unit} has open {have:?}, expected {ports:?}"))
            }
        }
        Expectation::AppStatus {
            app,
            state,
            message,
        } => {
            let status = h.model.application_status(app);
            if let Some(want) = state
                && *want != status.status
            {
                return Err(format!("{app} is {}, expected {want}", status.status));
            }
            if let Some(want) = message
                && *want != status.message
            {
                return Err(format!(
                    "{app} says {:?}, expected {want:?}",
                    status.message
                ));
            }
            Ok(format!("{app} is {}: {}", status.status, status.message))
        }
        Expectation::Version { app, version } => {
            let have = h.model.apps.get(app).map(|a| a.version.clone());
            match have {
                Some(v) if v == *version => Ok(format!("{app} runs version {v}")),
                Some(v) => Err(format!("{app} runs version {v:?}, expected {version:?}")),
                None => Err(format!("application {app:?} not found")),
            }
        }
        Expectation::Storage { unit, storage, ids } => {
            let have = h.model.storage_of(unit, storage);
            if have == *ids {
                Ok(format!("{unit} has {storage} {have:?}"))
            } else {
                Err(format!("{unit} has {storage} {have:?}, expected {ids:?}"))
            }
        }
        Expectation::File {
            unit,
            path,
            mode,
            has,
            absent,
        } => expect_file(h, unit, path, mode.as_deref(), has, *absent),
        Expectation::Ran { unit, argv, times } => {
            let machine = h
                .model
                .machine_of(unit)
                .ok_or_else(|| format!("unit {unit:?} not found"))?;
            let count = machine.ran.iter().filter(|r| r.argv == *argv).count();
            let shown = argv.join(" ");
            match times {
                Some(n) if count == *n => Ok(format!("{unit} ran `{shown}` {count} times")),
                None if count > 0 => Ok(format!("{unit} ran `{shown}` ({count} times)")),
                _ => Err(format!(
                    "{unit} ran `{shown}` {count} times, expected {}",
                    times.map_or("at least once".into(), |n| n.to_string())
                )),
            }
        }
        Expectation::Service { unit, name, state } => {
            let have = h
                .model
                .machine_of(unit)
                .and_then(|m| m.services.get(name))
                .map(|s| s.active.clone());
            match have {
                Some(s) if s == *state => Ok(format!("{unit}'s service {name} is {s}")),
                Some(s) => Err(format!("{unit}'s service {name} is {s}, expected {state}")),
                None => Err(format!("{unit} has no service {name:?}")),
            }
        }
    }
}

/// A file expectation: existence, mode, JSON keys and values (never shown).
fn expect_file(
    h: &Harness,
    unit: &str,
    path: &str,
    mode: Option<&str>,
    has: &BTreeMap<String, String>,
    absent: bool,
) -> Result<String, String> {
    let machine = h
        .model
        .machine_of(unit)
        .ok_or_else(|| format!("unit {unit:?} not found"))?;
    let entry = machine.files.get(path);
    match (entry, absent) {
        (None, true) => return Ok(format!("{unit} has no {path}")),
        (Some(_), true) => return Err(format!("{unit} has {path}, expected none")),
        (None, false) => return Err(format!("{unit} has no {path}")),
        (Some(_), false) => {}
    }
    let entry = entry.expect("checked above");
    let shown = format!("{:04o}", entry.mode);
    if let Some(want) = mode
        && u32::from_str_radix(want.trim_start_matches("0o"), 8).ok() != Some(entry.mode)
    {
        return Err(format!("{unit}'s {path} has mode {shown}, expected {want}"));
    }
    if !has.is_empty() {
        let content = entry.content.as_deref().unwrap_or_default();
        let object: BTreeMap<String, serde_json::Value> = serde_json::from_slice(content)
            .map_err(|_| format!("{unit}'s {path} is not a JSON object"))?;
        let texts = object
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), String::from)))
            .collect();
        holds(
            &texts,
            has,
            |k| format!("{unit}'s {path} has no key {k:?}"),
            |k| format!("{unit}'s {path} has another value for {k:?}"),
        )?;
    }
    let kind = if entry.content.is_some() {
        "file"
    } else {
        "directory"
    };
    Ok(format!(
        "{unit} has {kind} {path} (mode {shown}, {}:{}{})",
        entry.owner,
        entry.group,
        if has.is_empty() {
            String::new()
        } else {
            format!(
                ", with {}",
                has.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        }
    ))
}

/// Whether `map` holds every key of `has` with its value; a failure names the key, never a
/// value (`missing` and `different` word it).
fn holds(
    map: &BTreeMap<String, String>,
    has: &BTreeMap<String, String>,
    missing: impl Fn(&str) -> String,
    different: impl Fn(&str) -> String,
) -> Result<(), String> {
    for (key, want) in has {
        match map.get(key) {
            None => return Err(missing(key)),
            Some(got) if got != want => return Err(different(key)),
            Some(_) => {}
        }
    }
    Ok(())
}

/// A JSON value as text: strings as they are, anything else as JSON.
fn as_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A task's results as dotted keys.
fn flatten(
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            serde_json::Value::Object(inner) => flat.extend(flatten(&path, inner)),
            other => {
                flat.insert(path, as_text(other));
            }
        }
    }
    flat
}

fn check_action(
    h: &Harness,
    unit: &str,
    action: &str,
    status: &Option<String>,
    results: &BTreeMap<String, serde_json::Value>,
    message: &Option<String>,
    logs: &Option<Vec<String>>,
) -> Result<String, String> {
    let task = h
        .model
        .tasks
        .values()
        .filter(|t| t.unit == unit && t.action == action)
        // Ids are numbers in text: the last run has the greatest.
        .max_by_key(|t| t.id.parse::<u64>().unwrap_or_default())
        .ok_or_else(|| format!("{action} never ran on {unit}"))?;
    if let Some(want) = status
        && *want != task.status
    {
        return Err(format!(
            "{action} on {unit} is {}, expected {want} (message: {})",
            task.status,
            task.message.as_deref().unwrap_or("none")
        ));
    }
    let got = flatten("", &task.results);
    for (key, want) in results {
        match got.get(key) {
            None => return Err(format!("{action} on {unit} has no result {key}")),
            Some(value) if *value != as_text(want) => {
                return Err(format!(
                    "{action} on {unit} has result {key} = {value:?}, expected {:?}",
                    as_text(want)
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(want) = message
        && !task
            .message
            .as_deref()
            .unwrap_or_default()
            .contains(want.as_str())
    {
        return Err(format!(
            "{action} on {unit} has message {:?}, expected it to contain {want:?}",
            task.message.as_deref().unwrap_or_default()
        ));
    }
    if let Some(want) = logs
        && *want != task.logs
    {
        return Err(format!(
            "{action} on {unit} logged {:?}, expected {want:?}",
            task.logs
        ));
    }
    Ok(format!("{action} on {unit}: {}", task.status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_parses_steps_and_expectations() {
        let s = parse(
            "applications:\n  db: {charm: db.wasm, units: 2}\nsteps:\n  - settle\n  - advance: 1d\n  - relate: [db:database, web:database]\n  - expect: {tracked: {unit: web/0, label: x, revision: 2}}\n",
        )
        .unwrap();
        assert_eq!(s.applications["db"].units, 2);
        assert_eq!(s.steps.len(), 4);
        assert!(matches!(s.steps[0], Step::Settle));
        assert!(matches!(&s.steps[1], Step::Advance(d) if d == "1d"));
    }

    #[test]
    fn an_application_needs_exactly_one_of_charm_and_charm_dir() {
        let options = Options {
            limits: Limits::default(),
            hook_commands: None,
            dispatch: false,
            invocations: None,
            charm_dirs: &[],
        };
        for app in ["{units: 1}", "{charm: a.wasm, charm-dir: ops, units: 1}"] {
            let s = parse(&format!("applications:\n  db: {app}\n")).unwrap();
            let err = run(&s, Path::new("."), &options, &mut Vec::new()).unwrap_err();
            assert_eq!(
                err.to_string(),
                "db: give exactly one of charm or charm-dir"
            );
        }
    }

    #[test]
    fn an_unknown_step_is_a_one_line_error_naming_it() {
        let err = parse("applications: {}\nsteps:\n  - teleport: 3\n").unwrap_err();
        assert!(err.contains("teleport"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn a_misspelt_field_is_named() {
        let err = parse("applications:\n  db: {units: 2, chram: x.wasm}\n").unwrap_err();
        assert!(err.contains("chram"), "{err}");
    }
}
