//! `charm-host run` end to end: a test component built from source, stub hook commands on
//! PATH that record their argv, and every failure path with its named error.

mod common;

use common::*;

const VALUES: [&str; 2] = ["probe-s3cret-value", "probe-s3cret-rotated"];

/// Exit 1, one line on stderr containing `line`, and no secret value on stderr, in any hook
/// command's argv or in any juju-log line.
fn assert_fails_with(stubs: &StubTools, out: &std::process::Output, line: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "exactly one line on stderr: {err}");
    assert!(err.contains(line), "expected {line:?} in {err:?}");
    for value in VALUES {
        assert!(!err.contains(value), "{err}");
        for call in stubs.calls() {
            assert!(call.iter().all(|a| !a.contains(value)), "{call:?}");
        }
    }
}

#[test]
fn install_performs_every_operation_in_order_through_the_hook_commands() {
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    let out = run_hook(&stubs, &probe(), "install", &[], &[]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let tools: Vec<String> = stubs.calls().into_iter().map(|c| c[0].clone()).collect();
    assert_eq!(
        tools,
        [
            "is-leader",
            "secret-add",
            "secret-get",
            "secret-get",
            "secret-info-get",
            "secret-set",
            "secret-set",
            "relation-ids",
            "secret-grant",
            "secret-revoke",
            "secret-remove",
            "juju-log",
            "secret-ids",
            "relation-list",
            "relation-list",
            "relation-get",
            "relation-set",
            "config-get",
            "juju-log",
            "status-set",
            "juju-log",
        ]
    );
    let calls = stubs.calls();
    let id = format!("secret://42022b73-9739-4a66-890d-f4df231ce55f/{XID}");
    assert_eq!(
        calls[1][..6],
        [
            "secret-add",
            "--owner=application",
            "--label=probe-secret",
            "--description=probe credentials",
            "--expire=3600s",
            "--rotate=daily"
        ]
    );
    assert_eq!(
        calls[3][1..],
        ["--format=json", "--label=probe-secret", "--peek"]
    );
    assert_eq!(calls[6][1..], [id.as_str(), "--description=rotated"]);
    assert_eq!(
        calls[7][1..],
        ["--format=json", "database"],
        "the grant-over check looks the endpoint's relations up once"
    );
    assert_eq!(
        calls[8][1..],
        [id.as_str(), "--relation=3", "--unit=webserver/0"]
    );
    assert_eq!(calls[10][1..], [id.as_str(), "--revision=1"]);
    assert_eq!(
        stubs.read_state("relation-set.1.stdin"),
        format!("{{\"secret-id\":\"{id}\"}}")
    );
    let logs = stubs.logs();
    assert_eq!(
        logs[0],
        format!(
            "WARNING secret-remove --revision 1 secret:{XID} discards this hook's earlier secret-add, secret-grant, secret-revoke of that secret: Juju drops a secret's queued changes when the same hook removes it or any of its revisions"
        ),
        "the probe removes a revision of the secret it just added: the host warns"
    );
    assert_eq!(
        logs[1],
        "INFO probe: leader=true keys=2 peeked=1 revision=1 owner=OwnerKind::Application ids=1 relation=3 units=1 remote=webserver bag=1 config=2"
    );
    assert_eq!(logs[2], "INFO charm stdout: probe finished");
    assert_eq!(calls[19][1..], ["--", "active", "probe ok"]);
}

#[test]
fn no_secret_value_appears_in_any_hook_command_argv() {
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    let out = run_hook(&stubs, &probe(), "install", &[], &[]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    for call in stubs.calls() {
        for value in VALUES {
            assert!(
                call.iter().all(|arg| !arg.contains(value)),
                "{value} leaked in {call:?}"
            );
        }
    }
    assert!(VALUES.iter().all(|v| !stderr(&out).contains(v)));
}

#[test]
fn secret_values_reach_hook_commands_in_0600_files_in_a_0700_directory() {
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    assert!(
        run_hook(&stubs, &probe(), "install", &[], &[])
            .status
            .success()
    );
    let files = stubs.files_log();
    assert_eq!(
        files,
        "secret-add password 600 700\nsecret-add username 600 700\nsecret-set password 600 700\n"
    );
}

#[test]
fn a_charm_error_result_fails_the_hook_with_its_message_on_stderr_and_in_juju_log() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-error", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "charm-host: probe-error: charm returned an error: probe asked to fail",
    );
    assert_eq!(
        stubs.logs(),
        ["ERROR probe-error: charm returned an error: probe asked to fail"]
    );
}

#[test]
fn a_guest_panic_is_a_crash_reported_with_the_panic_message() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-panic", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "probe-panic: charm crashed: wasm trap: wasm `unreachable` instruction executed (probe panicked on purpose)",
    );
    assert!(
        stubs
            .logs()
            .iter()
            .any(|l| l.starts_with("WARNING charm stderr:") && l.contains("panicked")),
        "the charm's stderr is forwarded to juju-log: {:?}",
        stubs.logs()
    );
}

#[test]
fn an_infinite_loop_is_stopped_by_the_wall_time_limit() {
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-loop",
        &[],
        &["--wall-time", "300ms"],
    );
    assert_fails_with(
        &stubs,
        &out,
        "probe-loop: charm exceeded its 0.3 s wall-time limit",
    );
}

#[test]
fn the_wall_time_limit_holds_when_the_parent_blocked_the_timer_signal() {
    use std::os::unix::process::CommandExt;
    let stubs = StubTools::all();
    let mut cmd = hook_command(
        &stubs,
        &probe(),
        "probe-loop",
        &[],
        &["--wall-time", "300ms"],
    );
    // SAFETY: sigemptyset, sigaddset and sigprocmask are async-signal-safe and only change
    // the child's signal mask, which exec keeps.
    unsafe {
        cmd.pre_exec(|| {
            let mut blocked: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut blocked);
            libc::sigaddset(&mut blocked, libc::SIGALRM);
            libc::sigprocmask(libc::SIG_BLOCK, &blocked, std::ptr::null_mut());
            Ok(())
        })
    };
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running charm-host");
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("the endless hook was not stopped");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_fails_with(
        &stubs,
        &out,
        "probe-loop: charm exceeded its 0.3 s wall-time limit",
    );
}

#[test]
fn a_memory_bomb_is_stopped_by_the_memory_limit() {
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-memory-bomb",
        &[],
        &["--memory", "32MiB"],
    );
    assert_fails_with(
        &stubs,
        &out,
        "probe-memory-bomb: charm exceeded its 32 MiB memory limit",
    );
}

#[test]
fn deep_recursion_is_stopped_by_the_stack_limit() {
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-recursion",
        &[],
        &["--wasm-stack", "256KiB"],
    );
    assert_fails_with(
        &stubs,
        &out,
        "probe-recursion: charm exceeded its 256 KiB wasm stack limit",
    );
}

#[test]
fn a_wasm_stack_limit_beyond_the_process_stack_is_still_enforced_not_a_crash() {
    use std::os::unix::process::CommandExt;
    // A 1 MiB process stack cannot hold a 1 MiB wasm stack and the host's own frames: the
    // hook must get a thread with room for both, or the recursion would crash the host.
    let stubs = StubTools::all();
    let mut cmd = hook_command(
        &stubs,
        &probe(),
        "probe-recursion",
        &[],
        &["--wasm-stack", "1MiB"],
    );
    // SAFETY: getrlimit and setrlimit are async-signal-safe and only touch the child.
    unsafe {
        cmd.pre_exec(|| {
            let mut limit: libc::rlimit = std::mem::zeroed();
            libc::getrlimit(libc::RLIMIT_STACK, &mut limit);
            limit.rlim_cur = 1 << 20;
            if libc::setrlimit(libc::RLIMIT_STACK, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        })
    };
    let out = cmd.output().expect("running charm-host");
    assert_fails_with(
        &stubs,
        &out,
        "probe-recursion: charm exceeded its 1 MiB wasm stack limit",
    );
}

#[test]
fn flooding_stdout_is_reported_as_the_output_limit() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-print", &[], &["--output", "64KiB"]);
    assert_fails_with(
        &stubs,
        &out,
        "probe-print: charm exceeded its 64 KiB output limit",
    );
}

#[test]
fn a_charm_calling_exit_instead_of_returning_fails_the_hook() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-exit", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "probe-exit: charm crashed: it called exit instead of returning",
    );
}

#[test]
fn hook_command_errors_reach_the_charm_as_typed_errors() {
    let stubs = StubTools::all();
    stubs.fail("secret-get", 1, &format!("secret \"{XID}\" not found"));
    let out = run_hook(&stubs, &probe(), "probe-get", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        &format!("charm returned an error: Error::NotFound(\"secret \\\"{XID}\\\" not found\")"),
    );

    let stubs = StubTools::all();
    stubs.fail("secret-get", 1, "permission denied");
    let out = run_hook(&stubs, &probe(), "probe-get", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "Error::PermissionDenied(\"permission denied\")",
    );

    let stubs = StubTools::all();
    stubs.fail(
        "secret-get",
        2,
        "specify one of --peek or --refresh but not both",
    );
    let out = run_hook(&stubs, &probe(), "probe-get", &[], &[]);
    assert_fails_with(&stubs, &out, "Error::InvalidArgument(");
}

#[test]
fn a_missing_hook_command_fails_the_hook_even_when_the_charm_ignores_the_error() {
    let tools: Vec<&str> = ALL_TOOLS
        .iter()
        .copied()
        .filter(|t| *t != "secret-get")
        .collect();
    let stubs = StubTools::new(&tools);
    let out = run_hook(&stubs, &probe(), "probe-get-ignore-errors", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "probe-get-ignore-errors: hook command `secret-get` not found on PATH",
    );
}

#[test]
fn a_hung_hook_command_is_killed_after_its_timeout() {
    let stubs = StubTools::all();
    stubs.hang("secret-get", 30);
    let started = std::time::Instant::now();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-get-ignore-errors",
        &[],
        &["--hook-command-timeout", "500ms"],
    );
    assert_fails_with(
        &stubs,
        &out,
        "hook command `secret-get` did not finish within 0.5 s and was killed",
    );
    assert!(
        started.elapsed().as_secs() < 25,
        "the hook did not wait for the hung command"
    );
}

#[test]
fn malformed_json_from_a_hook_command_fails_the_hook() {
    let stubs = StubTools::all();
    stubs.out("secret-get", None, "{\"password\": \"unterminated");
    let out = run_hook(&stubs, &probe(), "probe-get-ignore-errors", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "hook command `secret-get` printed output this host cannot parse: expected a JSON object of strings",
    );
    assert!(!stderr(&out).contains("unterminated"));
}

#[test]
fn the_sandbox_gives_the_charm_no_environment_arguments_files_or_network() {
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-sandbox",
        &[("SECRET_ENV", "leak")],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(stubs.logs(), ["INFO env=0 args=0 root=false net=false"]);
}

#[test]
fn a_missing_component_fails_with_one_clear_line() {
    let stubs = StubTools::all();
    let missing = stubs.dir.path().join("nope.wasm");
    let out = run_hook(&stubs, &missing, "install", &[], &[]);
    assert_fails_with(&stubs, &out, "install: cannot read charm component");
    assert!(stderr(&out).contains("nope.wasm"));
    assert!(stubs.calls_to("secret-add").is_empty());
}

#[test]
fn a_file_that_is_not_wasm_is_refused() {
    let stubs = StubTools::all();
    let file = stubs.dir.path().join("charm.wasm");
    std::fs::write(&file, "#!/bin/sh\necho hi\n").unwrap();
    let out = run_hook(&stubs, &file, "install", &[], &[]);
    assert_fails_with(&stubs, &out, "charm.wasm is not a WebAssembly file");
}

#[test]
fn a_core_module_is_refused_as_not_a_component() {
    let stubs = StubTools::all();
    let file = stubs.dir.path().join("core.wasm");
    std::fs::write(&file, b"\0asm\x01\0\0\0").unwrap();
    let out = run_hook(&stubs, &file, "install", &[], &[]);
    assert_fails_with(
        &stubs,
        &out,
        "core.wasm is a core WebAssembly module, not a component",
    );
}

#[test]
fn the_component_and_manifest_are_found_in_juju_charm_dir() {
    let stubs = StubTools::all();
    let charm_dir = tempfile::tempdir().unwrap();
    std::fs::copy(probe(), charm_dir.path().join("charm.wasm")).unwrap();
    std::fs::copy(probe_manifest(), charm_dir.path().join("capabilities.yaml")).unwrap();
    let path = format!("{}:/usr/bin:/bin", stubs.dir.path().join("bin").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_charm-host"))
        .env_clear()
        .env("PATH", path)
        .env("STUB_STATE", stubs.state())
        .env("JUJU_CHARM_DIR", charm_dir.path())
        .env("JUJU_DISPATCH_PATH", "hooks/probe-error")
        .env("JUJU_UNIT_NAME", "database/0")
        .arg("run")
        .output()
        .unwrap();
    assert_fails_with(
        &stubs,
        &out,
        "probe-error: charm returned an error: probe asked to fail",
    );
}

#[test]
fn without_juju_environment_run_explains_what_is_missing() {
    let stubs = StubTools::all();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_charm-host"))
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", stubs.dir.path().join("bin").display()),
        )
        .env("STUB_STATE", stubs.state())
        .args(["run", "--component"])
        .arg(probe())
        .output()
        .unwrap();
    assert_fails_with(
        &stubs,
        &out,
        "neither JUJU_HOOK_NAME nor JUJU_DISPATCH_PATH is set",
    );
}

#[test]
fn bad_limit_values_are_refused_by_name() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "install", &[], &["--memory", "lots"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("size \"lots\" not valid"),
        "{}",
        stderr(&out)
    );
    assert!(stubs.calls().is_empty());
}
