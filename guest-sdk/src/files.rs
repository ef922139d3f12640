//! Files on the unit's machine, under the paths the manifest grants (`files`). The host
//! follows no symlink and writes atomically with exactly the mode and owner asked for.
//!
//! ```no_run
//! # fn f() -> juju_charm::Result<()> {
//! use juju_charm::files;
//! files::make_dir("/etc/webserver", 0o700)?;
//! files::write("/etc/webserver/database.json", b"{}", 0o600)?;
//! # Ok(()) }
//! ```

use crate::bindings::juju::charm::files as wit;
use crate::error::Result;

pub use wit::{FileInfo, FileKind, Ownership};

/// Ownership by root (user and group).
pub const ROOT: Ownership = Ownership {
    owner: None,
    group: None,
};

/// A regular file's content; `None` if there is no file at `path`.
pub fn read(path: &str) -> Result<Option<Vec<u8>>> {
    match wit::read(path) {
        Ok(content) => Ok(Some(content)),
        Err(e) => {
            let e = crate::Error::from(e);
            if e.is_not_found() { Ok(None) } else { Err(e) }
        }
    }
}

/// Replaces the file at `path` atomically with `content`, root-owned with exactly `mode`.
pub fn write(path: &str, content: &[u8], mode: u32) -> Result<()> {
    write_owned(path, content, mode, &ROOT)
}

/// Replaces the file at `path` atomically with `content`, with exactly `mode` and `owner`.
pub fn write_owned(path: &str, content: &[u8], mode: u32, owner: &Ownership) -> Result<()> {
    Ok(wit::write(path, content, mode, owner)?)
}

/// Writes `content` only if the file does not hold it already: whether it wrote (so the
/// charm restarts its workload only after a change).
pub fn update(path: &str, content: &[u8], mode: u32) -> Result<bool> {
    let same = read(path)?.is_some_and(|old| old == content)
        && stat(path)?.is_some_and(|info| info.mode & 0o7777 == mode);
    if !same {
        write(path, content, mode)?;
    }
    Ok(!same)
}

/// Removes a file, symlink or empty directory: whether there was one.
pub fn remove(path: &str) -> Result<bool> {
    Ok(wit::remove(path)?)
}

/// The names in a directory, sorted.
pub fn list(path: &str) -> Result<Vec<String>> {
    Ok(wit::list(path)?)
}

/// Makes a root-owned directory with exactly `mode` unless it exists: whether it made it.
pub fn make_dir(path: &str, mode: u32) -> Result<bool> {
    Ok(wit::make_dir(path, mode, &ROOT)?)
}

/// What is at `path`, if anything.
pub fn stat(path: &str) -> Result<Option<FileInfo>> {
    Ok(wit::stat(path)?)
}
