//! The bad-input matrix: each case gives one clear line naming the problem, a non-zero exit,
//! no secret change reaching Juju, and no secret value in any argv, log line or error.
//! (Cases covered in run_hook.rs: not a wasm file, a core module, an infinite loop, a memory
//! bomb, deep recursion, a guest panic, a missing hook command, malformed JSON, a hung
//! command.)

mod common;

use std::process::Output;

use common::*;

/// What the probe charm's bad calls carry; it must never leak.
const VALUE: &str = "probe-s3cret-value";

/// One line on stderr containing `line`, exit 1, and no secret value in stderr, in any
/// hook command's argv, or in any juju-log line.
fn assert_refused(stubs: &StubTools, out: &Output, line: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(line), "expected {line:?} in {err:?}");
    assert!(!err.contains(VALUE), "{err}");
    for call in stubs.calls() {
        assert!(call.iter().all(|a| !a.contains(VALUE)), "{call:?}");
    }
}

fn no_secret_mutation(stubs: &StubTools) {
    for tool in [
        "secret-add",
        "secret-set",
        "secret-grant",
        "secret-revoke",
        "secret-remove",
    ] {
        assert!(stubs.calls_to(tool).is_empty(), "{tool} reached Juju");
    }
}

/// Grants something of every interface the probe imports, so it loads, plus `secrets`.
fn loadable(secrets: &str) -> String {
    format!(
        "secrets:\n{secrets}\nrelations: {{read: [database]}}\nleadership: true\nconfig: true\nlogging: true\nstatus: true\n"
    )
}

/// The probe's full manifest plus `limits`, written beside the stubs.
fn probe_with_limits(stubs: &StubTools, limits: &str) -> String {
    let all = std::fs::read_to_string(probe_manifest()).unwrap();
    manifest_file(stubs.dir.path(), &format!("{all}\nlimits:\n  {limits}\n"))
}

fn manifest_file(dir: &std::path::Path, yaml: &str) -> String {
    let path = dir.join("capabilities.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

#[test]
fn an_ungranted_operation_is_denied_by_policy_never_reaches_juju_and_is_audited() {
    let stubs = StubTools::all();
    let manifest = manifest_file(stubs.dir.path(), &loadable("  operations: [read]"));
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-add",
        &[],
        &["--manifest", &manifest],
    );
    assert_refused(
        &stubs,
        &out,
        "Error::DeniedByPolicy(\"secret operation `create-unit` is not granted (capabilities.yaml: secrets.operations)\")",
    );
    no_secret_mutation(&stubs);
    assert!(
        stubs.logs().iter().any(|l| l
            == "WARNING capability denied: secret operation `create-unit` is not granted (capabilities.yaml: secrets.operations)"),
        "{:?}",
        stubs.logs()
    );
}

#[test]
fn reading_a_secret_the_manifest_does_not_make_readable_is_denied() {
    let stubs = StubTools::all();
    stubs.out("secret-ids", None, "null\n");
    let manifest = manifest_file(
        stubs.dir.path(),
        &loadable("  operations: [read]\n  readable: {owned: true}"),
    );
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-get",
        &[],
        &["--manifest", &manifest],
    );
    assert_refused(
        &stubs,
        &out,
        "Error::DeniedByPolicy(\"reading secret secret:cid6tkuffbas7af0e0eg is not granted",
    );
    assert!(stubs.calls_to("secret-get").is_empty());
}

#[test]
fn a_component_importing_an_interface_the_manifest_grants_nothing_of_is_refused_at_load() {
    let stubs = StubTools::all();
    let manifest = manifest_file(stubs.dir.path(), "logging: true\n");
    let out = run_hook(&stubs, &probe(), "install", &[], &["--manifest", &manifest]);
    assert_refused(
        &stubs,
        &out,
        "cannot run: it imports juju:charm/secrets@0.1.0, but capabilities.yaml grants nothing of it",
    );
    assert!(
        stubs.calls().iter().all(|c| c[0] == "juju-log"),
        "nothing but the failure line"
    );
}

#[test]
fn a_component_of_another_world_is_refused_as_not_a_charm() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &component("not-a-charm"), "install", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        &format!(
            "is not a charm: it does not export `handle` of world juju:charm/charm@{}",
            charm_runtime::contract::CONTRACT_VERSION
        ),
    );
}

#[test]
fn a_component_importing_an_unknown_interface_is_refused_naming_it() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &component("unknown-import"), "install", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "cannot run on this host: it imports acme:widgets/gadget, which this host does not provide",
    );
}

#[test]
fn oversized_content_is_refused_before_reaching_juju() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-oversized", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "Error::InvalidContent(\"base64 encoded secret content for key \\\"password\\\" too large: 1200000 bytes\")",
    );
    no_secret_mutation(&stubs);
}

#[test]
fn an_invalid_key_is_refused_before_reaching_juju() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-invalid-key", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "Error::InvalidContent(\"key \\\"Pass_Word\\\" not valid\")",
    );
    no_secret_mutation(&stubs);
}

#[test]
fn a_label_conflict_reaches_the_charm_as_label_conflict() {
    let stubs = StubTools::all();
    stubs.fail(
        "secret-add",
        1,
        "secret with label \"probe-secret\" already exists",
    );
    let out = run_hook(&stubs, &probe(), "probe-add", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "Error::LabelConflict(\"secret with label \\\"probe-secret\\\" already exists\")",
    );
}

#[test]
fn a_hook_command_exiting_1_is_a_typed_refusal() {
    let stubs = StubTools::all();
    stubs.fail("secret-get", 1, "permission denied");
    let out = run_hook(&stubs, &probe(), "probe-get", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "Error::PermissionDenied(\"permission denied\")",
    );
}

#[test]
fn a_hook_command_exiting_2_is_an_invalid_argument() {
    let stubs = StubTools::all();
    stubs.fail("secret-get", 2, "secret URI \"x\" not valid");
    let out = run_hook(&stubs, &probe(), "probe-get", &[], &[]);
    assert_refused(
        &stubs,
        &out,
        "Error::InvalidArgument(\"secret URI \\\"x\\\" not valid\")",
    );
}

#[test]
fn a_manifest_that_does_not_parse_is_one_line_naming_the_file() {
    let stubs = StubTools::all();
    let manifest = manifest_file(stubs.dir.path(), "secrets: [unclosed\n");
    let out = run_hook(&stubs, &probe(), "install", &[], &["--manifest", &manifest]);
    assert_refused(
        &stubs,
        &out,
        &format!("install: capability manifest {manifest}: "),
    );
}

#[test]
fn a_manifest_granting_something_unknown_is_refused_naming_it() {
    let stubs = StubTools::all();
    let manifest = manifest_file(stubs.dir.path(), "logging: true\nnetwork: [0.0.0.0]\n");
    let out = run_hook(&stubs, &probe(), "install", &[], &["--manifest", &manifest]);
    assert_refused(&stubs, &out, "network");
    assert!(stderr(&out).contains("capability manifest"));
}

#[test]
fn a_fuel_budget_from_the_manifest_stops_a_busy_charm_by_name() {
    let stubs = StubTools::all();
    let manifest = probe_with_limits(&stubs, "fuel: 5000000");
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-loop",
        &[],
        &["--manifest", &manifest],
    );
    assert_refused(
        &stubs,
        &out,
        "probe-loop: charm exceeded its fuel budget of 5000000",
    );
}

#[test]
fn a_call_passing_the_host_too_much_data_is_stopped_by_name() {
    let stubs = StubTools::all();
    let manifest = probe_with_limits(&stubs, "host-call-data: 64KiB");
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-big-call",
        &[],
        &["--manifest", &manifest],
    );
    assert_refused(
        &stubs,
        &out,
        "probe-big-call: charm exceeded its 64 KiB host-call data limit",
    );
}

#[test]
fn manifest_limits_apply_and_operator_flags_override_them() {
    let stubs = StubTools::all();
    let manifest = probe_with_limits(&stubs, "wall-time: 200ms");
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-loop",
        &[],
        &["--manifest", &manifest],
    );
    assert_refused(&stubs, &out, "charm exceeded its 0.2 s wall-time limit");
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-loop",
        &[],
        &["--manifest", &manifest, "--wall-time", "300ms"],
    );
    assert_refused(&stubs, &out, "charm exceeded its 0.3 s wall-time limit");
}

#[test]
fn a_missing_manifest_grants_nothing_and_the_refusal_says_where_it_looked() {
    let stubs = StubTools::all();
    let missing = stubs.dir.path().join("charm/capabilities.yaml");
    let missing = missing.display().to_string();
    let out = run_hook(&stubs, &probe(), "install", &[], &["--manifest", &missing]);
    assert_refused(
        &stubs,
        &out,
        &format!("but capabilities.yaml grants nothing of it (there is no manifest at {missing})"),
    );
}
