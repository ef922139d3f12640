//! `charm-host-bench`: one hook's whole-process time and peak RSS, side by side in one run.
//!
//! Every row runs a charm's `dispatch` as Juju would, for the `database` relation-joined hook,
//! against the same stub hook commands (a tiny shell script answering from files), and
//! reports the median of several runs, the ratio to the native floor, and the median peak RSS.
//! Then scaling: a charm reading a secret 1, 10 and 100 times per hook, with 1 KB to 1 MB of
//! content, wasm against native, and the host's overhead per secret operation.
//!
//! Then the unit's machine: a file write, a command and a service call through the host
//! (policy and all) against doing the same natively, in process.
//!
//! The benchmark gives itself its own view of the machine first (a mount namespace where
//! `/usr/local/bin/database-set-password` and `/usr/bin/systemctl` are stand-ins), so it needs
//! root, and every row runs the same stand-ins.
//!
//! Run through `./scripts/bench`, which builds everything first.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use charm_runtime::HostError;
use charm_runtime::backend::hook_tools::{
    Completed, HookToolBackend, Invocation, ProcessRunner, Runner,
};
use charm_runtime::capabilities::{Manifest, PolicyBackend};
use charm_runtime::engine::{Limits, Runtime};

/// The stub hook command: answers from `$STUB_STATE/<tool>.out`, or fails with `.err`/`.code`.
const STUB: &str = r#"#!/bin/sh
t=${0##*/}
[ "$t" = relation-set ] && cat >/dev/null
if [ -f "$STUB_STATE/$t.err" ]; then cat "$STUB_STATE/$t.err" >&2; exit "$(cat "$STUB_STATE/$t.code")"; fi
[ -f "$STUB_STATE/$t.out" ] && exec cat "$STUB_STATE/$t.out"
exit 0
"#;

const XID: &str = "d4jm0000000000000001";

struct Paths {
    root: PathBuf,
    target: PathBuf,
    work: tempfile::TempDir,
}

impl Paths {
    fn tmp(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }
}

/// One process run: wall time in ms and peak RSS in MB.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak RSS"
)]
fn run_once(dispatch: &Path, env: &[(String, String)]) -> (f64, f64) {
    let errors = tempfile::tempfile().expect("a file for stderr");
    let start = Instant::now();
    let child = Command::new(dispatch)
        .current_dir(dispatch.parent().expect("a charm directory"))
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(errors.try_clone().expect("a second handle"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", dispatch.display()));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, filling in the two out-parameters.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(waited, pid, "wait4 failed");
    let status = std::process::ExitStatus::from_raw(status);
    if !status.success() {
        let mut stderr = String::new();
        let mut errors = errors;
        let _ = std::io::Seek::rewind(&mut errors);
        let _ = std::io::Read::read_to_string(&mut errors, &mut stderr);
        panic!("{} failed ({status}): {stderr}", dispatch.display());
    }
    (elapsed, usage.ru_maxrss as f64 / 1024.0)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// One row of a table: a charm's `dispatch` run `runs` times with `env`; `cold` empties
/// `cache` before each run.
struct Case {
    name: String,
    dispatch: PathBuf,
    env: Vec<(String, String)>,
    runs: usize,
    cold: Option<PathBuf>,
}

/// Medians of time and peak RSS for each case. Runs are interleaved (one of each case in
/// turn) so that a slow spell of the machine weighs on every case alike, not on one row.
fn measure(cases: &[Case]) -> Vec<(f64, f64)> {
    for case in cases.iter().filter(|c| c.cold.is_none()) {
        run_once(&case.dispatch, &case.env); // warm up the page cache
    }
    let mut samples = vec![(Vec::new(), Vec::new()); cases.len()];
    let most = cases.iter().map(|c| c.runs).max().unwrap_or(0);
    for round in 0..most {
        for (case, (times, rss)) in cases.iter().zip(&mut samples) {
            if round >= case.runs {
                continue;
            }
            if let Some(cache) = &case.cold {
                let _ = std::fs::remove_dir_all(cache);
            }
            let (t, r) = run_once(&case.dispatch, &case.env);
            times.push(t);
            rss.push(r);
        }
    }
    samples
        .into_iter()
        .map(|(times, rss)| (median(times), median(rss)))
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn executable(path: &Path, text: &str) {
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The stub hook commands, answering as Juju would for the database's first relation-joined.
fn stubs(p: &Paths) -> (PathBuf, PathBuf) {
    let bin = p.tmp("stubs/bin");
    let state = p.tmp("stubs/state");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&state).unwrap();
    let stub = p.tmp("stubs/stub");
    executable(&stub, STUB);
    for tool in juju_hookcmds::cli::TOOLS {
        std::os::unix::fs::symlink(&stub, bin.join(tool)).unwrap();
    }
    let answers = [
        ("is-leader.out", "true\n".to_string()),
        ("relation-ids.out", "[\"database:1\"]\n".into()),
        ("relation-list.out", "[\"webserver/0\"]\n".into()),
        ("relation-get.out", "{}\n".into()),
        ("secret-ids.out", "null\n".into()),
        (
            "secret-add.out",
            format!("secret://7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b/{XID}\n"),
        ),
        (
            "secret-info-get.err",
            "ERROR secret \"secret-for-webserver-app\" not found\n".into(),
        ),
        ("secret-info-get.code", "1".into()),
    ];
    for (name, text) in answers {
        write(&state.join(name), &text);
    }
    (bin, state)
}

fn hook_env(
    p: &Paths,
    charm_dir: &Path,
    bin: &Path,
    state: &Path,
    cache: &Path,
    hook: &str,
) -> Vec<(String, String)> {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env: Vec<(String, String)> = [
        ("PATH", path),
        ("HOME", p.tmp("home").display().to_string()),
        ("STUB_STATE", state.display().to_string()),
        ("CHARM_HOST_CACHE_DIR", cache.display().to_string()),
        ("JUJU_CHARM_DIR", charm_dir.display().to_string()),
        ("JUJU_UNIT_NAME", "database/0".into()),
        ("JUJU_MODEL_NAME", "bench".into()),
        (
            "JUJU_MODEL_UUID",
            "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b".into(),
        ),
        ("JUJU_VERSION", "3.6.11".into()),
        ("JUJU_HOOK_NAME", hook.into()),
        ("JUJU_DISPATCH_PATH", format!("hooks/{hook}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if hook.contains("-relation-") {
        for (k, v) in [
            ("JUJU_RELATION", "database"),
            ("JUJU_RELATION_ID", "database:1"),
            ("JUJU_REMOTE_APP", "webserver"),
            ("JUJU_REMOTE_UNIT", "webserver/0"),
        ] {
            env.push((k.into(), v.into()));
        }
    }
    env
}

/// Packs a component with `charm-host pack` into `charms/<label>/` in the work directory;
/// returns the charm directory.
fn pack(p: &Paths, label: &str, component: &Path, sample: &Path, cache: &Path) -> PathBuf {
    let out = p.tmp(&format!("charms/{label}"));
    let mut command = Command::new(p.target.join("bench-host/charm-host"));
    command
        .arg("pack")
        .arg("--component")
        .arg(component)
        .arg("--manifest")
        .arg(sample.join("capabilities.yaml"))
        .arg("--metadata")
        .arg(sample.join("metadata.yaml"))
        .arg("--out")
        .arg(&out)
        .arg("--no-archive");
    if sample.join("actions.yaml").is_file() {
        command.arg("--actions").arg(sample.join("actions.yaml"));
    }
    let status = command
        .env("CHARM_HOST_CACHE_DIR", cache)
        .stdout(Stdio::null())
        .status()
        .expect("running charm-host pack");
    assert!(status.success(), "packing {} failed", component.display());
    let name = std::fs::read_to_string(sample.join("metadata.yaml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("name: ").map(str::to_string))
        .expect("a name");
    out.join(name)
}

/// A charm directory whose dispatch execs a native binary.
fn native_charm(p: &Paths, binary: &str) -> PathBuf {
    let dir = p.tmp(&format!("charms/{binary}"));
    std::fs::create_dir_all(&dir).unwrap();
    executable(
        &dir.join("dispatch"),
        &format!(
            "#!/bin/sh\nexec {}\n",
            p.target.join("bench-host").join(binary).display()
        ),
    );
    dir
}

struct Row {
    name: String,
    ms: f64,
    rss: f64,
    runs: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(args.get(1).map(String::as_str).unwrap_or("."));
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(21);
    let cold_runs: usize = std::env::var("BENCH_COLD_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let p = Paths {
        target: root.join("target"),
        root,
        work: tempfile::tempdir().expect("a work directory"),
    };
    std::fs::create_dir_all(p.tmp("home")).unwrap();
    own_view(&p);
    let (bin, state) = stubs(&p);
    let warm_cache = p.tmp("cache");
    let samples = p.root.join("sample-charms");
    let wasm = |name: &str| {
        p.target
            .join("wasm32-wasip2/release")
            .join(format!("{name}.wasm"))
    };
    let hook = "database-relation-joined";

    let case = |name: &str, dir: &Path, runs: usize, cold: bool| {
        let slug = name.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let cold_cache = p.tmp(&format!("cold-cache/{slug}"));
        let cache = if cold { &cold_cache } else { &warm_cache };
        Case {
            name: name.to_string(),
            dispatch: dir.join("dispatch"),
            env: hook_env(&p, dir, &bin, &state, cache, hook),
            runs,
            cold: cold.then(|| cold_cache.clone()),
        }
    };
    let rust = pack(
        &p,
        "rust",
        &wasm("database"),
        &samples.join("database"),
        &warm_cache,
    );
    let python = pack(
        &p,
        "python",
        &p.target.join("charms/python-database.wasm"),
        &samples.join("python/database"),
        &warm_cache,
    );
    let js = pack(
        &p,
        "javascript",
        &p.target.join("charms/javascript-database.wasm"),
        &samples.join("javascript/database"),
        &warm_cache,
    );
    let cases = [
        case(
            "native Rust (the floor)",
            &native_charm(&p, "native-database"),
            runs,
            false,
        ),
        case(
            "Rust wasm, warm (machine's artifact cache)",
            &rust,
            runs,
            false,
        ),
        case("Rust wasm, cold (compiles)", &rust, runs, true),
        case("Python wasm (componentize-py), warm", &python, runs, false),
        case("Python wasm, cold (compiles)", &python, cold_runs, true),
        case("JavaScript wasm (componentize-js), warm", &js, runs, false),
        case("JavaScript wasm, cold (compiles)", &js, cold_runs, true),
        case(
            "ops (Python, ops from PyPI)",
            &samples.join("ops-database"),
            runs,
            false,
        ),
    ];
    eprintln!("measuring one {hook} hook ({runs} runs each, cold: {cold_runs}), interleaved");
    let rows: Vec<Row> = cases
        .iter()
        .zip(measure(&cases))
        .map(|(case, (ms, rss))| {
            eprintln!("  {}: {ms:.1} ms, {rss:.1} MB", case.name);
            Row {
                name: case.name.clone(),
                ms,
                rss,
                runs: case.runs,
            }
        })
        .collect();

    let floor = rows[0].ms;
    let ops = rows.last().expect("rows").ms;
    println!("\n### One `{hook}` hook, whole process (median of N runs)\n");
    println!("| charm | median ms | × native | ops ÷ this | peak RSS MB | N |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.1} | {:.2} | {:.1} | {:.1} | {} |",
            r.name,
            r.ms,
            r.ms / floor,
            ops / r.ms,
            r.rss,
            r.runs
        );
    }
    bundled_runtimes(&p, &rust, &bin, &state, runs);
    let command_ms = scaling(&p, &bin, &warm_cache, runs);
    runner_against_std(&bin, &p.tmp("stubs/state-1x1000"), runs);
    host_cost_per_read(&p, command_ms, runs);
    warm_loads(
        &p,
        &[("Rust", &rust), ("Python", &python), ("JavaScript", &js)],
        runs,
    );
    workload_against_native(&p, runs);
}

/// The workload's stand-ins: the database's password tool reads its stdin, `systemctl`
/// succeeds. Shell scripts, so the host and the native side spawn the same thing.
const STAND_INS: &[(&str, &str, &str)] = &[
    (
        "usr/local/bin",
        "database-set-password",
        "#!/bin/sh\ncat >/dev/null\n",
    ),
    ("usr/bin", "systemctl", "#!/bin/sh\nexit 0\n"),
];

/// Moves this process (still one thread) into a mount namespace of its own where the
/// stand-ins are on the machine, over overlays that leave the machine itself untouched.
fn own_view(p: &Paths) {
    use std::ffi::CString;
    // SAFETY: called before any other thread starts; unshare affects only this process.
    assert_eq!(
        unsafe { libc::unshare(libc::CLONE_NEWNS) },
        0,
        "the benchmark needs root (a mount namespace of its own): {}",
        std::io::Error::last_os_error()
    );
    let c = |s: &str| CString::new(s).expect("no NUL");
    let (slash, overlay) = (c("/"), c("overlay"));
    // SAFETY: plain mount(2) calls on valid strings.
    let private = unsafe {
        libc::mount(
            std::ptr::null(),
            slash.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    assert_eq!(private, 0, "{}", std::io::Error::last_os_error());
    for (dir, name, script) in STAND_INS {
        let (upper, work) = (
            p.tmp(&format!("view/{dir}/upper")),
            p.tmp(&format!("view/{dir}/work")),
        );
        std::fs::create_dir_all(&upper).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        executable(&upper.join(name), script);
        let options = c(&format!(
            "lowerdir=/{dir},upperdir={},workdir={}",
            upper.display(),
            work.display()
        ));
        let target = c(&format!("/{dir}"));
        // SAFETY: as above.
        let mounted = unsafe {
            libc::mount(
                overlay.as_ptr(),
                target.as_ptr(),
                overlay.as_ptr(),
                0,
                options.as_ptr().cast(),
            )
        };
        assert_eq!(
            mounted,
            0,
            "overlay on /{dir}: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// A file write, a command and a service call through the host (the policy in front of the
/// production backend, in process) against the same done natively: an atomic replace with
/// std, spawning the same program with std's `Command`.
fn workload_against_native(p: &Paths, runs: usize) {
    use charm_runtime::backend::Backend;
    use juju_hookcmds::workload::{CommandRun, Ownership, ServiceAction, ServiceManager};
    let dir = p.tmp("workload");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = format!(
        "files:\n  - {{path: \"{}/*\", access: write, max-mode: \"0600\"}}\ncommands:\n  - {{program: /usr/local/bin/database-set-password, args: [admin]}}\nservices:\n  - {{systemd: webserver, actions: [reload]}}\n",
        dir.display()
    );
    let manifest = Arc::new(Manifest::parse(&manifest, "bench").expect("the manifest"));
    let backend = HookToolBackend::with_runner(InstantAnswers { operations: 0 });
    let mut host = PolicyBackend::new(manifest, Box::new(backend));
    let content = vec![b'x'; 1_000];
    let password = b"abcdefghijkmnpqrstuvwxyz".to_vec();
    let target = dir.join("database.json");
    let path = target.to_str().expect("UTF-8").to_string();
    let run = CommandRun {
        program: "/usr/local/bin/database-set-password".into(),
        args: vec!["admin".into()],
        stdin: Some(password.clone()),
        user: None,
        env: Vec::new(),
        cwd: "/".into(),
        timeout: std::time::Duration::from_secs(10),
        output: 64 << 10,
    };
    let native_write = || {
        use std::io::Write as _;
        let tmp = dir.join(".database.json.tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .expect("the temporary file");
        f.write_all(&content).expect("written");
        f.sync_all().expect("synced");
        std::fs::rename(&tmp, &target).expect("renamed");
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .expect("the directory synced");
    };
    let native_spawn = |program: &str, args: &[&str], stdin: Option<&[u8]>| {
        use std::io::Write as _;
        let mut child = Command::new(program)
            .args(args)
            .env_clear()
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the stand-in runs");
        if let (Some(mut pipe), Some(data)) = (child.stdin.take(), stdin) {
            pipe.write_all(data).expect("stdin");
        }
        assert!(child.wait_with_output().expect("it ends").status.success());
    };
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1000.0
    };
    let mut rows: Vec<(&str, Vec<f64>, Vec<f64>)> = vec![
        ("write a 1 KB file (atomic, 0600)", Vec::new(), Vec::new()),
        ("run a program, secret on stdin", Vec::new(), Vec::new()),
        ("reload a systemd service", Vec::new(), Vec::new()),
    ];
    // Call by call, alternating, so neither side always runs first.
    for _ in 0..runs * 5 {
        rows[0].1.push(timed(&mut || {
            host.file_write(&path, &content, 0o600, &Ownership::default())
                .expect("the host writes")
        }));
        rows[0].2.push(timed(&mut || native_write()));
        rows[1].1.push(timed(&mut || {
            let out = host.command_run(&run).expect("the host runs it");
            assert_eq!(out.exit_code, Some(0));
        }));
        rows[1].2.push(timed(&mut || {
            native_spawn(&run.program, &["admin"], Some(&password))
        }));
        rows[2].1.push(timed(&mut || {
            host.service_act(ServiceManager::Systemd, "webserver", ServiceAction::Reload)
                .expect("the host reloads it")
        }));
        rows[2].2.push(timed(&mut || {
            native_spawn("/usr/bin/systemctl", &["reload", "webserver"], None)
        }));
    }
    println!(
        "\n### The unit's machine: one operation through the host against natively (in process, median of {})\n",
        runs * 5
    );
    println!("| operation | through the host ms | native ms | × native |");
    println!("|---|---:|---:|---:|");
    for (name, host, native) in rows {
        let (h, n) = (median(host), median(native));
        println!("| {name} | {h:.3} | {n:.3} | {:.2} |", h / n);
    }
}

/// The runtime a packed charm bundles: its size, and one warm hook's whole process with it, a
/// no-op hook (`update-status`, which the database charm ignores) and the benchmark's hook,
/// interleaved. Against the whole developer CLI, which `pack` bundled before the runtime had a
/// binary of its own, and, with `BENCH_BASELINE_HOST=<path>`, against any other build (an
/// older release, built with the same profile).
fn bundled_runtimes(p: &Paths, rust: &Path, bin: &Path, state: &Path, runs: usize) {
    let mut hosts = vec![
        (
            "charm-host-unit (what pack bundles)".to_string(),
            p.target.join("bench-host/charm-host-unit"),
        ),
        (
            "charm-host (the developer CLI)".to_string(),
            p.target.join("bench-host/charm-host"),
        ),
    ];
    if let Some(baseline) = std::env::var_os("BENCH_BASELINE_HOST") {
        let baseline = PathBuf::from(baseline);
        let name = baseline.file_name().unwrap_or_default().to_string_lossy();
        hosts.push((format!("baseline `{name}`"), baseline));
    }
    let hooks = ["update-status", "database-relation-joined"];
    let mut cases = Vec::new();
    for (n, (name, host)) in hosts.iter().enumerate() {
        let dir = p.tmp(&format!("charms/runtime-{n}"));
        let copied = Command::new("cp")
            .arg("-a")
            .arg(rust)
            .arg(&dir)
            .status()
            .expect("running cp");
        assert!(copied.success(), "copying {}", rust.display());
        let bundled = dir.join("bin/charm-host");
        std::fs::remove_file(&bundled).expect("the bundled runtime");
        std::fs::copy(host, &bundled).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
        let cache = p.tmp(&format!("runtime-cache-{n}"));
        for hook in hooks {
            cases.push(Case {
                name: format!("{name}, {hook}"),
                dispatch: dir.join("dispatch"),
                env: hook_env(p, &dir, bin, state, &cache, hook),
                runs,
                cold: None,
            });
        }
    }
    eprintln!("measuring the bundled runtimes ({runs} runs each), interleaved");
    let results = measure(&cases);
    println!("\n### The runtime a packed charm bundles (warm hooks, median of {runs} runs)\n");
    println!(
        "| bundled runtime | size MB | no-op hook ms | peak RSS MB | database-relation-joined ms | peak RSS MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (n, (name, host)) in hosts.iter().enumerate() {
        let size = std::fs::metadata(host).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        let (noop, joined) = (results[2 * n], results[2 * n + 1]);
        println!(
            "| {name} | {size:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            noop.0, noop.1, joined.0, joined.1
        );
    }
}

/// In-process: loading a charm's artifact from the machine's cache (record and owner check,
/// mmap, deserialize, link) without compiling; the part of a warm hook that grows with the
/// component.
fn warm_loads(p: &Paths, charms: &[(&str, &PathBuf)], runs: usize) {
    use charm_runtime::engine::Origin;
    println!("\n### Warm load of the component (in process, median of {runs})\n");
    println!("| charm | component MB | artifact MB | load ms |");
    println!("|---|---:|---:|---:|");
    for (name, dir) in charms {
        let manifest = Manifest::load(&dir.join("capabilities.yaml")).expect("manifest");
        let limits = manifest.limits(Limits::default()).expect("limits");
        let runtime = Runtime::new(limits).expect("an engine");
        let cache_root = p.tmp("load-cache");
        let cache =
            charm_runtime::engine::artifacts::Cache::open(&cache_root, runtime.engine_hash())
                .expect("a cache");
        let component = dir.join("charm.wasm");
        // The first load compiles into the cache, as a machine's first hook does.
        runtime
            .load_file_cached(&component, Some(&cache))
            .expect("loads");
        let times: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let (_, origin) = runtime
                    .load_file_cached(&component, Some(&cache))
                    .expect("loads");
                assert_eq!(origin, Origin::Cache, "{name} loads its cached artifact");
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        let size = |f: &Path| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        let hash = cache
            .known_hash(&component)
            .expect("a hash the cache remembers");
        println!(
            "| {name} database | {:.1} | {:.1} | {:.2} |",
            size(&component),
            size(&cache.artifact(&hash)),
            median(times)
        );
    }
}

/// The reader charm and its native twin, reading a secret N times with S bytes of content.
/// Returns the hook command's own cost per read, in ms (the native slope).
fn scaling(p: &Paths, bin: &Path, cache: &Path, runs: usize) -> f64 {
    let reader = pack(
        p,
        "reader",
        &p.target.join("wasm32-wasip2/release/bench_reader.wasm"),
        &p.root.join("bench/reader-charm"),
        cache,
    );
    let native = native_charm(p, "native-reader");
    let hook = "config-changed";
    let configs = [
        (1, 1_000),
        (10, 1_000),
        (100, 1_000),
        (10, 100_000),
        (10, 1_000_000),
    ];
    // Each configuration answers from its own stub state, so all run interleaved.
    let mut cases = Vec::new();
    for (operations, size) in configs {
        let state = p.tmp(&format!("stubs/state-{operations}x{size}"));
        std::fs::create_dir_all(&state).unwrap();
        write(
            &state.join("config-get.out"),
            &format!("{{\"secret-id\":\"secret:{XID}\",\"operations\":{operations}}}\n"),
        );
        write(
            &state.join("secret-get.out"),
            &format!("{{\"value\":\"{}\"}}\n", "x".repeat(size)),
        );
        for (name, dir) in [("native", &native), ("wasm", &reader)] {
            cases.push(Case {
                name: format!("{operations} × {size} B, {name}"),
                dispatch: dir.join("dispatch"),
                env: hook_env(p, dir, bin, &state, cache, hook),
                runs,
                cold: None,
            });
        }
    }
    eprintln!("measuring scaling ({runs} runs each), interleaved");
    let results = measure(&cases);
    for (case, (ms, _)) in cases.iter().zip(&results) {
        eprintln!("  {}: {ms:.1} ms", case.name);
    }
    let measured: Vec<_> = configs
        .iter()
        .zip(results.chunks(2))
        .map(|(&(operations, size), pair)| (operations, size, pair[0], pair[1]))
        .collect();
    println!("\n### Scaling: secret reads per hook and content size (median ms)\n");
    println!("| reads × content | native ms | wasm ms | × native | wasm peak RSS MB |");
    println!("|---|---:|---:|---:|---:|");
    for (operations, size, n, w) in &measured {
        println!(
            "| {operations} × {} | {:.1} | {:.1} | {:.2} | {:.1} |",
            human(*size),
            n.0,
            w.0,
            w.0 / n.0,
            w.1
        );
    }
    // Slope from 1 to 100 reads of 1 KB: the cost of one more read.
    let (one, hundred) = (&measured[0], &measured[2]);
    let reads = (hundred.0 - one.0) as f64;
    let native_per_op = (hundred.2.0 - one.2.0) / reads;
    let wasm_per_op = (hundred.3.0 - one.3.0) / reads;
    println!(
        "\nPer secret read (1 KB; slope from 1 to 100 reads): native {native_per_op:.2} ms (the hook command's own cost), wasm {wasm_per_op:.2} ms: host overhead {:.1}% of the command's cost.",
        (wasm_per_op - native_per_op) / native_per_op * 100.0
    );
    native_per_op
}

/// The host's hook-command runner (one `poll(2)` loop, bounded wait) against std's
/// `Command::output` (the native floor's), calling the same stub in this process.
fn runner_against_std(bin: &Path, state: &Path, runs: usize) {
    // SAFETY: no other thread exists yet in this process (no engine has been started), so
    // nothing reads the environment while it changes.
    unsafe { std::env::set_var("STUB_STATE", state) };
    let tool: &'static str = Box::leak(
        bin.join("secret-get")
            .display()
            .to_string()
            .into_boxed_str(),
    );
    let args = vec!["--format=json".to_string(), format!("secret:{XID}")];
    let invocation = Invocation {
        tool,
        args: args.clone(),
        stdin: None,
    };
    let mut runner = ProcessRunner::new(std::time::Duration::from_secs(30));
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1000.0
    };
    // Call by call, alternating, so neither side always runs first.
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..runs * 20 {
        ours.push(timed(&mut || {
            let done = runner.run(&invocation).expect("the stub runs");
            assert_eq!(done.stdout.len(), 1_013, "the 1 KB answer");
        }));
        floor.push(timed(&mut || {
            let out = Command::new(tool)
                .args(&args)
                .output()
                .expect("the stub runs");
            assert_eq!(out.stdout.len(), 1_013, "the 1 KB answer");
        }));
    }
    let (ours, floor) = (median(ours), median(floor));
    println!(
        "Running one hook command (1 KB answer), in process: the host's runner {ours:.3} ms, std's `Command::output` {floor:.3} ms ({:+.1} µs).",
        (ours - floor) * 1000.0
    );
}

/// Hook commands answering at once, as the scaling stubs answer: what is left of a hook is
/// the host's own work per call (policy check, argv, parsing, content into and out of wasm).
struct InstantAnswers {
    operations: usize,
}

impl Runner for InstantAnswers {
    fn run(&mut self, invocation: &Invocation) -> Result<Completed, HostError> {
        let stdout = match invocation.tool {
            "config-get" => format!(
                "{{\"secret-id\":\"secret:{XID}\",\"operations\":{}}}",
                self.operations
            ),
            "secret-get" => format!("{{\"value\":\"{}\"}}", "x".repeat(1_000)),
            _ => String::new(),
        };
        Ok(Completed {
            code: 0,
            stdout,
            stderr: String::new(),
        })
    }
}

/// In process: the host's own cost per secret read, without the hook command's (slope from 1
/// to 1001 reads of 1 KB), against the command's own cost measured above.
fn host_cost_per_read(p: &Paths, command_ms: f64, runs: usize) {
    let manifest = Arc::new(
        Manifest::load(&p.root.join("bench/reader-charm/capabilities.yaml")).expect("manifest"),
    );
    let runtime = Runtime::new(Limits::default()).expect("an engine");
    let charm = runtime
        .load_file(&p.target.join("wasm32-wasip2/release/bench_reader.wasm"))
        .expect("the reader loads");
    let event = charm_runtime::event::from_env(|k| {
        match k {
            "JUJU_HOOK_NAME" => Some("config-changed"),
            "JUJU_DISPATCH_PATH" => Some("hooks/config-changed"),
            "JUJU_UNIT_NAME" => Some("bench-reader/0"),
            "JUJU_MODEL_NAME" => Some("bench"),
            "JUJU_MODEL_UUID" => Some("7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b"),
            _ => None,
        }
        .map(str::to_string)
    })
    .expect("an event");
    let hook = |operations: usize| {
        let backend = HookToolBackend::with_runner(InstantAnswers { operations });
        let policy = PolicyBackend::new(manifest.clone(), Box::new(backend)).for_event(&event);
        let start = Instant::now();
        let report = charm.run(&event, Box::new(policy));
        assert_eq!(report.outcome, Ok(()), "the reader's hook succeeds");
        start.elapsed().as_secs_f64() * 1000.0
    };
    let (few, many) = (1, 1_001);
    let (mut short, mut long) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        short.push(hook(few));
        long.push(hook(many));
    }
    let per_read_ms = (median(long) - median(short)) / (many - few) as f64;
    println!(
        "Host's own work per secret read (in process, hook commands answering at once; slope from {few} to {many} reads): {:.1} µs, {:.2}% of the command's own cost.",
        per_read_ms * 1000.0,
        per_read_ms / command_ms * 100.0
    );
}

fn human(bytes: usize) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{} MB", b / 1_000_000),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}
