//! The unit's real machine, as the production backend carries the charm's requests out on
//! it: files ([`files`]), programs ([`exec`]), services through their fixed command lines, and
//! outbound TCP ([`net`]). Requests arrive checked by the policy; this module makes sure the
//! machine does exactly what was checked (no symlink followed, no program swapped in, no call
//! past the hook's deadline).

pub mod exec;
pub mod files;
pub mod net;
pub mod users;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use juju_hookcmds::workload::{
    CommandOutput, CommandRun, ServiceAction, ServiceManager, ServiceState, parse_service_state,
    service_argv,
};

use crate::error::HostError;

/// How long a service action may take (systemctl waits for the job).
pub const SERVICE_TIMEOUT: Duration = Duration::from_secs(60);

/// The machine for one hook: its deadline and its open connections.
#[derive(Default)]
pub struct Machine {
    /// When the hook's wall time ends.
    pub deadline: Option<Instant>,
    /// Open connections.
    pub streams: net::Streams,
}

impl Machine {
    /// Runs a granted program.
    pub fn run(&self, run: &CommandRun) -> Result<CommandOutput, HostError> {
        exec::run(run, self.deadline)
    }

    /// Runs the service's fixed command line; its complaint, if any, is the error.
    fn service(
        &self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<String, HostError> {
        let mut argv = service_argv(manager, action, name).into_iter();
        let program = argv.next().unwrap_or_default();
        let run = CommandRun {
            program,
            args: argv.collect(),
            stdin: None,
            user: None,
            env: vec![("PATH".into(), crate::capabilities::COMMAND_PATH.into())],
            cwd: "/".into(),
            timeout: SERVICE_TIMEOUT,
            output: 64 << 10,
        };
        let out = self.run(&run)?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        match (out.exit_code, out.timed_out) {
            (Some(0), _) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            (_, true) => Err(HostError::Backend(format!(
                "{} {} {name}: timed out",
                run.program,
                action.name()
            ))),
            (code, _) => Err(HostError::Backend(crate::engine::one_line(&format!(
                "{} {} {name} failed ({}): {why}",
                run.program,
                action.name(),
                code.map_or("killed".into(), |c| format!("exit status {c}"))
            )))),
        }
    }

    /// Carries out a service action.
    pub fn service_act(
        &self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), HostError> {
        self.service(manager, name, action).map(|_| ())
    }

    /// A service's state.
    pub fn service_query(
        &self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, HostError> {
        let stdout = self.service(manager, name, ServiceAction::Query)?;
        parse_service_state(manager, name, &stdout).map_err(HostError::Backend)
    }
}
