//! The unit's commands, shared by `charm-host` and the lean `charm-host-unit` that `pack`
//! bundles into every charm: `run` (what a charm's `dispatch` execs on every hook) and
//! `compile` (fills the machine's artifact cache, e.g. from an install hook).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use juju_hookcmds::LogLevel as Level;

use crate::backend::Backend;
use crate::backend::hook_tools::HookToolBackend;
use crate::capabilities::{Manifest, PolicyBackend, check_imports};
use crate::engine::artifacts::Cache;
use crate::engine::ceilings::Ceilings;
use crate::engine::{Limits, Runtime, parse_duration, parse_size};
use crate::event;

/// The unit's commands, as both programs take them.
#[derive(Subcommand)]
pub enum UnitCommand {
    /// Run the hook Juju is dispatching (reads JUJU_* variables; uses the hook commands on PATH).
    ///
    /// The component is `--component`, else `charm.wasm` in the charm directory, which is
    /// `--charm-dir`, else $JUJU_CHARM_DIR, else the current directory. Exits 0 only if the
    /// charm handled the event; otherwise prints one line on stderr (and to juju-log) and
    /// exits 1, so Juju discards the hook's changes.
    Run(RunArgs),
    /// Precompile a component into this machine's artifact cache (what `run` loads), so no
    /// hook waits for the compiler; the first hook does it otherwise.
    Compile(CompileArgs),
}

impl UnitCommand {
    /// Carries the command out.
    pub fn run(self) -> ExitCode {
        match self {
            UnitCommand::Run(args) => run(args),
            UnitCommand::Compile(args) => compile(args),
        }
    }
}

/// `run`: the hook Juju is dispatching, with the operator's limits.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The charm directory.
    #[arg(long, env = "JUJU_CHARM_DIR")]
    pub charm_dir: Option<PathBuf>,
    /// The charm's component, if not `charm.wasm` in the charm directory.
    #[arg(long)]
    pub component: Option<PathBuf>,
    /// The capability manifest, if not `capabilities.yaml` in the charm directory. A missing
    /// manifest grants nothing.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Wall time the charm's code may run, e.g. 30s or 2m [default: 120s].
    #[arg(long, env = "CHARM_HOST_WALL_TIME", value_parser = parse_duration)]
    pub wall_time: Option<Duration>,
    /// Linear memory the charm may use, e.g. 128MiB [default: 256MiB].
    #[arg(long, env = "CHARM_HOST_MEMORY", value_parser = parse_size)]
    pub memory: Option<usize>,
    /// Native stack for the charm's wasm code [default: 1MiB].
    #[arg(long, env = "CHARM_HOST_WASM_STACK", value_parser = parse_size)]
    pub wasm_stack: Option<usize>,
    /// Bytes of the charm's stdout and of its stderr kept for juju-log [default: 1MiB].
    #[arg(long, env = "CHARM_HOST_OUTPUT", value_parser = parse_size)]
    pub output: Option<usize>,
    /// How long one hook command may run before it is killed [default: 60s].
    #[arg(long, env = "CHARM_HOST_HOOK_COMMAND_TIMEOUT", value_parser = parse_duration)]
    pub hook_command_timeout: Option<Duration>,
    /// Calls into the host one hook may make [default: 10000].
    #[arg(long, env = "CHARM_HOST_HOST_CALLS", value_parser = clap::value_parser!(u64).range(1..))]
    pub host_calls: Option<u64>,
}

impl RunArgs {
    /// The operator's flags win over the charm's manifest, which wins over the machine's
    /// ceilings; the flags themselves may not go past the ceilings either.
    fn limits(&self, from_manifest: Limits, ceilings: &Ceilings) -> Result<Limits, String> {
        let m = from_manifest;
        let flags = Limits {
            wall_time: self.wall_time.unwrap_or(m.wall_time),
            memory: self.memory.unwrap_or(m.memory),
            wasm_stack: self.wasm_stack.unwrap_or(m.wasm_stack),
            output: self.output.unwrap_or(m.output),
            hook_command_timeout: self.hook_command_timeout.unwrap_or(m.hook_command_timeout),
            host_calls: self.host_calls.unwrap_or(m.host_calls),
            ..m
        };
        ceilings.check(&flags, "the command line or environment")?;
        Ok(flags)
    }

    fn charm_dir(&self) -> PathBuf {
        self.charm_dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    fn component_path(&self) -> PathBuf {
        self.component
            .clone()
            .unwrap_or_else(|| self.charm_dir().join("charm.wasm"))
    }

    fn manifest_path(&self) -> PathBuf {
        self.manifest
            .clone()
            .unwrap_or_else(|| self.charm_dir().join("capabilities.yaml"))
    }
}

/// `compile`: a component into this machine's artifact cache.
#[derive(clap::Args)]
pub struct CompileArgs {
    /// The component.
    pub component: PathBuf,
    /// The capability manifest whose limits `run` will use (they decide engine settings such
    /// as fuel metering) [default: capabilities.yaml beside the component].
    #[arg(long)]
    pub manifest: Option<PathBuf>,
}

/// This machine's artifact cache, if it is trusted and not inside the charm directory (a
/// package's files are never a place to load machine code from); else the hook compiles the
/// component, and the operator is told why in juju-log.
fn trusted_cache(runtime: &Runtime, charm_dir: &Path, backend: &mut dyn Backend) -> Option<Cache> {
    let cache = Cache::for_engine(runtime.engine_hash()).and_then(|cache| {
        let inside = |dir: &Path| {
            let charm = charm_dir.canonicalize().ok()?;
            Some(dir.canonicalize().ok()?.starts_with(charm))
        };
        match inside(cache.dir()) {
            Some(false) => Ok(cache),
            _ => Err(format!(
                "artifact cache {} is inside the charm directory {}",
                cache.dir().display(),
                charm_dir.display()
            )),
        }
    });
    match cache {
        Ok(cache) => Some(cache),
        Err(why) => {
            let _ = backend.host_log(
                Level::Warning,
                &format!("not using {why}; compiling the charm for this hook"),
            );
            None
        }
    }
}

/// Forwards the charm's captured `stream` to juju-log, in numbered pieces when it is long.
fn forward_output(backend: &mut dyn Backend, stream: &str, level: Level, bytes: &[u8]) {
    // The charm's lines, but nothing that could pass for the terminal's or another line's.
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| {
            if c == '\n' {
                c
            } else {
                juju_hookcmds::neutral(c)
            }
        })
        .collect();
    let text = text.trim_end();
    if text.trim().is_empty() {
        return;
    }
    let pieces = crate::backend::pieces(text, crate::backend::LOG_PIECE);
    let total = pieces.len();
    for (n, piece) in pieces.iter().enumerate() {
        let line = if total == 1 {
            format!("charm {stream}: {piece}")
        } else {
            format!(
                "charm {stream} ({} of {total}): {}",
                n + 1,
                piece.trim_end()
            )
        };
        if let Err(e) = backend.host_log(level, &line) {
            eprintln!("charm-host: cannot forward the charm's {stream} to juju-log: {e}");
            return;
        }
    }
}

/// Reports a failure the way Juju operators look for it: one line on stderr and in juju-log.
fn fail(backend: &mut dyn Backend, line: &str) -> ExitCode {
    let line = &crate::engine::one_line_capped(line, 4000);
    eprintln!("charm-host: {line}");
    let _ = backend.host_log(Level::Error, line);
    ExitCode::FAILURE
}

/// Runs the hook Juju is dispatching: exits 0 only if the charm handled the event; otherwise
/// one line on stderr and in juju-log, and 1, so Juju discards the hook's changes.
fn run(args: RunArgs) -> ExitCode {
    // Secret values a killed host left behind go before anything else happens.
    crate::backend::hook_tools::sweep_leftovers();
    let ceilings = Ceilings::of_machine();
    let manifest_path = args.manifest_path();
    let manifest = Manifest::load(&manifest_path);
    let base = ceilings.as_ref().map(|c| c.limits).unwrap_or_default();
    let manifest_limits = match &manifest {
        Ok(m) => m.limits(base).unwrap_or(base),
        Err(_) => base,
    };
    let limits = ceilings.clone().and_then(|c| {
        c.check(&manifest_limits, &manifest_path.display().to_string())?;
        args.limits(manifest_limits, &c)
    });
    let timeout = limits
        .as_ref()
        .map_or(base.hook_command_timeout, |l| l.hook_command_timeout);
    let mut backend: Box<dyn Backend> = Box::new(HookToolBackend::new(timeout));
    let event = match event::from_env(|k| std::env::var(k).ok()) {
        Ok(event) => event,
        Err(e) => return fail(backend.as_mut(), &e.to_string()),
    };
    let hook = event.hook_name().to_string();
    let manifest = match manifest {
        Ok(manifest) => Arc::new(manifest),
        Err(e) => return fail(backend.as_mut(), &format!("{hook}: {e}")),
    };
    let limits = match limits {
        Ok(limits) => limits,
        Err(e) => return fail(backend.as_mut(), &format!("{hook}: {e}")),
    };
    let runtime = match Runtime::for_hook_process(limits) {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                backend.as_mut(),
                &format!("{hook}: cannot start the wasm engine: {e:#}"),
            );
        }
    };
    let path = args.component_path();
    let cache = trusted_cache(&runtime, &args.charm_dir(), backend.as_mut());
    let charm = match runtime.load_file_cached(&path, cache.as_ref()) {
        Ok((charm, _)) => charm,
        Err(e) => return fail(backend.as_mut(), &format!("{hook}: {e}")),
    };
    if let Some(mismatch) = check_imports(&manifest, charm.imports()).first() {
        let manifest_path = args.manifest_path();
        let hint = if manifest_path.exists() {
            String::new()
        } else {
            format!(" (there is no manifest at {})", manifest_path.display())
        };
        let line = format!("{hook}: {} cannot run: {mismatch}{hint}", path.display());
        return fail(backend.as_mut(), &line);
    }
    let policy = PolicyBackend::new(manifest, backend).for_event(&event);
    let report = charm.run(&event, Box::new(policy));
    let mut backend = report.backend;
    for (stream, level, bytes) in [
        ("stdout", Level::Info, &report.stdout),
        ("stderr", Level::Warning, &report.stderr),
    ] {
        forward_output(backend.as_mut(), stream, level, bytes);
    }
    match report.outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(backend.as_mut(), &format!("{hook}: {failure}")),
    }
}

/// Precompiles a component into this machine's artifact cache (what `run` loads), so no
/// hook waits for the compiler.
fn compile(args: CompileArgs) -> ExitCode {
    let compiled = || -> anyhow::Result<PathBuf> {
        let manifest_path = args.manifest.clone().unwrap_or_else(|| {
            args.component
                .parent()
                .unwrap_or(Path::new("."))
                .join("capabilities.yaml")
        });
        // The engine settings `run` will use: from this machine's ceilings and the manifest.
        let ceilings = Ceilings::of_machine().map_err(anyhow::Error::msg)?;
        let limits = match Manifest::load(&manifest_path) {
            Ok(m) => m
                .limits(ceilings.limits)
                .map_err(|e| anyhow::anyhow!("{}: {e}", manifest_path.display()))?,
            Err(_) if args.manifest.is_none() => ceilings.limits,
            Err(e) => return Err(e.into()),
        };
        let runtime = Runtime::new(limits)?;
        let cache = Cache::for_engine(runtime.engine_hash()).map_err(anyhow::Error::msg)?;
        runtime.load_file_cached(&args.component, Some(&cache))?;
        let hash = cache
            .known_hash(&args.component)
            .ok_or_else(|| anyhow::anyhow!("the artifact cache could not record the component"))?;
        Ok(cache.artifact(&hash))
    };
    match compiled() {
        Ok(artifact) => {
            println!("compiled {}", artifact.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("charm-host: compile: {e:#}");
            ExitCode::FAILURE
        }
    }
}
