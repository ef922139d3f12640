//! Running the workload's programs: by resolved path, whose file and every directory above
//! it only root can change; with exactly the environment, directory and user granted; in a
//! process group of its own that a timeout kills whole; no core dumps, no inherited
//! descriptors, no blocked signals (see `before_spawning`).

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use juju_hookcmds::process::{Unfinished, wait_capped};
use juju_hookcmds::workload::{CommandOutput, CommandRun};

use super::users;
use crate::error::HostError;

/// The program's real path, if root alone can change it: root owns it and every directory
/// above it, and none is writable by others (a sticky directory such as /tmp only lets
/// each owner replace their own entries, so root's stay root's).
fn trusted(program: &str) -> Result<PathBuf, HostError> {
    let resolved = std::fs::canonicalize(program).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => HostError::NotFound(format!("{program}: no such program")),
        _ => HostError::Backend(format!("{program}: {e}")),
    })?;
    if !std::fs::metadata(&resolved).is_ok_and(|m| m.is_file()) {
        return Err(HostError::InvalidArgument(format!(
            "{program}: not a regular file"
        )));
    }
    let mut at: Option<&Path> = Some(&resolved);
    while let Some(path) = at {
        let meta = std::fs::metadata(path)
            .map_err(|e| HostError::Backend(format!("{}: {e}", path.display())))?;
        let sticky_dir = meta.is_dir() && meta.mode() & 0o1000 != 0;
        if meta.uid() != 0 || (meta.mode() & 0o022 != 0 && !sticky_dir) {
            return Err(HostError::DeniedByPolicy(format!(
                "{program}: {} can be changed by a user other than root",
                path.display()
            )));
        }
        at = path.parent();
    }
    Ok(resolved)
}

/// What every program the host starts must not inherit, set on the host itself (no hook
/// before it needs otherwise) rather than in the child between fork and exec, so that std
/// can start the program with `posix_spawn` instead of forking the whole host: no core dumps
/// (a dump could hold a secret; the host must not dump either), and none of the host's
/// descriptors past stdio (std opens its own close-on-exec; this catches any inherited from
/// the unit agent or opened by C code). The signal mask is reset by std's spawn.
fn before_spawning() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads a valid rlimit; close_range only sets flags on descriptors.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
}

/// Runs `run` for at most its timeout and never past `deadline`.
pub fn run(run: &CommandRun, deadline: Option<Instant>) -> Result<CommandOutput, HostError> {
    let resolved = trusted(&run.program)?;
    let mut command = Command::new(&resolved);
    command
        .arg0(&run.program)
        .args(&run.args)
        .env_clear()
        .envs(run.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&run.cwd)
        .stdin(if run.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(user) = run.user.as_deref().filter(|u| *u != "root") {
        let (uid, gid) = users::user(user)?;
        command.uid(uid).gid(gid);
    }
    before_spawning();
    let child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => HostError::NotFound(format!(
            "{}: no such program or directory {}",
            run.program, run.cwd
        )),
        std::io::ErrorKind::PermissionDenied => {
            HostError::PermissionDenied(format!("{}: {e}", run.program))
        }
        _ => HostError::Backend(format!("{}: {e}", run.program)),
    })?;
    let timeout = match deadline {
        Some(d) => run.timeout.min(d.saturating_duration_since(Instant::now())),
        None => run.timeout,
    };
    let done = wait_capped(
        child,
        run.stdin.clone(),
        timeout.max(Duration::from_millis(1)),
        run.output,
        true,
    )
    .map_err(|e| match e {
        Unfinished::Wait(e) => HostError::Backend(format!("{}: {e}", run.program)),
        Unfinished::TimedOut => HostError::Backend(format!("{}: timed out", run.program)),
    })?;
    Ok(CommandOutput {
        exit_code: done.status.and_then(|s| s.code()),
        timed_out: done.status.is_none(),
        stdout: done.stdout,
        stderr: done.stderr,
        truncated: done.truncated,
    })
}
