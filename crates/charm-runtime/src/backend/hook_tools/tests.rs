//! The argv built for every hook command, and how each documented output and error is parsed.

use std::collections::VecDeque;
use std::os::unix::fs::PermissionsExt;

use juju_hookcmds::args::expire_arg;
use juju_hookcmds::process::{Unfinished, wait_bounded};
use juju_hookcmds::{AddOwner, Datetime, Expiry, OwnerKind, RelationUnit, RotatePolicy};

use super::*;

/// The host's error for a failed command, as the backend makes it.
fn error_from_stderr(tool: &str, code: i32, stderr: &str) -> HostError {
    CommandError::from_stderr(tool, code, stderr).into()
}

const XID: &str = "cid6tkuffbas7af0e0eg";
const VALUE: &str = "hunter2-very-secret";

/// What a content file looked like while the command ran.
#[derive(Debug, Clone)]
struct SeenFile {
    arg: String,
    mode: u32,
    dir_mode: u32,
    value: String,
}

#[derive(Default)]
struct FakeRunner {
    responses: VecDeque<Result<Completed, HostError>>,
    calls: Vec<Invocation>,
    files: Vec<SeenFile>,
}

impl Runner for FakeRunner {
    fn run(&mut self, invocation: &Invocation) -> Result<Completed, HostError> {
        for arg in &invocation.args {
            if let Some((_, path)) = arg.split_once("#file=") {
                let path = std::path::Path::new(path);
                let mode = |p: &std::path::Path| {
                    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
                };
                self.files.push(SeenFile {
                    arg: arg.clone(),
                    mode: mode(path),
                    dir_mode: mode(path.parent().unwrap()),
                    value: std::fs::read_to_string(path).unwrap(),
                });
            }
        }
        self.calls.push(invocation.clone());
        self.responses.pop_front().unwrap_or_else(|| Ok(ok("")))
    }
}

fn ok(stdout: &str) -> Completed {
    Completed {
        code: 0,
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

fn failed(code: i32, stderr: &str) -> Completed {
    Completed {
        code,
        stdout: String::new(),
        stderr: stderr.into(),
    }
}

fn backend(responses: Vec<Completed>) -> HookToolBackend<FakeRunner> {
    HookToolBackend::with_runner(FakeRunner {
        responses: responses.into_iter().map(Ok).collect(),
        ..Default::default()
    })
}

fn argv(b: &HookToolBackend<FakeRunner>) -> Vec<String> {
    let call = b.runner().calls.last().expect("a call was made");
    std::iter::once(call.tool.to_string())
        .chain(call.args.iter().cloned())
        .collect()
}

fn id() -> SecretId {
    SecretId::parse(&format!("secret:{XID}")).unwrap()
}

fn content() -> SecretContent {
    SecretContent::from_pairs(vec![("username", "admin"), ("password", VALUE)]).unwrap()
}

fn add_options() -> AddOptions {
    AddOptions {
        owner: AddOwner::Application,
        label: None,
        description: None,
        expire: None,
        rotate: None,
    }
}

fn no_meta() -> SetOptions {
    SetOptions {
        label: None,
        description: None,
        expire: None,
        rotate: None,
    }
}

#[test]
fn secret_add_passes_values_only_through_private_files_and_always_sends_owner() {
    let mut b = backend(vec![ok(&format!(
        "secret://42022b73-9739-4a66-890d-f4df231ce55f/{XID}\n"
    ))]);
    let new_id = b.secret_add(&content(), &add_options()).unwrap();
    assert_eq!(
        new_id,
        format!("secret://42022b73-9739-4a66-890d-f4df231ce55f/{XID}"),
        "the trailing newline is trimmed, the form kept"
    );
    let argv = argv(&b);
    assert_eq!(argv[..2], ["secret-add", "--owner=application"]);
    assert!(argv[2].starts_with("password#file="), "{argv:?}");
    assert!(argv[3].starts_with("username#file="), "{argv:?}");
    assert!(argv.iter().all(|a| !a.contains(VALUE)), "{argv:?}");
    let files = &b.runner().files;
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(f.mode, 0o600, "{}", f.arg);
        assert_eq!(f.dir_mode, 0o700, "{}", f.arg);
    }
    assert_eq!(files[0].value, VALUE);
    let path = files[0].arg.split_once("#file=").unwrap().1;
    assert!(
        !std::path::Path::new(path).exists(),
        "content files are removed after the call"
    );
}

#[test]
fn secret_add_sends_every_option_in_flag_equals_value_form() {
    let mut b = backend(vec![ok(&format!("secret:{XID}\n"))]);
    let options = AddOptions {
        owner: AddOwner::Unit,
        label: Some("--owner=application".into()),
        description: Some("db credentials".into()),
        expire: Some(Expiry::At(Datetime {
            seconds: 1_735_711_566,
            nanoseconds: 0,
        })),
        rotate: Some(RotatePolicy::Quarterly),
    };
    b.secret_add(&content(), &options).unwrap();
    assert_eq!(
        argv(&b)[..6],
        [
            "secret-add",
            "--owner=unit",
            "--label=--owner=application",
            "--description=db credentials",
            "--expire=2025-01-01T06:06:06Z",
            "--rotate=quarterly",
        ]
    );
}

#[test]
fn expiry_after_a_delay_is_a_go_duration() {
    assert_eq!(expire_arg(&Expiry::AfterSeconds(86_400)).unwrap(), "86400s");
    assert!(matches!(
        expire_arg(&Expiry::AfterSeconds(0)),
        Err(CommandError::InvalidArgument(_))
    ));
}

#[test]
fn secret_add_that_prints_a_bad_id_is_fatal() {
    let mut b = backend(vec![ok("not an id\n")]);
    assert!(matches!(
        b.secret_add(&content(), &add_options()),
        Err(HostError::Fatal(_))
    ));
}

#[test]
fn secret_get_asks_for_json_and_each_read_mode() {
    let cases = [
        (ReadMode::Tracked, None),
        (ReadMode::Peek, Some("--peek")),
        (ReadMode::Refresh, Some("--refresh")),
    ];
    for (mode, flag) in cases {
        let mut b = backend(vec![ok(r#"{"password":"p","username":"u"}"#)]);
        let got = b.secret_get(&Lookup::Id(id()), mode, None).unwrap();
        assert_eq!(got.get("password"), Some("p"));
        let mut expected = vec![
            "secret-get".to_string(),
            "--format=json".into(),
            format!("secret:{XID}"),
        ];
        expected.extend(flag.map(String::from));
        assert_eq!(argv(&b), expected);
    }
}

#[test]
fn secret_get_by_label_and_by_id_attaching_a_label() {
    let mut b = backend(vec![ok(r#"{"a-b":"1"}"#), ok(r#"{"a-b":"1"}"#)]);
    b.secret_get(
        &Lookup::Label("database-secret".into()),
        ReadMode::Tracked,
        None,
    )
    .unwrap();
    assert_eq!(
        argv(&b),
        ["secret-get", "--format=json", "--label=database-secret"]
    );
    b.secret_get(
        &Lookup::Id(id()),
        ReadMode::Refresh,
        Some("database-secret"),
    )
    .unwrap();
    assert_eq!(
        argv(&b),
        [
            "secret-get",
            "--format=json",
            &format!("secret:{XID}"),
            "--label=database-secret",
            "--refresh"
        ]
    );
}

#[test]
fn secret_get_output_that_is_not_a_map_of_strings_is_fatal_without_quoting_it() {
    let mut b = backend(vec![ok(r#"{"password": 12345678}"#)]);
    let err = b
        .secret_get(&Lookup::Id(id()), ReadMode::Tracked, None)
        .unwrap_err();
    assert!(matches!(err, HostError::Fatal(_)));
    assert!(!err.to_string().contains("12345678"), "{err}");
}

#[test]
fn secret_info_get_parses_every_field_keyed_by_the_bare_xid() {
    let out = format!(
        r#"{{"{XID}":{{"revision":3,"label":"db","owner":"application","description":"creds","rotation":"daily","expiry":"2026-01-01T00:00:00Z","rotates":"2025-12-01T10:00:00Z","access":[{{"target":"application-webserver","scope":"relation-database.db#webserver.db","role":"view"}}]}}}}"#
    );
    let mut b = backend(vec![ok(&out)]);
    let info = b.secret_info(&Lookup::Label("db".into())).unwrap();
    assert_eq!(argv(&b), ["secret-info-get", "--format=json", "--label=db"]);
    assert_eq!(info.id, format!("secret:{XID}"));
    assert_eq!(info.label.as_deref(), Some("db"));
    assert_eq!(info.revision, 3);
    assert_eq!(info.owner, OwnerKind::Application);
    assert_eq!(info.description.as_deref(), Some("creds"));
    assert_eq!(info.rotation, Some(RotatePolicy::Daily));
    assert_eq!(info.expires.unwrap().seconds, 1_767_225_600);
    assert_eq!(info.next_rotation.unwrap().seconds, 1_764_583_200);
    assert_eq!(info.access.len(), 1);
    assert_eq!(info.access[0].target, "application-webserver");
    assert_eq!(info.access[0].role, "view");
}

#[test]
fn secret_info_get_minimal_output_and_the_older_grants_name() {
    let minimal =
        format!(r#"{{"{XID}":{{"revision":1,"label":"","owner":"unit","rotation":"never"}}}}"#);
    let mut b = backend(vec![ok(&minimal)]);
    let info = b.secret_info(&Lookup::Id(id())).unwrap();
    assert_eq!(
        argv(&b),
        ["secret-info-get", "--format=json", &format!("secret:{XID}")]
    );
    assert_eq!(info.label, None, "an empty label means none");
    assert_eq!(info.owner, OwnerKind::Unit);
    assert_eq!(info.rotation, Some(RotatePolicy::Never));
    assert!(info.access.is_empty());

    let grants = format!(
        r#"{{"{XID}":{{"revision":2,"label":"x","owner":"model","grants":[{{"target":"unit-web-0","scope":"relation-1","role":"view"}}]}}}}"#
    );
    let mut b = backend(vec![ok(&grants)]);
    let info = b.secret_info(&Lookup::Id(id())).unwrap();
    assert_eq!(info.owner, OwnerKind::Model);
    assert_eq!(info.access[0].target, "unit-web-0");
}

#[test]
fn secret_info_get_with_unparseable_output_is_fatal() {
    for bad in ["{", "[]", r#"{"a":{"revision":"x"}}"#, "{}"] {
        let mut b = backend(vec![ok(bad)]);
        assert!(
            matches!(b.secret_info(&Lookup::Id(id())), Err(HostError::Fatal(_))),
            "{bad}"
        );
    }
}

#[test]
fn secret_set_with_content_and_metadata() {
    let mut b = backend(vec![ok("")]);
    let options = SetOptions {
        label: Some("db".into()),
        rotate: Some(RotatePolicy::Never),
        ..no_meta()
    };
    b.secret_set(&id(), Some(&content()), &options).unwrap();
    let argv = argv(&b);
    assert_eq!(
        argv[..4],
        [
            "secret-set",
            &format!("secret:{XID}"),
            "--label=db",
            "--rotate=never"
        ]
    );
    assert!(argv[4].starts_with("password#file="));
    assert!(argv.iter().all(|a| !a.contains(VALUE)));
    assert_eq!(b.runner().files[0].value, VALUE);
}

#[test]
fn secret_set_metadata_only_sends_no_content() {
    let mut b = backend(vec![ok("")]);
    let options = SetOptions {
        description: Some("new".into()),
        expire: Some(Expiry::AfterSeconds(60)),
        ..no_meta()
    };
    b.secret_set(&id(), None, &options).unwrap();
    assert_eq!(
        argv(&b),
        [
            "secret-set",
            &format!("secret:{XID}"),
            "--description=new",
            "--expire=60s"
        ]
    );
}

#[test]
fn secret_grant_names_the_relation_and_optionally_a_unit() {
    let mut b = backend(vec![ok(""), ok("")]);
    b.secret_grant(&id(), 4, None).unwrap();
    assert_eq!(
        argv(&b),
        ["secret-grant", &format!("secret:{XID}"), "--relation=4"]
    );
    b.secret_grant(&id(), 4, Some("webserver/1")).unwrap();
    assert_eq!(
        argv(&b),
        [
            "secret-grant",
            &format!("secret:{XID}"),
            "--relation=4",
            "--unit=webserver/1"
        ]
    );
}

#[test]
fn secret_revoke_for_each_kind_of_grantee() {
    let sid = format!("secret:{XID}");
    let cases = [
        (Grantee::Relation(2), vec!["--relation=2"]),
        (
            Grantee::RelationUnit(RelationUnit {
                relation_id: 2,
                unit: "web/0".into(),
            }),
            vec!["--relation=2", "--unit=web/0"],
        ),
        (Grantee::Application("web".into()), vec!["--app=web"]),
        (Grantee::Unit("web/3".into()), vec!["--unit=web/3"]),
    ];
    for (grantee, flags) in cases {
        let mut b = backend(vec![ok("")]);
        b.secret_revoke(&id(), &grantee).unwrap();
        let mut expected = vec!["secret-revoke", sid.as_str()];
        expected.extend(flags);
        assert_eq!(argv(&b), expected);
    }
}

#[test]
fn secret_remove_whole_or_one_revision() {
    let mut b = backend(vec![ok(""), ok("")]);
    b.secret_remove(&id(), None).unwrap();
    assert_eq!(argv(&b), ["secret-remove", &format!("secret:{XID}")]);
    b.secret_remove(&id(), Some(3)).unwrap();
    assert_eq!(
        argv(&b),
        ["secret-remove", &format!("secret:{XID}"), "--revision=3"]
    );
}

#[test]
fn secret_ids_treats_null_as_no_secrets() {
    let mut b = backend(vec![ok("null\n"), ok(&format!("[\"{XID}\"]\n"))]);
    assert_eq!(b.secret_ids().unwrap(), Vec::<String>::new());
    assert_eq!(argv(&b), ["secret-ids", "--format=json"]);
    assert_eq!(b.secret_ids().unwrap(), vec![XID.to_string()]);
}

#[test]
fn is_leader_parses_json_booleans() {
    let mut b = backend(vec![ok("true\n"), ok("false\n")]);
    assert!(b.is_leader().unwrap());
    assert_eq!(argv(&b), ["is-leader", "--format=json"]);
    assert!(!b.is_leader().unwrap());
}

#[test]
fn relation_commands_build_json_reads_and_a_stdin_write() {
    let mut b = backend(vec![
        ok(r#"["database:1","database:12"]"#),
        ok(r#"["webserver/0","webserver/1"]"#),
        ok("\"webserver\"\n"),
        ok(r#"{"secret-id":"secret:x"}"#),
        ok(r#"{"host":"10.0.0.1"}"#),
        ok(""),
    ]);
    assert_eq!(b.relation_ids("database").unwrap(), vec![1, 12]);
    assert_eq!(argv(&b), ["relation-ids", "--format=json", "database"]);
    assert_eq!(
        b.relation_units(12).unwrap(),
        vec!["webserver/0".to_string(), "webserver/1".into()]
    );
    assert_eq!(
        argv(&b),
        ["relation-list", "--format=json", "--relation=12"]
    );
    assert_eq!(b.relation_remote_app(12).unwrap(), "webserver");
    assert_eq!(
        argv(&b),
        ["relation-list", "--format=json", "--relation=12", "--app"]
    );
    let bag = b
        .relation_get(12, &Databag::App("webserver".into()))
        .unwrap();
    assert_eq!(bag, vec![("secret-id".to_string(), "secret:x".to_string())]);
    assert_eq!(
        argv(&b),
        [
            "relation-get",
            "--format=json",
            "--relation=12",
            "--app",
            "-",
            "webserver"
        ]
    );
    b.relation_get(12, &Databag::Unit("webserver/0".into()))
        .unwrap();
    assert_eq!(
        argv(&b),
        [
            "relation-get",
            "--format=json",
            "--relation=12",
            "-",
            "webserver/0"
        ]
    );
    b.relation_set(
        12,
        Scope::App,
        &[
            ("secret-id".into(), "secret:x".into()),
            ("old".into(), String::new()),
        ],
    )
    .unwrap();
    assert_eq!(
        argv(&b),
        ["relation-set", "--relation=12", "--app", "--file=-"]
    );
    let stdin = b.runner().calls.last().unwrap().stdin.clone().unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&stdin).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"secret-id": "secret:x", "old": ""})
    );
}

#[test]
fn relation_ids_with_no_relations() {
    let mut b = backend(vec![ok("[]"), ok("null")]);
    assert!(b.relation_ids("database").unwrap().is_empty());
    assert!(b.relation_ids("database").unwrap().is_empty());
}

#[test]
fn config_get_keeps_each_json_type_and_skips_unset_options() {
    let mut b = backend(vec![ok(
        r#"{"port":8080,"ratio":0.5,"debug":true,"name":"db","creds":"secret:cid6tkuffbas7af0e0eg","unset":null}"#,
    )]);
    let config = b.config_get().unwrap();
    assert_eq!(argv(&b), ["config-get", "--format=json"]);
    let find = |k: &str| {
        config
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert!(matches!(find("port"), Some(ConfigValue::Integer(8080))));
    assert!(matches!(find("ratio"), Some(ConfigValue::Float(f)) if f == 0.5));
    assert!(matches!(find("debug"), Some(ConfigValue::Boolean(true))));
    assert!(matches!(find("creds"), Some(ConfigValue::Text(ref s)) if s.starts_with("secret:")));
    assert!(find("unset").is_none());
}

#[test]
fn config_is_read_once_per_hook_as_juju_reads_it_once_per_hook_context() {
    let mut b = backend(vec![ok(r#"{"port":8080}"#), ok(r#"{"port":9090}"#)]);
    let first = b.config_get().unwrap();
    let second = b.config_get().unwrap();
    assert_eq!(b.runner().calls.len(), 1, "one config-get for the hook");
    assert_eq!(first.len(), 1);
    assert!(matches!(second[..], [(ref k, ConfigValue::Integer(8080))] if k == "port"));
}

#[test]
fn juju_log_and_status_set_end_flags_before_free_text() {
    let mut b = backend(vec![ok(""), ok(""), ok("")]);
    b.log(LogLevel::Warning, "-r looks like a flag").unwrap();
    assert_eq!(
        argv(&b),
        [
            "juju-log",
            "--log-level=WARNING",
            "--",
            "-r looks like a flag"
        ]
    );
    b.status_set(WorkloadState::Blocked, "need a relation", false)
        .unwrap();
    assert_eq!(argv(&b), ["status-set", "--", "blocked", "need a relation"]);
    b.status_set(WorkloadState::Active, "", true).unwrap();
    assert_eq!(
        argv(&b),
        ["status-set", "--application", "--", "active", ""]
    );
}

#[test]
fn every_error_in_the_reference_table_maps_to_its_typed_error() {
    use HostError::*;
    let x = XID;
    type Case = (i32, String, fn(String) -> HostError);
    let cases: Vec<Case> = vec![
        (2, "missing secret value or filename".into(), InvalidContent),
        (2, "missing secret URI".into(), InvalidArgument),
        (
            2,
            "require either a secret URI or label".into(),
            InvalidArgument,
        ),
        (
            2,
            "specify either a secret URI or label but not both".into(),
            InvalidArgument,
        ),
        (
            2,
            "specify one of --peek or --refresh but not both".into(),
            InvalidArgument,
        ),
        (2, "secret URI \"x\" not valid".into(), InvalidArgument),
        (2, "key value \"s3cret\" not valid".into(), InvalidContent),
        (2, "key \"A\" not valid".into(), InvalidContent),
        (
            2,
            "base64 encoded secret content for key \"big\" too large: 1000004 bytes".into(),
            InvalidContent,
        ),
        (
            2,
            "base64 encoded secret content too large: 1000004 bytes".into(),
            InvalidContent,
        ),
        (
            2,
            "secret content in file \"/f\" too large: 1000001 bytes".into(),
            InvalidContent,
        ),
        (2, "rotate policy \"foo\" not valid".into(), InvalidArgument),
        (2, "secret owner \"foo\" not valid".into(), InvalidArgument),
        (
            2,
            "expire time or duration \"2022-01-01\" not valid".into(),
            InvalidArgument,
        ),
        (
            2,
            "negative expire duration \"-1h\" not valid".into(),
            InvalidArgument,
        ),
        (2, "no relation id specified".into(), InvalidArgument),
        (
            2,
            "cannot specify unit \"web/0\" in relation to application \"db\"".into(),
            InvalidArgument,
        ),
        (
            2,
            "specify only one of application or unit".into(),
            InvalidArgument,
        ),
        (
            2,
            "do not specify both relation and app".into(),
            InvalidArgument,
        ),
        (
            2,
            "missing relation or application or unit".into(),
            InvalidArgument,
        ),
        (1, "this unit is not the leader".into(), NotLeader),
        (1, format!("secret \"{x}\" not found"), NotFound),
        (1, "consumer label \"db\" not found".into(), NotFound),
        (
            1,
            "secret URI for consumer label \"db\" not found".into(),
            NotFound,
        ),
        (1, "permission denied".into(), PermissionDenied),
        (1, "secret key value \"cert\" not found".into(), NotFound),
        (
            1,
            "secret with label \"db\" already exists".into(),
            LabelConflict,
        ),
        (1, "empty secret value not valid".into(), InvalidContent),
        (
            1,
            "only unit leaders can update an application owned secret label".into(),
            NotLeader,
        ),
    ];
    for (code, message, expected) in cases {
        let got = error_from_stderr("secret-x", code, &format!("ERROR {message}\n"));
        assert_eq!(got, expected(message.clone()), "exit {code}: {message}");
    }
}

#[test]
fn other_failures_are_backend_errors_naming_the_command() {
    assert_eq!(
        error_from_stderr(
            "secret-grant",
            1,
            "ERROR any unit level grants need to be revoked before granting access to the corresponding application\n"
        ),
        HostError::Backend(
            "secret-grant: any unit level grants need to be revoked before granting access to the corresponding application"
                .into()
        )
    );
    assert_eq!(
        error_from_stderr("is-leader", 1, ""),
        HostError::Backend("is-leader exited with status 1".into())
    );
    assert_eq!(
        error_from_stderr("juju-log", 1, "some log noise\nERROR cannot connect\n"),
        HostError::Backend("juju-log: cannot connect".into())
    );
}

#[test]
fn a_failing_command_reaches_the_caller_as_its_typed_error() {
    let mut b = backend(vec![failed(
        1,
        &format!("ERROR secret \"{XID}\" not found\n"),
    )]);
    assert_eq!(
        b.secret_get(&Lookup::Id(id()), ReadMode::Tracked, None),
        Err(HostError::NotFound(format!("secret \"{XID}\" not found")))
    );
}

fn spawn(script: &str, piped_stdin: bool) -> std::process::Child {
    use std::process::{Command, Stdio};
    Command::new("sh")
        .args(["-c", script])
        .stdin(if piped_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs")
}

#[test]
fn a_command_answering_while_it_reads_gets_all_its_input_and_gives_all_its_output() {
    // Far more than a pipe holds, both ways: feeding and draining must go hand in hand.
    let input: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
    let child = spawn("cat; echo done >&2", true);
    let out = wait_bounded(child, Some(input.clone()), Duration::from_secs(30)).unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), input.len());
    assert!(out.stdout == input, "stdout is stdin, byte for byte");
    assert_eq!(out.stderr, b"done\n");
}

#[test]
fn a_command_that_ignores_its_stdin_still_completes_with_its_status() {
    let child = spawn("echo ignored; exit 3", true);
    let out = wait_bounded(child, Some(vec![b'x'; 1 << 20]), Duration::from_secs(30)).unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout, b"ignored\n");
}

/// Runs `script` with a 300 ms timeout: it must time out, without waiting for the sleepers.
fn assert_killed_at_the_timeout(script: &str) {
    let started = std::time::Instant::now();
    let result = wait_bounded(spawn(script, false), None, Duration::from_millis(300));
    assert!(matches!(result, Err(Unfinished::TimedOut)), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not wait for the sleeper"
    );
}

#[test]
fn a_command_still_running_after_closing_its_output_is_killed_at_the_timeout() {
    assert_killed_at_the_timeout("exec >&- 2>&-; sleep 10");
}

#[test]
fn a_timeout_returns_at_once_though_a_grandchild_keeps_the_pipes_open() {
    assert_killed_at_the_timeout("sleep 10 & sleep 10");
}

#[test]
fn output_that_is_not_utf8_is_read_with_replacement_characters_not_refused() {
    let mut runner = ProcessRunner::new(Duration::from_secs(30));
    let done = runner
        .run(&Invocation {
            tool: "sh",
            args: vec![
                "-c".into(),
                r"printf 'caf\351 ok'; printf '\377' >&2".into(),
            ],
            stdin: None,
        })
        .unwrap();
    assert_eq!(done.code, 0);
    assert_eq!(done.stdout, "caf\u{FFFD} ok");
    assert_eq!(done.stderr, "\u{FFFD}");
}

#[test]
fn state_values_travel_on_stdin_never_in_argv() {
    let mut b = backend(vec![]);
    b.state_set(&[("token".into(), VALUE.into())]).unwrap();
    let call = &b.runner().calls[0];
    assert_eq!(
        (call.tool, call.args.clone()),
        ("state-set", vec!["--file=-".to_string()])
    );
    assert!(!call.args.iter().any(|a| a.contains(VALUE)));
    let stdin = String::from_utf8(call.stdin.clone().unwrap()).unwrap();
    assert_eq!(stdin, format!("{{\"token\":\"{VALUE}\"}}"));
}

#[test]
fn state_get_of_a_missing_key_is_none_and_every_key_is_a_map_or_null() {
    let mut b = backend(vec![
        failed(1, "ERROR \"gone\" not found\n"),
        ok("\"v\"\n"),
        ok("null\n"),
        ok("{\"a\":\"1\"}\n"),
    ]);
    assert_eq!(b.state_get(Some("gone")).unwrap(), vec![]);
    assert_eq!(
        argv(&b),
        ["state-get", "--format=json", "--strict", "--", "gone"].map(String::from)
    );
    assert_eq!(
        b.state_get(Some("-k")).unwrap(),
        vec![("-k".to_string(), "v".to_string())],
        "a key that looks like a flag comes after --"
    );
    assert_eq!(b.state_get(None).unwrap(), vec![]);
    assert_eq!(
        b.state_get(None).unwrap(),
        vec![("a".to_string(), "1".to_string())]
    );
}

#[test]
fn the_state_key_dash_is_read_among_every_key_since_state_get_dash_prints_them_all() {
    let mut b = backend(vec![ok("{\"-\":\"x\",\"a\":\"1\"}\n")]);
    assert_eq!(
        b.state_get(Some("-")).unwrap(),
        vec![("-".to_string(), "x".to_string())]
    );
    assert_eq!(argv(&b), ["state-get", "--format=json"].map(String::from));
}

#[test]
fn action_commands_put_free_text_after_double_dash() {
    let mut b = backend(vec![ok("{\"x\":1}\n")]);
    assert_eq!(b.action_params().unwrap(), serde_json::json!({"x": 1}));
    b.action_log("--format=yaml").unwrap();
    b.action_fail("-v").unwrap();
    b.action_set(&[("db.port".into(), "--5432".into())])
        .unwrap();
    b.state_delete("--all").unwrap();
    let calls: Vec<(&str, Vec<String>)> = b
        .runner()
        .calls
        .iter()
        .map(|c| (c.tool, c.args.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("action-get", vec!["--format=json".to_string()]),
            ("action-log", vec!["--".into(), "--format=yaml".into()]),
            ("action-fail", vec!["--".into(), "-v".into()]),
            ("action-set", vec!["db.port=--5432".into()]),
            ("state-delete", vec!["--".into(), "--all".into()]),
        ]
    );
}

#[test]
fn juju_refusing_an_action_command_outside_an_action_is_invalid_argument() {
    assert_eq!(
        error_from_stderr("action-get", 1, "ERROR not running an action\n"),
        HostError::InvalidArgument("not running an action".into())
    );
    assert_eq!(
        error_from_stderr(
            "state-set",
            1,
            "ERROR max allowed value length (65536) exceeded\n"
        ),
        HostError::InvalidArgument("max allowed value length (65536) exceeded".into())
    );
}

#[test]
fn results_too_large_for_one_command_line_are_the_charms_mistake_and_nothing_runs() {
    let mut b = backend(vec![]);
    let results: Vec<(String, String)> = (0..20)
        .map(|n| (format!("part-{n}"), "x".repeat(100_000)))
        .collect();
    let err = b.action_set(&results).unwrap_err();
    let HostError::InvalidArgument(message) = err else {
        panic!("{err:?}")
    };
    assert!(
        message.starts_with("the arguments to `action-set` take 2000"),
        "{message}"
    );
    assert!(b.runner().calls.is_empty(), "nothing ran");
}

fn port(arg: &str) -> juju_hookcmds::ports::PortRange {
    juju_hookcmds::ports::PortRange::parse(arg).unwrap()
}

#[test]
fn ports_are_opened_closed_and_listed_with_jujus_argv_and_output() {
    let mut b = backend(vec![
        ok(""),
        ok(""),
        ok("[\"icmp (*)\",\"8080/tcp (*)\",\"10-20/udp (admin, database)\"]\n"),
    ]);
    b.open_port(&port("8080"), &[]).unwrap();
    assert_eq!(argv(&b), ["open-port", "8080/tcp"].map(String::from));
    b.close_port(&port("10-20/udp"), &["admin".into(), "database".into()])
        .unwrap();
    assert_eq!(
        argv(&b),
        ["close-port", "--endpoints=admin,database", "10-20/udp"].map(String::from)
    );
    let opened = b.opened_ports().unwrap();
    assert_eq!(
        argv(&b),
        ["opened-ports", "--endpoints", "--format=json"].map(String::from)
    );
    let lines: Vec<String> = opened.iter().map(|p| p.line()).collect();
    assert_eq!(
        lines,
        ["icmp (*)", "8080/tcp (*)", "10-20/udp (admin, database)"]
    );
    let mut garbled = backend(vec![ok("[\"eighty\"]\n")]);
    assert!(matches!(
        garbled.opened_ports().unwrap_err(),
        HostError::Fatal(_)
    ));
}

#[test]
fn a_conflicting_port_is_juju_s_refusal_with_its_text() {
    let mut b = backend(vec![failed(
        1,
        "ERROR cannot open 40-90/tcp (unit \"web/0\"): port range conflicts with 50-80/tcp (unit \"web/0\")\n",
    )]);
    let err = b.open_port(&port("40-90"), &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("port range conflicts with 50-80/tcp"),
        "{err}"
    );
}

#[test]
fn network_get_names_the_binding_after_double_dash_and_reads_the_json_form() {
    let mut b = backend(vec![ok(
        "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:00:00:02\",\"interface-name\":\"eth0\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.1.0.12\",\"cidr\":\"10.1.0.0/16\"}]}],\"egress-subnets\":[\"10.1.0.12/32\"],\"ingress-addresses\":[\"10.1.0.12\"]}\n",
    )]);
    let network = b.network_get("database", Some(3)).unwrap();
    assert_eq!(
        argv(&b),
        [
            "network-get",
            "--format=json",
            "--relation=3",
            "--",
            "database"
        ]
        .map(String::from)
    );
    assert_eq!(network.ingress_addresses, ["10.1.0.12"]);
    assert_eq!(network.bind_addresses[0].addresses[0].cidr, "10.1.0.0/16");
    let mut b = backend(vec![failed(
        1,
        "ERROR no network config found for binding \"nosuch\"\n",
    )]);
    assert!(matches!(
        b.network_get("nosuch", None).unwrap_err(),
        HostError::NotFound(_)
    ));
}

#[test]
fn status_get_always_asks_for_the_data_and_names_the_application_flag() {
    let mut b = backend(vec![
        ok("{\"message\":\"ready\",\"status\":\"active\",\"status-data\":{\"n\":3}}\n"),
        ok(
            "{\"application-status\":{\"message\":\"\",\"status\":\"waiting\",\"status-data\":{},\"units\":{\"db/0\":{\"message\":\"m\",\"status\":\"active\",\"status-data\":{}}}}}\n",
        ),
    ]);
    let unit = b.status_get().unwrap();
    assert_eq!(
        argv(&b),
        [
            "status-get",
            "--include-data",
            "--format=json",
            "--application=false"
        ]
        .map(String::from)
    );
    assert_eq!(
        (unit.status.as_str(), unit.message.as_str()),
        ("active", "ready")
    );
    assert_eq!(unit.data["n"], 3);
    let app = b.application_status().unwrap();
    assert_eq!(argv(&b).last().unwrap(), "--application=true");
    assert_eq!(app.application.status, "waiting");
    assert_eq!(app.units["db/0"].message, "m");
}

#[test]
fn a_version_storage_names_and_ids_go_where_no_flag_is_read() {
    let mut b = backend(vec![
        ok(""),
        ok("[\"data/0\",\"data/3\"]\n"),
        ok("{\"kind\":\"block\",\"location\":\"/dev/loop3\"}\n"),
        ok(""),
        ok(
            "{\"units\":{\"db/0\":{\"status\":\"active\",\"since\":\"2026-01-01 00:00:00Z\"}},\"relations\":{}}\n",
        ),
    ]);
    b.application_version_set("-rc1").unwrap();
    assert_eq!(
        argv(&b),
        ["application-version-set", "--", "-rc1"].map(String::from)
    );
    assert_eq!(b.storage_list("data").unwrap(), ["data/0", "data/3"]);
    assert_eq!(
        argv(&b),
        ["storage-list", "--format=json", "--", "data"].map(String::from)
    );
    let details = b.storage_get("data/3").unwrap();
    assert_eq!(
        argv(&b),
        ["storage-get", "--format=json", "-s", "data/3"].map(String::from)
    );
    assert_eq!(details.kind, juju_hookcmds::StorageKind::Block);
    b.storage_add("data", 2).unwrap();
    assert_eq!(argv(&b), ["storage-add", "--", "data=2"].map(String::from));
    let goal = b.goal_state().unwrap();
    assert_eq!(argv(&b), ["goal-state", "--format=json"].map(String::from));
    assert_eq!(goal.units["db/0"].status, "active");
}
