//! The runtime `charm-host pack` bundles into every charm as `bin/charm-host`: what a hook
//! needs and nothing else. `dispatch` execs `run`; `compile` fills the machine's artifact
//! cache ahead of the first hook. No simulator, harness or packing is linked in.

use std::process::ExitCode;

use clap::Parser;

use charm_runtime::unit::UnitCommand;

#[derive(Parser)]
#[command(
    name = "charm-host",
    version,
    about = "Runs a Juju charm compiled to a WebAssembly component, sandboxed (the runtime bundled in a charm)."
)]
struct Cli {
    #[command(subcommand)]
    command: UnitCommand,
}

fn main() -> ExitCode {
    // Keeps the version marker in the binary, for `charm-host check` to read without running it.
    std::hint::black_box(charm_runtime::VERSION_MARKER);
    Cli::parse().command.run()
}
