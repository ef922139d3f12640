//! Charms in other wasm languages: their components import only the contract interfaces their
//! world names, and the WASI their toolchain pulls in (files, sockets, environment) stays
//! denied by the sandbox. (Their lifecycle runs in `lifecycle.rs`, in every deployment.)

mod common;

use charm_runtime::capabilities::{Manifest, check_imports};
use charm_runtime::engine::{Limits, Runtime};
use charm_testing::Harness;
use common::*;
use juju_model::HookKind;

fn contract_imports(language: &str, charm: &str) -> Vec<String> {
    let runtime = Runtime::new(Limits::default()).unwrap();
    let loaded = runtime
        .load_file(&foreign_component(language, charm))
        .unwrap();
    let manifest = Manifest::load(
        &workspace_root()
            .join("sample-charms")
            .join(language)
            .join(charm)
            .join("capabilities.yaml"),
    )
    .unwrap();
    assert_eq!(
        check_imports(&manifest, loaded.imports()),
        [],
        "{language} {charm} runs under its manifest"
    );
    loaded
        .imports()
        .iter()
        .filter(|i| i.starts_with("juju:charm/"))
        .map(|i| i.trim_start_matches("juju:charm/").to_string())
        .collect()
}

#[test]
fn python_and_javascript_components_import_only_the_interfaces_their_world_names() {
    let current = charm_runtime::contract::CONTRACT_VERSION;
    for language in ["python", "javascript"] {
        let mut web = contract_imports(language, "webserver");
        web.sort();
        let expected: Vec<String> = [
            "bindings",
            "config",
            "events",
            "files",
            "logging",
            "ports",
            "relations",
            "secrets",
            "services",
            "status",
            "types",
        ]
        .iter()
        .map(|i| format!("{i}@{current}"))
        .collect();
        assert_eq!(
            web, expected,
            "{language} webserver: no leadership, no state, no commands"
        );
        let db = contract_imports(language, "database");
        let names: Vec<&str> = db.iter().filter_map(|i| i.split('@').next()).collect();
        assert!(names.contains(&"leadership"), "{language}: {db:?}");
        assert!(!names.contains(&"config"), "{language}: {db:?}");
    }
}

#[test]
fn a_python_charm_cannot_reach_files_sockets_or_the_environment() {
    let component = foreign_component("python", "escape");
    let imports = Runtime::new(Limits::default())
        .unwrap()
        .load_file(&component)
        .unwrap()
        .imports()
        .to_vec();
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:sockets/tcp")),
        "componentize-py pulls in WASI sockets: {imports:?}"
    );
    // Built against the frozen `wit/0.2.0` on purpose: this test runs a 0.2.0 component on
    // this host.
    let contract: Vec<&String> = imports
        .iter()
        .filter(|i| i.starts_with("juju:charm/"))
        .collect();
    assert!(
        !contract.is_empty() && contract.iter().all(|i| i.ends_with("@0.2.0")),
        "{contract:?}"
    );
    let manifest =
        Manifest::load(&workspace_root().join("test-charms/python/escape/capabilities.yaml"))
            .unwrap();
    let mut h = Harness::new(Limits::default()).unwrap();
    h.deploy("escape", &component, manifest, 1).unwrap();
    let record = h.dispatch("escape/0", HookKind::Install).unwrap();
    assert_eq!(record.outcome, Ok(()));
    let logged: Vec<&str> = h.model.logs.iter().map(|l| l.message.as_str()).collect();
    for attempt in ["read a file", "list a directory", "open a socket"] {
        assert!(
            logged
                .iter()
                .any(|l| l.starts_with(&format!("{attempt}: refused"))),
            "{attempt}: {logged:?}"
        );
    }
    assert!(logged.contains(&"environment: 0 variables"), "{logged:?}");
}
