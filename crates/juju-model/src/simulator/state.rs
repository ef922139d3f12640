//! The simulator's state file: the running hook's pending buffer and the record of every
//! hook command invoked, shared by the unit agent and the hook-command processes.
//!
//! Commands of one hook run one after another, but nothing stops a charm from running two at
//! once, so every update holds an exclusive lock (a `.lock` file beside the state) and
//! replaces the state atomically. The file can hold secret values: it is created 0600 inside
//! the agent's private (0700) directory.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::HookContext;

/// One hook command as it was invoked: the record tests use to prove that no secret value
/// ever reached a command line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invocation {
    /// The unit whose hook ran it.
    pub unit: String,
    /// The hook's name.
    pub hook: String,
    /// The hook command.
    pub tool: String,
    /// Its arguments, exactly as given.
    pub args: Vec<String>,
}

/// What the unit agent hands the hook commands of one hook.
#[derive(Serialize, Deserialize)]
pub struct SimState {
    /// The hook's name, for the record.
    pub hook: String,
    /// The hook's pending buffer.
    pub context: HookContext,
    /// Every hook command invoked in this hook, in order.
    pub invocations: Vec<Invocation>,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Writes the state atomically, 0600.
pub fn write(path: &Path, state: &SimState) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut tmp, &bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads the state.
pub fn read(path: &Path) -> std::io::Result<SimState> {
    let bytes = std::fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the simulator's state file {} is not valid: {e}",
                path.display()
            ),
        )
    })
}

/// Reads, changes and writes the state under the exclusive lock.
pub fn update<T>(path: &Path, change: impl FnOnce(&mut SimState) -> T) -> std::io::Result<T> {
    let lock: File = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(lock_path(path))?;
    lock.lock()?;
    let mut state = read(path)?;
    let result = change(&mut state);
    write(path, &state)?;
    lock.unlock()?;
    Ok(result)
}
