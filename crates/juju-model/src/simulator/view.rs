//! Each unit's own view of the machine, as the simulated unit agent gives it: `dispatch` runs
//! in a mount namespace of its own where the parts of the machine a charm may change
//! ([`OVERLAID`]) are overlays whose upper layer is the unit's, so two units never share one
//! `/etc/webserver` and the machine the tests run on is never touched. The production host
//! needs nothing of this: it acts on whatever machine it runs on, here the unit's view.
//!
//! The view also holds the stand-ins: `/usr/bin/systemctl`, `/usr/bin/snap` and each program
//! the scenario puts on the unit's machine are the simulator's binary (see
//! [`super::machine_tools`]), and `/etc/charm-simulator/state.json` leads them to the hook's
//! state. After the hook, the files the charm left in the view are read back into the
//! model's machine, so expectations see them.
//!
//! It needs root: a mount namespace and overlays need CAP_SYS_ADMIN.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use super::machine_tools::MACHINE_STATE;
use crate::{Entry, Machine};

/// The parts of the machine each unit sees its own copy of (those that exist here): every
/// place a charm could be granted to write but the kernel's (`/proc`, `/sys`, `/dev`), `/run`
/// and `/tmp` (where the agent itself keeps the hook's state).
pub const OVERLAID: &[&str] = &[
    "/boot", "/etc", "/home", "/opt", "/root", "/srv", "/usr", "/var",
];

/// The stand-ins every view has.
const SERVICE_MANAGERS: &[&str] = &["/usr/bin/systemctl", "/usr/bin/snap"];

/// A unit's view: per overlaid root, its upper layer and the overlay's work directory; and
/// the directories of the real machine it shares, each with the place (outside the overlays)
/// it is bound to while the overlays hide it.
pub struct View {
    layers: Vec<(&'static str, PathBuf, PathBuf)>,
    shared: Vec<(PathBuf, PathBuf)>,
}

fn layer_dir(root: &str) -> String {
    root.trim_start_matches('/').replace('/', "-")
}

/// Replaces whatever is at `link` with a symlink to `target`.
fn relink(target: &Path, link: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(link) {
        Ok(_) => std::fs::remove_file(link)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::os::unix::fs::symlink(target, link)
}

impl View {
    /// The view of the unit whose machine directory is `dir`, with its stand-ins linked to
    /// `tool` (the simulator's binary) and its state link to `state`. `shared` are
    /// directories of the real machine the view leaves as they are (writes reach them).
    pub fn prepare(
        dir: &Path,
        machine: &Machine,
        tool: &Path,
        state: &Path,
        shared: &[&Path],
    ) -> anyhow::Result<Self> {
        let mut layers = Vec::new();
        for root in OVERLAID.iter().filter(|r| Path::new(r).is_dir()) {
            let base = dir.join(layer_dir(root));
            let (upper, work) = (base.join("upper"), base.join("work"));
            for d in [&upper, &work] {
                std::fs::create_dir_all(d)
                    .with_context(|| format!("cannot make {}", d.display()))?;
            }
            std::fs::set_permissions(&upper, std::fs::Permissions::from_mode(0o755))?;
            layers.push((*root, upper, work));
        }
        let mut staged = Vec::new();
        for (n, path) in shared.iter().enumerate() {
            let staging = dir.join("shared").join(n.to_string());
            std::fs::create_dir_all(&staging)?;
            staged.push((staging, path.to_path_buf()));
        }
        let view = View {
            layers,
            shared: staged,
        };
        let state_link = view.upper_of(MACHINE_STATE)?;
        std::fs::create_dir_all(state_link.parent().unwrap_or(Path::new("/")))?;
        relink(state, &state_link)?;
        let programs = SERVICE_MANAGERS
            .iter()
            .copied()
            .chain(machine.programs.keys().map(String::as_str));
        for program in programs {
            let link = view.upper_of(program)?;
            if let Some(parent) = link.parent() {
                std::fs::create_dir_all(parent)?;
            }
            relink(tool, &link).with_context(|| format!("cannot put {program} on the machine"))?;
        }
        Ok(view)
    }

    /// Where `path` of the view lives in the unit's upper layers (a plain absolute path: a
    /// scenario's program named `/usr/bin/../../tmp/x` is refused, not followed out).
    fn upper_of(&self, path: &str) -> anyhow::Result<PathBuf> {
        let plain = path.starts_with('/')
            && path[1..]
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        if !plain {
            bail!("{path:?} is not a plain absolute path");
        }
        for (root, upper, _) in &self.layers {
            if let Some(rest) = path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                return Ok(upper.join(rest));
            }
        }
        bail!(
            "{path} is not in a part of the machine the simulator gives each unit ({})",
            OVERLAID.join(", ")
        )
    }

    /// Makes `command` run in the unit's own mount namespace with the overlays mounted.
    pub fn enter(&self, command: &mut Command) -> anyhow::Result<()> {
        let c = |s: &[u8]| CString::new(s).context("a path with a NUL");
        let mut mounts = Vec::new();
        for (root, upper, work) in &self.layers {
            let mut options = b"lowerdir=".to_vec();
            options.extend_from_slice(root.as_bytes());
            options.extend_from_slice(b",upperdir=");
            options.extend_from_slice(upper.as_os_str().as_bytes());
            options.extend_from_slice(b",workdir=");
            options.extend_from_slice(work.as_os_str().as_bytes());
            mounts.push((c(root.as_bytes())?, c(&options)?));
        }
        let (overlay, slash) = (c(b"overlay")?, c(b"/")?);
        let mut binds = Vec::new();
        for (staging, path) in &self.shared {
            binds.push((
                c(staging.as_os_str().as_bytes())?,
                c(path.as_os_str().as_bytes())?,
            ));
        }
        // SAFETY: the child makes only system calls on strings built before the fork.
        unsafe {
            command.pre_exec(move || {
                if libc::unshare(libc::CLONE_NEWNS) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Nothing mounted here may reach the machine's own mounts.
                let private = libc::MS_REC | libc::MS_PRIVATE;
                if libc::mount(
                    std::ptr::null(),
                    slash.as_ptr(),
                    std::ptr::null(),
                    private,
                    std::ptr::null(),
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                // Each shared directory is bound aside before the overlays hide it (a mount
                // of another namespace cannot be bound), then back in its place on top.
                let bind = libc::MS_BIND | libc::MS_REC;
                for (staging, shared) in &binds {
                    if libc::mount(
                        shared.as_ptr(),
                        staging.as_ptr(),
                        std::ptr::null(),
                        bind,
                        std::ptr::null(),
                    ) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (target, options) in &mounts {
                    let data = options.as_ptr().cast();
                    if libc::mount(overlay.as_ptr(), target.as_ptr(), overlay.as_ptr(), 0, data)
                        != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                for (staging, shared) in &binds {
                    if libc::mount(
                        staging.as_ptr(),
                        shared.as_ptr(),
                        std::ptr::null(),
                        bind,
                        std::ptr::null(),
                    ) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        Ok(())
    }

    /// The files of the view as the charm left them: the machine's own directories, and
    /// whatever the unit's upper layers hold (a whiteout is a file removed); the stand-ins and
    /// their state link are left out.
    pub fn files(&self) -> anyhow::Result<std::collections::BTreeMap<String, Entry>> {
        let mut files = Machine::default().files;
        for (root, upper, _) in &self.layers {
            read_layer(upper, root, &mut files)?;
        }
        files.retain(|path, _| {
            !path.starts_with("/etc/charm-simulator") && !SERVICE_MANAGERS.contains(&path.as_str())
        });
        Ok(files)
    }
}

fn name_of(id: u32) -> String {
    if id == 0 {
        "root".into()
    } else {
        id.to_string()
    }
}

fn read_layer(
    dir: &Path,
    at: &str,
    files: &mut std::collections::BTreeMap<String, Entry>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = format!("{at}/{}", entry.file_name().to_string_lossy());
        let meta = entry.metadata()?;
        let kind = meta.file_type();
        let mut put = |content: Option<Vec<u8>>| {
            files.insert(
                path.clone(),
                Entry {
                    content,
                    mode: meta.mode() & 0o7777,
                    owner: name_of(meta.uid()),
                    group: name_of(meta.gid()),
                },
            );
        };
        if kind.is_char_device() && meta.rdev() == 0 {
            let below = format!("{path}/");
            files.retain(|p, _| p != &path && !p.starts_with(&below));
        } else if kind.is_dir() {
            put(None);
            read_layer(&entry.path(), &path, files)?;
        } else if kind.is_file() {
            put(Some(std::fs::read(entry.path())?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_directory_is_the_real_one_and_the_rest_of_the_view_is_the_units() {
        let unit = tempfile::tempdir().unwrap();
        let real = tempfile::tempdir_in("/var/tmp").unwrap();
        let state = unit.path().join("state.json");
        let view = View::prepare(
            unit.path(),
            &Machine::default(),
            Path::new("/usr/bin/true"),
            &state,
            &[real.path()],
        )
        .unwrap();
        let script = format!(
            "touch {0}/shared && touch /var/tmp/private-{1}",
            real.path().display(),
            std::process::id()
        );
        let mut command = Command::new("/bin/sh");
        command.args(["-c", &script]);
        view.enter(&mut command).unwrap();
        assert!(command.status().unwrap().success());
        assert!(
            real.path().join("shared").exists(),
            "written through to the machine"
        );
        let private = format!("/var/tmp/private-{}", std::process::id());
        assert!(!Path::new(&private).exists(), "kept in the unit's view");
        let files = view.files().unwrap();
        assert!(files.contains_key(&private));
    }

    #[test]
    fn a_scenario_program_outside_the_view_is_refused_not_linked() {
        let unit = tempfile::tempdir().unwrap();
        let mut machine = Machine::default();
        machine
            .programs
            .insert("/usr/bin/../../tmp/planted".into(), Default::default());
        let prepared = View::prepare(
            unit.path(),
            &machine,
            Path::new("/usr/bin/true"),
            &unit.path().join("state.json"),
            &[],
        );
        assert!(prepared.is_err());
        assert!(!Path::new("/tmp/planted").exists());
    }
}
