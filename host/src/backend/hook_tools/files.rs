//! Secret values handed to hook commands through files, never through argv.
//!
//! Juju's hook commands read `key#file=<path>` in the unit agent, so the files must have a
//! path (a file that vanishes with the process cannot be named). They live in a private
//! directory deleted right after the command; a host killed meanwhile (SIGKILL) cannot delete
//! it, so each host names its directories after its process (PID and start time) and, before
//! writing any value, removes the directories of hosts that are no longer running. Several
//! units share a machine: a running host's files are never touched.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use tempfile::TempDir;

use crate::error::HostError;
use crate::juju::SecretContent;

/// One file per key, mode 0600, inside a fresh private (0700) directory that is deleted with
/// this value, i.e. right after the hook command that reads them has finished.
pub struct ContentFiles {
    dir: TempDir,
    args: Vec<String>,
}

impl ContentFiles {
    /// Writes each value to its own 0600 file in a new private directory.
    pub fn write(content: &SecretContent) -> Result<Self, HostError> {
        let io = |e: std::io::Error| {
            HostError::Fatal(format!(
                "cannot write secret content for a hook command: {e}"
            ))
        };
        sweep_once();
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", this_process()))
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(io)?;
        let mut args = Vec::with_capacity(content.len());
        for (key, value) in content.iter() {
            // Keys are validated (`[a-z0-9-]`), so they are safe file names.
            let path = dir.path().join(key);
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(io)?;
            file.write_all(value.as_bytes()).map_err(io)?;
            args.push(format!("{key}#file={}", path.display()));
        }
        Ok(ContentFiles { dir, args })
    }

    /// The `key#file=<path>` arguments.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The private directory holding the files.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// How the host's private directories for values start, in the system temp directory.
const PREFIX: &str = "charm-host-";

/// This process as `<pid>-<start time>`: a PID may be reused, the pair is not.
fn this_process() -> String {
    let pid = std::process::id();
    format!("{pid}-{}", start_time(pid).unwrap_or_default())
}

/// When process `pid` started (clock ticks after boot, `/proc/<pid>/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Removes, once per process, the value directories of this user's hosts that are gone.
fn sweep_once() {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| sweep(&std::env::temp_dir()));
}

/// Removes the value directories in `dir` that belong to this user and to a host process
/// that no longer runs.
pub fn sweep(dir: &std::path::Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = crate::private_file::euid();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let mut parts = owner.splitn(3, '-');
        let (Some(Ok(pid)), Some(Ok(started))) = (
            parts.next().map(str::parse::<u32>),
            parts.next().map(str::parse::<u64>),
        ) else {
            continue;
        };
        if start_time(pid) == Some(started) {
            continue;
        }
        let path = entry.path();
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if ours {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeping_removes_only_this_users_directories_of_hosts_that_are_gone() {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "this test needs root (it chowns)"
        );
        let root = tempfile::tempdir().unwrap();
        let make = |name: &str| {
            let d = root.path().join(name);
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("password"), "s3cret").unwrap();
            d
        };
        let dead = make(&format!("{PREFIX}4194303-1-abc"));
        let reused_pid = make(&format!("{PREFIX}{}-1-abc", std::process::id()));
        let running = make(&format!("{PREFIX}{}-abc", this_process()));
        let someone_elses = make(&format!("{PREFIX}4194302-1-abc"));
        std::os::unix::fs::chown(&someone_elses, Some(65534), None).unwrap();
        let unrelated = make("charm-host-cache");
        sweep(root.path());
        assert!(!dead.exists(), "a host that is gone");
        assert!(
            !reused_pid.exists(),
            "a host whose PID another process has now"
        );
        assert!(running.exists(), "a host still running");
        assert!(someone_elses.exists(), "another user's");
        assert!(unrelated.exists());
    }

    #[test]
    fn value_files_are_0600_in_a_0700_directory_named_after_this_process() {
        use std::os::unix::fs::MetadataExt;
        let content = SecretContent::new(vec![("password".into(), "s3cret".into())]).unwrap();
        let files = ContentFiles::write(&content).unwrap();
        let name = files
            .dir()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            name.starts_with(&format!("{PREFIX}{}-", this_process())),
            "{name}"
        );
        assert_eq!(
            std::fs::metadata(files.dir()).unwrap().mode() & 0o777,
            0o700
        );
        let file = files.dir().join("password");
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
        let dir = files.dir().to_path_buf();
        drop(files);
        assert!(!dir.exists());
    }
}
