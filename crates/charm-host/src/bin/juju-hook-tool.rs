//! The simulator's hook commands: linked under each command's name (`secret-get`,
//! `relation-set`, ...) by the simulated unit agent, it is that command, acting on the model
//! of Juju the agent shares with it. Linked in a unit's own view of the machine as
//! `/usr/bin/systemctl`, `/usr/bin/snap` or a program the scenario puts there, it stands in
//! for that program on the unit's modelled machine.

use std::path::Path;
use std::process::ExitCode;

use juju_model::simulator;

fn main() -> ExitCode {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let program = argv.next().unwrap_or_default();
    let name = Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let code = if simulator::is_hook_command(&name) {
        simulator::main(&name, argv.collect())
    } else if Path::new(simulator::machine_tools::MACHINE_STATE).exists() {
        simulator::machine_tools::main(&program, argv.collect())
    } else {
        eprintln!(
            "ERROR {name}: not a hook command this simulator provides; the unit agent links it under each command's name"
        );
        return ExitCode::from(2);
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
