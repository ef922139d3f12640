//! `charm-host simulate`: scenarios on the embedded mock of Juju, from the command line.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn simulate(scenario: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charm-host"))
        .arg("simulate")
        .arg(scenario)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sample(name: &str) -> std::path::PathBuf {
    common::workspace_root()
        .join("sample-charms")
        .join(name)
        .join("capabilities.yaml")
}

/// A scenario with the samples (absolute charm paths) and `steps`.
fn scenario_file(dir: &Path, steps: &str) -> std::path::PathBuf {
    let path = dir.join("scenario.yaml");
    let yaml = format!(
        "applications:\n  database: {{charm: {}, manifest: {}, units: 2, machine: {{programs: {{/usr/local/bin/database-set-password: {{exit: 0}}}}}}}}\n  webserver: {{charm: {}, manifest: {}, units: 1, machine: {{services: {{webserver: active}}}}}}\n  probe: {{charm: {}, manifest: {}, units: 1}}\nsteps:\n{steps}",
        common::component("database").display(),
        sample("database").display(),
        common::component("webserver").display(),
        sample("webserver").display(),
        common::probe().display(),
        common::probe_manifest().display(),
    );
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn the_sample_scenario_passes_and_traces_every_hook_and_secret_operation() {
    common::component("database");
    common::component("webserver");
    let scenario = common::workspace_root().join("sample-charms/scenarios/database-webserver.yaml");
    let out = simulate(&scenario);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    for line in [
        "database/0 database-relation-joined: ok",
        "database/0 secret-rotate: ok",
        "webserver/1 secret-changed: ok",
        "database/0 secret-remove: ok",
        "database/1 secret-rotate: ok",
        "database/1 database-relation-broken: ok",
        "✓ secret-for-webserver-app is gone",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(
        stdout.trim_end().ends_with("scenario passed: 73 hooks ran"),
        "{stdout}"
    );
}

#[test]
fn the_trace_shows_content_keys_but_never_values() {
    let scenario = common::workspace_root().join("sample-charms/scenarios/database-webserver.yaml");
    common::component("database");
    common::component("webserver");
    let stdout = text(&simulate(&scenario).stdout);
    let mut adds = 0;
    for (i, _) in stdout.match_indices("password=") {
        adds += 1;
        assert!(
            stdout[i..].starts_with("password=<redacted>"),
            "{}",
            &stdout[i..i + 40]
        );
    }
    assert!(
        adds >= 3,
        "secret-add and each rotation's secret-set are traced"
    );
    assert!(!stdout.contains("\"password\""));
}

#[test]
fn a_failed_expectation_exits_1_naming_the_step_and_what_differed() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "  - settle\n  - relate: [database:database, webserver:database]\n  - settle\n  - expect: {status: {unit: webserver/0, message: all good}}\n",
    );
    let out = simulate(&path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stderr).trim(),
        "charm-host: scenario failed at step 4: webserver/0 says \"connected to the database as admin from 10.1.0.13\", expected \"all good\""
    );
}

#[test]
fn a_content_mismatch_names_the_key_but_not_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(
        dir.path(),
        "  - relate: [database:database, webserver:database]\n  - settle\n  - expect: {content: {unit: webserver/0, label: database-secret, has: {password: guessed-wrong}}}\n",
    );
    let out = simulate(&path);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("webserver/0 sees a different value for password in database-secret"),
        "{err}"
    );
    assert!(!err.contains("guessed-wrong"));
}

#[test]
fn a_hook_failure_nobody_expected_fails_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_file(dir.path(), "  - hook: {unit: probe/0, name: probe-error}\n");
    let out = simulate(&path);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "unexpected hook failure on probe/0: probe-error: charm returned an error: probe asked to fail"
        ),
        "{}",
        text(&out.stderr)
    );
    let path = scenario_file(
        dir.path(),
        "  - hook: {unit: probe/0, name: probe-error}\n  - expect: {hook-failed: {unit: probe/0, hook: probe-error, message: asked to fail}}\n",
    );
    let out = simulate(&path);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_scenario_that_does_not_parse_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "applications:\n  db: {charm: x.wasm}\nsteps:\n  - fly: 3\n",
    )
    .unwrap();
    let out = simulate(&path);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("bad.yaml") && err.contains("fly"), "{err}");
}

#[test]
fn a_missing_charm_component_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, "applications:\n  db: {charm: nowhere.wasm}\n").unwrap();
    let out = simulate(&path);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nowhere.wasm"),
        "{}",
        text(&out.stderr)
    );
}

fn simulate_with(args: &[&str], scenario: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_charm-host"))
        .arg("simulate")
        .args(args)
        .arg(scenario)
        .output()
        .unwrap()
}

fn sample_scenario() -> std::path::PathBuf {
    common::component("database");
    common::component("webserver");
    common::workspace_root().join("sample-charms/scenarios/database-webserver.yaml")
}

/// Runs the sample scenario with `args`; it must pass. Returns the trace and the record of
/// hook-command invocations.
fn passes_with(args: &[&str]) -> (String, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("invocations.jsonl");
    let mut all = vec!["--invocations", record.to_str().unwrap()];
    all.extend(args);
    let out = simulate_with(&all, &sample_scenario());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.ends_with("scenario passed: 73 hooks ran\n"),
        "{stdout}"
    );
    // Each action ends with what `juju run` reports: its status, message and result keys.
    for line in [
        "  task 1: failed: rotate-password must run on the leader unit (results [\"return-code\"])\n",
        "  task 2: completed (results [\"revision\", \"return-code\"])\n",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    let invocations = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (stdout, invocations)
}

#[test]
fn with_dispatch_the_samples_are_packed_and_their_hook_commands_recorded() {
    let (stdout, invocations) = passes_with(&["--dispatch"]);
    assert!(
        stdout.contains("(packed, run through dispatch)"),
        "{stdout}"
    );
    let secret_add = invocations
        .iter()
        .find(|i| i["tool"] == "secret-add")
        .expect("the database added its secret");
    assert_eq!(secret_add["unit"], "database/0");
    assert_eq!(secret_add["hook"], "database-relation-joined");
    assert!(
        secret_add["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("password#file=")),
        "{secret_add}"
    );
}

#[test]
fn an_ops_database_serves_the_wasm_webserver_through_the_whole_lifecycle() {
    let ops = common::ops_charm("ops-database");
    let (stdout, invocations) = passes_with(&[
        "--dispatch",
        &format!("--charm-dir=database={}", ops.display()),
    ]);
    assert!(
        stdout.contains("ops-database (run through dispatch)"),
        "{stdout}"
    );
    let by_ops = |tool: &str| {
        invocations
            .iter()
            .any(|i| i["tool"] == tool && i["unit"].as_str().unwrap().starts_with("database/"))
    };
    for tool in [
        "secret-add",
        "secret-grant",
        "secret-set",
        "secret-remove",
        "secret-revoke",
    ] {
        assert!(by_ops(tool), "ops never ran {tool}");
    }
}

#[test]
fn the_wasm_database_serves_an_ops_webserver_through_the_whole_lifecycle() {
    let ops = common::ops_charm("ops-webserver");
    let (stdout, invocations) = passes_with(&[
        "--dispatch",
        &format!("--charm-dir=webserver={}", ops.display()),
    ]);
    assert!(
        stdout.contains("ops-webserver (run through dispatch)"),
        "{stdout}"
    );
    let gets: Vec<String> = invocations
        .iter()
        .filter(|i| i["tool"] == "secret-get" && i["unit"] == "webserver/1")
        .map(|i| i["args"].to_string())
        .collect();
    assert!(gets.iter().any(|a| a.contains("--peek")), "{gets:?}");
    assert!(gets.iter().any(|a| a.contains("--refresh")), "{gets:?}");
}

#[test]
fn a_charm_dir_for_an_application_the_scenario_lacks_is_exit_2() {
    let out = simulate_with(&["--charm-dir=cache=/tmp"], &sample_scenario());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "charm-host: --charm-dir names \"cache\", which the scenario does not deploy\n"
    );
}

/// The certificates scenario: its CA survives a year's expiry, renewed, with only the new
/// revision left (on Juju, removing the expired revision in the renewing hook would drop the
/// renewal and leave no CA).
fn certificates_scenario_passes(args: &[&str]) {
    common::component("certificates");
    let scenario = common::workspace_root().join("sample-charms/scenarios/certificates.yaml");
    let out = simulate_with(args, &scenario);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let at = |line: &str| {
        stdout
            .find(line)
            .unwrap_or_else(|| panic!("missing {line:?} in:\n{stdout}"))
    };
    let renewed = at("certificates/0 secret-expired: ok");
    let removed = at("certificates/0 secret-remove: ok");
    assert!(renewed < removed, "the old revision goes after the renewal");
    at("✓ active-ca-certificates has revisions [2]");
    assert!(!stdout.contains("warning:"), "{stdout}");
}

#[test]
fn the_certificates_ca_is_renewed_on_expiry_and_its_old_revision_removed_later_in_process() {
    certificates_scenario_passes(&[]);
}

#[test]
fn the_certificates_ca_is_renewed_on_expiry_and_its_old_revision_removed_later_through_dispatch() {
    certificates_scenario_passes(&["--dispatch"]);
}

/// A scripted charm whose config-changed sets new content, then removes a revision.
fn discarding_scenario(dir: &Path) -> std::path::PathBuf {
    let charm = |file: &str| {
        common::workspace_root()
            .join("test-charms/scripted")
            .join(file)
    };
    let script = r#"{"config-changed": [{"op": "add", "label": "s", "content": {"marker": "v1"}}, {"op": "set", "id": "$0", "content": {"marker": "v2"}}, {"op": "remove", "id": "$0", "revision": 1}]}"#;
    let yaml = format!(
        "applications:\n  owner:\n    charm: {}\n    manifest: {}\n    metadata: {}\n    units: 1\n    config: {{script: '{script}'}}\nsteps:\n  - settle\n",
        common::component("scripted-charm").display(),
        charm("capabilities.yaml").display(),
        charm("metadata.yaml").display(),
    );
    let path = dir.join("discarding.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn the_trace_warns_when_a_remove_discards_the_hooks_earlier_changes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = discarding_scenario(dir.path());
    for args in [&[][..], &["--dispatch"][..]] {
        let out = simulate_with(args, &scenario);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        let warnings: Vec<&str> = stdout.lines().filter(|l| l.contains("warning:")).collect();
        assert_eq!(warnings.len(), 1, "{args:?}:\n{stdout}");
        assert!(
            warnings[0].contains(
                "--revision 1 secret:d4jm0000000000000001 discards this hook's earlier secret-add"
            ),
            "{}",
            warnings[0]
        );
    }
}
