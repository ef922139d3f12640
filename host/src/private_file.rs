//! Files that may hold secret values or code the host will run (the simulator's state,
//! precompiled artifacts): written whole or not at all, readable only by the host's user.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a 0600 temporary file beside it, renamed over it, so a
/// reader (another process) sees the old file or the new one, never part of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The effective user id of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Checks that nobody but root and `user` can change what `path` names: it and every
/// directory above it belong to root or `user`, and nobody else may write them. A directory
/// root owns with the sticky bit (`/tmp`) passes even if anyone may write it: others cannot
/// rename or remove what is in it. The error is one line naming the offending path.
pub fn check_trusted(path: &Path, user: u32) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let mut current = Some(path);
    while let Some(p) = current {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let owner_ok = meta.uid() == 0 || meta.uid() == user;
        let sticky_root = meta.is_dir() && meta.uid() == 0 && meta.mode() & 0o1000 != 0;
        if !owner_ok {
            return Err(format!(
                "{} belongs to user {}, not to root or user {user}",
                p.display(),
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 && !sticky_root {
            return Err(format!(
                "{} may be written by users other than its owner (mode {:o})",
                p.display(),
                meta.mode() & 0o7777
            ));
        }
        current = p.parent().filter(|p| !p.as_os_str().is_empty());
    }
    Ok(())
}

/// The text of the regular file at `path`, if it is at most `most` bytes: read without
/// blocking (a pipe put in its place cannot hold the caller), refused when longer.
pub fn read_bounded(path: &Path, most: u64) -> std::io::Result<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    file.take(most + 1).read_to_string(&mut text)?;
    if text.len() as u64 > most {
        return Err(std::io::Error::other(format!("longer than {most} bytes")));
    }
    Ok(text)
}
