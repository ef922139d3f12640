//! Running one hook command: bounded in time, output captured, stdin fed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use juju_hookcmds::process::{Unfinished, wait_bounded};

use crate::error::HostError;

/// One hook command to run. Never carries a secret value: values travel in files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The hook command's name, looked up on PATH.
    pub tool: &'static str,
    /// Its arguments: flags as `--flag=value`, never a secret value.
    pub args: Vec<String>,
    /// Fed to the command's stdin (relation data for `relation-set --file -`).
    pub stdin: Option<Vec<u8>>,
}

/// What a hook command that ran to completion produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// The exit status: 0 success, 1 refused when run, 2 bad arguments.
    pub code: i32,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr (`ERROR <message>` on failure).
    pub stderr: String,
}

/// Runs invocations. A trait so the backend's argv and parsing are testable without processes.
pub trait Runner: Send {
    /// Runs the command; only a command that could not be run or did not finish is an `Err`.
    fn run(&mut self, invocation: &Invocation) -> Result<Completed, HostError>;

    /// No command may run past `deadline` (the hook's wall-time limit; `None`: no limit but
    /// each command's own timeout).
    fn set_deadline(&mut self, _deadline: Option<Instant>) {}
}

/// Runs hook commands found on `PATH`, as Juju's unit agent provides them.
pub struct ProcessRunner {
    timeout: Duration,
    deadline: Option<Instant>,
}

impl ProcessRunner {
    /// A hook command that does not finish within `timeout` is killed and fails the hook.
    pub fn new(timeout: Duration) -> Self {
        ProcessRunner {
            timeout,
            deadline: None,
        }
    }
}

impl Runner for ProcessRunner {
    fn run(&mut self, invocation: &Invocation) -> Result<Completed, HostError> {
        let tool = invocation.tool;
        let child = Command::new(tool)
            .args(&invocation.args)
            .stdin(if invocation.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    HostError::Fatal(format!("hook command `{tool}` not found on PATH"))
                }
                _ => HostError::Fatal(format!("cannot run hook command `{tool}`: {e}")),
            })?;
        let remaining = self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let bound = remaining.map_or(self.timeout, |r| r.min(self.timeout));
        let output = match wait_bounded(child, invocation.stdin.clone(), bound) {
            Ok(output) => output,
            Err(Unfinished::Wait(e)) => {
                return Err(HostError::Fatal(format!(
                    "cannot wait for hook command `{tool}`: {e}"
                )));
            }
            Err(Unfinished::TimedOut) if bound < self.timeout => {
                return Err(HostError::Fatal(format!(
                    "hook command `{tool}` was still running at the hook's wall-time limit and was killed"
                )));
            }
            Err(Unfinished::TimedOut) => {
                return Err(HostError::Fatal(format!(
                    "hook command `{tool}` did not finish within {} s and was killed",
                    self.timeout.as_secs_f64()
                )));
            }
        };
        // Valid UTF-8 (what Juju prints) becomes the string without a copy: a secret's
        // content may be a megabyte.
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        };
        let code = output.status.code().ok_or_else(|| {
            HostError::Fatal(format!("hook command `{tool}` was killed by a signal"))
        })?;
        Ok(Completed {
            code,
            stdout: text(output.stdout),
            stderr: text(output.stderr),
        })
    }

    fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }
}
