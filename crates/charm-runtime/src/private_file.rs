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
/// directory above it, symbolic links resolved, belong to root or `user`, and nobody else may
/// write them. A directory root owns with the sticky bit (`/tmp`) passes even if anyone may
/// write it: others cannot rename or remove what is in it. The error is one line naming the
/// offending path.
pub fn check_trusted(path: &Path, user: u32) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // The path as it really is: a link's own parent is not the directory that holds the target.
    let real = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut current = Some(real.as_path());
    while let Some(p) = current {
        let meta = std::fs::symlink_metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
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

/// Makes `dir` (0700, parents as needed) unless it exists, then checks it is a directory (not
/// a link to one) of `user`'s that nobody else may use. The error is one line naming `dir`.
pub fn private_dir(dir: &Path, user: u32) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    match std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
    {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(format!("cannot create {}: {e}", dir.display()));
        }
        _ => {}
    }
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != user || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{} must be a directory of user {user} that nobody else may use (mode 700)",
            dir.display()
        ));
    }
    Ok(())
}

/// Why [`read_regular`] read nothing, in words fit to follow the file's name.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// It could not be looked at or read.
    #[error("{0}")]
    Io(std::io::Error),
    /// It is not a regular file (a directory, a device, a pipe).
    #[error("not a regular file")]
    NotAFile,
    /// It holds `size` bytes or more, above the `most` the caller takes.
    #[error("{size} bytes long, at most {most}")]
    TooLarge {
        /// What it holds, or at least.
        size: u64,
        /// What the caller takes.
        most: u64,
    },
}

/// The bytes of the regular file at `path`, if it holds at most `most`. Looked at before it is
/// opened (opening a device or a pipe can act or block), and again once open, non-blocking, so
/// a pipe swapped in between cannot hold the caller; never more than `most + 1` bytes read.
pub fn read_regular(path: &Path, most: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let regular = |meta: std::fs::Metadata| {
        if !meta.is_file() {
            Err(ReadError::NotAFile)
        } else if meta.len() > most {
            Err(ReadError::TooLarge {
                size: meta.len(),
                most,
            })
        } else {
            Ok(meta.len())
        }
    };
    regular(std::fs::metadata(path).map_err(ReadError::Io)?)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(ReadError::Io)?;
    let length = regular(file.metadata().map_err(ReadError::Io)?)?;
    let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.take(most + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > most {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            most,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_path_through_a_link_is_judged_by_the_directories_that_really_hold_it() {
        let tmp = tempfile::tempdir().unwrap();
        let open = tmp.path().join("open");
        let real = open.join("real");
        std::fs::create_dir_all(&real).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::write(real.join("ceilings.yaml"), "").unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = check_trusted(&link.join("ceilings.yaml"), euid()).unwrap_err();
        assert_eq!(
            err,
            format!(
                "{} may be written by users other than its owner (mode 777)",
                open.canonicalize().unwrap().display()
            )
        );
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        check_trusted(&link.join("ceilings.yaml"), euid()).unwrap();
    }
}
