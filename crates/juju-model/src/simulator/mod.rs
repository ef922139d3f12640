//! The second front door to the model: Juju's hook commands as real processes.
//!
//! Nobody can run Juju in our tests, so the production path (a charm directory whose
//! `dispatch` runs `charm-host run`, which calls `secret-add`, `relation-get`, ... on `PATH`) is
//! proven against a simulator: [`UnitAgent`] runs a unit's `dispatch` the way Juju's unit
//! agent does (its own copy of the charm directory as the working directory, Juju's
//! environment, the hook commands first on `PATH`), and each hook command is the
//! `juju-hook-tool` program, called under the command's name. A hook command loads the hook's
//! pending buffer ([`crate::HookContext`]) from the state file the agent wrote, applies itself
//! with the rules the in-process mock uses, records its argv, and saves the buffer; when
//! `dispatch` exits, the agent commits the buffer only if it exited 0.
//!
//! Any charm can run on it: a packed wasm charm, or a plain Python `ops` charm.

mod agent;
pub mod machine_tools;
mod state;
mod tools;
mod unit_tools;
pub mod view;

use std::io::Write;
use std::path::PathBuf;

use crate::Call;

pub use agent::{Dispatched, JUJU_VERSION, UnitAgent};
pub use state::Invocation;
pub use tools::TOOLS;

/// The program that is every simulated hook command (linked under each command's name),
/// built beside `charm-host` by `cargo build -p charm-host`.
pub const HOOK_TOOL: &str = "juju-hook-tool";

/// The environment variable through which hook commands find the simulator's state file
/// (Juju's own hook commands find the unit agent through `JUJU_AGENT_SOCKET_ADDRESS`).
pub const STATE_ENV: &str = "CHARM_HOST_SIMULATOR";

/// Whether `name` (a program's file name) is a hook command the simulator provides.
pub fn is_hook_command(name: &str) -> bool {
    TOOLS.contains(&name)
}

/// Runs hook command `tool` as a process: prints what Juju's would, returns its exit status.
pub fn main(tool: &str, args: Vec<String>) -> i32 {
    let Some(path) = std::env::var_os(STATE_ENV).map(PathBuf::from) else {
        eprintln!(
            "ERROR {tool}: no hook is running here ({STATE_ENV} is not set; charm-host's unit agent sets it)"
        );
        return 1;
    };
    let mut stdin = std::io::stdin().lock();
    let outcome = state::update(&path, |state| {
        state.invocations.push(state::Invocation {
            unit: state.context.unit.clone(),
            hook: state.hook.clone(),
            tool: tool.to_string(),
            args: args.clone(),
        });
        let result = tools::run(&mut state.context, tool, &args, &mut stdin);
        if tool != "juju-log" {
            let shown = tools::shown_args(tool, &args);
            let call = Call {
                unit: state.context.unit.clone(),
                operation: format!("{tool}{}{shown}", if shown.is_empty() { "" } else { " " }),
                outcome: match &result {
                    Ok(p) if p.summary.is_empty() => "ok".into(),
                    Ok(p) => format!("ok: {}", p.summary),
                    Err(e) => format!("error: {}", tools::shown_error(tool, &args, &e.message)),
                },
            };
            state.context.calls.push(call);
        }
        result
    });
    match outcome {
        Ok(Ok(printed)) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(printed.stdout.as_bytes())
                .and_then(|_| out.flush())
                .is_err()
            {
                return 1;
            }
            0
        }
        Ok(Err(refusal)) => {
            eprintln!("ERROR {}", refusal.message);
            refusal.code
        }
        Err(e) => {
            eprintln!("ERROR {tool}: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod unit_tests;
