//! The workload's programs, run as the manifest grants (`commands`): the program by its
//! absolute path, every argument matching the grant. Secrets go on standard input, never on
//! the command line.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! let out = juju_charm::commands::run("/usr/local/bin/database-set-password", &["admin"], Some(b"s3cret"))?;
//! out.check()?;
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::commands as wit;
use crate::error::{Error, Result};

pub use wit::Output;

/// Runs `program` with `args`, `stdin` on its standard input. A non-zero exit is an
/// [`Output`], not an error: see [`Output::check`].
pub fn run(program: &str, args: &[&str], stdin: Option<&[u8]>) -> Result<Output> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Ok(wit::run(program, &args, stdin)?)
}

impl Output {
    /// `Ok` if the program exited 0; else an error naming how it ended and the last line of
    /// what it printed on stderr.
    pub fn check(&self) -> Result<()> {
        if self.exit_code == Some(0) {
            return Ok(());
        }
        let how = match (self.exit_code, self.timed_out) {
            (_, true) => "timed out".to_string(),
            (Some(code), _) => format!("exited with status {code}"),
            (None, _) => "was killed".to_string(),
        };
        let stderr = String::from_utf8_lossy(&self.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        Err(Error::msg(match last {
            Some(line) => format!("{how}: {}", line.trim()),
            None => how,
        }))
    }
}
