//! A test harness in the spirit of Scenario, for charms in any wasm language: build a model,
//! dispatch hooks to units, run the follow-up hooks Juju would fire until the model is quiet,
//! move the clock, and inspect everything.
//!
//! A deployed application runs either in process (its component on the mock backend) or as a
//! charm directory whose `dispatch` runs as a process against the hook-command simulator
//! ([`juju_model::simulator`]): a packed wasm charm or a plain `ops` charm. Both act on the same
//! model, so the two kinds can be related to each other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, bail};
use chrono::{DateTime, TimeDelta, Utc};

use crate::mock::MockBackend;
use charm_runtime::capabilities::{Manifest, PolicyBackend, check_imports};
use charm_runtime::engine::artifacts::Cache;
use charm_runtime::engine::ceilings::Ceilings;
use charm_runtime::engine::{Charm, Limits, Runtime};
use charm_runtime::event;
use juju_model::simulator::{Invocation, UnitAgent};
use juju_model::{Call, HookContext, HookKind, Model};

/// What happened in one hook.
#[derive(Debug, Clone)]
pub struct HookRecord {
    /// The unit the hook ran on.
    pub unit: String,
    /// The hook's name, e.g. `database-relation-joined`.
    pub hook: String,
    /// `Err` with the one line `charm-host run` would print.
    pub outcome: Result<(), String>,
    /// The backend calls the charm made, values redacted.
    pub calls: Vec<Call>,
    /// What a charm author should know about the hook's calls: changes to a secret that a
    /// later `secret-remove` of it discarded, as Juju does.
    pub warnings: Vec<String>,
}

/// How a deployed application's hooks run.
#[derive(Clone)]
enum Deployed {
    /// In process: the component on the mock backend, under its manifest and limits.
    Component {
        charm: Arc<Charm>,
        manifest: Arc<Manifest>,
        limits: Limits,
    },
    /// As Juju runs it: the charm directory's `dispatch`, on the hook-command simulator.
    CharmDir(PathBuf),
}

/// How long a `dispatch` may run before the simulated unit agent kills it.
const DISPATCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs queued hooks at most this many times before declaring the model unable to settle.
const MAX_FOLLOW_UPS: usize = 10_000;

/// A model of Juju with charms deployed on it; see the module documentation.
pub struct Harness {
    runtime: Runtime,
    cache: Option<Cache>,
    limits: Limits,
    loaded: BTreeMap<PathBuf, Arc<Charm>>,
    charms: BTreeMap<String, Deployed>,
    /// The model: inspect it, or act on it as an operator (relate, set-leader, add-user-secret, ...).
    pub model: Model,
    hooks: Vec<HookRecord>,
    agent: Option<UnitAgent>,
    /// The runtime packed charms bundle (`charm-host-unit`).
    unit_binary: Option<PathBuf>,
    invocations: Vec<Invocation>,
}

/// The default model: a fixed name, UUID and starting time, so runs are reproducible.
pub fn default_model() -> Model {
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("valid timestamp");
    Model::new("harness", "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b", start)
}

impl Harness {
    /// A harness with an empty model and a fresh engine with these limits.
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        // Fuel is metered so that any charm's manifest may set a budget; charms without one
        // get an unlimited budget.
        let metered = Limits {
            fuel: Some(u64::MAX),
            ..limits
        };
        let runtime = Runtime::new(metered)?;
        // Compiling a large component takes seconds: reuse the host's artifact cache.
        let cache = Cache::for_engine(runtime.engine_hash()).ok();
        Ok(Harness {
            runtime,
            cache,
            limits,
            loaded: BTreeMap::new(),
            charms: BTreeMap::new(),
            model: default_model(),
            hooks: Vec::new(),
            agent: None,
            unit_binary: None,
            invocations: Vec::new(),
        })
    }

    /// Lets charm directories be deployed: their hooks run `dispatch` against the
    /// hook-command simulator. `program` is any of this project's programs (`charm-host`, say):
    /// the simulator's hook commands (`juju-hook-tool`) and the runtime `pack` bundles
    /// (`charm-host-unit`) are beside it, as `cargo build -p charm-host` leaves them.
    pub fn use_hook_commands(&mut self, program: &Path) -> anyhow::Result<()> {
        if self.agent.is_none() {
            let hook_tool = beside(program, juju_model::simulator::HOOK_TOOL);
            let mut agent = UnitAgent::new(&hook_tool, DISPATCH_TIMEOUT)?;
            // The units share this host's artifact cache, as units on one machine share the
            // machine's: each hook then loads what `pack` compiled instead of compiling again
            // in its own view of the machine.
            if let Some(cache) = &self.cache {
                let root = cache.dir().parent().unwrap_or(cache.dir()).to_path_buf();
                agent.share("CHARM_HOST_CACHE_DIR", &root)?;
            }
            self.agent = Some(agent);
            self.unit_binary = Some(beside(program, charm_pack::UNIT_BINARY));
        }
        Ok(())
    }

    fn agent(&self) -> anyhow::Result<&UnitAgent> {
        self.agent.as_ref().context(
            "charm directories need the hook-command simulator: call use_hook_commands first",
        )
    }

    /// Deploys `app` with `units` units from a charm directory (anything with a `dispatch`:
    /// a packed wasm charm, an `ops` charm). Each unit gets its own copy of the directory.
    pub fn deploy_charm_dir(&mut self, app: &str, dir: &Path, units: u32) -> anyhow::Result<()> {
        self.agent()?;
        if !dir.join("dispatch").is_file() {
            bail!(
                "{app}: {} is not a charm directory: it has no dispatch",
                dir.display()
            );
        }
        self.model.deploy(app, units)?;
        self.charms
            .insert(app.to_string(), Deployed::CharmDir(dir.to_path_buf()));
        self.declare(
            app,
            Some(&dir.join("metadata.yaml")),
            Some(&dir.join("actions.yaml")),
        )
    }

    /// Gives `app` what its charm declares besides its code: from its `metadata.yaml`, the
    /// peer relations (established now, as Juju does at deploy), the bindings and the
    /// storages (each unit gets each storage's minimum count of instances, attached before
    /// install); the defaults of the `config.yaml` beside it; and the actions of its
    /// `actions.yaml` (which [`Harness::run_action`] runs). A missing file declares nothing.
    pub fn declare(
        &mut self,
        app: &str,
        metadata: Option<&Path>,
        actions: Option<&Path>,
    ) -> anyhow::Result<()> {
        let read = |path: Option<&Path>| -> anyhow::Result<String> {
            match path {
                Some(p) if p.exists() => std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display())),
                _ => Ok(String::new()),
            }
        };
        let shown = |path: Option<&Path>| path.map(|p| p.display().to_string()).unwrap_or_default();
        let peers = juju_hookcmds::charm::peer_endpoints(&read(metadata)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", shown(metadata)))?;
        let specs = juju_hookcmds::charm::parse_actions(&read(actions)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", shown(actions)))?;
        for endpoint in peers {
            self.model.add_peer_relation(app, &endpoint)?;
        }
        self.model.set_actions(app, specs)?;
        let text = read(metadata)?;
        let in_metadata = |e: String| anyhow::anyhow!("{}: {e}", shown(metadata));
        let bindings = juju_hookcmds::charm::binding_names(&text).map_err(in_metadata)?;
        let storage = juju_hookcmds::charm::storage_specs(&text).map_err(in_metadata)?;
        self.model.set_bindings(app, bindings)?;
        self.model.set_storage(app, storage)?;
        let config = metadata.map(|m| m.with_file_name("config.yaml"));
        let defaults = juju_hookcmds::charm::config_defaults(&read(config.as_deref())?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", shown(config.as_deref())))?;
        if let Some(a) = self.model.apps.get_mut(app) {
            for (option, value) in defaults {
                a.config.entry(option).or_insert(value);
            }
        }
        Ok(())
    }

    /// `juju run <unit> <action>`: queues the action with `params` (checked against
    /// `actions.yaml`, defaults filled in) and runs it with whatever else is queued before
    /// it; returns the task, with its status, results, message and logs.
    pub fn run_action(
        &mut self,
        unit: &str,
        action: &str,
        params: serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<juju_model::Task> {
        let id = self.model.run_action(unit, action, params)?;
        self.run_queued()?;
        self.model
            .tasks
            .get(&id)
            .cloned()
            .context("the action's task is gone")
    }

    /// Packs `component` with its manifest (and `metadata.yaml`; a minimal one naming `app`
    /// if `None`) as `charm-host pack` does, bundling `charm-host-unit`, and
    /// deploys the packed charm directory: the production path, end to end.
    pub fn deploy_packed(
        &mut self,
        app: &str,
        component: &Path,
        manifest: &Path,
        metadata: Option<&Path>,
        units: u32,
    ) -> anyhow::Result<()> {
        let agent = self.agent()?;
        let out = agent.dir().join("packed").join(app);
        std::fs::create_dir_all(&out)?;
        let generated = out.join("metadata.yaml");
        let metadata = match metadata {
            Some(m) => m.to_path_buf(),
            None => {
                std::fs::write(
                    &generated,
                    format!(
                        "name: {app}\nsummary: {app}\ndescription: {app}, packed by the harness.\n"
                    ),
                )?;
                generated
            }
        };
        let host_binary = self
            .unit_binary
            .clone()
            .context("packing needs the runtime binary: call use_hook_commands first")?;
        // The charm's actions and config, if it has them, are beside its metadata.
        let actions = Some(metadata.with_file_name("actions.yaml")).filter(|a| a.is_file());
        let config = Some(metadata.with_file_name("config.yaml")).filter(|c| c.is_file());
        let bases = ["ubuntu@24.04".parse().expect("valid base")];
        let dir = charm_pack::pack_dir(
            &charm_pack::PackSpec {
                component,
                manifest,
                metadata: &metadata,
                config: config.as_deref(),
                actions: actions.as_deref(),
                host_binary: &host_binary,
                bases: &bases,
            },
            &out,
        )
        .with_context(|| format!("{app}: cannot pack {}", component.display()))?;
        self.deploy_charm_dir(app, &dir, units)
    }

    /// Where a unit run through `dispatch` keeps its own view of the machine's changes (per
    /// overlaid part, `etc`, `srv`, ..., an `upper` layer): tests plant things there.
    pub fn machine_dir(&self, unit: &str) -> Option<std::path::PathBuf> {
        self.agent.as_ref().map(|a| a.machine_dir(unit))
    }

    /// Every hook command the charm directories' hooks invoked, in order, argv as given.
    pub fn invocations(&self) -> &[Invocation] {
        &self.invocations
    }

    /// Deploys `app` with `units` units running the component at `component` with the
    /// capabilities `manifest` grants (refused, as by `charm-host run`, if it imports an
    /// interface the manifest grants nothing of). Its install, leader-elected,
    /// config-changed and start hooks are queued, not run.
    pub fn deploy(
        &mut self,
        app: &str,
        component: &Path,
        manifest: Manifest,
        units: u32,
    ) -> anyhow::Result<()> {
        let charm = match self.loaded.get(component) {
            Some(charm) => charm.clone(),
            None => {
                let charm = Arc::new(
                    self.runtime
                        .load_file_cached(component, self.cache.as_ref())?
                        .0,
                );
                self.loaded.insert(component.to_path_buf(), charm.clone());
                charm
            }
        };
        if let Some(mismatch) = check_imports(&manifest, charm.imports()).first() {
            bail!("{app}: {} cannot run: {mismatch}", component.display());
        }
        let limits = manifest
            .limits(self.limits)
            .map_err(|e| anyhow::anyhow!("{app}: capability manifest: {e}"))?;
        Ceilings::of_machine()
            .and_then(|c| c.check(&limits, &format!("{app}'s capability manifest")))
            .map_err(anyhow::Error::msg)?;
        self.model.deploy(app, units)?;
        self.charms.insert(
            app.to_string(),
            Deployed::Component {
                charm,
                manifest: Arc::new(manifest),
                limits,
            },
        );
        Ok(())
    }

    /// Runs one hook on `unit` now, then queues what its commit causes.
    pub fn dispatch(&mut self, unit: &str, kind: HookKind) -> anyhow::Result<&HookRecord> {
        if !self.model.unit_exists(unit) {
            bail!("unit {unit:?} not found");
        }
        let app = Model::app_of(unit);
        let deployed = self
            .charms
            .get(app)
            .cloned()
            .with_context(|| format!("application {app:?} has no charm"))?;
        let env = self.model.hook_env(unit, &kind);
        let hook = juju_model::dispatched_name(&env);
        let context = HookContext::new(&self.model, unit, kind);
        let (mut context, charm_outcome, output) = match deployed {
            Deployed::Component {
                charm,
                manifest,
                limits,
            } => {
                let event = event::from_env(|k| {
                    env.iter()
                        .find(|(name, _)| name == k)
                        .map(|(_, v)| v.clone())
                })?;
                let context = Arc::new(Mutex::new(context));
                let backend =
                    PolicyBackend::new(manifest, Box::new(MockBackend::new(context.clone())))
                        .for_event(&event);
                let report = charm.run_with_limits(&event, Box::new(backend), limits);
                drop(report.backend);
                let context = Arc::try_unwrap(context)
                    .map_err(|_| anyhow::anyhow!("the hook's backend outlived the hook"))?
                    .into_inner()
                    .unwrap_or_else(|e| e.into_inner());
                let output = [
                    (
                        "charm stdout",
                        String::from_utf8_lossy(&report.stdout).into_owned(),
                    ),
                    (
                        "charm stderr",
                        String::from_utf8_lossy(&report.stderr).into_owned(),
                    ),
                ];
                (
                    context,
                    report.outcome.map_err(|f| format!("{hook}: {f}")),
                    output,
                )
            }
            Deployed::CharmDir(dir) => {
                let agent = self.agent()?;
                let unit_dir = agent.install(unit, &dir)?;
                let done = agent.dispatch(&unit_dir, context, &env)?;
                self.invocations.extend(done.invocations);
                let output = [
                    ("dispatch stdout", done.stdout),
                    ("dispatch stderr", done.stderr),
                ];
                (done.context, done.outcome, output)
            }
        };
        for ((stream, text), level) in output.iter().zip(["INFO", "WARNING"]) {
            if !text.trim().is_empty() {
                context.log(level, &format!("{stream}: {}", text.trim_end()));
            }
        }
        let calls = context.calls.clone();
        let warnings = context.warnings.clone();
        let (mut model, commit) = context.finish(charm_outcome.is_ok());
        let outcome = charm_outcome.and(commit.map_err(|e| format!("{hook}: {e}")));
        if let Err(line) = &outcome {
            model.logs.push(juju_model::LogLine {
                unit: unit.to_string(),
                level: "ERROR".into(),
                message: line.clone(),
            });
        }
        self.model = model;
        self.hooks.push(HookRecord {
            unit: unit.to_string(),
            hook,
            outcome,
            calls,
            warnings,
        });
        Ok(self.hooks.last().expect("just pushed"))
    }

    /// Runs queued hooks, oldest first, until none is left; returns how many ran.
    pub fn run_queued(&mut self) -> anyhow::Result<usize> {
        let mut ran = 0;
        while let Some(hook) = self.model.next_hook() {
            if ran == MAX_FOLLOW_UPS {
                bail!("the model did not settle after {MAX_FOLLOW_UPS} hooks");
            }
            self.dispatch(&hook.unit, hook.kind)?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Moves the model's clock; rotations and expiries that fall due are queued.
    pub fn advance(&mut self, by: TimeDelta) {
        self.model.advance(by);
    }

    /// Every hook run so far, in order.
    pub fn hooks(&self) -> &[HookRecord] {
        &self.hooks
    }

    /// Every backend call so far, in order, values redacted.
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.hooks.iter().flat_map(|h| &h.calls)
    }

    /// The content `unit` sees for the secret it knows by `label` (as a peek, so it does not
    /// change tracking); `None` if the unit cannot see it.
    pub fn content_seen_by(&self, unit: &str, label: &str) -> Option<BTreeMap<String, String>> {
        use juju_hookcmds::Lookup;
        let mut ctx = HookContext::new(&self.model, unit, HookKind::Other("inspect".into()));
        ctx.secret_get(
            &Lookup::Label(label.to_string()),
            juju_hookcmds::ReadMode::Tracked,
            None,
        )
        .ok()
        .map(|c| {
            c.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }
}

/// The program `name` in the directory of `program` (or in `program`, if it is a directory).
fn beside(program: &Path, name: &str) -> PathBuf {
    let dir = if program.is_dir() {
        program
    } else {
        program.parent().unwrap_or(Path::new("."))
    };
    dir.join(name)
}
