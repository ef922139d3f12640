//! `charm-host`, the developer's command: everything a charm author or an operator does with
//! a charm on their own machine (`check`, `pack`, `simulate`), and the unit's own commands
//! (`run`, `compile`), the same as the lean `charm-host-unit` that `pack` bundles.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use charm_pack::{self as pack, Base, PackSpec};
use charm_runtime::capabilities::{Manifest, check_imports, report};
use charm_runtime::engine::ceilings::Ceilings;
use charm_runtime::engine::{Limits, Runtime};
use charm_runtime::unit::UnitCommand;
use charm_testing::scenario;

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
    #[command(flatten)]
    Unit(UnitCommand),
    /// Run a scenario (YAML) on the embedded mock of Juju: deploy charms, run hooks and their
    /// follow-ups, move the clock, check expectations. Prints a trace (one line per hook and
    /// per secret operation, values redacted); exits 1 naming the first failed expectation.
    Simulate(SimulateArgs),
    /// Make a deployable charm: a directory (dispatch, the bundled runtime, the component,
    /// its capability manifest, metadata.yaml, manifest.yaml) and the same as a .charm zip.
    Pack(PackArgs),
    /// Show what a component imports and exports, what its manifest grants, and every
    /// mismatch; exits 0 only if `run` would load it.
    Check(CheckArgs),
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
    /// Its actions.yaml, if it has actions (each action the manifest grants must be in it).
    #[arg(long)]
    actions: Option<PathBuf>,
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
        .chain(
            // The charm's actions.yaml is beside its manifest, as in a charm directory.
            pack::check_granted_actions(&manifest, &manifest_path, &{
                let actions = manifest_path.with_file_name("actions.yaml");
                actions.is_file().then_some(actions)
            })
            .err(),
        )
        .chain({
            // So is its metadata.yaml, which names the bindings and storages it may be granted.
            let metadata = manifest_path.with_file_name("metadata.yaml");
            std::fs::read_to_string(&metadata).ok().and_then(|text| {
                pack::check_granted_metadata(&manifest, &manifest_path, &metadata, &text).err()
            })
        })
        .collect();
    problems.extend(over_ceiling);
    if inspection.metadata > limits.memory as u64 {
        problems.push(format!(
            "its instances' metadata ({} KiB) is above its {} memory limit",
            inspection.metadata.div_ceil(1024),
            charm_runtime::engine::Bytes(limits.memory)
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

fn pack_charm(args: PackArgs) -> ExitCode {
    let packed = || -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
        let host_binary = pack::unit_binary()?;
        let spec = PackSpec {
            component: &args.component,
            manifest: &args.manifest,
            metadata: &args.metadata,
            config: args.config.as_deref(),
            actions: args.actions.as_deref(),
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
    std::hint::black_box(charm_runtime::VERSION_MARKER);
    match Cli::parse().command {
        Command::Unit(command) => command.run(),
        Command::Simulate(args) => simulate(args),
        Command::Check(args) => check(args),
        Command::Pack(args) => pack_charm(args),
    }
}
