//! The vocabulary of a unit's machine, both ways: what the host asks of the workload's files,
//! programs and services, and the fixed command lines it runs for a service (`systemctl`,
//! `snap`) with how it reads their answers. The production host and the simulated machine's
//! stand-ins for `systemctl` and `snap` both build on it, so the grammar exists once.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The one `systemctl` the host runs: never found through `PATH`.
pub const SYSTEMCTL: &str = "/usr/bin/systemctl";
/// The one `snap` the host runs.
pub const SNAP: &str = "/usr/bin/snap";

/// What a path is; a symlink is never followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A device, FIFO or socket.
    Other,
}

/// What `stat` tells about a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// What it is.
    pub kind: FileKind,
    /// Its size in bytes.
    pub size: u64,
    /// Permission, set-id and sticky bits.
    pub mode: u32,
    /// The owning user's name (its number if it has none).
    pub owner: String,
    /// The owning group's name (its number if it has none).
    pub group: String,
}

/// Who owns what the charm writes; each `None` is root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    /// The user.
    pub owner: Option<String>,
    /// The group.
    pub group: Option<String>,
}

impl Ownership {
    /// The user's name (`root` when none is given).
    pub fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or("root")
    }

    /// The group's name (`root` when none is given).
    pub fn group(&self) -> &str {
        self.group.as_deref().unwrap_or("root")
    }
}

/// A program to run, exactly as a grant allows it: nothing of it comes from the charm but
/// the program and arguments the grant matched, and stdin.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRun {
    /// The absolute path of the program.
    pub program: String,
    /// Its arguments (argv[1..]).
    pub args: Vec<String>,
    /// What it reads on stdin (it may hold a secret: never shown).
    pub stdin: Option<Vec<u8>>,
    /// The user it runs as; `None` is root.
    pub user: Option<String>,
    /// Its whole environment.
    pub env: Vec<(String, String)>,
    /// Its working directory.
    pub cwd: String,
    /// How long it may run.
    pub timeout: Duration,
    /// Bytes kept of each of stdout and stderr.
    pub output: usize,
}

impl fmt::Debug for CommandRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandRun")
            .field("program", &self.program)
            .field("args", &self.args)
            .field(
                "stdin",
                &self.stdin.as_ref().map(|s| format!("<{} bytes>", s.len())),
            )
            .field("user", &self.user)
            .field("env", &self.env)
            .field("cwd", &self.cwd)
            .field("timeout", &self.timeout)
            .field("output", &self.output)
            .finish()
    }
}

/// How a program ended and what it printed. Its `Debug` shows sizes only: a program may
/// print a secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutput {
    /// The exit code; `None` if it was killed.
    pub exit_code: Option<i32>,
    /// It ran past its timeout and was killed.
    pub timed_out: bool,
    /// Its stdout, up to the cap.
    pub stdout: Vec<u8>,
    /// Its stderr, up to the cap.
    pub stderr: Vec<u8>,
    /// Output past the cap was dropped.
    pub truncated: bool,
}

impl fmt::Debug for CommandOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandOutput")
            .field("exit_code", &self.exit_code)
            .field("timed_out", &self.timed_out)
            .field("stdout", &format!("<{} bytes>", self.stdout.len()))
            .field("stderr", &format!("<{} bytes>", self.stderr.len()))
            .field("truncated", &self.truncated)
            .finish()
    }
}

/// Who runs a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceManager {
    /// systemd: a unit.
    Systemd,
    /// snapd: `<snap>.<app>`.
    Snap,
}

/// What to do to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceAction {
    /// Start it.
    Start,
    /// Stop it.
    Stop,
    /// Restart it.
    Restart,
    /// Reload its configuration.
    Reload,
    /// Start it at boot (a snap's also starts now).
    Enable,
    /// Do not start it at boot (a snap's also stops now).
    Disable,
    /// Read its state.
    Query,
}

impl ServiceAction {
    /// Every action, as a manifest names them.
    pub const ALL: [ServiceAction; 7] = [
        ServiceAction::Start,
        ServiceAction::Stop,
        ServiceAction::Restart,
        ServiceAction::Reload,
        ServiceAction::Enable,
        ServiceAction::Disable,
        ServiceAction::Query,
    ];

    /// The action's name (`reload`).
    pub fn name(self) -> &'static str {
        match self {
            ServiceAction::Start => "start",
            ServiceAction::Stop => "stop",
            ServiceAction::Restart => "restart",
            ServiceAction::Reload => "reload",
            ServiceAction::Enable => "enable",
            ServiceAction::Disable => "disable",
            ServiceAction::Query => "query",
        }
    }
}

impl fmt::Display for ServiceManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServiceManager::Systemd => "systemd",
            ServiceManager::Snap => "snap",
        })
    }
}

/// A service as its manager reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceState {
    /// `active`, `inactive`, `failed`, ...
    pub active: String,
    /// `enabled`, `disabled`, `static`, ...
    pub enabled: String,
}

/// Why a service name is refused, or `None` if its manager would take it as exactly one
/// service. A systemd unit name is Juju-agnostic systemd grammar (letters, digits and
/// `:-_.\@`, at most 255 bytes) with three more rules: no leading `-` (it would be an option),
/// no glob characters (systemctl expands patterns over loaded units) and no `/` (systemctl
/// turns paths into mount units). A snap service is `<snap>.<app>` with snapd's name rules: a
/// bare snap name would mean every service of the snap.
pub fn service_name_problem(manager: ServiceManager, name: &str) -> Option<String> {
    let bad = |why: &str| Some(format!("{manager} service {name:?} {why}"));
    match manager {
        ServiceManager::Systemd => {
            if name.is_empty() || name.len() > 255 {
                return bad("is not 1 to 255 bytes long");
            }
            if name.starts_with('-') || name.starts_with('.') {
                return bad("starts with a character a unit name cannot start with");
            }
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":-_.\\@".contains(c))
            {
                return bad("is not a systemd unit name (letters, digits and :-_.\\@ only)");
            }
            None
        }
        ServiceManager::Snap => {
            let Some((snap, app)) = name.split_once('.') else {
                return bad("is not <snap>.<app>");
            };
            let snap_ok = (2..=40).contains(&snap.len())
                && snap
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && snap.chars().any(|c| c.is_ascii_lowercase())
                && !snap.starts_with('-')
                && !snap.ends_with('-')
                && !snap.contains("--");
            let app_ok = !app.is_empty()
                && app.len() <= 255
                && app.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !app.starts_with('-')
                && !app.ends_with('-')
                && !app.contains("--");
            if snap_ok && app_ok {
                None
            } else {
                bad("is not <snap>.<app> with snapd's name rules")
            }
        }
    }
}

/// The command line that carries out `action` on `name`: fixed, so a granted service can
/// never become another command (names are checked first: none starts with `-`).
pub fn service_argv(manager: ServiceManager, action: ServiceAction, name: &str) -> Vec<String> {
    let argv: Vec<&str> = match (manager, action) {
        (ServiceManager::Systemd, ServiceAction::Query) => vec![
            SYSTEMCTL,
            "show",
            "--property=ActiveState,UnitFileState",
            name,
        ],
        (ServiceManager::Systemd, action) => vec![SYSTEMCTL, action.name(), name],
        (ServiceManager::Snap, ServiceAction::Query) => vec![SNAP, "services", name],
        (ServiceManager::Snap, ServiceAction::Reload) => vec![SNAP, "restart", "--reload", name],
        (ServiceManager::Snap, ServiceAction::Enable) => vec![SNAP, "start", "--enable", name],
        (ServiceManager::Snap, ServiceAction::Disable) => vec![SNAP, "stop", "--disable", name],
        (ServiceManager::Snap, action) => vec![SNAP, action.name(), name],
    };
    argv.into_iter().map(String::from).collect()
}

/// The service action a command line built by [`service_argv`] carries out (`program` is
/// its file name, `systemctl` or `snap`), for the simulated machine's stand-ins.
pub fn parse_service_argv(
    program: &str,
    args: &[String],
) -> Option<(ServiceManager, ServiceAction, String)> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (manager, action, name) = match (program, args.as_slice()) {
        ("systemctl", ["show", "--property=ActiveState,UnitFileState", name]) => {
            (ServiceManager::Systemd, ServiceAction::Query, *name)
        }
        ("systemctl", [verb, name]) => (
            ServiceManager::Systemd,
            *ServiceAction::ALL
                .iter()
                .find(|a| a.name() == *verb && **a != ServiceAction::Query)?,
            *name,
        ),
        ("snap", ["services", name]) => (ServiceManager::Snap, ServiceAction::Query, *name),
        ("snap", ["restart", "--reload", name]) => {
            (ServiceManager::Snap, ServiceAction::Reload, *name)
        }
        ("snap", ["start", "--enable", name]) => {
            (ServiceManager::Snap, ServiceAction::Enable, *name)
        }
        ("snap", ["stop", "--disable", name]) => {
            (ServiceManager::Snap, ServiceAction::Disable, *name)
        }
        ("snap", [verb @ ("start" | "stop" | "restart"), name]) => (
            ServiceManager::Snap,
            *ServiceAction::ALL.iter().find(|a| a.name() == *verb)?,
            *name,
        ),
        _ => return None,
    };
    (service_argv(manager, action, name)[1..] == args).then(|| (manager, action, name.to_string()))
}

/// Reads the state out of what the query's command line printed: `systemctl show`'s
/// `Key=Value` lines, or the row of `snap services` (`<name> <startup> <current> <notes>`).
pub fn parse_service_state(
    manager: ServiceManager,
    name: &str,
    stdout: &str,
) -> Result<ServiceState, String> {
    match manager {
        ServiceManager::Systemd => {
            let value = |key: &str| {
                stdout
                    .lines()
                    .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                    .map(str::to_string)
            };
            match (value("ActiveState"), value("UnitFileState")) {
                (Some(active), Some(enabled)) => Ok(ServiceState { active, enabled }),
                _ => Err(format!("systemctl show printed no state for {name:?}")),
            }
        }
        ServiceManager::Snap => {
            let row = stdout
                .lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>())
                .find(|cols| cols.first() == Some(&name));
            match row.as_deref() {
                Some([_, startup, current, ..]) => Ok(ServiceState {
                    active: (*current).to_string(),
                    enabled: (*startup).to_string(),
                }),
                _ => Err(format!("snap services printed no row for {name:?}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_name_that_could_be_an_option_a_pattern_or_a_path_is_refused() {
        let systemd = |n| service_name_problem(ServiceManager::Systemd, n);
        assert_eq!(systemd("webserver"), None);
        assert_eq!(systemd("getty@tty1.service"), None);
        for bad in [
            "",
            "-webserver",
            "--help",
            "web*",
            "web?",
            "/etc/x",
            "a b",
            "a\nb",
        ] {
            assert!(systemd(bad).is_some(), "{bad:?}");
        }
        assert!(systemd(&"a".repeat(256)).is_some());
        let snap = |n| service_name_problem(ServiceManager::Snap, n);
        assert_eq!(snap("lxd.daemon"), None);
        for bad in [
            "lxd",
            "-lxd.daemon",
            "lxd.-x",
            "LXD.daemon",
            "a.b",
            "lxd.da emon",
        ] {
            assert!(snap(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn each_action_is_one_fixed_command_line() {
        use ServiceAction::*;
        use ServiceManager::*;
        let argv = |m, a| service_argv(m, a, "x").join(" ");
        assert_eq!(argv(Systemd, Reload), "/usr/bin/systemctl reload x");
        assert_eq!(
            argv(Systemd, Query),
            "/usr/bin/systemctl show --property=ActiveState,UnitFileState x"
        );
        assert_eq!(argv(Snap, Reload), "/usr/bin/snap restart --reload x");
        assert_eq!(argv(Snap, Enable), "/usr/bin/snap start --enable x");
        assert_eq!(argv(Snap, Disable), "/usr/bin/snap stop --disable x");
        assert_eq!(argv(Snap, Stop), "/usr/bin/snap stop x");
    }

    #[test]
    fn every_service_command_line_reads_back_as_its_action() {
        for manager in [ServiceManager::Systemd, ServiceManager::Snap] {
            for action in ServiceAction::ALL {
                let argv = service_argv(manager, action, "a.b");
                let program = argv[0].rsplit('/').next().unwrap();
                assert_eq!(
                    parse_service_argv(program, &argv[1..]),
                    Some((manager, action, "a.b".to_string())),
                    "{argv:?}"
                );
            }
        }
        assert_eq!(
            parse_service_argv("systemctl", &["mask".into(), "x".into()]),
            None
        );
    }

    #[test]
    fn service_states_are_read_from_systemctl_show_and_snap_services() {
        let state = parse_service_state(
            ServiceManager::Systemd,
            "x",
            "ActiveState=active\nUnitFileState=enabled\n",
        )
        .unwrap();
        assert_eq!(
            (state.active.as_str(), state.enabled.as_str()),
            ("active", "enabled")
        );
        let state = parse_service_state(
            ServiceManager::Snap,
            "lxd.daemon",
            "Service     Startup  Current   Notes\nlxd.daemon  enabled  inactive  socket-activated\n",
        )
        .unwrap();
        assert_eq!(
            (state.active.as_str(), state.enabled.as_str()),
            ("inactive", "enabled")
        );
        assert!(parse_service_state(ServiceManager::Snap, "a.b", "Service Startup\n").is_err());
    }

    #[test]
    fn a_command_runs_debug_output_never_shows_its_stdin() {
        let run = CommandRun {
            program: "/bin/true".into(),
            args: vec![],
            stdin: Some(b"s3cret-password".to_vec()),
            user: None,
            env: vec![],
            cwd: "/".into(),
            timeout: Duration::from_secs(1),
            output: 10,
        };
        let shown = format!("{run:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<15 bytes>"), "{shown}");
    }
}
