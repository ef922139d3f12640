//! A test harness in the spirit of Scenario, for charms in any wasm language: build a model,
//! dispatch hooks to units on the mock backend, run the follow-up hooks Juju would fire
//! until the model is quiet, move the clock, and inspect everything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, bail};
use chrono::{DateTime, TimeDelta, Utc};

use crate::backend::mock::MockBackend;
use crate::capabilities::{Manifest, PolicyBackend, check_imports};
use crate::event;
use crate::model::{Call, HookContext, HookKind, Model};
use crate::runtime::{Charm, Limits, Runtime};

pub mod scenario;

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
}

/// A deployed application's charm, manifest and limits.
struct Deployed {
    charm: Arc<Charm>,
    manifest: Arc<Manifest>,
    limits: Limits,
}

/// Runs queued hooks at most this many times before declaring the model unable to settle.
const MAX_FOLLOW_UPS: usize = 10_000;

/// A model of Juju with charms deployed on it; see the module documentation.
pub struct Harness {
    runtime: Runtime,
    limits: Limits,
    loaded: BTreeMap<PathBuf, Arc<Charm>>,
    charms: BTreeMap<String, Deployed>,
    /// The model: inspect it, or act on it as an operator (relate, set-leader, add-user-secret, ...).
    pub model: Model,
    hooks: Vec<HookRecord>,
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
        Ok(Harness {
            runtime: Runtime::new(metered)?,
            limits,
            loaded: BTreeMap::new(),
            charms: BTreeMap::new(),
            model: default_model(),
            hooks: Vec::new(),
        })
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
                let charm = Arc::new(self.runtime.load_file(component)?);
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
        self.model.deploy(app, units)?;
        self.charms.insert(
            app.to_string(),
            Deployed {
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
            .with_context(|| format!("application {app:?} has no charm"))?;
        let (charm, manifest, limits) = (
            deployed.charm.clone(),
            deployed.manifest.clone(),
            deployed.limits,
        );
        let env = self.model.hook_env(unit, &kind);
        let event = event::from_env(|k| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        })?;
        let context = Arc::new(Mutex::new(HookContext::new(&self.model, unit, kind)));
        let backend = PolicyBackend::new(manifest, Box::new(MockBackend::new(context.clone())))
            .for_event(&event);
        let report = charm.run_with_limits(&event, Box::new(backend), limits);
        drop(report.backend);
        let mut context = Arc::try_unwrap(context)
            .map_err(|_| anyhow::anyhow!("the hook's backend outlived the hook"))?
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        for (stream, level, bytes) in [
            ("stdout", "INFO", &report.stdout),
            ("stderr", "WARNING", &report.stderr),
        ] {
            let text = String::from_utf8_lossy(bytes);
            if !text.trim().is_empty() {
                context.log(level, &format!("charm {stream}: {}", text.trim_end()));
            }
        }
        let calls = context.calls.clone();
        let hook = event.hook_name.clone();
        let charm_outcome = report.outcome.map_err(|f| format!("{hook}: {f}"));
        let (mut model, commit) = context.finish(charm_outcome.is_ok());
        let outcome = charm_outcome.and(commit.map_err(|e| format!("{hook}: {e}")));
        if let Err(line) = &outcome {
            model.logs.push(crate::model::LogLine {
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
        use crate::backend::Lookup;
        let mut ctx = HookContext::new(&self.model, unit, HookKind::Other("inspect".into()));
        ctx.secret_get(
            &Lookup::Label(label.to_string()),
            crate::backend::ReadMode::Tracked,
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
