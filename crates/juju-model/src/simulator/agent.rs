//! A stand-in for Juju's unit agent: installs a charm directory per unit and runs its
//! `dispatch` for one hook, as Juju does.
//!
//! Per hook: the hook's pending buffer goes to the state file; `dispatch` runs with the unit's
//! own copy of the charm as its working directory, only Juju's environment (plus `PATH`, `HOME`
//! and the state file's location) and the simulator's hook commands first on `PATH`; when it
//! exits, the buffer is read back for the caller to commit (only on exit 0) or discard.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};
use tempfile::TempDir;

use super::state::{self, Invocation, SimState};
use super::{STATE_ENV, TOOLS};
use crate::HookContext;
use juju_hookcmds::process::{Unfinished, wait_bounded};

/// The Juju version the simulated agent announces (`JUJU_VERSION`): 3.6 semantics.
pub const JUJU_VERSION: &str = "3.6.11";

/// How one `dispatch` run ended.
pub struct Dispatched {
    /// The hook's pending buffer as the hook commands left it.
    pub context: HookContext,
    /// Every hook command the hook invoked, in order, with its argv.
    pub invocations: Vec<Invocation>,
    /// `Err` with one line when `dispatch` did not exit 0.
    pub outcome: Result<(), String>,
    /// What `dispatch` printed on stdout.
    pub stdout: String,
    /// What `dispatch` printed on stderr.
    pub stderr: String,
}

/// The simulated unit agent; its private directory holds the hook commands, each unit's
/// charm directory and the state file, and is removed when the agent is dropped.
pub struct UnitAgent {
    dir: TempDir,
    timeout: Duration,
    path: OsString,
    /// The simulator's binary: the hook commands, and the machine's stand-ins.
    tool: PathBuf,
    /// Directories of the real machine every unit's view shares, each with the variable that
    /// names it to `dispatch`.
    shared: Vec<(String, PathBuf)>,
}

impl UnitAgent {
    /// An agent whose hook commands are `hook_tool` (the simulator's binary, `juju-hook-tool`,
    /// which acts as the hook command it is called as). A `dispatch` running longer than
    /// `timeout` is killed.
    pub fn new(hook_tool: &Path, timeout: Duration) -> anyhow::Result<Self> {
        let hook_tool = hook_tool.canonicalize().with_context(|| {
            format!(
                "cannot find the hook-command binary {}",
                hook_tool.display()
            )
        })?;
        let dir = tempfile::Builder::new()
            .prefix("charm-host-agent-")
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .context("cannot create the unit agent's directory")?;
        let tools = dir.path().join("tools");
        std::fs::create_dir(&tools)?;
        // Each hook command is a link named after it: the binary acts as the name it is run as.
        for tool in TOOLS {
            std::os::unix::fs::symlink(&hook_tool, tools.join(tool))
                .with_context(|| format!("cannot install hook command {tool}"))?;
        }
        let mut path = tools.into_os_string();
        if let Some(inherited) = std::env::var_os("PATH") {
            path.push(":");
            path.push(inherited);
        }
        Ok(UnitAgent {
            dir,
            timeout,
            path,
            tool: hook_tool,
            shared: Vec::new(),
        })
    }

    /// The agent's private directory (charms packed for it go here too).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Lets every unit's view share `dir` of the real machine (writes there reach it), named
    /// to `dispatch` by the variable `name`: for what units on one machine share, such as the
    /// host's artifact cache.
    pub fn share(&mut self, name: &str, dir: &Path) -> anyhow::Result<()> {
        let dir = dir
            .canonicalize()
            .with_context(|| format!("cannot share {}", dir.display()))?;
        self.shared.push((name.to_string(), dir));
        Ok(())
    }

    /// Where `unit`'s view of the machine keeps what the unit changed: per overlaid part of
    /// the machine (`etc`, `srv`, `usr-bin`, ...), its `upper` layer.
    pub fn machine_dir(&self, unit: &str) -> PathBuf {
        self.dir
            .path()
            .join("units")
            .join(unit.replace('/', "-"))
            .join("machine")
    }

    /// Installs `charm_dir` for `unit` (once): the unit gets its own copy, as on a Juju
    /// machine, so state a charm keeps in its directory (ops' `.unit-state.db`) is per unit.
    pub fn install(&self, unit: &str, charm_dir: &Path) -> anyhow::Result<PathBuf> {
        let target = self
            .dir
            .path()
            .join("units")
            .join(unit.replace('/', "-"))
            .join("charm");
        if !target.exists() {
            if !charm_dir.join("dispatch").is_file() {
                bail!(
                    "{} is not a charm directory: it has no dispatch",
                    charm_dir.display()
                );
            }
            copy_tree(charm_dir, &target)
                .with_context(|| format!("cannot install {} for {unit}", charm_dir.display()))?;
        }
        Ok(target)
    }

    /// Runs the unit's `dispatch` (in `unit_dir`, from [`UnitAgent::install`]) for the hook
    /// `context` describes, with Juju's hook environment `env`.
    pub fn dispatch(
        &self,
        unit_dir: &Path,
        context: HookContext,
        env: &[(String, String)],
    ) -> anyhow::Result<Dispatched> {
        let hook = crate::dispatched_name(env);
        let state_path = self.dir.path().join("state.json");
        let mut context = context;
        let machine_dir = self.machine_dir(&context.unit);
        let shared: Vec<&Path> = self.shared.iter().map(|(_, dir)| dir.as_path()).collect();
        let view = super::view::View::prepare(
            &machine_dir,
            context.machine(),
            &self.tool,
            &state_path,
            &shared,
        )
        .context("cannot prepare the unit's view of the machine")?;
        state::write(
            &state_path,
            &SimState {
                hook: hook.clone(),
                context,
                invocations: Vec::new(),
            },
        )
        .context("cannot write the simulator's state")?;
        let mut command = Command::new(unit_dir.join("dispatch"));
        command
            .current_dir(unit_dir)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("PATH", &self.path)
            .env("JUJU_CHARM_DIR", unit_dir)
            .env("JUJU_VERSION", JUJU_VERSION)
            .env("JUJU_CONTEXT_ID", format!("{hook}-{}", std::process::id()))
            .env(STATE_ENV, &state_path)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(home) = std::env::var_os("HOME") {
            command.env("HOME", home);
        }
        command.envs(self.shared.iter().map(|(name, dir)| (name, dir)));
        view.enter(&mut command)?;
        let child = command.spawn().with_context(|| {
            format!(
                "cannot run {}/dispatch in the unit's own view of the machine (a mount namespace with overlays: run as root, with CAP_SYS_ADMIN)",
                unit_dir.display()
            )
        })?;
        let (status, stdout, stderr) = match wait_bounded(child, None, self.timeout) {
            Ok(out) => (
                Some(out.status),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ),
            Err(Unfinished::TimedOut) => (None, String::new(), String::new()),
            Err(Unfinished::Wait(e)) => return Err(e.into()),
        };
        let last_line = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default();
        let outcome = match status.map(|s| s.code()) {
            None => Err(format!(
                "{hook}: dispatch did not finish within {} s and was killed",
                self.timeout.as_secs_f64()
            )),
            Some(Some(0)) => Ok(()),
            Some(Some(code)) => Err(format!(
                "{hook}: dispatch exited with status {code}{last_line}"
            )),
            Some(None) => Err(format!(
                "{hook}: dispatch was killed by a signal{last_line}"
            )),
        };
        let mut state = state::read(&state_path).context("cannot read the simulator's state")?;
        std::fs::remove_file(&state_path)?;
        state.context.machine().files = view.files()?;
        Ok(Dispatched {
            context: state.context,
            invocations: state.invocations,
            outcome,
            stdout,
            stderr,
        })
    }
}

/// Copies a charm directory: programs hard-linked where possible (a bundled host binary is
/// large), other files copied (a charm may write to them, as ops does to its
/// `.unit-state.db`, and a link would share that with the source and the other units),
/// symlinks re-pointed at what they pointed to, permissions kept.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let target = std::fs::read_link(&src)?;
            let absolute = if target.is_absolute() {
                target
            } else {
                from.join(target)
            };
            std::os::unix::fs::symlink(absolute.canonicalize()?, &dst)?;
        } else if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if entry.metadata()?.permissions().mode() & 0o111 == 0
            || std::fs::hard_link(&src, &dst).is_err()
        {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_a_unit_changes_in_its_charm_directory_stays_its_own() {
        let source = tempfile::tempdir().unwrap();
        let dispatch = source.path().join("dispatch");
        std::fs::write(&dispatch, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(source.path().join(".unit-state.db"), "fresh").unwrap();
        let agent = UnitAgent::new(Path::new("/usr/bin/true"), Duration::from_secs(5)).unwrap();
        let first = agent.install("app/0", source.path()).unwrap();
        let second = agent.install("app/1", source.path()).unwrap();
        std::fs::write(first.join(".unit-state.db"), "app/0's state").unwrap();
        for untouched in [source.path(), second.as_path()] {
            let state = std::fs::read_to_string(untouched.join(".unit-state.db")).unwrap();
            assert_eq!(state, "fresh", "{}", untouched.display());
        }
    }
}
