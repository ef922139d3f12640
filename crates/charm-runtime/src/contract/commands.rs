use juju_hookcmds::workload::{CommandOutput, CommandRun};

use super::CharmCtx;
use super::bindings::juju::charm::commands::{self, Output};
use crate::error::HostError;

impl commands::Host for CharmCtx<'_> {
    /// The program, arguments and stdin come from the charm; how it runs (user, environment,
    /// directory, timeout, output cap) the policy takes from the grant that allows it.
    fn run(
        &mut self,
        program: String,
        args: Vec<String>,
        stdin: Option<Vec<u8>>,
    ) -> Result<Output, HostError> {
        let run = CommandRun {
            program,
            args,
            stdin,
            user: None,
            env: Vec::new(),
            cwd: "/".into(),
            timeout: std::time::Duration::from_secs(10),
            output: 64 << 10,
        };
        let CommandOutput {
            exit_code,
            timed_out,
            stdout,
            stderr,
            truncated,
        } = self.backend()?.command_run(&run)?;
        Ok(Output {
            exit_code,
            timed_out,
            stdout,
            stderr,
            truncated,
        })
    }
}
