//! `charm-host`: the command a charm's `dispatch` execs on every Juju hook. Called under the
//! name of a Juju hook command (`secret-get`, ...), it is that command of the hook-command
//! simulator instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use std::sync::Arc;

use charm_host::backend::Backend;
use charm_host::backend::hook_tools::HookToolBackend;
use charm_host::bindings::juju::charm::logging::Level;
use charm_host::capabilities::{Manifest, PolicyBackend, check_imports, report};
use charm_host::event;
use charm_host::harness::scenario;
use charm_host::pack::{self, Base, PackSpec};
use charm_host::runtime::artifacts::Cache;
use charm_host::runtime::ceilings::Ceilings;
use charm_host::runtime::{Limits, Runtime, parse_duration, parse_size};
use charm_host::simulator;

#[derive(Parser)]
#[command(
    name = "charm-host",
    version,
    about = "Runs Juju charms compiled to WebAssembly components, sandboxed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hook Juju is dispatching (reads JUJU_* variables; uses the hook commands on PATH).
    ///
    /// The component is `--component`, else `charm.wasm` in the charm directory, which is
    /// `--charm-dir`, else $JUJU_CHARM_DIR, else the current directory. Exits 0 only if the
    /// charm handled the event; otherwise prints one line on stderr (and to juju-log) and
    /// exits 1, so Juju discards the hook's changes.
    Run(RunArgs),
    /// Run a scenario (YAML) on the embedded mock of Juju: deploy charms, run hooks and their
    /// follow-ups, move the clock, check expectations. Prints a trace (one line per hook and
    /// per secret operation, values redacted); exits 1 naming the first failed expectation.
    Simulate(SimulateArgs),
    /// Make a deployable charm: a directory (dispatch, the bundled charm-host, the component,
    /// its capability manifest, metadata.yaml, manifest.yaml) and the same as a .charm zip.
    Pack(PackArgs),
    /// Show what a component imports and exports, what its manifest grants, and every
    /// mismatch; exits 0 only if `run` would load it.
    Check(CheckArgs),
    /// Precompile a component into this machine's artifact cache (what `run` loads), so no
    /// hook waits for the compiler; the first hook does it otherwise.
    Compile(CompileArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The component, or a charm directory (its charm.wasm and capabilities.yaml, and its
    /// bundled host and dispatch, which are verified without running them).
    component: PathBuf,
    /// The capability manifest [default: capabilities.yaml beside the component].
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// The scenario file; charm paths in it are relative to it.
    scenario: PathBuf,
    /// Pack every wasm charm and run its hooks through its dispatch and the hook-command
    /// simulator (Juju's hook commands over the same model), as in production.
    #[arg(long)]
    dispatch: bool,
    /// Write every hook command the charms' dispatch invoked, with its argv, to this file
    /// (JSON, one per line). It exists to prove no secret value is passed in argv.
    #[arg(long, value_name = "FILE")]
    invocations: Option<PathBuf>,
    /// Run application APP from charm directory DIR (e.g. a plain ops charm) instead of the
    /// charm the scenario names, through its dispatch; repeatable.
    #[arg(long = "charm-dir", value_name = "APP=DIR", value_parser = app_dir)]
    charm_dirs: Vec<(String, PathBuf)>,
}

fn app_dir(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((app, dir)) if !app.is_empty() && !dir.is_empty() => {
            Ok((app.to_string(), PathBuf::from(dir)))
        }
        _ => Err(format!("expected APP=DIR, got {s:?}")),
    }
}

#[derive(clap::Args)]
struct CompileArgs {
    /// The component.
    component: PathBuf,
    /// The capability manifest whose limits `run` will use (they decide engine settings such
    /// as fuel metering) [default: capabilities.yaml beside the component].
    #[arg(long)]
    manifest: Option<PathBuf>,
}

#[derive(clap::Args)]
struct PackArgs {
    /// The charm's wasm component.
    #[arg(long)]
    component: PathBuf,
    /// Its capability manifest.
    #[arg(long)]
    manifest: PathBuf,
    /// Its metadata.yaml (the charm's name comes from it).
    #[arg(long)]
    metadata: PathBuf,
    /// Its config.yaml, if it has options.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A base the charm runs on; repeat for several.
    #[arg(
        long = "base",
        value_name = "NAME@CHANNEL",
        default_value = "ubuntu@24.04"
    )]
    bases: Vec<Base>,
    /// Where to write <name>/ and <name>.charm.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Only the directory, no .charm archive.
    #[arg(long)]
    no_archive: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The charm directory.
    #[arg(long, env = "JUJU_CHARM_DIR")]
    charm_dir: Option<PathBuf>,
    /// The charm's component, if not `charm.wasm` in the charm directory.
    #[arg(long)]
    component: Option<PathBuf>,
    /// The capability manifest, if not `capabilities.yaml` in the charm directory. A missing
    /// manifest grants nothing.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Wall time the charm's code may run, e.g. 30s or 2m [default: 120s].
    #[arg(long, env = "CHARM_HOST_WALL_TIME", value_parser = parse_duration)]
    wall_time: Option<Duration>,
    /// Linear memory the charm may use, e.g. 128MiB [default: 256MiB].
    #[arg(long, env = "CHARM_HOST_MEMORY", value_parser = parse_size)]
    memory: Option<usize>,
    /// Native stack for the charm's wasm code [default: 1MiB].
    #[arg(long, env = "CHARM_HOST_WASM_STACK", value_parser = parse_size)]
    wasm_stack: Option<usize>,
    /// Bytes of the charm's stdout and of its stderr kept for juju-log [default: 1MiB].
    #[arg(long, env = "CHARM_HOST_OUTPUT", value_parser = parse_size)]
    output: Option<usize>,
    /// How long one hook command may run before it is killed [default: 60s].
    #[arg(long, env = "CHARM_HOST_HOOK_COMMAND_TIMEOUT", value_parser = parse_duration)]
    hook_command_timeout: Option<Duration>,
    /// Calls into the host one hook may make [default: 10000].
    #[arg(long, env = "CHARM_HOST_HOST_CALLS", value_parser = clap::value_parser!(u64).range(1..))]
    host_calls: Option<u64>,
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
                charm_host::runtime::neutral(c)
            }
        })
        .collect();
    let text = text.trim_end();
    if text.trim().is_empty() {
        return;
    }
    let pieces = charm_host::backend::pieces(text, charm_host::backend::LOG_PIECE);
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
    let line = &charm_host::runtime::one_line_capped(line, 4000);
    eprintln!("charm-host: {line}");
    let _ = backend.host_log(Level::Error, line);
    ExitCode::FAILURE
}

fn run(args: RunArgs) -> ExitCode {
    // Secret values a killed host left behind go before anything else happens.
    charm_host::backend::hook_tools::sweep_leftovers();
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
    let hook = event.hook_name.clone();
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

fn simulate(args: SimulateArgs) -> ExitCode {
    let scenario = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("charm-host: {e}");
            return ExitCode::from(2);
        }
    };
    let base = args.scenario.parent().unwrap_or(std::path::Path::new("."));
    let binary = std::env::current_exe().ok();
    let options = scenario::Options {
        limits: Limits::default(),
        hook_commands: binary.as_deref(),
        dispatch: args.dispatch,
        invocations: args.invocations.as_deref(),
        charm_dirs: &args.charm_dirs,
    };
    let mut stdout = std::io::stdout().lock();
    match scenario::run(&scenario, base, &options, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ scenario::ScenarioError::Invalid(_)) => {
            eprintln!("charm-host: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("charm-host: scenario failed at {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(mut args: CheckArgs) -> ExitCode {
    let charm_dir = args.component.is_dir().then(|| args.component.clone());
    if let Some(dir) = &charm_dir {
        args.component = dir.join("charm.wasm");
    }
    let manifest_path = args.manifest.clone().unwrap_or_else(|| {
        args.component
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("capabilities.yaml")
    });
    let manifest = match Manifest::load(&manifest_path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("charm-host: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ceilings = match Ceilings::of_machine() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("charm-host: {e}");
            return ExitCode::FAILURE;
        }
    };
    let limits = manifest.limits(ceilings.limits).unwrap_or(ceilings.limits);
    let over_ceiling = ceilings
        .check(&limits, &manifest_path.display().to_string())
        .err();
    let runtime = match Runtime::new(limits) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("charm-host: cannot start the wasm engine: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let inspection = match runtime.inspect_file(&args.component) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("charm-host: {e}");
            return ExitCode::FAILURE;
        }
    };
    print!(
        "{}",
        report::describe(
            &args.component,
            &manifest_path,
            &manifest,
            &inspection,
            &limits,
            &ceilings,
        )
    );
    let mut problems: Vec<String> = check_imports(&manifest, &inspection.imports)
        .iter()
        .map(|m| m.to_string())
        .collect();
    problems.extend(over_ceiling);
    if inspection.metadata > limits.memory as u64 {
        problems.push(format!(
            "its instances' metadata ({} KiB) is above its {} memory limit",
            inspection.metadata.div_ceil(1024),
            charm_host::runtime::Bytes(limits.memory)
        ));
    }
    if let Some(dir) = &charm_dir {
        let (lines, wrong) = pack::verify_package(dir);
        print!("{lines}");
        problems.extend(wrong);
    }
    if let Err(e) = runtime.load_file(&args.component) {
        let line = e.to_string();
        if !problems.iter().any(|p| line.contains(p.as_str())) {
            problems.push(line);
        }
    }
    if problems.is_empty() {
        println!("mismatches: none\nresult: it would run");
        ExitCode::SUCCESS
    } else {
        println!("mismatches:");
        for p in &problems {
            println!("  - {p}");
        }
        println!("result: it would not run");
        ExitCode::FAILURE
    }
}

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

fn pack_charm(args: PackArgs) -> ExitCode {
    let packed = || -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
        let host_binary = std::env::current_exe()?;
        let spec = PackSpec {
            component: &args.component,
            manifest: &args.manifest,
            metadata: &args.metadata,
            config: args.config.as_deref(),
            host_binary: &host_binary,
            bases: &args.bases,
        };
        let dir = pack::pack_dir(&spec, &args.out)?;
        let archive = if args.no_archive {
            None
        } else {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            let archive = args.out.join(format!("{name}.charm"));
            pack::archive(&dir, &archive)?;
            Some(archive)
        };
        Ok((dir, archive))
    };
    match packed() {
        Ok((dir, archive)) => {
            println!("packed {}", dir.display());
            if let Some(archive) = archive {
                println!("packed {}", archive.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("charm-host: pack: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    // Keeps the version marker in the binary, for `check` to read without running it.
    std::hint::black_box(pack::VERSION_MARKER);
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = argv.next().unwrap_or_default();
    let name = Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if simulator::is_hook_command(&name) {
        let code = simulator::main(&name, argv.collect());
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    match Cli::parse().command {
        Command::Run(args) => run(args),
        Command::Simulate(args) => simulate(args),
        Command::Check(args) => check(args),
        Command::Pack(args) => pack_charm(args),
        Command::Compile(args) => compile(args),
    }
}
