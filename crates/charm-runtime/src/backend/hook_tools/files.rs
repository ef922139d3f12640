//! Secret values handed to hook commands through files, never through argv.
//!
//! Juju's hook commands read `key#file=<path>` in the unit agent, so the files must have a
//! path (a file that vanishes with the process cannot be named). They live in a private
//! directory deleted right after the command, inside `charm-host-values-<uid>` in the system
//! temp directory (the user's, 0700). A host killed meanwhile (SIGKILL) cannot delete it, so
//! each host names its directories after its process (PID and start time), and every
//! `charm-host run` first removes the directories of hosts that are no longer running
//! ([`sweep_leftovers`]: one small directory to read). Several units share a machine: a
//! running host's files are never touched.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::error::HostError;
use juju_rules::SecretContent;

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
        let parent = values_dir(&std::env::temp_dir()).map_err(io)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", this_process()))
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(parent)
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

/// The user's directory of value directories under `tmp`, created 0700; refused if someone
/// else made it, or may use it.
fn values_dir(tmp: &Path) -> std::io::Result<PathBuf> {
    let me = crate::private_file::euid();
    let dir = tmp.join(format!("charm-host-values-{me}"));
    crate::private_file::private_dir(&dir, me).map_err(std::io::Error::other)?;
    Ok(dir)
}

/// This process as `<pid>-<start time>`: a PID may be reused, the pair is not. A start time
/// that cannot be read is `unknown`, which no sweep removes.
fn this_process() -> &'static str {
    static THIS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    THIS.get_or_init(|| {
        let pid = std::process::id();
        match start_time(pid) {
            Some(start) => format!("{pid}-{start}"),
            None => format!("{pid}-unknown"),
        }
    })
}

/// When process `pid` started (clock ticks after boot, `/proc/<pid>/stat` field 22).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Removes the value directories that hosts of this user left when they were killed.
pub fn sweep_leftovers() {
    if let Ok(dir) = values_dir(&std::env::temp_dir()) {
        sweep(&dir);
    }
}

/// Removes the directories in `dir` (named `<pid>-<start time>-...`) of host processes that
/// no longer run.
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = name.to_str() else {
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
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeping_removes_the_directories_of_hosts_that_are_gone_only() {
        let root = tempfile::tempdir().unwrap();
        let make = |name: &str| {
            let d = root.path().join(name);
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("password"), "s3cret").unwrap();
            d
        };
        let dead = make("4194303-1-abc");
        let reused_pid = make(&format!("{}-1-abc", std::process::id()));
        let running = make(&format!("{}-abc", this_process()));
        let unknown = make(&format!("{}-unknown-abc", std::process::id()));
        sweep(root.path());
        assert!(!dead.exists(), "a host that is gone");
        assert!(
            !reused_pid.exists(),
            "a host whose PID another process has now"
        );
        assert!(running.exists(), "a host still running");
        assert!(unknown.exists(), "a host whose start time was not known");
    }

    #[test]
    fn a_values_directory_someone_else_made_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "this test needs root (it chowns)"
        );
        let tmp = tempfile::tempdir().unwrap();
        let dir = values_dir(tmp.path()).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(values_dir(tmp.path()).is_err(), "others may write it");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
        assert!(values_dir(tmp.path()).is_err(), "another user's");
    }

    #[test]
    fn value_files_are_0600_in_a_0700_directory_named_after_this_process() {
        use std::os::unix::fs::MetadataExt;
        let content = SecretContent::from_pairs(vec![("password", "s3cret")]).unwrap();
        let files = ContentFiles::write(&content).unwrap();
        let name = files
            .dir()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(name.starts_with(&format!("{}-", this_process())), "{name}");
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
