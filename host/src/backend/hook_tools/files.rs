//! Secret values handed to hook commands through files, never through argv.

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
        let dir = tempfile::Builder::new()
            .prefix("charm-host-")
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
