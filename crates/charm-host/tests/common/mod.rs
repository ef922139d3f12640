//! Shared by the integration tests: test components built from source, and stub hook commands.
#![allow(dead_code)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const XID: &str = "cid6tkuffbas7af0e0eg";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Builds a guest crate of the workspace for wasm32-wasip2 (once per test process; cargo
/// makes concurrent processes wait for each other) and returns its component.
pub fn component(package: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap();
    let path = target_dir()
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if !built.iter().any(|p| p == package) {
        let status = Command::new(env!("CARGO"))
            .current_dir(workspace_root())
            .args([
                "build",
                "--quiet",
                "--release",
                "--target",
                "wasm32-wasip2",
                "-p",
                package,
            ])
            .status()
            .expect("running cargo to build a test component");
        assert!(
            status.success(),
            "building {package} for wasm32-wasip2 failed"
        );
        built.push(package.to_string());
    }
    path
}

pub fn probe() -> PathBuf {
    component("probe-charm")
}

/// The probe's capability manifest: it grants everything.
pub fn probe_manifest() -> PathBuf {
    workspace_root().join("test-charms/probe/capabilities.yaml")
}

/// A sample charm's capability manifest.
pub fn sample_manifest(name: &str) -> charm_runtime::capabilities::Manifest {
    let path = workspace_root()
        .join("sample-charms")
        .join(name)
        .join("capabilities.yaml");
    charm_runtime::capabilities::Manifest::load(&path).unwrap()
}

/// Every hook command the host may run.
pub const ALL_TOOLS: &[&str] = &[
    "secret-add",
    "secret-get",
    "secret-info-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "is-leader",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "config-get",
    "juju-log",
    "status-set",
];

/// A directory of stub hook commands and the state they record.
pub struct StubTools {
    pub dir: tempfile::TempDir,
}

impl StubTools {
    pub fn new(tools: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        std::fs::create_dir(dir.path().join("state")).unwrap();
        let stub = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/stub-hook-tool");
        for tool in tools {
            symlink(&stub, dir.path().join("bin").join(tool)).unwrap();
        }
        let stubs = StubTools { dir };
        // `secret-ids` lists the probe's secret, so its manifest lets it read it by id.
        stubs.out("secret-ids", None, &format!("[\"{XID}\"]\n"));
        stubs
    }

    /// Every hook command.
    pub fn all() -> Self {
        Self::new(ALL_TOOLS)
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// What `tool` prints on stdout (every call, or call `n` when given).
    pub fn out(&self, tool: &str, n: Option<u32>, stdout: &str) -> &Self {
        self.write(tool, n, "out", stdout)
    }

    /// Makes `tool` fail with `ERROR <message>` and `code`.
    pub fn fail(&self, tool: &str, code: i32, message: &str) -> &Self {
        self.write(tool, None, "err", &format!("ERROR {message}\n"));
        self.write(tool, None, "code", &code.to_string())
    }

    pub fn hang(&self, tool: &str, seconds: u32) -> &Self {
        std::fs::write(
            self.state().join(format!("{tool}.sleep")),
            seconds.to_string(),
        )
        .unwrap();
        self
    }

    fn write(&self, tool: &str, n: Option<u32>, what: &str, text: &str) -> &Self {
        let name = match n {
            Some(n) => format!("{tool}.{n}.{what}"),
            None => format!("{tool}.{what}"),
        };
        std::fs::write(self.state().join(name), text).unwrap();
        self
    }

    /// Every call so far: the tool name followed by its arguments.
    pub fn calls(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(self.state().join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.split('\x1f').map(String::from).collect())
            .collect()
    }

    pub fn calls_to(&self, tool: &str) -> Vec<Vec<String>> {
        self.calls().into_iter().filter(|c| c[0] == tool).collect()
    }

    /// The messages logged through juju-log, as `LEVEL message`.
    pub fn logs(&self) -> Vec<String> {
        self.calls_to("juju-log")
            .into_iter()
            .map(|c| {
                let level = c[1].trim_start_matches("--log-level=").to_string();
                format!("{level} {}", c.last().unwrap())
            })
            .collect()
    }

    pub fn files_log(&self) -> String {
        std::fs::read_to_string(self.state().join("files.log")).unwrap_or_default()
    }

    pub fn read_state(&self, name: &str) -> String {
        std::fs::read_to_string(self.state().join(name)).unwrap_or_default()
    }

    /// Answers for the probe charm's `install` sequence.
    pub fn answer_probe_install(&self) -> &Self {
        self.out("is-leader", None, "true\n")
            .out(
                "secret-add",
                None,
                &format!("secret://42022b73-9739-4a66-890d-f4df231ce55f/{XID}\n"),
            )
            .out(
                "secret-get",
                None,
                r#"{"password":"probe-s3cret-value","username":"admin"}"#,
            )
            .out(
                "secret-info-get",
                None,
                &format!(
                    r#"{{"{XID}":{{"revision":1,"label":"probe-secret","owner":"application","description":"probe credentials","rotation":"daily"}}}}"#
                ),
            )
            .out("secret-ids", None, &format!("[\"{XID}\"]\n"))
            .out("relation-ids", None, "[\"database:3\"]\n")
            .out("relation-list", Some(1), "[\"webserver/0\"]\n")
            .out("relation-list", Some(2), "\"webserver\"\n")
            .out("relation-get", None, r#"{"ready":"true"}"#)
            .out("config-get", None, r#"{"port":8080,"name":"db"}"#)
    }
}

/// Runs `charm-host run` for `hook` on unit `database/0`, with only the stubs on PATH and a
/// clean environment, plus `env` and `args`.
pub fn run_hook(
    stubs: &StubTools,
    component: &Path,
    hook: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Output {
    hook_command(stubs, component, hook, env, args)
        .output()
        .expect("running charm-host")
}

/// The `charm-host run` command [`run_hook`] runs, for a test to adjust before running it.
pub fn hook_command(
    stubs: &StubTools,
    component: &Path,
    hook: &str,
    env: &[(&str, &str)],
    args: &[&str],
) -> Command {
    let path = format!("{}:/usr/bin:/bin", stubs.dir.path().join("bin").display());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_charm-host"));
    cmd.env_clear()
        .env("PATH", path)
        .env("STUB_STATE", stubs.state())
        .env("JUJU_DISPATCH_PATH", format!("hooks/{hook}"))
        .env("JUJU_HOOK_NAME", hook)
        .env("JUJU_UNIT_NAME", "database/0")
        .env("JUJU_MODEL_NAME", "test")
        .env("JUJU_MODEL_UUID", "42022b73-9739-4a66-890d-f4df231ce55f")
        .arg("run")
        .arg("--component")
        .arg(component)
        .args(args);
    if !args.contains(&"--manifest") {
        cmd.arg("--manifest").arg(probe_manifest());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The developer CLI; the simulator's hook commands and the runtime packed charms bundle are
/// built beside it.
pub fn charm_host_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_charm-host"))
}

/// A sample charm's file (`metadata.yaml`, `capabilities.yaml`, ...).
pub fn sample_file(charm: &str, file: &str) -> PathBuf {
    workspace_root()
        .join("sample-charms")
        .join(charm)
        .join(file)
}

/// A plain ops charm's directory; `ops` must have been installed by `./scripts/install-tools`.
pub fn ops_charm(name: &str) -> PathBuf {
    let dir = workspace_root().join("sample-charms").join(name);
    assert!(
        dir.join("venv/ops/__init__.py").is_file(),
        "ops is not installed for {name}: run ./scripts/install-tools (./scripts/test runs it)"
    );
    dir
}

/// A sample charm written in `language` (`python`, `javascript`), built against the
/// project's WIT by `scripts/build-charms` (once per test process; it skips what is up to
/// date). The toolchains must have been installed by `./scripts/install-tools`.
pub fn foreign_component(language: &str, charm: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    if !built.iter().any(|l| l == language) {
        let out = Command::new(workspace_root().join("scripts/build-charms"))
            .arg(language)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("running scripts/build-charms");
        assert!(
            out.status.success(),
            "building the {language} samples failed (toolchains come from ./scripts/install-tools): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        built.push(language.to_string());
    }
    target_dir()
        .join("charms")
        .join(format!("{language}-{charm}.wasm"))
}

/// What a side of the database/webserver pair is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// The Rust sample, a wasm component.
    Rust,
    /// The Python sample (componentize-py), a wasm component.
    Python,
    /// The JavaScript sample (componentize-js), a wasm component.
    JavaScript,
    /// The plain ops charm (always run through dispatch).
    Ops,
}

/// Which implementation each side of the database/webserver pair runs, and whether the wasm
/// ones run in process on the mock or packed, through dispatch, on the hook-command simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    pub database: Impl,
    pub webserver: Impl,
    pub packed: bool,
}

/// A harness with `units` units of the database and of the webserver, deployed as `d` says,
/// their install hooks run.
pub fn database_and_webserver(d: Deployment, units: u32) -> charm_testing::Harness {
    use charm_testing::Harness;
    let mut h = Harness::new(charm_runtime::engine::Limits::default()).unwrap();
    if d.packed {
        h.use_hook_commands(&charm_host_binary()).unwrap();
    }
    let samples = workspace_root().join("sample-charms");
    for (app, implementation) in [("database", d.database), ("webserver", d.webserver)] {
        let (component, dir) = match implementation {
            Impl::Ops => {
                h.deploy_charm_dir(app, &ops_charm(&format!("ops-{app}")), units)
                    .unwrap();
                continue;
            }
            Impl::Rust => (component(app), samples.join(app)),
            Impl::Python => (
                foreign_component("python", app),
                samples.join("python").join(app),
            ),
            Impl::JavaScript => (
                foreign_component("javascript", app),
                samples.join("javascript").join(app),
            ),
        };
        let (manifest, metadata) = (dir.join("capabilities.yaml"), dir.join("metadata.yaml"));
        if d.packed {
            h.deploy_packed(app, &component, &manifest, Some(&metadata), units)
                .unwrap();
        } else {
            let manifest = charm_runtime::capabilities::Manifest::load(&manifest).unwrap();
            h.deploy(app, &component, manifest, units).unwrap();
            h.declare(app, Some(&metadata), Some(&dir.join("actions.yaml")))
                .unwrap();
        }
    }
    sample_machines(&mut h);
    h.run_queued().unwrap();
    h
}

/// The samples' machines: the database's `database-set-password` (which accepts any
/// password) and the webserver's running `webserver` service.
pub fn sample_machines(h: &mut charm_testing::Harness) {
    let mut database = juju_model::Machine::default();
    database.programs.insert(
        "/usr/local/bin/database-set-password".into(),
        juju_model::Program::default(),
    );
    h.model.set_machine("database", database).unwrap();
    let mut webserver = juju_model::Machine::default();
    webserver.services.insert(
        "webserver".into(),
        juju_model::Service {
            active: "active".into(),
            enabled: "enabled".into(),
        },
    );
    h.model.set_machine("webserver", webserver).unwrap();
}

/// One test per deployment of the database/webserver pair, in a module named after the rule:
/// the same lifecycle must hold in every language, in process and packed through dispatch,
/// against ops charms both ways, and in mixed-language pairs.
#[macro_export]
macro_rules! in_every_deployment {
    ($name:ident, $check:expr) => {
        mod $name {
            use super::*;
            use common::Impl::{JavaScript, Ops, Python, Rust};

            fn check(database: common::Impl, webserver: common::Impl, packed: bool) {
                ($check)(common::Deployment {
                    database,
                    webserver,
                    packed,
                })
            }

            #[test]
            fn rust_in_process() {
                check(Rust, Rust, false)
            }
            #[test]
            fn rust_packed_through_dispatch() {
                check(Rust, Rust, true)
            }
            #[test]
            fn ops_database_with_packed_rust_webserver() {
                check(Ops, Rust, true)
            }
            #[test]
            fn packed_rust_database_with_ops_webserver() {
                check(Rust, Ops, true)
            }
            #[test]
            fn python_in_process() {
                check(Python, Python, false)
            }
            #[test]
            fn python_packed_through_dispatch() {
                check(Python, Python, true)
            }
            #[test]
            fn javascript_in_process() {
                check(JavaScript, JavaScript, false)
            }
            #[test]
            fn javascript_packed_through_dispatch() {
                check(JavaScript, JavaScript, true)
            }
            #[test]
            fn python_owner_with_rust_observer_in_process() {
                check(Python, Rust, false)
            }
            #[test]
            fn python_owner_with_rust_observer_packed() {
                check(Python, Rust, true)
            }
            #[test]
            fn javascript_owner_with_python_observer_in_process() {
                check(JavaScript, Python, false)
            }
            #[test]
            fn javascript_owner_with_python_observer_packed() {
                check(JavaScript, Python, true)
            }
        }
    };
}
