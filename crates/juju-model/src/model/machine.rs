//! Each unit's machine, as the model keeps it: a file tree, the programs the scenario put on
//! it (with the results they give), its services and the connections it accepts, and what the
//! charm did to them. The in-process mock carries a charm's requests out here; the simulator's
//! stand-ins for `systemctl`, `snap` and a scenario's programs do too, while a packed charm's
//! files are real files in the unit's own view of the machine, read back after each hook.
//!
//! Changes happen at once, as on a real machine: a failed hook does not undo them.

use std::collections::BTreeMap;
use std::fmt;

use juju_hookcmds::workload::{
    CommandOutput, CommandRun, FileInfo, FileKind, Ownership, ServiceAction, ServiceManager,
    ServiceState, service_argv,
};
use serde::{Deserialize, Serialize};

/// What a request did wrong, in the contract's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineError {
    /// No such file, program or address.
    NotFound(String),
    /// A request the machine cannot carry out as asked (not a regular file, not empty, ...).
    Invalid(String),
    /// The program or service manager failed: its complaint.
    Failed(String),
}

impl fmt::Display for MachineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MachineError::NotFound(m) | MachineError::Invalid(m) | MachineError::Failed(m) => {
                f.write_str(m)
            }
        }
    }
}

/// A file or directory. Its `Debug` shows the size of a file, never its content.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The content of a file; `None` for a directory.
    pub content: Option<Vec<u8>>,
    /// Permission, set-id and sticky bits.
    pub mode: u32,
    /// The owning user.
    pub owner: String,
    /// The owning group.
    pub group: String,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.content {
            Some(c) => write!(
                f,
                "file {:04o} {}:{} ({} bytes)",
                self.mode,
                self.owner,
                self.group,
                c.len()
            ),
            None => write!(
                f,
                "directory {:04o} {}:{}",
                self.mode, self.owner, self.group
            ),
        }
    }
}

/// A program the scenario put on the machine: what it answers every time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Its exit code.
    #[serde(default)]
    pub exit: i32,
    /// What it prints.
    #[serde(default)]
    pub stdout: String,
    /// What it prints on stderr.
    #[serde(default)]
    pub stderr: String,
}

/// A program run: the command line exactly, and how many bytes it read on stdin (never
/// what: it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    /// argv, the program first.
    pub argv: Vec<String>,
    /// The user it ran as.
    pub user: String,
    /// Bytes it was given on stdin.
    pub stdin_bytes: usize,
}

/// A service: systemd's view of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// `active`, `inactive`, `failed`.
    pub active: String,
    /// `enabled` or `disabled`.
    pub enabled: String,
}

/// A connection the charm opened: where, and how many bytes it sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// `host:port` as the charm asked.
    pub to: String,
    /// Bytes it sent.
    pub sent: usize,
}

/// A unit's machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Every file and directory by absolute path (`/` itself is implied).
    pub files: BTreeMap<String, Entry>,
    /// Programs by absolute path (the scenario's; `systemctl` and `snap` are the model's).
    pub programs: BTreeMap<String, Program>,
    /// Services by name (`webserver` for systemd's `webserver.service`, `<snap>.<app>`).
    pub services: BTreeMap<String, Service>,
    /// Names and addresses that accept connections, by `host:port`: what they answer.
    pub listeners: BTreeMap<String, String>,
    /// Names the machine resolves (its `/etc/hosts`).
    pub hosts: BTreeMap<String, std::net::IpAddr>,
    /// Programs run, in order (service actions as the command line production runs).
    pub ran: Vec<Ran>,
    /// Connections opened, in order.
    pub connections: Vec<Connection>,
}

/// The directories every machine has, root's, 0755.
const BASE: &[&str] = &[
    "/etc",
    "/opt",
    "/srv",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/local",
    "/usr/local/bin",
    "/var",
    "/var/lib",
    "/var/log",
];

impl Default for Machine {
    fn default() -> Self {
        let dir = Entry {
            content: None,
            mode: 0o755,
            owner: "root".into(),
            group: "root".into(),
        };
        Machine {
            files: BASE.iter().map(|p| (p.to_string(), dir.clone())).collect(),
            programs: BTreeMap::new(),
            services: BTreeMap::new(),
            listeners: BTreeMap::new(),
            hosts: [(
                "localhost".to_string(),
                std::net::IpAddr::from([127, 0, 0, 1]),
            )]
            .into(),
            ran: Vec::new(),
            connections: Vec::new(),
        }
    }
}

fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

/// The service's name as systemd knows it: `webserver` is `webserver.service`.
fn unit_file(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{name}.service")
    }
}

impl Machine {
    fn parent_dir(&self, path: &str) -> Result<(), MachineError> {
        let dir = parent(path);
        if dir == "/" {
            return Ok(());
        }
        match self.files.get(dir) {
            Some(e) if e.content.is_none() => Ok(()),
            Some(_) => Err(MachineError::Invalid(format!(
                "{path}: a component is not a directory"
            ))),
            None => Err(MachineError::NotFound(format!(
                "{path}: no such file or directory"
            ))),
        }
    }

    /// A regular file's content (at most `max` bytes).
    pub fn read(&self, path: &str, max: usize) -> Result<Vec<u8>, MachineError> {
        self.parent_dir(path)?;
        match self.files.get(path) {
            None => Err(MachineError::NotFound(format!(
                "{path}: no such file or directory"
            ))),
            Some(Entry { content: None, .. }) => {
                Err(MachineError::Invalid(format!("{path}: not a regular file")))
            }
            Some(Entry {
                content: Some(c), ..
            }) if c.len() > max => Err(MachineError::Invalid(format!(
                "{path}: {} bytes, more than one call carries ({max})",
                c.len()
            ))),
            Some(Entry {
                content: Some(c), ..
            }) => Ok(c.clone()),
        }
    }

    /// Replaces a file.
    pub fn write(
        &mut self,
        path: &str,
        content: &[u8],
        mode: u32,
        owner: &Ownership,
    ) -> Result<(), MachineError> {
        self.parent_dir(path)?;
        if self.files.get(path).is_some_and(|e| e.content.is_none()) {
            return Err(MachineError::Invalid(format!(
                "{path}: not a regular file, so it is not replaced"
            )));
        }
        self.files.insert(
            path.to_string(),
            Entry {
                content: Some(content.to_vec()),
                mode,
                owner: owner.owner().to_string(),
                group: owner.group().to_string(),
            },
        );
        Ok(())
    }

    /// Removes a file or an empty directory.
    pub fn remove(&mut self, path: &str) -> Result<bool, MachineError> {
        self.parent_dir(path)?;
        let prefix = format!("{path}/");
        if self.files.keys().any(|k| k.starts_with(&prefix)) {
            return Err(MachineError::Invalid(format!(
                "{path}: the directory is not empty"
            )));
        }
        Ok(self.files.remove(path).is_some())
    }

    /// The names in a directory, sorted.
    pub fn list(&self, path: &str) -> Result<Vec<String>, MachineError> {
        match self.files.get(path) {
            None => {
                return Err(MachineError::NotFound(format!(
                    "{path}: no such file or directory"
                )));
            }
            Some(e) if e.content.is_some() => {
                return Err(MachineError::Invalid(format!(
                    "{path}: a component is not a directory"
                )));
            }
            _ => {}
        }
        let prefix = format!("{path}/");
        Ok(self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(String::from)
            .collect())
    }

    /// Makes a directory unless there is one.
    pub fn make_dir(
        &mut self,
        path: &str,
        mode: u32,
        owner: &Ownership,
    ) -> Result<bool, MachineError> {
        self.parent_dir(path)?;
        match self.files.get(path) {
            Some(e) if e.content.is_none() => return Ok(false),
            Some(_) => {
                return Err(MachineError::Invalid(format!(
                    "{path}: exists and is not a directory"
                )));
            }
            None => {}
        }
        self.files.insert(
            path.to_string(),
            Entry {
                content: None,
                mode,
                owner: owner.owner().to_string(),
                group: owner.group().to_string(),
            },
        );
        Ok(true)
    }

    /// What is at `path`.
    pub fn stat(&self, path: &str) -> Result<Option<FileInfo>, MachineError> {
        self.parent_dir(path).or_else(|e| match e {
            MachineError::NotFound(_) => Ok(()),
            other => Err(other),
        })?;
        Ok(self.files.get(path).map(|e| FileInfo {
            kind: if e.content.is_some() {
                FileKind::File
            } else {
                FileKind::Directory
            },
            size: e.content.as_ref().map_or(4096, |c| c.len() as u64),
            mode: e.mode,
            owner: e.owner.clone(),
            group: e.group.clone(),
        }))
    }

    fn record(&mut self, argv: Vec<String>, user: &str, stdin: usize) {
        self.ran.push(Ran {
            argv,
            user: user.to_string(),
            stdin_bytes: stdin,
        });
    }

    /// Runs a program the scenario put here (recorded whatever it answers).
    pub fn run(&mut self, run: &CommandRun) -> Result<CommandOutput, MachineError> {
        let Some(program) = self.programs.get(&run.program).cloned() else {
            return Err(MachineError::NotFound(format!(
                "{}: no such program",
                run.program
            )));
        };
        let mut argv = vec![run.program.clone()];
        argv.extend(run.args.iter().cloned());
        let stdin = run.stdin.as_ref().map_or(0, Vec::len);
        self.record(argv, run.user.as_deref().unwrap_or("root"), stdin);
        let cap = |s: &str| s.as_bytes()[..s.len().min(run.output)].to_vec();
        Ok(CommandOutput {
            exit_code: Some(program.exit),
            timed_out: false,
            stdout: cap(&program.stdout),
            stderr: cap(&program.stderr),
            truncated: program.stdout.len().max(program.stderr.len()) > run.output,
        })
    }

    /// Carries out a service action as systemd (or snapd) would, recording its command line.
    pub fn service_act(
        &mut self,
        manager: ServiceManager,
        name: &str,
        action: ServiceAction,
    ) -> Result<(), MachineError> {
        self.record(service_argv(manager, action, name), "root", 0);
        let shown = match manager {
            ServiceManager::Systemd => unit_file(name),
            ServiceManager::Snap => name.to_string(),
        };
        let Some(service) = self.services.get_mut(name) else {
            return Err(MachineError::Failed(match manager {
                ServiceManager::Systemd => format!(
                    "Failed to {} {shown}: Unit {shown} not found.",
                    action.name()
                ),
                ServiceManager::Snap => format!("error: snap {:?} has no service", name),
            }));
        };
        let set = |s: &mut String, v: &str| *s = v.to_string();
        match action {
            ServiceAction::Start | ServiceAction::Restart => set(&mut service.active, "active"),
            ServiceAction::Stop => set(&mut service.active, "inactive"),
            ServiceAction::Reload if service.active != "active" => {
                return Err(MachineError::Failed(format!(
                    "Job for {shown} failed: {shown} is not active, cannot reload."
                )));
            }
            ServiceAction::Reload | ServiceAction::Query => {}
            ServiceAction::Enable => {
                set(&mut service.enabled, "enabled");
                if manager == ServiceManager::Snap {
                    set(&mut service.active, "active");
                }
            }
            ServiceAction::Disable => {
                set(&mut service.enabled, "disabled");
                if manager == ServiceManager::Snap {
                    set(&mut service.active, "inactive");
                }
            }
        }
        Ok(())
    }

    /// A service's state; systemd reports an unknown unit as inactive, snapd refuses.
    pub fn service_query(
        &mut self,
        manager: ServiceManager,
        name: &str,
    ) -> Result<ServiceState, MachineError> {
        self.record(service_argv(manager, ServiceAction::Query, name), "root", 0);
        match (self.services.get(name), manager) {
            (Some(s), _) => Ok(ServiceState {
                active: s.active.clone(),
                enabled: s.enabled.clone(),
            }),
            (None, ServiceManager::Systemd) => Ok(ServiceState {
                active: "inactive".into(),
                enabled: String::new(),
            }),
            (None, ServiceManager::Snap) => Err(MachineError::Failed(format!(
                "error: snap {name:?} has no service"
            ))),
        }
    }

    /// The addresses `host` stands for: itself if it is an address, else what the machine's
    /// hosts file says.
    pub fn resolve(&self, host: &str) -> Result<Vec<std::net::IpAddr>, MachineError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(addr) = bare.parse() {
            return Ok(vec![addr]);
        }
        match self.hosts.get(&host.to_ascii_lowercase()) {
            Some(addr) => Ok(vec![*addr]),
            None => Err(MachineError::NotFound(format!(
                "{host}: the name does not resolve"
            ))),
        }
    }

    /// What a listener at `host:port` answers, recording the connection (its index in
    /// [`Machine::connections`] and the answer); refused if none listens there.
    pub fn connect(&mut self, host: &str, port: u16) -> Result<(usize, String), MachineError> {
        let to = format!("{host}:{port}");
        let Some(answer) = self.listeners.get(&to).cloned() else {
            return Err(MachineError::Failed(format!(
                "connecting to {to}: Connection refused"
            )));
        };
        self.connections.push(Connection { to, sent: 0 });
        Ok((self.connections.len() - 1, answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Ownership {
        Ownership::default()
    }

    #[test]
    fn a_file_needs_its_directory_and_a_directory_is_never_replaced_by_a_file() {
        let mut m = Machine::default();
        assert!(matches!(
            m.write("/etc/webserver/database.json", b"{}", 0o600, &root()),
            Err(MachineError::NotFound(_))
        ));
        assert!(m.make_dir("/etc/webserver", 0o700, &root()).unwrap());
        assert!(!m.make_dir("/etc/webserver", 0o755, &root()).unwrap());
        m.write("/etc/webserver/database.json", b"{}", 0o600, &root())
            .unwrap();
        assert!(matches!(
            m.write("/etc/webserver", b"x", 0o600, &root()),
            Err(MachineError::Invalid(_))
        ));
        assert!(matches!(
            m.remove("/etc/webserver"),
            Err(MachineError::Invalid(_))
        ));
        assert_eq!(m.list("/etc/webserver").unwrap(), ["database.json"]);
        assert!(m.remove("/etc/webserver/database.json").unwrap());
        assert!(!m.remove("/etc/webserver/database.json").unwrap());
    }

    #[test]
    fn a_machine_debug_output_never_shows_file_content() {
        let mut m = Machine::default();
        m.write("/etc/secret", b"s3cret-password", 0o600, &root())
            .unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("15 bytes"), "{shown}");
    }

    #[test]
    fn reloading_a_service_needs_it_active_and_an_unknown_unit_is_systemds_refusal() {
        let mut m = Machine::default();
        let err = m
            .service_act(ServiceManager::Systemd, "webserver", ServiceAction::Reload)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to reload webserver.service: Unit webserver.service not found."
        );
        m.services.insert(
            "webserver".into(),
            Service {
                active: "inactive".into(),
                enabled: "enabled".into(),
            },
        );
        assert!(
            m.service_act(ServiceManager::Systemd, "webserver", ServiceAction::Reload)
                .is_err()
        );
        m.service_act(ServiceManager::Systemd, "webserver", ServiceAction::Start)
            .unwrap();
        m.service_act(ServiceManager::Systemd, "webserver", ServiceAction::Reload)
            .unwrap();
        let argvs: Vec<String> = m.ran.iter().map(|r| r.argv.join(" ")).collect();
        assert_eq!(argvs.last().unwrap(), "/usr/bin/systemctl reload webserver");
    }

    #[test]
    fn a_program_run_is_recorded_without_what_it_read() {
        let mut m = Machine::default();
        m.programs
            .insert("/usr/local/bin/tool".into(), Program::default());
        let run = CommandRun {
            program: "/usr/local/bin/tool".into(),
            args: vec!["admin".into()],
            stdin: Some(b"s3cret".to_vec()),
            user: None,
            env: vec![],
            cwd: "/".into(),
            timeout: std::time::Duration::from_secs(1),
            output: 100,
        };
        assert_eq!(m.run(&run).unwrap().exit_code, Some(0));
        assert_eq!(m.ran[0].argv, ["/usr/local/bin/tool", "admin"]);
        assert_eq!(m.ran[0].stdin_bytes, 6);
        assert!(!format!("{m:?}").contains("s3cret"));
        let missing = CommandRun {
            program: "/usr/bin/nope".into(),
            ..run
        };
        assert!(matches!(m.run(&missing), Err(MachineError::NotFound(_))));
    }
}
