//! Hostile charms and charm packages against `charm-host run`, `check` and `pack`: each test
//! reproduces one attack on the sandbox and checks what stops it — the named error and exit 1,
//! or the charm's typed error — and that nothing reached Juju that should not.

mod common;

use std::path::PathBuf;

use common::*;

/// A charm component built from a core module in WAT: it exports the world's `handle` (which
/// returns ok) and whatever else `body` declares.
fn charm_from_wat(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    charm_from_wat_in(dir, name, body, None)
}

/// [`charm_from_wat`], in a world that also imports another package's interface: `extra` is
/// its WIT, the interface's name, and the core module's import of it.
fn charm_from_wat_in(
    dir: &std::path::Path,
    name: &str,
    body: &str,
    extra: Option<(&str, &str, &str)>,
) -> PathBuf {
    let core_import = extra.map_or("", |(_, _, import)| import);
    let wat = format!(
        r#"(module
            {core_import}
            (memory (export "memory") 1)
            (global $bump (mut i32) (i32.const 1024))
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
                (local $at i32)
                (local.set $at (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
                (global.set $bump (i32.add (local.get $at) (local.get 3)))
                (local.get $at))
            (func (export "handle") (param i32) (result i32)
                (i32.store8 (i32.const 16) (i32.const 0))
                (i32.const 16))
            {body}
        )"#
    );
    let mut module = wat::parse_str(&wat).expect("valid WAT");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve
        .push_dir(workspace_root().join("wit"))
        .expect("the contract parses");
    let world = match extra {
        None => resolve
            .select_world(&[package], Some("charm"))
            .expect("the charm world"),
        Some((wit, import, _)) => {
            resolve
                .push_str("extra.wit", wit)
                .expect("the extra WIT parses");
            let world = format!(
                "package test:extra; world extended {{ include juju:charm/charm@{}; import {import}; }}",
                charm_runtime::contract::CONTRACT_VERSION
            );
            let extended = resolve
                .push_str("world.wit", &world)
                .expect("the world parses");
            resolve
                .select_world(&[extended], Some("extended"))
                .expect("the extended world")
        }
    };
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("metadata embeds");
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("a module wit-component accepts")
        .validate(true)
        .encode()
        .expect("a component");
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, component).unwrap();
    path
}

#[test]
fn a_component_made_from_wat_is_a_charm_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat(dir.path(), "plain", "");
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &charm, "install", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn tables_count_against_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Four tables of 40 million entries: 1.28 GB of memory in a 3 KB component.
    let tables = "(table 40000000 funcref)".repeat(4);
    let bomb = charm_from_wat(dir.path(), "table-bomb", &tables);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 8 << 10);
    assert_eq!(
        install_refused(&bomb, &["--memory", "16MiB"]),
        "charm-host: install: charm exceeded its 16 MiB memory limit"
    );
}

/// Runs `charm`'s install with `flags`, which must fail before any hook command: its stderr.
fn install_refused(charm: &std::path::Path, flags: &[&str]) -> String {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, charm, "install", &[], flags);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stubs.calls().iter().all(|c| c[0] == "juju-log"),
        "nothing but the failure ran"
    );
    stderr(&out).trim().to_string()
}

#[test]
fn instance_metadata_counts_against_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Half a million globals: a few megabytes of wasm whose instance metadata wasmtime
    // allocates outside any limiter, some twelve megabytes of it.
    let globals = "(global (mut i32) (i32.const 0))".repeat(500_000);
    let bomb = charm_from_wat(dir.path(), "globals-bomb", &globals);
    assert_eq!(
        install_refused(&bomb, &["--memory", "8MiB"]),
        "charm-host: install: charm exceeded its 8 MiB memory limit"
    );
    // Under a limit that holds it, the same charm runs.
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &bomb, "install", &[], &["--memory", "32MiB"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // check says so before any hook does.
    let manifest = dir.path().join("capabilities.yaml");
    std::fs::write(&manifest, "limits: {memory: 8MiB}\n").unwrap();
    let out = charm_host(&[
        "check",
        bomb.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    let metadata = report
        .lines()
        .find_map(|l| l.strip_prefix("instance metadata: "))
        .and_then(|l| l.strip_suffix(" KiB, counted against the memory limit"))
        .expect("check shows the metadata");
    assert!(metadata.parse::<u64>().unwrap() > 8 << 10, "{report}");
    assert!(
        report.contains(&format!(
            "  - its instances' metadata ({metadata} KiB) is above its 8 MiB memory limit\n"
        )),
        "{report}"
    );
}

/// A charm declaring `body` fails install with `failure`, before any hook command.
fn refused_at_instantiation(name: &str, body: &str, failure: &str) {
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat(dir.path(), name, body);
    assert_eq!(
        install_refused(&charm, &[]),
        format!("charm-host: install: charm exceeded its limit of {failure}")
    );
}

#[test]
fn more_memories_than_a_store_may_hold_are_refused_by_name() {
    refused_at_instantiation("many-memories", &"(memory 0)".repeat(24), "20 memories");
}

#[test]
fn more_tables_than_a_store_may_hold_are_refused_by_name() {
    refused_at_instantiation("many-tables", &"(table 0 funcref)".repeat(51), "50 tables");
}

#[test]
fn a_charm_taking_handles_without_end_is_stopped_at_the_handle_limit() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-handles", &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: probe-handles: charm exceeded its limit of 4096 host handles"
    );
}

#[test]
fn host_calls_past_the_budget_fail_the_hook_by_name() {
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-many-logs",
        &[],
        &["--host-calls", "300"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: probe-many-logs: charm exceeded its budget of 300 host calls"
    );
    let logged = stubs.logs().iter().filter(|l| l.contains(" line ")).count();
    assert_eq!(logged, 300, "no juju-log past the budget");
}

#[test]
fn denials_are_audited_once_each_with_a_count_and_every_one_is_named_by_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("capabilities.yaml");
    std::fs::write(
        &manifest,
        "secrets: {operations: [read]}\nrelations: {read: [database]}\nleadership: true\nconfig: true\nlogging: true\nstatus: true\n",
    )
    .unwrap();
    let stubs = StubTools::all();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-many-denials",
        &[],
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let denials: Vec<String> = stubs
        .logs()
        .into_iter()
        .filter(|l| l.contains("capability denied"))
        .collect();
    // 50 distinct labels; forbidden-0 asked 51 times. Twenty audited when first seen, the
    // repeats of forbidden-0 counted, the thirty others named together in one closing line.
    assert_eq!(denials.len(), 22, "{denials:#?}");
    assert!(
        denials[0].ends_with("capability denied: secret label \"forbidden-0\" is not granted (capabilities.yaml: secrets.labels)"),
        "{}",
        denials[0]
    );
    assert!(
        denials.contains(&"WARNING capability denied 51 times in this hook: secret label \"forbidden-0\" is not granted (capabilities.yaml: secrets.labels)".to_string()),
        "{denials:#?}"
    );
    let summary = denials.last().unwrap();
    assert!(
        summary.starts_with("WARNING capability denied 30 more times in this hook, for 30 other reasons (1 of 1): secret label \"forbidden-20\" is not granted (capabilities.yaml: secrets.labels); "),
        "{summary}"
    );
    for n in 20..50 {
        assert!(
            summary.contains(&format!("\"forbidden-{n}\" is not granted")),
            "forbidden-{n} not named: {summary}"
        );
    }
}

fn charm_host(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_charm-host"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_manifest_asking_for_more_than_the_ceilings_is_refused_by_run_check_and_pack() {
    let dir = tempfile::tempdir().unwrap();
    let greedy = dir.path().join("capabilities.yaml");
    let text = std::fs::read_to_string(probe_manifest()).unwrap() + "limits: {memory: 64GiB}\n";
    std::fs::write(&greedy, text).unwrap();
    let refusal = format!(
        "{} asks for memory 64 GiB, above the ceiling of 256 MiB (built-in)",
        greedy.display()
    );
    assert_eq!(
        install_refused(&probe(), &["--manifest", greedy.to_str().unwrap()]),
        format!("charm-host: install: {refusal}")
    );

    let out = charm_host(&[
        "check",
        probe().to_str().unwrap(),
        "--manifest",
        greedy.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("  - {refusal}")), "{stdout}");
    assert!(stdout.ends_with("result: it would not run\n"), "{stdout}");

    let metadata = dir.path().join("metadata.yaml");
    std::fs::write(&metadata, "name: greedy\nsummary: s\ndescription: d\n").unwrap();
    let out = charm_host(&[
        "pack",
        "--component",
        probe().to_str().unwrap(),
        "--manifest",
        greedy.to_str().unwrap(),
        "--metadata",
        metadata.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), format!("charm-host: pack: {refusal}"));
}

#[test]
fn flags_and_environment_may_lower_limits_but_not_raise_them_past_the_ceilings() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "install", &[], &["--memory", "2GiB"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: install: the command line or environment asks for memory 2 GiB, above the ceiling of 256 MiB (built-in)"
    );
    let out = run_hook(
        &stubs,
        &probe(),
        "install",
        &[("CHARM_HOST_WALL_TIME", "1h")],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("asks for wall-time 3600 s, above"),
        "{}",
        stderr(&out)
    );
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    let out = run_hook(&stubs, &probe(), "install", &[], &["--memory", "128MiB"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The value directories of hosts in `tmp`.
fn value_dirs(tmp: &std::path::Path) -> Vec<PathBuf> {
    // SAFETY: geteuid has no preconditions.
    let parent = tmp.join(format!("charm-host-values-{}", unsafe { libc::geteuid() }));
    match std::fs::read_dir(parent) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn values_left_by_a_host_killed_mid_command_are_removed_by_the_next_host() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp_env = tmp.path().to_str().unwrap();
    let stubs = StubTools::all();
    stubs.hang("secret-add", 30);
    let mut child = hook_command(&stubs, &probe(), "probe-add", &[("TMPDIR", tmp_env)], &[])
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    // The directory is made before the value is written in it: wait for the value itself.
    while !value_dirs(tmp.path())
        .iter()
        .any(|d| d.join("password").exists())
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no value file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = value_dirs(tmp.path());
    assert_eq!(left.len(), 1);
    assert!(
        left[0].join("password").exists(),
        "SIGKILL left the value behind"
    );

    // The next hook, whatever it does (this one writes no secret), sweeps it first.
    let plain = charm_from_wat(tmp.path(), "plain", "");
    let out = run_hook(
        &StubTools::all(),
        &plain,
        "install",
        &[("TMPDIR", tmp_env)],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        value_dirs(tmp.path()),
        Vec::<PathBuf>::new(),
        "the next host swept it"
    );
}

#[test]
fn a_charms_error_reaches_stderr_and_juju_log_as_one_capped_line_without_control_characters() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-ugly-error", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
    assert!(
        err.starts_with(
            "charm-host: probe-ugly-error: charm returned an error: first line second line  [2J"
        ),
        "{err:?}"
    );
    assert!(
        err.trim_end().ends_with("(4027 more characters)"),
        "{err:?}"
    );
    assert!(err.len() < 1200, "{}", err.len());
    let logged = stubs.logs();
    assert!(
        logged.iter().any(|l| l.starts_with(
            "ERROR probe-ugly-error: charm returned an error: first line second line"
        )),
        "{logged:?}"
    );
}

/// The juju-log lines starting `start`, each `n of total` then `end` then a piece of at most
/// 32 KiB, numbered in order: their pieces joined with `joint`.
fn pieces_joined(stubs: &StubTools, start: &str, end: &str, joint: &str) -> (usize, String) {
    let pieces: Vec<String> = stubs
        .logs()
        .into_iter()
        .filter_map(|l| l.strip_prefix(start).map(str::to_string))
        .collect();
    let total = pieces.len();
    let mut text = String::new();
    for (n, piece) in pieces.iter().enumerate() {
        let (header, body) = piece.split_once(end).unwrap();
        // The stub writes newlines inside an argument as `\n`.
        let body = body.replace("\\n", "\n");
        assert_eq!(header, format!("{} of {total}", n + 1));
        assert!(body.len() <= 32 << 10, "{} bytes", body.len());
        text.push_str(&body);
        text.push_str(joint);
    }
    (total, text)
}

#[test]
fn long_charm_output_reaches_juju_log_in_pieces_none_lost() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-print-long", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (pieces, text) = pieces_joined(&stubs, "INFO charm stdout (", "): ", "\n");
    assert!(pieces >= 9, "{pieces} pieces");
    let expected: String = (0..3000)
        .map(|n| format!("line {n:05} {}\n", "y".repeat(90)))
        .collect();
    assert_eq!(text, expected);
}

#[test]
fn a_log_message_longer_than_one_argument_may_be_reaches_juju_log_in_pieces() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-long-log", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (pieces, text) = pieces_joined(&stubs, "INFO (", ") ", "");
    assert!(pieces >= 7, "{pieces} pieces");
    let expected: String = (0..2000)
        .map(|n| format!("line {n:05} {}\n", "z".repeat(88)))
        .collect();
    assert_eq!(text, expected.trim_end());
}

#[test]
fn an_argument_longer_than_a_command_line_takes_is_an_invalid_argument_to_the_charm() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-long-status", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: probe-long-status: charm returned an error: Error::InvalidArgument(\"an argument \
         to `status-set` of 200000 bytes is longer than a command line takes (131071 at most)\")"
    );
    assert!(stubs.calls().iter().all(|c| c[0] == "juju-log"));
}

#[test]
fn a_charm_importing_a_wasi_interface_no_host_provides_is_refused_at_load_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat_in(
        dir.path(),
        "http",
        "",
        Some((
            "package wasi:http@0.2.6; interface outgoing-handler { handle: func() -> u32; }",
            "wasi:http/outgoing-handler@0.2.6",
            r#"(import "wasi:http/outgoing-handler@0.2.6" "handle" (func (result i32)))"#,
        )),
    );
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &charm, "install", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "charm-host: install: {} cannot run on this host: it imports wasi:http/outgoing-handler@0.2.6, which this host does not provide",
            charm.display()
        )
    );
    let out = charm_host(&[
        "check",
        charm.to_str().unwrap(),
        "--manifest",
        "/nonexistent",
    ]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("  wasi:http/outgoing-handler@0.2.6: UNKNOWN to this host"),
        "{report}"
    );
}

/// A valid artifact of the probe, compiled for the engine `charm-host run` uses without a
/// manifest, recorded as if it were `victim`'s: what an attacker ships or plants.
fn forged_artifact(dir: &std::path::Path, victim: &std::path::Path, at: &std::path::Path) {
    use charm_runtime::engine::artifacts::{self, Cache};
    use charm_runtime::engine::{Limits, Runtime};
    let runtime = Runtime::new(Limits::default()).unwrap();
    let scratch = Cache::open(&dir.join("scratch-cache"), runtime.engine_hash()).unwrap();
    runtime.load_file_cached(&probe(), Some(&scratch)).unwrap();
    let probe_hash = scratch.known_hash(&probe()).unwrap();
    let compiled = std::fs::read(scratch.artifact(&probe_hash)).unwrap();
    let victim_hash = artifacts::component_hash(&std::fs::read(victim).unwrap());
    artifacts::write(at, &compiled, &victim_hash, runtime.engine_hash(), 0).unwrap();
}

/// Runs `charm`'s install with `cache` as the artifact cache; the probe's install (were its
/// forged artifact run) calls `is-leader` first, the plain charm calls nothing.
fn install_with_cache(
    charm: &std::path::Path,
    cache: &std::path::Path,
) -> (StubTools, std::process::Output) {
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    let cache = cache.to_str().unwrap().to_string();
    let out = run_hook(
        &stubs,
        charm,
        "install",
        &[("CHARM_HOST_CACHE_DIR", &cache)],
        &[],
    );
    (stubs, out)
}

fn hook_commands(stubs: &StubTools) -> Vec<String> {
    stubs
        .calls()
        .into_iter()
        .map(|c| c[0].clone())
        .filter(|t| t != "juju-log")
        .collect()
}

#[test]
fn an_artifact_shipped_beside_the_component_is_never_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat(dir.path(), "charm", "");
    forged_artifact(dir.path(), &charm, &dir.path().join("charm.cwasm"));
    let (stubs, out) = install_with_cache(&charm, &dir.path().join("cache"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        hook_commands(&stubs),
        Vec::<String>::new(),
        "the probe's code did not run"
    );
}

#[test]
fn a_cache_others_may_write_is_not_used_and_what_was_planted_in_it_never_runs() {
    use charm_runtime::engine::artifacts::Cache;
    use charm_runtime::engine::{Limits, Runtime};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat(dir.path(), "charm", "");
    let root = dir.path().join("shared-cache");
    let runtime = Runtime::new(Limits::default()).unwrap();
    let cache = Cache::open(&root, runtime.engine_hash()).unwrap();
    let hash = charm_runtime::engine::artifacts::component_hash(&std::fs::read(&charm).unwrap());
    forged_artifact(dir.path(), &charm, &cache.artifact(&hash));
    for d in [root.clone(), cache.dir().to_path_buf()] {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let (stubs, out) = install_with_cache(&charm, &root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        hook_commands(&stubs),
        Vec::<String>::new(),
        "the planted code did not run"
    );
    let warned = stubs.logs();
    assert!(
        warned.iter().any(|l| l.starts_with(&format!(
            "WARNING not using artifact cache {}: ",
            root.display()
        )) && l.ends_with("; compiling the charm for this hook")),
        "{warned:?}"
    );
}

#[test]
fn a_cache_or_artifact_another_user_owns_is_not_trusted() {
    use charm_runtime::engine::artifacts::Cache;
    use charm_runtime::engine::{Limits, Runtime};
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test needs root (it chowns)"
    );
    let dir = tempfile::tempdir().unwrap();
    let charm = charm_from_wat(dir.path(), "charm", "");
    let runtime = Runtime::new(Limits::default()).unwrap();
    let hash = charm_runtime::engine::artifacts::component_hash(&std::fs::read(&charm).unwrap());

    // A whole cache directory of another user's.
    let theirs = dir.path().join("their-cache");
    let cache = Cache::open(&theirs, runtime.engine_hash()).unwrap();
    forged_artifact(dir.path(), &charm, &cache.artifact(&hash));
    std::os::unix::fs::chown(&theirs, Some(65534), None).unwrap();
    let e = Cache::open(&theirs, runtime.engine_hash()).err().unwrap();
    assert!(e.contains("must be a directory of user 0"), "{e}");
    let (stubs, out) = install_with_cache(&charm, &theirs);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hook_commands(&stubs), Vec::<String>::new());

    // Our cache, but an artifact file another user owns (or anyone may write).
    let ours = dir.path().join("our-cache");
    let cache = Cache::open(&ours, runtime.engine_hash()).unwrap();
    let artifact = cache.artifact(&hash);
    forged_artifact(dir.path(), &charm, &artifact);
    std::os::unix::fs::chown(&artifact, Some(65534), None).unwrap();
    let (stubs, out) = install_with_cache(&charm, &ours);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hook_commands(&stubs), Vec::<String>::new());
}

#[test]
fn names_and_labels_of_a_megabyte_are_refused_and_nothing_long_reaches_the_log() {
    let stubs = StubTools::all();
    let out = run_hook(&stubs, &probe(), "probe-long-names", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let calls = stubs.calls();
    assert!(
        calls.iter().all(|c| c[0] == "juju-log"),
        "refused before any hook command: {:?}",
        calls.iter().map(|c| &c[0]).collect::<Vec<_>>()
    );
    assert!(
        calls.iter().all(|c| c.iter().all(|a| a.len() < 4096)),
        "no hook command got a long argument"
    );
}

/// `charm-host run` on a component file that is not one.
fn refused_component(component: &std::path::Path, reason: &str) {
    let stubs = StubTools::all();
    let started = std::time::Instant::now();
    let out = run_hook(&stubs, component, "install", &[], &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        format!("charm-host: install: {} {reason}", component.display())
    );
}

#[test]
fn a_component_that_is_a_device_a_pipe_or_too_large_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.wasm");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    refused_component(&zero, "is not a regular file");
    let fifo = dir.path().join("fifo.wasm");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path it is given.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    refused_component(&fifo, "is not a regular file");
    let huge = dir.path().join("huge.wasm");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(200 << 20).unwrap();
    refused_component(
        &huge,
        "is 200 MiB long, more than the 128 MiB a charm component may be",
    );
}

#[test]
fn a_manifest_that_is_a_device_or_too_large_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("capabilities.yaml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    assert_eq!(
        install_refused(&probe(), &["--manifest", zero.to_str().unwrap()]),
        format!(
            "charm-host: install: capability manifest {}: not a regular file",
            zero.display()
        )
    );
    let long = dir.path().join("long.yaml");
    std::fs::write(&long, "# padding\n".repeat(7000)).unwrap();
    assert_eq!(
        install_refused(&probe(), &["--manifest", long.to_str().unwrap()]),
        format!(
            "charm-host: install: capability manifest {}: 70000 bytes long, at most 65536",
            long.display()
        )
    );
}
