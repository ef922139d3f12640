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
