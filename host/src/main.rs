//! `charm-host`: the command a charm's `dispatch` execs on every Juju hook.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use charm_host::backend::Backend;
use charm_host::backend::hook_tools::HookToolBackend;
use charm_host::bindings::juju::charm::logging::Level;
use charm_host::event;
use charm_host::harness::scenario;
use charm_host::runtime::{Limits, Runtime, parse_duration, parse_size};

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
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// The scenario file; charm paths in it are relative to it.
    scenario: PathBuf,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The charm directory.
    #[arg(long, env = "JUJU_CHARM_DIR")]
    charm_dir: Option<PathBuf>,
    /// The charm's component, if not `charm.wasm` in the charm directory.
    #[arg(long)]
    component: Option<PathBuf>,
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
}

impl RunArgs {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            wall_time: self.wall_time.unwrap_or(d.wall_time),
            memory: self.memory.unwrap_or(d.memory),
            wasm_stack: self.wasm_stack.unwrap_or(d.wasm_stack),
            output: self.output.unwrap_or(d.output),
            hook_command_timeout: self.hook_command_timeout.unwrap_or(d.hook_command_timeout),
        }
    }

    fn component_path(&self) -> PathBuf {
        self.component.clone().unwrap_or_else(|| {
            self.charm_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("charm.wasm")
        })
    }
}

/// Reports a failure the way Juju operators look for it: one line on stderr and in juju-log.
fn fail(backend: &mut dyn Backend, line: &str) -> ExitCode {
    eprintln!("charm-host: {line}");
    let _ = backend.log(Level::Error, line);
    ExitCode::FAILURE
}

fn run(args: RunArgs) -> ExitCode {
    let limits = args.limits();
    let mut backend: Box<dyn Backend> = Box::new(HookToolBackend::new(limits.hook_command_timeout));
    let event = match event::from_env(|k| std::env::var(k).ok()) {
        Ok(event) => event,
        Err(e) => return fail(backend.as_mut(), &e.to_string()),
    };
    let hook = event.hook_name.clone();
    let runtime = match Runtime::new(limits) {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                backend.as_mut(),
                &format!("{hook}: cannot start the wasm engine: {e:#}"),
            );
        }
    };
    let charm = match runtime.load_file(&args.component_path()) {
        Ok(charm) => charm,
        Err(e) => return fail(backend.as_mut(), &format!("{hook}: {e}")),
    };
    let report = charm.run(&event, backend);
    let mut backend = report.backend;
    for (stream, level, bytes) in [
        ("stdout", Level::Info, &report.stdout),
        ("stderr", Level::Warning, &report.stderr),
    ] {
        let text = String::from_utf8_lossy(bytes);
        if !text.trim().is_empty() {
            let _ = backend.log(level, &format!("charm {stream}: {}", text.trim_end()));
        }
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
    let mut stdout = std::io::stdout().lock();
    match scenario::run(&scenario, base, Limits::default(), &mut stdout) {
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

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(args) => run(args),
        Command::Simulate(args) => simulate(args),
    }
}
