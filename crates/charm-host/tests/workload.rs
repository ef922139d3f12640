//! The unit's machine under grants: files, commands, services and outbound TCP, each only as
//! the manifest grants. Each rule runs in process (the model's machine) and packed through
//! `dispatch`, where the host acts on the real machine — the unit's own view of it, a mount
//! namespace with overlays the simulated unit agent gives each unit (these tests need root).
//!
//! The charm is `test-charms/scripted` (its manifest grants `/srv/scripted` and below, a few
//! programs, the `webserver` unit and `localhost:41000-41999`); each step logs
//! `step N <op>: ok ...` or `step N <op>: error <kind>: <message>`.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use serde_json::{Value, json};

use charm_runtime::capabilities::Manifest;
use charm_runtime::engine::Limits;
use charm_testing::Harness;
use juju_hookcmds::ConfigValue;
use juju_model::{HookKind, Machine, Program, Service};

fn charm_file(file: &str) -> std::path::PathBuf {
    common::workspace_root()
        .join("test-charms/scripted")
        .join(file)
}

/// `units` units of the scripted charm as `tool`, with `machine`, under `manifest`.
fn deployed_with(packed: bool, units: u32, machine: Machine, manifest: &Path) -> Harness {
    let mut h = Harness::new(Limits::default()).unwrap();
    let component = common::component("scripted-charm");
    if packed {
        h.use_hook_commands(&common::charm_host_binary()).unwrap();
        h.deploy_packed(
            "tool",
            &component,
            manifest,
            Some(&charm_file("metadata.yaml")),
            units,
        )
        .unwrap();
    } else {
        h.deploy("tool", &component, Manifest::load(manifest).unwrap(), units)
            .unwrap();
        h.declare("tool", Some(&charm_file("metadata.yaml")), None)
            .unwrap();
    }
    h.model.set_machine("tool", machine).unwrap();
    h.model.queue.clear();
    h
}

fn deployed(packed: bool, machine: Machine) -> Harness {
    deployed_with(packed, 1, machine, &charm_file("capabilities.yaml"))
}

/// Runs `steps` on `unit` as one hook: each step's line without its `step N <op>: ` prefix,
/// and the hook's outcome.
fn run(h: &mut Harness, unit: &str, steps: Value) -> (Vec<String>, Result<(), String>) {
    let script = json!({ "run": steps }).to_string();
    h.model
        .apps
        .get_mut("tool")
        .unwrap()
        .config
        .insert("script".into(), ConfigValue::Text(script));
    let logged = h.model.logs.len();
    h.dispatch(unit, HookKind::Other("run".into())).unwrap();
    let steps = h.model.logs[logged..]
        .iter()
        .filter(|l| l.unit == unit && l.message.starts_with("step "))
        .map(|l| {
            let line = l.message.as_str();
            line.split_once(": ")
                .map_or(line, |(_, rest)| rest)
                .to_string()
        })
        .collect();
    (steps, h.hooks().last().unwrap().outcome.clone())
}

fn denied(line: &str) -> bool {
    line.starts_with("error denied-by-policy: ")
}

/// Every one of `steps` was refused by the policy.
fn assert_denied(steps: &[String]) {
    for line in steps {
        assert!(denied(line), "{line}");
    }
}

fn both(check: impl Fn(bool)) {
    check(false);
    check(true);
}

#[test]
fn files_are_written_with_exactly_their_mode_and_owner_and_only_where_granted() {
    both(|packed| {
        let mut h = deployed(packed, Machine::default());
        let (steps, outcome) = run(
            &mut h,
            "tool/0",
            json!([
                {"op": "make-dir", "path": "/srv/scripted", "mode": 0o750},
                {"op": "write-file", "path": "/srv/scripted/app.conf", "content": "port=1", "mode": 0o640},
                {"op": "stat-file", "path": "/srv/scripted/app.conf"},
                {"op": "read-file", "path": "/srv/scripted/app.conf"},
                {"op": "write-file", "path": "/srv/scripted/daemon.conf", "content": "x", "mode": 0o600, "owner": "daemon", "group": "daemon"},
                {"op": "list-dir", "path": "/srv/scripted"},
                {"op": "write-file", "path": "/srv/other", "content": "x", "mode": 0o600},
                {"op": "write-file", "path": "/srv/scripted/../other", "content": "x", "mode": 0o600},
                {"op": "write-file", "path": "/srv/scripted/wide", "content": "x", "mode": 0o666},
                {"op": "write-file", "path": "/srv/scripted/nobody", "content": "x", "mode": 0o600, "owner": "nobody"},
                {"op": "read-file", "path": "/etc/passwd"},
                {"op": "remove-file", "path": "/srv/scripted/daemon.conf"},
                {"op": "remove-file", "path": "/srv/scripted/daemon.conf"},
            ]),
        );
        assert_eq!(outcome, Ok(()), "{steps:?}");
        assert_eq!(steps[0], "ok true");
        assert_eq!(steps[1], "ok");
        assert_eq!(steps[2], "ok file 0640 root:root");
        assert_eq!(steps[3], "ok port=1");
        assert_eq!(steps[4], "ok", "{packed}");
        assert_eq!(steps[5], "ok app.conf, daemon.conf");
        assert_denied(&steps[6..=10]);
        assert_eq!(steps[11..], ["ok true", "ok false"]);
        let machine = h.model.machine_of("tool/0").unwrap();
        let conf = &machine.files["/srv/scripted/app.conf"];
        assert_eq!(
            (conf.mode, conf.content.as_deref()),
            (0o640, Some(&b"port=1"[..]))
        );
        assert_eq!(machine.files["/srv/scripted"].mode, 0o750);
        for never in ["/srv/other", "/srv/scripted/wide", "/srv/scripted/nobody"] {
            assert!(!machine.files.contains_key(never), "{packed}: {never}");
        }
        if packed {
            assert!(
                !Path::new("/srv/scripted").exists(),
                "the host's own /srv is untouched"
            );
        }
    });
}

#[test]
fn a_symlink_planted_in_a_granted_tree_is_never_followed() {
    let mut h = deployed(true, Machine::default());
    let (steps, _) = run(
        &mut h,
        "tool/0",
        json!([{"op": "make-dir", "path": "/srv/scripted", "mode": 0o755}]),
    );
    assert_eq!(steps, ["ok true"]);
    // What a compromised workload could do in a directory the charm writes to.
    let upper = h.machine_dir("tool/0").unwrap().join("srv/upper/scripted");
    std::os::unix::fs::symlink("/etc", upper.join("etc")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", upper.join("passwd")).unwrap();
    let (steps, outcome) = run(
        &mut h,
        "tool/0",
        json!([
            {"op": "write-file", "path": "/srv/scripted/etc/cron.d", "content": "* * * * * root sh", "mode": 0o644},
            {"op": "read-file", "path": "/srv/scripted/passwd"},
            {"op": "list-dir", "path": "/srv/scripted/etc"},
            {"op": "write-file", "path": "/srv/scripted/passwd", "content": "x", "mode": 0o644},
            {"op": "stat-file", "path": "/srv/scripted/passwd"},
        ]),
    );
    assert_eq!(outcome, Ok(()));
    assert_denied(&steps[..3]);
    assert!(
        steps[3].starts_with("error invalid-argument: "),
        "{}",
        steps[3]
    );
    assert_eq!(steps[4], "ok symlink 0777 root:root");
    assert!(!Path::new("/etc/cron.d/cron.d").exists());
}

#[test]
fn commands_run_exactly_as_granted_and_nothing_else_runs() {
    let mut h = deployed(true, Machine::default());
    let (steps, outcome) = run(
        &mut h,
        "tool/0",
        json!([
            {"op": "run", "program": "/usr/bin/cat", "stdin": "s3cret-on-stdin"},
            {"op": "run", "program": "/usr/bin/printenv"},
            {"op": "run", "program": "/usr/bin/sleep", "args": ["30"]},
            {"op": "run", "program": "/usr/bin/seq", "args": ["100000"]},
            {"op": "run", "program": "/usr/bin/id", "args": ["-u"]},
            {"op": "make-dir", "path": "/srv/scripted", "mode": 0o755},
            {"op": "run", "program": "/usr/bin/touch", "args": ["/srv/scripted/made"]},
            {"op": "run", "program": "/usr/bin/touch", "args": ["/srv/scripted/../etc/x"]},
            {"op": "run", "program": "/usr/bin/touch", "args": ["-d"]},
            {"op": "run", "program": "/usr/bin/cat", "args": ["/etc/shadow"]},
            {"op": "run", "program": "/bin/sh", "args": ["-c", "id"]},
            {"op": "run", "program": "/usr/bin/../bin/cat"},
            {"op": "run", "program": "cat"},
        ]),
    );
    assert_eq!(outcome, Ok(()), "{steps:?}");
    assert_eq!(
        steps[0],
        "ok exit=0 timed-out=false truncated=false stdout=s3cret-on-stdin stderr="
    );
    assert_eq!(
        steps[1],
        "ok exit=0 timed-out=false truncated=false stdout=GREETING=hello\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin stderr="
    );
    assert_eq!(
        steps[2],
        "ok exit=none timed-out=true truncated=false stdout= stderr="
    );
    assert!(
        steps[3].starts_with("ok exit=0 timed-out=false truncated=true stdout=1\n2\n"),
        "{}",
        steps[3]
    );
    assert_eq!(
        steps[4],
        "ok exit=0 timed-out=false truncated=false stdout=1 stderr="
    );
    assert_eq!(
        steps[6],
        "ok exit=0 timed-out=false truncated=false stdout= stderr="
    );
    assert_denied(&steps[7..=12]);
    assert!(
        h.model
            .machine_of("tool/0")
            .unwrap()
            .files
            .contains_key("/srv/scripted/made")
    );
    // Secrets go on stdin: no hook command carries it (the test charm itself logs what cat
    // printed, through juju-log).
    assert!(
        h.invocations()
            .iter()
            .filter(|i| i.tool != "juju-log")
            .all(|i| !i.args.join(" ").contains("s3cret"))
    );
}

#[test]
fn a_programs_runs_are_recorded_with_their_command_line_and_never_their_stdin() {
    let mut machine = Machine::default();
    machine.programs.insert(
        "/usr/bin/cat".into(),
        Program {
            exit: 3,
            stdout: String::new(),
            stderr: "refused\n".into(),
        },
    );
    let mut h = deployed(false, machine);
    let (steps, _) = run(
        &mut h,
        "tool/0",
        json!([{"op": "run", "program": "/usr/bin/cat", "stdin": "s3cret"}, {"op": "run", "program": "/usr/bin/seq", "args": ["3"]}]),
    );
    assert_eq!(
        steps[0],
        "ok exit=3 timed-out=false truncated=false stdout= stderr=refused"
    );
    assert!(steps[1].starts_with("error not-found: "), "{}", steps[1]);
    let ran = &h.model.machine_of("tool/0").unwrap().ran;
    assert_eq!(ran[0].argv, ["/usr/bin/cat"]);
    assert_eq!(ran[0].stdin_bytes, 6);
    assert!(!format!("{:?}", h.model.machine_of("tool/0")).contains("s3cret"));
}

#[test]
fn services_act_only_as_granted_through_a_fixed_command_line() {
    both(|packed| {
        let mut machine = Machine::default();
        machine.services.insert(
            "webserver".into(),
            Service {
                active: "inactive".into(),
                enabled: "disabled".into(),
            },
        );
        let mut h = deployed(packed, machine);
        let (steps, outcome) = run(
            &mut h,
            "tool/0",
            json!([
                {"op": "service", "manager": "systemd", "name": "webserver", "action": "reload"},
                {"op": "service", "manager": "systemd", "name": "webserver", "action": "start"},
                {"op": "service", "manager": "systemd", "name": "webserver", "action": "enable"},
                {"op": "service", "manager": "systemd", "name": "webserver", "action": "reload"},
                {"op": "service", "manager": "systemd", "name": "webserver", "action": "query"},
                {"op": "service", "manager": "systemd", "name": "sshd", "action": "stop"},
                {"op": "service", "manager": "systemd", "name": "-webserver", "action": "stop"},
                {"op": "service", "manager": "snap", "name": "lxd.daemon", "action": "stop"},
                {"op": "service", "manager": "snap", "name": "lxd.daemon", "action": "restart"},
            ]),
        );
        assert_eq!(outcome, Ok(()));
        assert!(
            steps[0].starts_with("error backend: "),
            "{packed}: {}",
            steps[0]
        );
        assert!(
            steps[0].contains("webserver.service is not active, cannot reload"),
            "{}",
            steps[0]
        );
        assert_eq!(steps[1..4], ["ok", "ok", "ok"]);
        assert_eq!(steps[4], "ok active enabled");
        assert!(denied(&steps[5]), "{}", steps[5]);
        assert!(
            steps[6].starts_with("error invalid-argument: "),
            "{}",
            steps[6]
        );
        assert!(denied(&steps[7]), "{}", steps[7]);
        assert!(
            steps[8].starts_with("error backend: "),
            "{packed}: {}",
            steps[8]
        );
        let machine = h.model.machine_of("tool/0").unwrap();
        let ran: Vec<String> = machine.ran.iter().map(|r| r.argv.join(" ")).collect();
        assert_eq!(
            ran,
            [
                "/usr/bin/systemctl reload webserver",
                "/usr/bin/systemctl start webserver",
                "/usr/bin/systemctl enable webserver",
                "/usr/bin/systemctl reload webserver",
                "/usr/bin/systemctl show --property=ActiveState,UnitFileState webserver",
                "/usr/bin/snap restart lxd.daemon",
            ],
            "{packed}"
        );
        assert_eq!(machine.services["webserver"].active, "active");
    });
}

/// A listener on a free port of 127.0.0.1 within `range`, answering each connection with
/// `pong:` and what it read.
fn listener(range: std::ops::RangeInclusive<u16>) -> (TcpListener, u16) {
    for port in range {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            return (l, port);
        }
    }
    panic!("no free port");
}

fn answer_once(l: TcpListener) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
            let _ = s.write_all(&[b"pong:".as_slice(), &got].concat());
        }
    })
}

#[test]
fn outbound_tcp_reaches_a_granted_address_and_no_other() {
    let (granted, port) = listener(41000..=41999);
    let (other, other_port) = listener(43000..=43999);
    other.set_nonblocking(true).unwrap();
    let answering = answer_once(granted);
    let mut h = deployed(true, Machine::default());
    let (steps, outcome) = run(
        &mut h,
        "tool/0",
        json!([
            {"op": "connect", "host": "localhost", "port": port, "send": "ping"},
            {"op": "connect", "host": "127.0.0.1", "port": other_port, "send": "x"},
            {"op": "connect", "host": "localhost", "port": other_port, "send": "x"},
            {"op": "connect", "host": "169.254.169.254", "port": 80},
            {"op": "connect", "host": "example.com", "port": 443},
            {"op": "connect", "host": "127.0.0.1", "port": port},
        ]),
    );
    answering.join().unwrap();
    assert_eq!(outcome, Ok(()));
    assert_eq!(steps[0], "ok pong:ping");
    assert_denied(&steps[1..=5]);
    // Refused before any packet: nothing ever reached the other listener.
    assert_eq!(
        other.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}

#[test]
fn a_peer_that_never_answers_costs_the_charm_at_most_the_grants_timeout() {
    let (silent, port) = listener(41000..=41999);
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let granted = std::fs::read_to_string(charm_file("capabilities.yaml")).unwrap();
    std::fs::write(&manifest, format!("{granted}  timeout: 1s\n")).unwrap();
    let mut h = deployed_with(true, 1, Machine::default(), &manifest);
    let started = std::time::Instant::now();
    let (steps, outcome) = run(
        &mut h,
        "tool/0",
        json!([{"op": "connect", "host": "localhost", "port": port, "send": "ping"}]),
    );
    assert_eq!(outcome, Ok(()));
    assert!(
        steps[0].starts_with("error backend: ") && steps[0].contains("timed out"),
        "{}",
        steps[0]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    drop(silent);
}

#[test]
fn in_process_connections_reach_the_models_listeners_only_as_granted() {
    let mut machine = Machine::default();
    machine
        .listeners
        .insert("localhost:41000".into(), "pong".into());
    let mut h = deployed(false, machine);
    let (steps, _) = run(
        &mut h,
        "tool/0",
        json!([
            {"op": "connect", "host": "localhost", "port": 41000, "send": "ping"},
            {"op": "connect", "host": "localhost", "port": 41001},
            {"op": "connect", "host": "127.0.0.1", "port": 41000},
        ]),
    );
    assert_eq!(steps[0], "ok pong");
    assert!(steps[1].starts_with("error backend: "), "{}", steps[1]);
    assert!(denied(&steps[2]), "{}", steps[2]);
    assert_eq!(h.model.machine_of("tool/0").unwrap().connections[0].sent, 4);
}

#[test]
fn each_unit_sees_its_own_machine_and_the_host_sees_neither() {
    let mut h = deployed_with(
        true,
        2,
        Machine::default(),
        &charm_file("capabilities.yaml"),
    );
    for unit in ["tool/0", "tool/1"] {
        let (steps, _) = run(
            &mut h,
            unit,
            json!([
                {"op": "make-dir", "path": "/srv/scripted", "mode": 0o755},
                {"op": "list-dir", "path": "/srv/scripted"},
                {"op": "write-file", "path": "/srv/scripted/who", "content": unit, "mode": 0o644},
            ]),
        );
        assert_eq!(steps, ["ok true", "ok", "ok"], "{unit}");
    }
    for unit in ["tool/0", "tool/1"] {
        let files = &h.model.machine_of(unit).unwrap().files;
        assert_eq!(
            files["/srv/scripted/who"].content.as_deref(),
            Some(unit.as_bytes())
        );
    }
    assert!(!Path::new("/srv/scripted").exists());
    // The units share the host's artifact cache (what `pack` compiled), as units on one
    // machine do: none compiled the charm again into its own view.
    for unit in ["tool/0", "tool/1"] {
        let layers = h.machine_dir(unit).unwrap();
        let cached = layers.join("var/upper/lib/charm-host");
        let found: Vec<_> = walk(&cached);
        assert!(found.is_empty(), "{unit}: {found:?}");
    }
}

#[test]
fn time_spent_in_commands_counts_toward_the_hooks_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let granted = std::fs::read_to_string(charm_file("capabilities.yaml")).unwrap();
    std::fs::write(&manifest, format!("{granted}limits:\n  wall-time: 2s\n")).unwrap();
    let mut h = deployed_with(true, 1, Machine::default(), &manifest);
    let started = std::time::Instant::now();
    let sleep = json!({"op": "run", "program": "/usr/bin/sleep", "args": ["30"]});
    let (_, outcome) = run(&mut h, "tool/0", json!([sleep, sleep, sleep, sleep]));
    let message = outcome.unwrap_err();
    assert!(message.contains("wall"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
}

/// The netprobe test charm in `language`, packed: on install it connects to its configured
/// `host` and `port`, sends `ping` and logs the reply or the refusal.
fn probe(language: &str, host: &str, port: u16) -> String {
    let dir = common::workspace_root()
        .join("test-charms")
        .join(language)
        .join("netprobe");
    let mut h = Harness::new(Limits::default()).unwrap();
    h.use_hook_commands(&common::charm_host_binary()).unwrap();
    h.deploy_packed(
        "probe",
        &common::foreign_component(language, "netprobe"),
        &dir.join("capabilities.yaml"),
        Some(&dir.join("metadata.yaml")),
        1,
    )
    .unwrap();
    h.model.queue.clear();
    let config = h.model.apps.get_mut("probe").unwrap();
    config
        .config
        .insert("host".into(), ConfigValue::Text(host.into()));
    config
        .config
        .insert("port".into(), ConfigValue::Integer(port.into()));
    h.dispatch("probe/0", HookKind::Install).unwrap();
    assert_eq!(h.hooks().last().unwrap().outcome, Ok(()));
    let lines: Vec<&str> = h
        .model
        .logs
        .iter()
        .map(|l| l.message.as_str())
        .filter(|m| m.starts_with("reply: ") || m.starts_with("refused: "))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].to_string()
}

#[test]
fn a_python_or_javascript_charm_reaches_a_granted_address_and_no_other() {
    for language in ["python", "javascript"] {
        let (granted, port) = listener(41000..=41999);
        let answering = answer_once(granted);
        assert_eq!(
            probe(language, "localhost", port),
            "reply: pong:ping",
            "{language}"
        );
        answering.join().unwrap();
        let (other, other_port) = listener(43000..=43999);
        other.set_nonblocking(true).unwrap();
        for (host, port) in [
            ("localhost", other_port),
            ("127.0.0.1", other_port),
            ("169.254.169.254", 80),
        ] {
            let line = probe(language, host, port);
            assert!(
                line.starts_with("refused: denied-by-policy: "),
                "{language} {host}:{port}: {line}"
            );
        }
        assert_eq!(
            other.accept().map(|_| ()).unwrap_err().kind(),
            std::io::ErrorKind::WouldBlock,
            "{language}"
        );
    }
}

#[test]
fn every_call_on_the_machine_counts_toward_the_host_call_budget() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let granted = std::fs::read_to_string(charm_file("capabilities.yaml")).unwrap();
    std::fs::write(&manifest, format!("{granted}limits:\n  host-calls: 8\n")).unwrap();
    let mut h = deployed_with(false, 1, Machine::default(), &manifest);
    let stat = json!({"op": "stat-file", "path": "/srv/scripted"});
    let (steps, outcome) = run(&mut h, "tool/0", json!(vec![stat; 20]));
    let message = outcome.unwrap_err();
    assert!(message.contains("host calls"), "{message}");
    assert!(steps.len() < 8, "{steps:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let mut all = vec![e.path()];
            all.extend(walk(&e.path()));
            all
        })
        .collect()
}
