//! The wall-time limit holds however the host keeps time: a hook process's timer signal,
//! and the ticker thread of a runtime that runs hooks on several threads at once.

mod common;

use std::time::{Duration, Instant};

use charm_runtime::backend::hook_tools::HookToolBackend;
use charm_runtime::engine::{HookFailure, Limits, Runtime};
use common::*;

/// The event of the probe's `hook`.
fn probe_event(hook: &str) -> charm_runtime::event::HookEvent {
    charm_runtime::event::from_env(|k| {
        match k {
            "JUJU_HOOK_NAME" => Some(hook),
            "JUJU_UNIT_NAME" => Some("probe/0"),
            "JUJU_MODEL_NAME" => Some("test"),
            "JUJU_MODEL_UUID" => Some("42022b73-9739-4a66-890d-f4df231ce55f"),
            _ => None,
        }
        .map(str::to_string)
    })
    .expect("an event")
}

fn endless_loop(runtime: &Runtime) -> Result<(), HookFailure> {
    let charm = runtime.load_file(&probe()).expect("the probe loads");
    let backend = HookToolBackend::new(Duration::from_secs(1));
    charm
        .run(&probe_event("probe-loop"), Box::new(backend))
        .outcome
}

/// Runs the endless hook on its own thread; a limit that does not hold fails the test
/// instead of hanging it.
fn endless_loop_bounded(runtime: std::sync::Arc<Runtime>) -> Result<(), HookFailure> {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(endless_loop(&runtime)));
    outcome
        .recv_timeout(Duration::from_secs(30))
        .expect("the endless hook was not stopped")
}

fn limits() -> Limits {
    Limits {
        wall_time: Duration::from_millis(300),
        ..Limits::default()
    }
}

#[test]
fn hooks_on_several_threads_of_one_runtime_each_stop_at_their_limit() {
    let runtime = Runtime::new(limits()).unwrap();
    let started = Instant::now();
    std::thread::scope(|scope| {
        let hooks: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| endless_loop(&runtime)))
            .collect();
        for hook in hooks {
            let outcome = hook.join().unwrap();
            assert!(
                matches!(outcome, Err(HookFailure::WallTime(t)) if t == Duration::from_millis(300)),
                "{outcome:?}"
            );
        }
    });
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "not before the limit"
    );
}

#[test]
fn every_hook_process_runtime_stops_an_endless_hook_even_past_the_first() {
    // The first takes the process's timer signal; a second falls back to a ticker thread.
    for _ in 0..2 {
        let runtime = std::sync::Arc::new(Runtime::for_hook_process(limits()).unwrap());
        for _ in 0..2 {
            let started = Instant::now();
            let outcome = endless_loop_bounded(runtime.clone());
            assert!(
                matches!(outcome, Err(HookFailure::WallTime(_))),
                "{outcome:?}"
            );
            assert!(
                started.elapsed() >= Duration::from_millis(300),
                "not before the limit"
            );
        }
    }
}

/// Runs the probe's `hook` in process on a runtime with a 300 ms limit; a limit that does not
/// hold fails the test instead of hanging it.
fn probe_hook_bounded(hook: &'static str) -> (Result<(), HookFailure>, Duration) {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = Runtime::new(limits()).unwrap();
        let charm = runtime.load_file(&probe()).expect("the probe loads");
        let event = probe_event(hook);
        let started = Instant::now();
        let outcome = charm
            .run(
                &event,
                Box::new(HookToolBackend::new(Duration::from_secs(1))),
            )
            .outcome;
        done.send((outcome, started.elapsed()))
    });
    outcome
        .recv_timeout(Duration::from_secs(30))
        .expect("the sleeping hook was not stopped")
}

#[test]
fn a_charm_sleeping_past_its_limit_is_stopped_at_the_limit_in_process() {
    for hook in ["probe-sleep", "probe-sleep-loop"] {
        let (outcome, took) = probe_hook_bounded(hook);
        assert_eq!(
            outcome,
            Err(HookFailure::WallTime(Duration::from_millis(300))),
            "{hook}"
        );
        assert!(took >= Duration::from_millis(300), "{hook}: {took:?}");
        assert!(took < Duration::from_secs(5), "{hook}: {took:?}");
    }
}

#[test]
fn a_sleeping_charm_fails_charm_host_run_at_the_wall_time_limit() {
    let stubs = StubTools::all();
    let started = Instant::now();
    let out = run_hook(&stubs, &probe(), "probe-sleep", &[], &["--wall-time", "1s"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: probe-sleep: charm exceeded its 1 s wall-time limit"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        stubs
            .logs()
            .contains(&"ERROR probe-sleep: charm exceeded its 1 s wall-time limit".to_string()),
        "the failure reaches juju-log after the limit too: {:?}",
        stubs.logs()
    );
}

#[test]
fn a_hook_command_still_running_at_the_limit_is_killed_and_the_hook_fails_on_wall_time() {
    let stubs = StubTools::all();
    stubs.hang("secret-get", 8);
    let started = Instant::now();
    let out = run_hook(
        &stubs,
        &probe(),
        "probe-slow-command",
        &[],
        &["--wall-time", "1s", "--hook-command-timeout", "60s"],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "charm-host: probe-slow-command: charm exceeded its 1 s wall-time limit"
    );
    assert!(took < Duration::from_secs(7), "not waited for: {took:?}");
    // Had it lived, the command would have finished its sleep by now.
    std::thread::sleep(Duration::from_secs(9).saturating_sub(started.elapsed()));
    assert!(
        !stubs.state().join("secret-get.woke").exists(),
        "the command was killed, not left running"
    );
}
