//! `charm-host check`: a component's world, imports, exports, grants and mismatches.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn check(component: &Path, manifest: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_charm-host"));
    cmd.arg("check").arg(component);
    if let Some(m) = manifest {
        cmd.arg("--manifest").arg(m);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sample(name: &str) -> std::path::PathBuf {
    common::workspace_root()
        .join("sample-charms")
        .join(name)
        .join("capabilities.yaml")
}

#[test]
fn a_sample_with_its_manifest_would_run() {
    let out = check(&common::component("webserver"), Some(&sample("webserver")));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    for line in [
        "world: juju:charm/charm@0.2.2 (exports handle)",
        "  juju:charm/secrets@0.2.2: granted",
        "  juju:charm/ports@0.2.2: granted",
        "  juju:charm/bindings@0.2.2: granted",
        "exports: handle",
        "  secrets: operations [read, peek, refresh]; labels [database-secret]; readable: owned no, granted over [database], config [none]",
        "  status: granted (status-set, status-get)",
        "  application-version: granted (application-version-set)",
        "  ports: 1024-65535/tcp, at most 1 open at once (open-port, close-port, opened-ports)",
        "  bindings: database (network-get)",
        "  storage: not granted (storage-list, storage-get, storage-add)",
        "  goal-state: not granted (goal-state)",
        "  files: write /etc/webserver (mode ⊆ 0700), write /etc/webserver/database.json (mode ⊆ 0600)",
        "  commands: not granted (no program of the machine)",
        "  services: systemd webserver (reload)",
        "  network: not granted (no outbound connection)",
        "dangerous grants: none",
        "mismatches: none",
        "result: it would run",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(
        !text.contains("juju:charm/leadership"),
        "a component imports only the interfaces it uses:\n{text}"
    );
    // Each WASI interface is reported for what the charm really gets through it.
    for (interface, note) in [
        ("wasi:cli/stdout", "provided: captured for juju-log"),
        (
            "wasi:cli/environment",
            "provided, empty: no variables or arguments",
        ),
        ("wasi:cli/exit", "provided: exiting fails the hook"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("  {interface}@0.2."))
                    && l.ends_with(&format!(": {note}"))),
            "missing {interface} in:\n{text}"
        );
    }
}

#[test]
fn without_a_manifest_every_contract_import_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(
        &common::component("database"),
        Some(&dir.path().join("none.yaml")),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("juju:charm/secrets@0.2.2: NOT GRANTED"),
        "{text}"
    );
    assert!(
        text.contains(
            "  - it imports juju:charm/secrets@0.2.2, but capabilities.yaml grants nothing of it"
        ),
        "{text}"
    );
    assert!(text.ends_with("result: it would not run\n"), "{text}");
}

#[test]
fn a_component_of_another_world_is_shown_and_refused() {
    let out = check(&common::component("not-a-charm"), None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("world: not the charm world (no `handle` export)"),
        "{text}"
    );
    assert!(text.contains("exports: greet"), "{text}");
}

#[test]
fn an_unknown_import_is_shown_and_refused() {
    let out = check(&common::component("unknown-import"), None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("acme:widgets/gadget: UNKNOWN to this host"),
        "{text}"
    );
    assert!(text.contains("which this host does not provide"), "{text}");
}

#[test]
fn a_file_that_is_not_wasm_is_one_line_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.wasm");
    std::fs::write(&file, "not wasm").unwrap();
    let out = check(&file, None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        format!("charm-host: {} is not a WebAssembly file", file.display())
    );
}

#[test]
fn check_names_the_contract_version_a_component_targets() {
    let out = check(&common::probe(), Some(&common::probe_manifest()));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "world: juju:charm/charm@0.1.0 (exports handle, an older contract this host still runs; the current one is 0.2.2)"
        ),
        "{text}"
    );
    assert!(
        text.contains("  juju:charm/secrets@0.1.0: granted"),
        "{text}"
    );
}

#[test]
fn check_refuses_a_grant_of_an_action_the_charm_does_not_declare() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let sample_manifest = std::fs::read_to_string(sample("database")).unwrap();
    std::fs::write(&manifest, &sample_manifest).unwrap();
    std::fs::write(dir.path().join("actions.yaml"), "backup: {}\n").unwrap();
    let out = check(&common::component("database"), Some(&manifest));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("actions: \"rotate-password\" is not an action of actions.yaml"),
        "{text}"
    );
    assert!(
        text.contains(
            "  actions: rotate-password (action-get, action-set, action-log, action-fail)"
        ),
        "the report names the granted actions:\n{text}"
    );
}

#[test]
fn check_names_contract_0_2_0_for_a_component_built_for_it() {
    let component = common::foreign_component("python", "escape");
    let manifest = common::workspace_root().join("test-charms/python/escape/capabilities.yaml");
    let out = check(&component, Some(&manifest));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "world: juju:charm/charm@0.2.0 (exports handle, an older contract this host still runs; the current one is {})",
            charm_runtime::contract::CONTRACT_VERSION
        )),
        "{text}"
    );
    assert!(
        text.contains("  juju:charm/logging@0.2.0: granted"),
        "{text}"
    );
}

#[test]
fn a_binding_or_storage_grant_the_metadata_does_not_declare_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let original = std::fs::read_to_string(sample("webserver")).unwrap();
    std::fs::write(
        &manifest,
        original.replace(
            "bindings: [database]",
            "bindings: [databse]\nstorage: [data]",
        ),
    )
    .unwrap();
    std::fs::copy(
        common::workspace_root().join("sample-charms/webserver/metadata.yaml"),
        dir.path().join("metadata.yaml"),
    )
    .unwrap();
    let out = check(&common::component("webserver"), Some(&manifest));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("bindings: \"databse\" is not an endpoint or extra binding of metadata.yaml"),
        "{text}"
    );
    std::fs::write(
        &manifest,
        original.replace(
            "bindings: [database]",
            "bindings: [database]\nstorage: [data]",
        ),
    )
    .unwrap();
    let out = check(&common::component("webserver"), Some(&manifest));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("storage: \"data\" is not a storage of metadata.yaml"),
        "{text}"
    );
}

#[test]
fn check_lists_each_dangerous_grant_and_refuses_one_not_marked() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    let original = std::fs::read_to_string(sample("webserver")).unwrap();
    let unit_file = "files:\n  - {path: /etc/systemd/system/webserver.service, access: write, max-mode: \"0644\"";
    std::fs::write(
        &manifest,
        original.replace("files:", &format!("{unit_file}}}")),
    )
    .unwrap();
    let out = check(&common::component("webserver"), Some(&manifest));
    let text = String::from_utf8_lossy(&out.stderr).into_owned() + &stdout(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("dangerous: true"), "{text}");
    std::fs::write(
        &manifest,
        original.replace("files:", &format!("{unit_file}, dangerous: true}}")),
    )
    .unwrap();
    let out = check(&common::component("webserver"), Some(&manifest));
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "dangerous grants (each amounts to root):\n  writes /etc/systemd (unit files run anything as root)"
        ),
        "{text}"
    );
}

#[test]
fn the_readme_publishes_every_dangerous_grant_as_the_host_judges_it() {
    let readme = std::fs::read_to_string(common::workspace_root().join("README.md")).unwrap();
    for row in charm_runtime::capabilities::dangerous::readme_rows() {
        assert!(readme.contains(&row), "README.md lacks: {row}");
    }
}
