//! Running one hook command: bounded in time, output captured, stdin fed.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

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

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

impl Runner for ProcessRunner {
    fn run(&mut self, invocation: &Invocation) -> Result<Completed, HostError> {
        let tool = invocation.tool;
        let mut child = Command::new(tool)
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
        if let (Some(mut stdin), Some(data)) = (child.stdin.take(), invocation.stdin.clone()) {
            thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostError::Fatal(format!(
                    "hook command `{tool}` did not finish within {} s and was killed",
                    self.timeout.as_secs_f64()
                )));
            }
            Err(e) => {
                return Err(HostError::Fatal(format!(
                    "cannot wait for hook command `{tool}`: {e}"
                )));
            }
        };
        let collect = |h: Option<thread::JoinHandle<Vec<u8>>>| {
            let bytes = h.and_then(|h| h.join().ok()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let (stdout, stderr) = (collect(stdout), collect(stderr));
        let code = status.code().ok_or_else(|| {
            HostError::Fatal(format!("hook command `{tool}` was killed by a signal"))
        })?;
        Ok(Completed {
            code,
            stdout,
            stderr,
        })
    }
}
