//! The simulated unit agent: charm directories run through `dispatch` as Juju runs them, their
//! hook commands answered by the simulator over the shared model, and commits only on exit 0.
//! Small shell-script charms show exactly what a charm sees; the sample pairs (wasm packed,
//! ops) prove that no secret value ever reaches a hook command's argv.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use chrono::TimeDelta;

use charm_runtime::engine::Limits;
use charm_testing::Harness;
use common::{Deployment, Impl};
use juju_model::simulator::STATE_ENV;

/// A charm whose `dispatch` is this shell script, deployed as `shell` with two units, its
/// install-time hooks run.
fn shell_charm(script: &str) -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let dispatch = dir.path().join("dispatch");
    std::fs::write(&dispatch, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(&dispatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut h = Harness::new(Limits::default()).unwrap();
    h.use_hook_commands(&common::charm_host_binary()).unwrap();
    h.deploy_charm_dir("shell", dir.path(), 2).unwrap();
    h.run_queued().unwrap();
    (h, dir)
}

/// What `unit` logged with juju-log.
fn logged(h: &Harness, unit: &str) -> Vec<String> {
    h.model
        .logs
        .iter()
        .filter(|l| l.unit == unit)
        .map(|l| l.message.clone())
        .collect()
}

fn value_of<'a>(lines: &'a [String], key: &str) -> &'a str {
    let prefix = format!("{key}=");
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("nothing logged for {key}: {lines:?}"))
}

#[test]
fn dispatch_runs_in_the_units_own_charm_directory_with_jujus_environment_only() {
    let (h, _dir) = shell_charm(
        r#"[ "$JUJU_HOOK_NAME" = install ] || exit 0
juju-log "cwd=$(pwd)"
juju-log "charm-dir=$JUJU_CHARM_DIR"
juju-log "event=$JUJU_UNIT_NAME $JUJU_DISPATCH_PATH $JUJU_MODEL_NAME $JUJU_VERSION"
juju-log "secret-get=$(command -v secret-get)"
juju-log "modes=$(stat -c %a "$CHARM_HOST_SIMULATOR") $(stat -c %a "$(dirname "$CHARM_HOST_SIMULATOR")")"
juju-log "inherited=${CARGO_MANIFEST_DIR:-none}"
"#,
    );
    let zero = logged(&h, "shell/0");
    let one = logged(&h, "shell/1");
    assert_eq!(value_of(&zero, "cwd"), value_of(&zero, "charm-dir"));
    assert!(
        value_of(&zero, "cwd").ends_with("/units/shell-0/charm"),
        "{zero:?}"
    );
    assert!(
        value_of(&one, "cwd").ends_with("/units/shell-1/charm"),
        "{one:?}"
    );
    assert_eq!(
        value_of(&zero, "event"),
        "shell/0 hooks/install harness 3.6.11"
    );
    assert!(
        value_of(&zero, "secret-get").ends_with("/tools/secret-get"),
        "the simulator's hook commands come first on PATH: {zero:?}"
    );
    assert_eq!(
        value_of(&zero, "modes"),
        "600 700",
        "the state (which holds secret values) is private"
    );
    assert_eq!(
        value_of(&zero, "inherited"),
        "none",
        "the caller's environment is not passed on"
    );
}

#[test]
fn a_hook_that_exits_non_zero_commits_nothing_and_reports_its_last_stderr_line() {
    let (h, _dir) = shell_charm(
        r#"case "$JUJU_HOOK_NAME" in
install) secret-add --owner unit --label from-install token=abc >/dev/null
         echo "could not configure the workload" >&2
         exit 3 ;;
start) secret-add --owner unit --label from-start token=abc >/dev/null ;;
esac
"#,
    );
    let install = h
        .hooks()
        .iter()
        .find(|r| r.unit == "shell/0" && r.hook == "install")
        .unwrap();
    assert_eq!(
        install.outcome,
        Err("install: dispatch exited with status 3: could not configure the workload".into())
    );
    let labels: Vec<Option<&str>> = h
        .model
        .secrets
        .values()
        .map(|s| s.label.as_deref())
        .collect();
    assert_eq!(
        labels,
        [Some("from-start"), Some("from-start")],
        "one per unit, from start only"
    );
    assert!(
        logged(&h, "shell/0")
            .contains(&"dispatch stderr: could not configure the workload".to_string())
    );
}

#[test]
fn the_commands_of_one_hook_see_each_others_pending_changes() {
    let (h, _dir) = shell_charm(
        r#"[ "$JUJU_HOOK_NAME" = install ] || exit 0
secret-add --owner unit --label mine token=abc >/dev/null
[ "$(secret-get --label mine --format=json)" = '{"token":"abc"}' ] && juju-log "read back the pending secret"
[ -n "$(secret-ids)" ] && juju-log "listed the pending secret"
"#,
    );
    let lines = logged(&h, "shell/0");
    assert!(
        lines.contains(&"read back the pending secret".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"listed the pending secret".to_string()),
        "{lines:?}"
    );
}

#[test]
fn a_refused_command_prints_jujus_error_and_exits_with_jujus_code() {
    let (h, _dir) = shell_charm(
        r#"[ "$JUJU_HOOK_NAME" = install ] || exit 0
out=$(secret-get --label nope 2>&1); juju-log "code=$? $out"
out=$(secret-add 2>&1); juju-log "code=$? $out"
out=$(relation-ids --bogus 2>&1); juju-log "code=$? $out"
"#,
    );
    let lines = logged(&h, "shell/0");
    for expected in [
        "code=1 ERROR consumer label \"nope\" not found",
        "code=2 ERROR missing secret value or filename",
        "code=2 ERROR option provided but not defined: --bogus",
    ] {
        assert!(
            lines.contains(&expected.to_string()),
            "{expected}: {lines:?}"
        );
    }
}

#[test]
fn the_invocation_record_keeps_argv_as_given_while_the_trace_redacts_values() {
    let (h, _dir) = shell_charm(
        r#"[ "$JUJU_HOOK_NAME" = install ] || exit 0
secret-add --owner unit password=hunter2-in-argv >/dev/null
"#,
    );
    let recorded = h
        .invocations()
        .iter()
        .find(|i| i.unit == "shell/0" && i.tool == "secret-add")
        .unwrap();
    assert_eq!(recorded.hook, "install");
    assert_eq!(
        recorded.args,
        ["--owner", "unit", "password=hunter2-in-argv"]
    );
    let traced: Vec<&str> = h
        .calls()
        .filter(|c| c.operation.starts_with("secret-add"))
        .map(|c| c.operation.as_str())
        .collect();
    assert!(
        traced.iter().all(|op| op.ends_with("password=<redacted>")),
        "{traced:?}"
    );
}

#[test]
fn a_hook_command_outside_a_hook_says_so_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("secret-get");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_juju-hook-tool"), &tool).unwrap();
    let out = Command::new(&tool)
        .args(["--label", "x"])
        .env_remove(STATE_ENV)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("ERROR secret-get: no hook is running here"),
        "{stderr}"
    );
}

#[test]
fn the_runtime_a_charm_bundles_is_never_a_hook_command() {
    // A charm's own bin/charm-host, run under a hook command's name (as a charm could link
    // it), is still only the runtime: it knows `run` and `compile`, not `secret-get`.
    let dir = tempfile::tempdir().unwrap();
    let tool = dir.path().join("secret-get");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_charm-host-unit"), &tool).unwrap();
    let out = Command::new(&tool)
        .args(["--label", "x"])
        .env_remove(STATE_ENV)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("hook is running"), "{stderr}");
    assert!(stderr.contains("Usage: secret-get <COMMAND>"), "{stderr}");
    // Nor does it carry the simulator, the harness or packing at all, whose texts the programs
    // that do link them carry.
    let carries = |program: &str, text: &str| {
        let binary = std::fs::read(program).unwrap();
        binary.windows(text.len()).any(|w| w == text.as_bytes())
    };
    let simulator = "no hook is running here";
    assert!(carries(env!("CARGO_BIN_EXE_juju-hook-tool"), simulator));
    for text in [
        "charm directories need the hook-command simulator",
        "This charm directory was written by",
    ] {
        assert!(carries(env!("CARGO_BIN_EXE_charm-host"), text), "{text}");
    }
    for (what, text) in [
        ("the simulator", simulator),
        (
            "the harness",
            "charm directories need the hook-command simulator",
        ),
        ("pack", "This charm directory was written by"),
    ] {
        assert!(
            !carries(env!("CARGO_BIN_EXE_charm-host-unit"), text),
            "the bundled runtime carries {what}"
        );
    }
}

#[test]
fn a_directory_without_dispatch_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Harness::new(Limits::default()).unwrap();
    h.use_hook_commands(&common::charm_host_binary()).unwrap();
    let err = h.deploy_charm_dir("shell", dir.path(), 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "shell: {} is not a charm directory: it has no dispatch",
            dir.path().display()
        )
    );
}

/// Every value of every revision the model holds now.
fn secret_values(h: &Harness) -> Vec<String> {
    h.model
        .secrets
        .values()
        .flat_map(|s| s.revisions.values())
        .flat_map(|r| r.content.iter().map(|(_, v)| v.to_string()))
        .collect()
}

/// The whole lifecycle (create, grant, read, rotate, refresh, obsolete removal, leadership
/// change, revoke, removal), collecting every secret value as it goes; then no hook command's
/// argv may contain any of them.
fn no_secret_value_in_argv(d: Deployment) {
    let mut h = common::database_and_webserver(d, 2);
    let mut values = Vec::new();
    let mut settle = |h: &mut Harness| {
        h.run_queued().unwrap();
        values.extend(secret_values(h));
    };
    let id = h
        .model
        .relate("database:database", "webserver:database")
        .unwrap();
    settle(&mut h);
    h.advance(TimeDelta::days(1));
    settle(&mut h);
    h.model.set_leader("database/1").unwrap();
    h.advance(TimeDelta::days(1));
    settle(&mut h);
    h.model.unrelate(id).unwrap();
    settle(&mut h);
    assert!(h.hooks().iter().all(|r| r.outcome.is_ok()));
    values.sort();
    values.dedup();
    assert_eq!(
        values.len(),
        4,
        "username and three passwords: {} values",
        values.len()
    );
    let tools: Vec<&str> = h.invocations().iter().map(|i| i.tool.as_str()).collect();
    for tool in [
        "secret-add",
        "secret-get",
        "secret-set",
        "secret-remove",
        "secret-revoke",
    ] {
        assert!(tools.contains(&tool), "the record has no {tool}: {tools:?}");
    }
    for invocation in h.invocations() {
        for arg in &invocation.args {
            for value in values.iter().filter(|v| v.len() >= 8) {
                assert!(
                    !arg.contains(value.as_str()),
                    "{} in {} passed a secret value in argv",
                    invocation.tool,
                    invocation.hook
                );
            }
        }
    }
}

mod no_secret_value_ever_reaches_a_hook_commands_argv {
    use super::*;

    #[test]
    fn rust_packed_through_dispatch() {
        no_secret_value_in_argv(Deployment {
            database: Impl::Rust,
            webserver: Impl::Rust,
            packed: true,
        })
    }

    #[test]
    fn ops_database_with_packed_rust_webserver() {
        no_secret_value_in_argv(Deployment {
            database: Impl::Ops,
            webserver: Impl::Rust,
            packed: true,
        })
    }

    #[test]
    fn packed_rust_database_with_ops_webserver() {
        no_secret_value_in_argv(Deployment {
            database: Impl::Rust,
            webserver: Impl::Ops,
            packed: true,
        })
    }
}
