//! Precompiled artifacts: a warm cache loads without compiling; a missing, stale, corrupt or
//! foreign artifact is detected and the component compiled again; `charm-host compile` and
//! `run` share the cache; an artifact from anywhere but the host's own trusted cache is never
//! loaded (the attacks on it are in `hostile.rs`).

mod common;

use std::path::{Path, PathBuf};

use charm_runtime::engine::artifacts::{self, Cache};
use charm_runtime::engine::{Limits, Origin, Runtime};
use common::*;

/// A copy of the database component in its own directory.
fn component_copy(dir: &Path) -> PathBuf {
    let path = dir.join("charm.wasm");
    std::fs::copy(component("database"), &path).unwrap();
    path
}

fn cache(dir: &Path, runtime: &Runtime) -> Cache {
    Cache::open(&dir.join("cache"), runtime.engine_hash()).unwrap()
}

fn origin(runtime: &Runtime, path: &Path, cache: &Cache) -> Origin {
    runtime.load_file_cached(path, Some(cache)).unwrap().1
}

#[test]
fn the_first_load_compiles_and_later_loads_come_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = component_copy(dir.path());
    let runtime = Runtime::new(Limits::default()).unwrap();
    let cache = cache(dir.path(), &runtime);
    assert_eq!(origin(&runtime, &path, &cache), Origin::Compiled);
    assert_eq!(origin(&runtime, &path, &cache), Origin::Cache);
    let fresh = Runtime::new(Limits::default()).unwrap();
    assert_eq!(
        origin(&fresh, &path, &cache),
        Origin::Cache,
        "another process with the same engine settings"
    );
}

#[test]
fn a_changed_component_is_compiled_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = component_copy(dir.path());
    let runtime = Runtime::new(Limits::default()).unwrap();
    let cache = cache(dir.path(), &runtime);
    assert_eq!(origin(&runtime, &path, &cache), Origin::Compiled);
    assert_eq!(origin(&runtime, &path, &cache), Origin::Cache);
    std::fs::copy(component("webserver"), &path).unwrap();
    let (charm, from) = runtime.load_file_cached(&path, Some(&cache)).unwrap();
    assert_eq!(from, Origin::Compiled, "the cached artifact is stale");
    assert!(
        !charm.imports().iter().any(|i| i.contains("leadership")),
        "the new component was loaded, not the old artifact: {:?}",
        charm.imports()
    );
}

#[test]
fn a_corrupt_artifact_is_never_loaded_and_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = component_copy(dir.path());
    let runtime = Runtime::new(Limits::default()).unwrap();
    let cache = cache(dir.path(), &runtime);
    assert_eq!(origin(&runtime, &path, &cache), Origin::Compiled);
    let hash = artifacts::component_hash(&std::fs::read(&path).unwrap());
    let artifact = cache.artifact(&hash);
    let length = std::fs::metadata(&artifact).unwrap().len() as usize;
    // Same length, so the record still matches: wasmtime's own checks must refuse it.
    std::fs::write(&artifact, vec![0x5a; length]).unwrap();
    assert_eq!(origin(&runtime, &path, &cache), Origin::Compiled);
    assert_eq!(
        origin(&runtime, &path, &cache),
        Origin::Cache,
        "it was replaced"
    );
    std::fs::write(&artifact, b"truncated").unwrap();
    assert_eq!(origin(&runtime, &path, &cache), Origin::Compiled);
}

#[test]
fn an_artifact_for_other_engine_settings_is_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = component_copy(dir.path());
    let plain = Runtime::new(Limits::default()).unwrap();
    let metered = Runtime::new(Limits {
        fuel: Some(1_000_000_000),
        ..Limits::default()
    })
    .unwrap();
    assert_ne!(plain.engine_hash(), metered.engine_hash());
    let plain_cache = cache(dir.path(), &plain);
    assert_eq!(origin(&plain, &path, &plain_cache), Origin::Compiled);
    let hash = artifacts::component_hash(&std::fs::read(&path).unwrap());
    let metered_cache = cache(dir.path(), &metered);
    // The plain engine's artifact, with its record, where the metered engine looks.
    for (from, to) in [
        (plain_cache.artifact(&hash), metered_cache.artifact(&hash)),
        (
            artifacts::record_path(&plain_cache.artifact(&hash)),
            artifacts::record_path(&metered_cache.artifact(&hash)),
        ),
    ] {
        std::fs::copy(from, to).unwrap();
    }
    assert_eq!(
        origin(&metered, &path, &metered_cache),
        Origin::Compiled,
        "fuel metering changes the machine code"
    );
}

#[test]
fn compile_fills_the_cache_that_run_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = component_copy(dir.path());
    let cache_root = dir.path().join("host-cache");
    let out = std::process::Command::new(charm_host_binary())
        .args(["compile", "--manifest"])
        .arg(sample_file("database", "capabilities.yaml"))
        .arg(&path)
        .env("CHARM_HOST_CACHE_DIR", &cache_root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    let artifact = PathBuf::from(printed.trim().strip_prefix("compiled ").unwrap());
    assert!(artifact.starts_with(&cache_root), "{printed}");
    let manifest =
        charm_runtime::capabilities::Manifest::load(&sample_file("database", "capabilities.yaml"))
            .unwrap();
    let runtime = Runtime::new(manifest.limits(Limits::default()).unwrap()).unwrap();
    let cache = Cache::open(&cache_root, runtime.engine_hash()).unwrap();
    assert_eq!(
        origin(&runtime, &path, &cache),
        Origin::Cache,
        "what run does for this manifest finds the artifact"
    );
}

#[test]
fn compile_refuses_what_is_not_a_charm_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("charm.wasm");
    std::fs::write(&bogus, b"not wasm").unwrap();
    let out = std::process::Command::new(charm_host_binary())
        .arg("compile")
        .arg(&bogus)
        .env("CHARM_HOST_CACHE_DIR", dir.path().join("c"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "charm-host: compile: {} is not a WebAssembly file\n",
            bogus.display()
        )
    );
}

#[test]
fn run_saves_what_it_compiled_into_the_host_cache() {
    let dir = tempfile::tempdir().unwrap();
    let stubs = StubTools::all();
    stubs.answer_probe_install();
    let cache_root = dir.path().join("host-cache");
    let cache_env = cache_root.display().to_string();
    let out = run_hook(
        &stubs,
        &probe(),
        "install",
        &[("CHARM_HOST_CACHE_DIR", &cache_env)],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let artifacts: Vec<PathBuf> = std::fs::read_dir(&cache_root)
        .unwrap()
        .flat_map(|engine| std::fs::read_dir(engine.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    let fresh = StubTools::all();
    fresh.answer_probe_install();
    let out = run_hook(
        &fresh,
        &probe(),
        "install",
        &[("CHARM_HOST_CACHE_DIR", &cache_env)],
        &[],
    );
    assert!(
        out.status.success(),
        "the warm run works too: {}",
        stderr(&out)
    );
}
