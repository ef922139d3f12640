//! Files on the real machine: every path resolved from `/` with no symlink followed anywhere
//! (`openat2` with `RESOLVE_NO_SYMLINKS`), the last component acted on relative to its
//! parent's descriptor, so the path the policy matched is the file touched.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};

use juju_hookcmds::workload::{FileInfo, FileKind, Ownership};
use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::users;
use crate::error::HostError;

/// Resolving a path never follows a symlink, magic links of /proc included.
const NO_LINKS: ResolveFlags = ResolveFlags::NO_SYMLINKS.union(ResolveFlags::NO_MAGICLINKS);

/// What went wrong, in the contract's terms, naming the path (never the content).
fn failed(path: &str, errno: Errno) -> HostError {
    match errno {
        Errno::NOENT => HostError::NotFound(format!("{path}: no such file or directory")),
        Errno::LOOP | Errno::XDEV => HostError::DeniedByPolicy(format!(
            "{path}: the path passes through a symlink, which the host never follows"
        )),
        Errno::NOTDIR => {
            HostError::InvalidArgument(format!("{path}: a component is not a directory"))
        }
        Errno::ACCESS | Errno::PERM | Errno::ROFS => {
            HostError::PermissionDenied(format!("{path}: {}", std::io::Error::from(errno)))
        }
        Errno::NOSYS => HostError::Fatal(
            "the host needs Linux 5.6 or later (openat2) to resolve paths safely".into(),
        ),
        other => HostError::Backend(format!("{path}: {}", std::io::Error::from(other))),
    }
}

/// `openat2` retried when a concurrent rename kept the kernel from proving the walk safe.
fn open(dir: impl AsFd, path: &str, flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
    let mut tries = 0;
    loop {
        match rustix::fs::openat2(&dir, path, flags | OFlags::CLOEXEC, mode, NO_LINKS) {
            Err(Errno::AGAIN) if tries < 4 => tries += 1,
            other => return other,
        }
    }
}

/// The parent directory of `path` (checked: absolute, plain) and its last component.
fn parent(path: &str) -> Result<(OwnedFd, &str), HostError> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let dir = if dir.is_empty() { "/" } else { dir };
    let fd = open(CWD, dir, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
        .map_err(|e| failed(dir, e))?;
    Ok((fd, name))
}

fn kind(mode: u32) -> FileKind {
    match FileType::from_raw_mode(mode) {
        FileType::RegularFile => FileKind::File,
        FileType::Directory => FileKind::Directory,
        FileType::Symlink => FileKind::Symlink,
        _ => FileKind::Other,
    }
}

/// A regular file's content, refused past `max` bytes. A FIFO or device is refused without
/// opening it for long: the open does not block.
pub fn read(path: &str, max: usize) -> Result<Vec<u8>, HostError> {
    let (dir, name) = parent(path)?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    let fd = open(&dir, name, flags, Mode::empty()).map_err(|e| failed(path, e))?;
    let stat = rustix::fs::fstat(&fd).map_err(|e| failed(path, e))?;
    if kind(stat.st_mode) != FileKind::File {
        return Err(HostError::InvalidArgument(format!(
            "{path}: not a regular file"
        )));
    }
    if stat.st_size as u64 > max as u64 {
        return Err(HostError::InvalidArgument(format!(
            "{path}: {} bytes, more than one call carries ({max})",
            stat.st_size
        )));
    }
    let mut content = Vec::new();
    File::from(fd)
        .take(max as u64 + 1)
        .read_to_end(&mut content)
        .map_err(|e| HostError::Backend(format!("{path}: {e}")))?;
    if content.len() > max {
        return Err(HostError::InvalidArgument(format!(
            "{path}: more than one call carries ({max} bytes)"
        )));
    }
    Ok(content)
}

/// Removes the temporary file unless the write completed.
struct Temporary<'a> {
    dir: &'a OwnedFd,
    name: String,
    done: bool,
}

impl Drop for Temporary<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = rustix::fs::unlinkat(self.dir, self.name.as_str(), AtFlags::empty());
        }
    }
}

/// A fresh name for the temporary file beside `name` (at most 255 bytes).
fn temporary_name(name: &str, attempt: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let suffix = format!(".charm-{}-{nanos:08x}-{attempt}", std::process::id());
    let mut keep = name.len().min(255 - suffix.len() - 1);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!(".{}{suffix}", &name[..keep])
}

/// Replaces the file atomically: the content goes to a new file in the same directory that
/// only root can open (0600, root's), which then gets its owner, then its mode (a change of
/// owner clears set-id bits), reaches the disk, and is renamed over the target.
pub fn write(path: &str, content: &[u8], mode: u32, owner: &Ownership) -> Result<(), HostError> {
    let (uid, gid) = users::ids(owner)?;
    let (dir, name) = parent(path)?;
    match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) if kind(stat.st_mode) != FileKind::File => {
            return Err(HostError::InvalidArgument(format!(
                "{path}: not a regular file, so it is not replaced"
            )));
        }
        Ok(_) | Err(Errno::NOENT) => {}
        Err(e) => return Err(failed(path, e)),
    }
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW;
    let mut attempt = 0;
    let (fd, temporary) = loop {
        let tmp = temporary_name(name, attempt);
        match open(&dir, &tmp, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => break (fd, tmp),
            Err(Errno::EXIST) if attempt < 8 => attempt += 1,
            Err(e) => return Err(failed(path, e)),
        }
    };
    let mut guard = Temporary {
        dir: &dir,
        name: temporary,
        done: false,
    };
    let mut file = File::from(fd);
    file.write_all(content)
        .map_err(|e| HostError::Backend(format!("{path}: {e}")))?;
    rustix::fs::fchown(&file, Some(uid), Some(gid)).map_err(|e| failed(path, e))?;
    rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(|e| failed(path, e))?;
    rustix::fs::fsync(&file).map_err(|e| failed(path, e))?;
    rustix::fs::renameat(&dir, guard.name.as_str(), &dir, name).map_err(|e| failed(path, e))?;
    guard.done = true;
    rustix::fs::fsync(&dir).map_err(|e| failed(path, e))?;
    Ok(())
}

/// Removes a file, a symlink itself or an empty directory.
pub fn remove(path: &str) -> Result<bool, HostError> {
    let (dir, name) = parent(path)?;
    let stat = match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => stat,
        Err(Errno::NOENT) => return Ok(false),
        Err(e) => return Err(failed(path, e)),
    };
    let flags = if kind(stat.st_mode) == FileKind::Directory {
        AtFlags::REMOVEDIR
    } else {
        AtFlags::empty()
    };
    match rustix::fs::unlinkat(&dir, name, flags) {
        Ok(()) => Ok(true),
        Err(Errno::NOENT) => Ok(false),
        Err(Errno::NOTEMPTY | Errno::EXIST) => Err(HostError::InvalidArgument(format!(
            "{path}: the directory is not empty"
        ))),
        Err(e) => Err(failed(path, e)),
    }
}

/// The most names a listing returns.
pub const MAX_NAMES: usize = 10_000;

/// The names in a directory, sorted; names that are not UTF-8 are left out (the contract's
/// strings cannot carry them, and a lossy one would name another file). A directory of more
/// than [`MAX_NAMES`] is refused.
pub fn list(path: &str) -> Result<Vec<String>, HostError> {
    let fd = open(CWD, path, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
        .map_err(|e| failed(path, e))?;
    let mut names = Vec::new();
    let dir = rustix::fs::Dir::new(fd).map_err(|e| failed(path, e))?;
    for entry in dir {
        let entry = entry.map_err(|e| failed(path, e))?;
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if name != "." && name != ".." {
            if names.len() == MAX_NAMES {
                return Err(HostError::InvalidArgument(format!(
                    "{path}: more than {MAX_NAMES} names"
                )));
            }
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Makes a directory with exactly `mode` and `owner` (made root's 0700, then given them).
pub fn make_dir(path: &str, mode: u32, owner: &Ownership) -> Result<bool, HostError> {
    let (uid, gid) = users::ids(owner)?;
    let (dir, name) = parent(path)?;
    match rustix::fs::mkdirat(&dir, name, Mode::from_raw_mode(0o700)) {
        Ok(()) => {}
        Err(Errno::EXIST) => {
            let stat = rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(|e| failed(path, e))?;
            return if kind(stat.st_mode) == FileKind::Directory {
                Ok(false)
            } else {
                Err(HostError::InvalidArgument(format!(
                    "{path}: exists and is not a directory"
                )))
            };
        }
        Err(e) => return Err(failed(path, e)),
    }
    let made = open(
        &dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW,
        Mode::empty(),
    )
    .map_err(|e| failed(path, e))?;
    rustix::fs::fchown(&made, Some(uid), Some(gid)).map_err(|e| failed(path, e))?;
    rustix::fs::fchmod(&made, Mode::from_raw_mode(mode)).map_err(|e| failed(path, e))?;
    rustix::fs::fsync(&dir).map_err(|e| failed(path, e))?;
    Ok(true)
}

/// What is at `path`, the last component not followed.
pub fn stat(path: &str) -> Result<Option<FileInfo>, HostError> {
    let (dir, name) = parent(path)?;
    let stat = match rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => stat,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(failed(path, e)),
    };
    Ok(Some(FileInfo {
        kind: kind(stat.st_mode),
        size: stat.st_size as u64,
        mode: stat.st_mode & 0o7777,
        owner: users::user_name(stat.st_uid),
        group: users::group_name(stat.st_gid),
    }))
}
