//! The real machine, on real files and processes (as root: owners are changed).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::{Duration, Instant};

use juju_hookcmds::workload::{CommandRun, FileKind, Ownership};

use super::{exec, files};
use crate::error::HostError;

fn root() -> Ownership {
    Ownership::default()
}

fn dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    (dir, path)
}

#[test]
fn a_write_replaces_the_file_with_exactly_its_mode_and_owner_and_leaves_no_temporary() {
    let (_d, base) = dir();
    let path = format!("{base}/app.conf");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let daemon = Ownership {
        owner: Some("daemon".into()),
        group: Some("daemon".into()),
    };
    files::write(&path, b"new", 0o640, &daemon).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    assert_eq!(meta.mode() & 0o7777, 0o640);
    assert_eq!((meta.uid(), meta.gid()), (1, 1));
    assert_eq!(files::list(&base).unwrap(), ["app.conf"]);
    let info = files::stat(&path).unwrap().unwrap();
    assert_eq!(
        (info.kind, info.owner.as_str(), info.mode),
        (FileKind::File, "daemon", 0o640)
    );
    // A set-user-id mode survives the change of owner (set after it).
    files::write(&path, b"x", 0o4750, &daemon).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o7777, 0o4750);
}

#[test]
fn a_write_to_an_unknown_user_changes_nothing() {
    let (_d, base) = dir();
    let path = format!("{base}/app.conf");
    std::fs::write(&path, "old").unwrap();
    let nobody = Ownership {
        owner: Some("no-such-user-here".into()),
        group: None,
    };
    assert!(matches!(
        files::write(&path, b"new", 0o600, &nobody),
        Err(HostError::NotFound(_))
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(files::list(&base).unwrap(), ["app.conf"]);
}

#[test]
fn a_symlink_anywhere_in_a_path_is_refused_and_never_followed() {
    let (_d, base) = dir();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "s3cret").unwrap();
    std::os::unix::fs::symlink(outside.path(), format!("{base}/link")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), format!("{base}/file-link")).unwrap();
    let denied = |r: Result<(), HostError>| matches!(r, Err(HostError::DeniedByPolicy(_)));
    assert!(denied(
        files::read(&format!("{base}/link/secret"), 100).map(|_| ())
    ));
    assert!(denied(
        files::read(&format!("{base}/file-link"), 100).map(|_| ())
    ));
    assert!(denied(files::write(
        &format!("{base}/link/secret"),
        b"x",
        0o600,
        &root()
    )));
    assert!(denied(
        files::make_dir(&format!("{base}/link/d"), 0o700, &root()).map(|_| ())
    ));
    assert!(denied(files::list(&format!("{base}/link")).map(|_| ())));
    // Writing over the link itself replaces nothing: it is not a regular file.
    assert!(matches!(
        files::write(&format!("{base}/file-link"), b"x", 0o600, &root()),
        Err(HostError::InvalidArgument(_))
    ));
    assert_eq!(
        std::fs::read(outside.path().join("secret")).unwrap(),
        b"s3cret"
    );
    // Removing the link removes the link, not what it points to.
    assert!(files::remove(&format!("{base}/file-link")).unwrap());
    assert!(outside.path().join("secret").exists());
    let stat = files::stat(&format!("{base}/link")).unwrap().unwrap();
    assert_eq!(stat.kind, FileKind::Symlink);
    assert!(denied(
        files::read("/proc/self/root/etc/hostname", 100).map(|_| ())
    ));
}

#[test]
fn reading_a_fifo_or_a_device_is_refused_without_blocking() {
    let (_d, base) = dir();
    let fifo = format!("{base}/fifo");
    let c = std::ffi::CString::new(fifo.clone()).unwrap();
    // SAFETY: a valid path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    assert!(matches!(
        files::read(&fifo, 100),
        Err(HostError::InvalidArgument(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(
        files::read("/dev/zero", 100),
        Err(HostError::InvalidArgument(_))
    ));
}

#[test]
fn a_file_larger_than_a_call_carries_is_refused() {
    let (_d, base) = dir();
    let path = format!("{base}/big");
    std::fs::write(&path, vec![b'x'; 1000]).unwrap();
    assert!(matches!(
        files::read(&path, 999),
        Err(HostError::InvalidArgument(_))
    ));
    assert_eq!(files::read(&path, 1000).unwrap().len(), 1000);
}

#[test]
fn a_directory_is_made_with_its_mode_once_and_never_replaced() {
    let (_d, base) = dir();
    let made = format!("{base}/conf");
    assert!(files::make_dir(&made, 0o750, &root()).unwrap());
    assert_eq!(std::fs::metadata(&made).unwrap().mode() & 0o7777, 0o750);
    assert!(!files::make_dir(&made, 0o700, &root()).unwrap());
    assert_eq!(std::fs::metadata(&made).unwrap().mode() & 0o7777, 0o750);
    assert!(matches!(
        files::write(&made, b"x", 0o600, &root()),
        Err(HostError::InvalidArgument(_))
    ));
    std::fs::write(format!("{made}/f"), "x").unwrap();
    assert!(matches!(
        files::remove(&made),
        Err(HostError::InvalidArgument(_))
    ));
    assert!(matches!(
        files::make_dir(&format!("{base}/missing/sub"), 0o700, &root()),
        Err(HostError::NotFound(_))
    ));
}

#[test]
fn listing_leaves_out_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let (d, base) = dir();
    std::fs::write(d.path().join(std::ffi::OsStr::from_bytes(b"\xff")), "x").unwrap();
    std::fs::write(d.path().join("b"), "x").unwrap();
    std::fs::write(d.path().join("a"), "x").unwrap();
    assert_eq!(files::list(&base).unwrap(), ["a", "b"]);
}

fn run(program: &str, args: &[&str]) -> CommandRun {
    CommandRun {
        program: program.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        stdin: None,
        user: None,
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        cwd: "/".into(),
        timeout: Duration::from_secs(10),
        output: 64 << 10,
    }
}

#[test]
fn a_program_gets_only_its_granted_environment_and_its_stdin() {
    let mut env = run("/usr/bin/printenv", &[]);
    env.env.push(("GREETING".into(), "hello".into()));
    let out = exec::run(&env, None).unwrap();
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    lines.sort();
    assert_eq!(lines, ["GREETING=hello", "PATH=/usr/bin:/bin"]);
    let mut cat = run("/usr/bin/cat", &[]);
    cat.stdin = Some(b"s3cret".to_vec());
    let out = exec::run(&cat, None).unwrap();
    assert_eq!(
        (out.exit_code, out.stdout.as_slice()),
        (Some(0), &b"s3cret"[..])
    );
}

#[test]
fn a_program_past_its_timeout_is_killed_with_everything_it_started() {
    let mut sh = run("/usr/bin/sh", &["-c", "sleep 30 & echo $!; wait"]);
    sh.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let out = exec::run(&sh, None).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.timed_out && out.exit_code.is_none(), "{out:?}");
    let pid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    std::thread::sleep(Duration::from_millis(100));
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        status.is_empty() || status.contains(") Z "),
        "{pid}: {status}"
    );
}

#[test]
fn a_program_never_runs_past_the_hook_deadline() {
    let sleep = run("/usr/bin/sleep", &["30"]);
    let started = Instant::now();
    let out = exec::run(&sleep, Some(Instant::now() + Duration::from_millis(300))).unwrap();
    assert!(out.timed_out);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn output_past_the_cap_is_dropped_and_marked_truncated() {
    let mut seq = run("/usr/bin/seq", &["100000"]);
    seq.output = 1000;
    let out = exec::run(&seq, None).unwrap();
    assert_eq!(
        (out.exit_code, out.stdout.len(), out.truncated),
        (Some(0), 1000, true)
    );
}

#[test]
fn a_program_runs_as_its_granted_user() {
    let mut id = run("/usr/bin/id", &["-u"]);
    id.user = Some("daemon".into());
    let out = exec::run(&id, None).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "1\n");
}

#[test]
fn a_program_someone_else_could_replace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let tool = dir.path().join("tool");
    std::fs::copy("/usr/bin/true", &tool).unwrap();
    let r = exec::run(&run(tool.to_str().unwrap(), &[]), None);
    assert!(matches!(r, Err(HostError::DeniedByPolicy(_))), "{r:?}");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        exec::run(&run(tool.to_str().unwrap(), &[]), None)
            .unwrap()
            .exit_code,
        Some(0)
    );
    assert!(matches!(
        exec::run(&run("/usr/bin/no-such-tool", &[]), None),
        Err(HostError::NotFound(_))
    ));
}

#[test]
fn a_program_that_never_stops_writing_still_stops_at_its_timeout() {
    let mut yes = run("/usr/bin/yes", &[]);
    yes.timeout = Duration::from_millis(500);
    yes.output = 1000;
    let started = Instant::now();
    let out = exec::run(&yes, None).unwrap();
    assert!(out.timed_out && out.truncated, "{out:?}");
    assert_eq!(out.stdout.len(), 1000);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn what_a_program_leaves_running_in_its_group_is_killed_when_it_exits() {
    let sh = run("/usr/bin/sh", &["-c", "sleep 30 >/dev/null 2>&1 & echo $!"]);
    let out = exec::run(&sh, None).unwrap();
    assert_eq!(out.exit_code, Some(0));
    let pid = String::from_utf8(out.stdout).unwrap().trim().to_string();
    std::thread::sleep(Duration::from_millis(200));
    let status = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        status.is_empty() || status.contains(") Z "),
        "{pid}: {status}"
    );
}

#[test]
fn a_programs_output_is_never_shown_in_debug_output() {
    let mut cat = run("/usr/bin/cat", &[]);
    cat.stdin = Some(b"s3cret".to_vec());
    let out = exec::run(&cat, None).unwrap();
    let shown = format!("{out:?}");
    assert!(
        !shown.contains("s3cret") && shown.contains("<6 bytes>"),
        "{shown}"
    );
}

#[test]
fn a_directory_of_too_many_names_is_refused() {
    let (d, base) = dir();
    for n in 0..=files::MAX_NAMES {
        std::fs::File::create(d.path().join(n.to_string())).unwrap();
    }
    assert!(matches!(
        files::list(&base),
        Err(HostError::InvalidArgument(_))
    ));
}
