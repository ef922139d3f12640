use juju_hookcmds::workload::{FileInfo, FileKind, Ownership};

use super::CharmCtx;
use super::bindings::juju::charm::files::{
    self, FileInfo as WitInfo, FileKind as WitKind, Ownership as WitOwnership,
};
use crate::error::HostError;

/// The largest file the charm may read in one call: what a hook passes the charm in one call
/// by default ([`crate::engine::Limits`]' `host-call-data`).
const MAX_READ: usize = 16 << 20;

/// Modes have permission, set-id and sticky bits only.
fn mode(mode: u32) -> Result<u32, HostError> {
    if mode & !0o7777 == 0 {
        Ok(mode)
    } else {
        Err(HostError::InvalidArgument(format!(
            "mode {mode:o} is not a file mode (0 to 0o7777)"
        )))
    }
}

fn ownership(o: WitOwnership) -> Ownership {
    Ownership {
        owner: o.owner,
        group: o.group,
    }
}

fn to_wit(info: FileInfo) -> WitInfo {
    WitInfo {
        kind: match info.kind {
            FileKind::File => WitKind::File,
            FileKind::Directory => WitKind::Directory,
            FileKind::Symlink => WitKind::Symlink,
            FileKind::Other => WitKind::Other,
        },
        size: info.size,
        mode: info.mode,
        owner: info.owner,
        group: info.group,
    }
}

impl files::Host for CharmCtx<'_> {
    fn read(&mut self, path: String) -> Result<Vec<u8>, HostError> {
        self.backend()?.file_read(&path, MAX_READ)
    }

    fn write(
        &mut self,
        path: String,
        content: Vec<u8>,
        m: u32,
        owner: WitOwnership,
    ) -> Result<(), HostError> {
        let m = mode(m)?;
        self.backend()?
            .file_write(&path, &content, m, &ownership(owner))
    }

    fn remove(&mut self, path: String) -> Result<bool, HostError> {
        self.backend()?.file_remove(&path)
    }

    fn list(&mut self, path: String) -> Result<Vec<String>, HostError> {
        self.backend()?.file_list(&path)
    }

    fn make_dir(&mut self, path: String, m: u32, owner: WitOwnership) -> Result<bool, HostError> {
        let m = mode(m)?;
        self.backend()?.file_make_dir(&path, m, &ownership(owner))
    }

    fn stat(&mut self, path: String) -> Result<Option<WitInfo>, HostError> {
        Ok(self.backend()?.file_stat(&path)?.map(to_wit))
    }
}
