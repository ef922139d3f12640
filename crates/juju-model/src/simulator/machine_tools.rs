//! The simulated machine's stand-ins for `systemctl`, `snap` and the programs a scenario puts
//! on a unit's machine: the simulator's binary linked at those paths in the unit's own view
//! of the machine. The host runs them exactly as it would run the real ones (by absolute
//! path, with a cleared environment), so they find the hook's state at a fixed path in that
//! view, [`MACHINE_STATE`], and carry the request out on the unit's [`crate::Machine`].

use std::io::{Read, Write};
use std::path::Path;

use juju_hookcmds::workload::{CommandRun, ServiceAction, parse_service_argv};

use super::state;
use crate::{Call, MachineError};

/// Where, in a unit's view of the machine, the stand-ins find the hook's state (a link the
/// unit agent puts in the unit's own `/etc`).
pub const MACHINE_STATE: &str = "/etc/charm-simulator/state.json";

/// Runs as the program `argv0` names: prints what it would, returns its exit status.
pub fn main(argv0: &str, args: Vec<String>) -> i32 {
    let name = Path::new(argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(path) = std::fs::canonicalize(MACHINE_STATE) else {
        eprintln!(
            "{name}: no hook is running in this view of the machine ({MACHINE_STATE} is missing)"
        );
        return 1;
    };
    let mut stdin = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut stdin);
    let outcome = state::update(&path, |state| {
        let unit = state.context.unit.clone();
        let machine = state.context.machine();
        let service = parse_service_argv(&name, &args);
        let result = match &service {
            Some((manager, ServiceAction::Query, service)) => machine
                .service_query(*manager, service)
                .map(|s| match manager {
                    juju_hookcmds::workload::ServiceManager::Systemd => (
                        format!("ActiveState={}\nUnitFileState={}\n", s.active, s.enabled),
                        String::new(),
                        0,
                    ),
                    juju_hookcmds::workload::ServiceManager::Snap => (
                        format!(
                            "Service  Startup  Current  Notes\n{service}  {}  {}  -\n",
                            s.enabled, s.active
                        ),
                        String::new(),
                        0,
                    ),
                }),
            Some((manager, action, service)) => machine
                .service_act(*manager, service, *action)
                .map(|()| (String::new(), String::new(), 0)),
            None if name == "systemctl" || name == "snap" => Err(MachineError::Invalid(format!(
                "{name}: not a command line the host runs: {args:?}"
            ))),
            None => machine
                .run(&CommandRun {
                    program: argv0.to_string(),
                    args: args.clone(),
                    stdin: Some(stdin.clone()),
                    user: None,
                    env: Vec::new(),
                    cwd: "/".into(),
                    timeout: std::time::Duration::from_secs(10),
                    output: usize::MAX,
                })
                .map(|o| {
                    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                    (text(&o.stdout), text(&o.stderr), o.exit_code.unwrap_or(1))
                }),
        };
        let stdin_shown = if service.is_none() && !stdin.is_empty() {
            format!(" <stdin: {} bytes redacted>", stdin.len())
        } else {
            String::new()
        };
        state.context.calls.push(Call {
            unit,
            operation: format!("{argv0} {}{stdin_shown}", args.join(" ")),
            outcome: match &result {
                Ok((_, _, code)) if *code == 0 => "ok".into(),
                Ok((_, _, code)) => format!("ok: exit {code}"),
                Err(e) => format!("error: {e}"),
            },
        });
        result
    });
    match outcome {
        Ok(Ok((stdout, stderr, code))) => {
            let _ = std::io::stdout().write_all(stdout.as_bytes());
            let _ = std::io::stderr().write_all(stderr.as_bytes());
            code
        }
        Ok(Err(e)) => {
            eprintln!("{e}");
            match e {
                MachineError::NotFound(_) => 127,
                MachineError::Failed(m) if m.contains("not found") => 5,
                _ => 1,
            }
        }
        Err(e) => {
            eprintln!("{name}: {e}");
            1
        }
    }
}
