//! Running one hook command: bounded in time, output captured, stdin fed.

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

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
}

/// Runs hook commands found on `PATH`, as Juju's unit agent provides them.
pub struct ProcessRunner {
    timeout: Duration,
}

impl ProcessRunner {
    /// A hook command that does not finish within `timeout` is killed and fails the hook.
    pub fn new(timeout: Duration) -> Self {
        ProcessRunner { timeout }
    }
}

/// Why [`wait_bounded`] has no output to give.
#[derive(Debug)]
pub enum Unfinished {
    /// It ran past the timeout and was killed.
    TimedOut,
    /// Waiting for it failed.
    Wait(std::io::Error),
}

/// Feeds `stdin` to a spawned child (stdout and stderr piped), collects its output and waits
/// for it, for at most `timeout`; then kills it. One helper thread does the feeding and the
/// collecting (std polls both pipes); hook commands and `dispatch` read their stdin first.
/// On timeout it returns at once: the thread finishes once the child's pipes close.
pub fn wait_bounded(
    mut child: Child,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<Output, Unfinished> {
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
            let _ = pipe.write_all(&data);
        }
        let _ = done.send(child.wait_with_output());
    });
    match finished.recv_timeout(timeout) {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(e)) => Err(Unfinished::Wait(e)),
        Err(_) => {
            // SAFETY: kill(2) takes any pid. This is our child's: the waiting thread reaps it
            // only once it exits, and one still running past its timeout has not.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            Err(Unfinished::TimedOut)
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
        let output = match wait_bounded(child, invocation.stdin.clone(), self.timeout) {
            Ok(output) => output,
            Err(Unfinished::Wait(e)) => {
                return Err(HostError::Fatal(format!(
                    "cannot wait for hook command `{tool}`: {e}"
                )));
            }
            Err(Unfinished::TimedOut) => {
                return Err(HostError::Fatal(format!(
                    "hook command `{tool}` did not finish within {} s and was killed",
                    self.timeout.as_secs_f64()
                )));
            }
        };
        let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
        let code = output.status.code().ok_or_else(|| {
            HostError::Fatal(format!("hook command `{tool}` was killed by a signal"))
        })?;
        Ok(Completed {
            code,
            stdout: text(output.stdout),
            stderr: text(output.stderr),
        })
    }
}
