//! The runtime `charm-host pack` bundles into every charm as `bin/charm-host`: what a hook
//! needs and nothing else. `dispatch` execs `run`; `compile` fills the machine's artifact
//! cache ahead of the first hook. No simulator, harness or packing is linked in.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use charm_runtime::unit::{self, CompileArgs, RunArgs};

#[derive(Parser)]
#[command(
    name = "charm-host",
    version,
    about = "Runs a Juju charm compiled to a WebAssembly component, sandboxed (the runtime bundled in a charm)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hook Juju is dispatching (reads JUJU_* variables; uses the hook commands on PATH).
    Run(RunArgs),
    /// Precompile a component into this machine's artifact cache (what `run` loads).
    Compile(CompileArgs),
}

fn main() -> ExitCode {
    // Keeps the version marker in the binary, for `charm-host check` to read without running it.
    std::hint::black_box(charm_runtime::VERSION_MARKER);
    match Cli::parse().command {
        Command::Run(args) => unit::run(args),
        Command::Compile(args) => unit::compile(args),
    }
}
