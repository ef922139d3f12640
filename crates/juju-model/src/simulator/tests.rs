//! The hook commands' grammar, output formats, exit codes and error texts
//! (`docs/juju-reference.md`), run on a hook context without processes.

use super::tools::run;
use crate::model::{HookContext, HookKind, JujuError, Model};

pub(super) const UUID: &str = "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b";

/// database (2 units, leader database/0) related to webserver (2 units) as relation 1.
pub(super) fn model() -> Model {
    let mut m = Model::new("test", UUID, "2026-01-01T00:00:00Z".parse().unwrap());
    m.deploy("database", 2).unwrap();
    m.deploy("webserver", 2).unwrap();
    m.relate("database:database", "webserver:database").unwrap();
    m.queue.clear();
    m
}

pub(super) fn hook(m: &Model, unit: &str, kind: HookKind) -> HookContext {
    HookContext::new(m, unit, kind)
}

pub(super) fn install(m: &Model, unit: &str) -> HookContext {
    hook(m, unit, HookKind::Install)
}

pub(super) fn sh(ctx: &mut HookContext, tool: &str, args: &[&str]) -> Result<String, JujuError> {
    sh_stdin(ctx, tool, args, "")
}

fn sh_stdin(
    ctx: &mut HookContext,
    tool: &str,
    args: &[&str],
    stdin: &str,
) -> Result<String, JujuError> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    // Each command is a process of its own: the hook's context lives in a file between them.
    let saved = serde_json::to_string(&*ctx).expect("the hook's context serialises");
    *ctx = serde_json::from_str(&saved).expect("and reads back");
    run(ctx, tool, &args, &mut stdin.as_bytes()).map(|p| p.stdout)
}

pub(super) fn refused(ctx: &mut HookContext, tool: &str, args: &[&str]) -> (i32, String) {
    let e = sh(ctx, tool, args).expect_err("the command should be refused");
    (e.code, e.message)
}

/// Adds an application secret on the leader and returns its bare xid.
fn add(ctx: &mut HookContext, args: &[&str]) -> String {
    let uri = sh(ctx, "secret-add", args).unwrap();
    uri.trim_end().rsplit('/').next().unwrap().to_string()
}

// ---- secret-add and secret-set --------------------------------------------------------------

#[test]
fn secret_add_prints_the_model_qualified_uri_and_one_newline() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let out = sh(&mut ctx, "secret-add", &["username=admin"]).unwrap();
    assert!(out.starts_with(&format!("secret://{UUID}/")), "{out}");
    assert!(
        out.ends_with('\n') && !out.trim_end().contains('\n'),
        "{out:?}"
    );
}

#[test]
fn secret_add_without_content_is_a_usage_error() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        refused(&mut ctx, "secret-add", &["--label", "x"]),
        (2, "missing secret value or filename".into())
    );
}

#[test]
fn a_key_value_argument_is_split_as_juju_splits_it() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        refused(&mut ctx, "secret-add", &["s3cret"]),
        (2, "key value \"s3cret\" not valid".into())
    );
    assert_eq!(
        refused(&mut ctx, "secret-add", &["password="]),
        (2, "key value \"password=\" not valid".into()),
        "an empty value cannot be given in argv"
    );
    assert_eq!(
        refused(&mut ctx, "secret-add", &["Password=x"]),
        (2, "key \"Password\" not valid".into())
    );
    let xid = add(&mut ctx, &["token=a=b", "padded#base64=a2V5PQ=="]);
    let out = sh(&mut ctx, "secret-get", &[&xid, "--format=json"]).unwrap();
    assert_eq!(out, "{\"padded\":\"key=\",\"token\":\"a=b\"}\n");
}

#[test]
fn file_values_are_read_and_limited_to_a_million_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("password");
    std::fs::write(&ok, "from-a-file").unwrap();
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'x'; 1_000_001]).unwrap();
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &[&format!("password#file={}", ok.display())]);
    assert_eq!(
        sh(&mut ctx, "secret-get", &[&xid, "password"]).unwrap(),
        "from-a-file\n"
    );
    let (code, message) = refused(
        &mut ctx,
        "secret-add",
        &[&format!("big#file={}", big.display())],
    );
    assert_eq!(code, 2);
    assert_eq!(
        message,
        format!(
            "secret content in file {:?} too large: 1000001 bytes",
            big.display().to_string()
        )
    );
    let (code, message) = refused(&mut ctx, "secret-add", &["gone#file=/nonexistent/x"]);
    assert_eq!(code, 2);
    assert!(
        message.starts_with("reading content for secret key \"gone\": "),
        "{message}"
    );
}

#[test]
fn a_file_map_overrides_positional_values_and_coerces_scalars_to_strings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("content.yaml");
    std::fs::write(&file, "username: root\nport: 5432\n").unwrap();
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(
        &mut ctx,
        &[
            "username=admin",
            "password=pw",
            "--file",
            &file.display().to_string(),
        ],
    );
    let out = sh(&mut ctx, "secret-get", &[&xid, "--format", "json"]).unwrap();
    assert_eq!(
        out,
        "{\"password\":\"pw\",\"port\":\"5432\",\"username\":\"root\"}\n"
    );
}

#[test]
fn bad_metadata_flags_give_jujus_usage_errors() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    for (flag, message) in [
        (
            "--rotate=fortnightly",
            "rotate policy \"fortnightly\" not valid",
        ),
        ("--owner=model", "secret owner \"model\" not valid"),
        (
            "--expire=2022-01-01",
            "expire time or duration \"2022-01-01\" not valid",
        ),
        ("--expire=-1h", "negative expire duration \"-1h\" not valid"),
        ("--expire=30d", "expire time or duration \"30d\" not valid"),
    ] {
        assert_eq!(
            refused(&mut ctx, "secret-add", &[flag, "a-key=v"]),
            (2, message.to_string()),
            "{flag}"
        );
    }
}

#[test]
fn expire_accepts_rfc3339_a_zoneless_time_and_go_durations_from_the_model_clock() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    for (expire, shown) in [
        ("2026-03-01T06:00:00+02:00", "2026-03-01T04:00:00Z"),
        ("2026-03-01T06:00:00", "2026-03-01T06:00:00Z"),
        ("1h30m", "2026-01-01T01:30:00Z"),
        ("1.5h", "2026-01-01T01:30:00Z"),
    ] {
        let xid = add(&mut ctx, &["--expire", expire, "--owner=unit", "a-key=v"]);
        let info = sh(&mut ctx, "secret-info-get", &[&xid, "--format=json"]).unwrap();
        assert!(
            info.contains(&format!("\"expiry\":\"{shown}\"")),
            "{expire}: {info}"
        );
    }
}

#[test]
fn secret_set_needs_an_id_and_accepts_owner_which_it_ignores() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        refused(&mut ctx, "secret-set", &["password=x"]),
        (2, "secret URI \"password=x\" not valid".into())
    );
    assert_eq!(
        refused(&mut ctx, "secret-set", &[]),
        (2, "missing secret URI".into())
    );
    let xid = add(&mut ctx, &["password=one"]);
    sh(
        &mut ctx,
        "secret-set",
        &["--owner", "unit", &xid, "--description=d"],
    )
    .unwrap();
    let info = sh(&mut ctx, "secret-info-get", &[&xid, "--format=json"]).unwrap();
    assert!(info.contains("\"owner\":\"application\""), "{info}");
    assert!(info.contains("\"description\":\"d\""), "{info}");
}

// ---- secret-get ------------------------------------------------------------------------------

#[test]
fn secret_get_prints_yaml_by_default_json_on_request_and_one_key_as_a_scalar() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["username=admin", "password=pw1"]);
    assert_eq!(
        sh(&mut ctx, "secret-get", &[&xid]).unwrap(),
        "password: pw1\nusername: admin\n"
    );
    assert_eq!(
        sh(
            &mut ctx,
            "secret-get",
            &[&format!("secret:{xid}"), "--format=json"]
        )
        .unwrap(),
        "{\"password\":\"pw1\",\"username\":\"admin\"}\n"
    );
    assert_eq!(
        sh(&mut ctx, "secret-get", &[&xid, "username"]).unwrap(),
        "admin\n"
    );
    assert_eq!(
        sh(&mut ctx, "secret-get", &[&xid, "username#base64"]).unwrap(),
        "YWRtaW4=\n"
    );
    assert_eq!(
        refused(&mut ctx, "secret-get", &[&xid, "email"]),
        (1, "secret key value \"email\" not found".into())
    );
}

#[test]
fn secret_get_argument_rules_match_juju() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["password=pw1", "--label=db"]);
    assert_eq!(
        refused(&mut ctx, "secret-get", &[]),
        (2, "require either a secret URI or label".into())
    );
    assert_eq!(
        refused(&mut ctx, "secret-get", &[&xid, "--peek", "--refresh"]),
        (2, "specify one of --peek or --refresh but not both".into())
    );
    assert_eq!(
        refused(&mut ctx, "secret-get", &["--label", "db", "password"]),
        (2, "secret URI \"password\" not valid".into()),
        "a key can only follow an id"
    );
    assert_eq!(
        refused(&mut ctx, "secret-get", &["--format=xml", &xid]),
        (
            2,
            "invalid value \"xml\" for option --format: unknown format \"xml\"".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "secret-get", &["--bogus", &xid]),
        (2, "option provided but not defined: --bogus".into())
    );
    assert_eq!(
        sh(
            &mut ctx,
            "secret-get",
            &["--label=db", "--peek=false", "--format=json"]
        )
        .unwrap(),
        "{\"password\":\"pw1\"}\n",
        "boolean flags take =<bool>, as gnuflag does"
    );
}

#[test]
fn a_boolean_flag_never_swallows_the_next_argument() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["password=pw1"]);
    assert_eq!(
        sh(&mut ctx, "secret-get", &["--peek", &xid, "password"]).unwrap(),
        "pw1\n"
    );
}

#[test]
fn an_unknown_label_and_an_ungranted_secret_are_refused_at_run_time() {
    let m = model();
    let mut owner = install(&m, "database/0");
    let xid = add(&mut owner, &["password=pw1"]);
    let (m, _) = owner.finish(true);
    let mut observer = install(&m, "webserver/0");
    assert_eq!(
        refused(&mut observer, "secret-get", &["--label", "nope"]),
        (1, "consumer label \"nope\" not found".into())
    );
    assert_eq!(
        refused(&mut observer, "secret-get", &[&xid]),
        (1, "permission denied".into())
    );
}

// ---- metadata, ids, grants, removal ----------------------------------------------------------

#[test]
fn secret_info_get_prints_one_entry_keyed_by_the_bare_xid_in_jujus_field_order() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(
        &mut ctx,
        &[
            "--label=db",
            "--description=creds",
            "--rotate=daily",
            "password=pw",
        ],
    );
    let (m, _) = ctx.finish(true);
    let mut ctx = hook(&m, "database/0", HookKind::UpdateStatus);
    assert_eq!(
        sh(
            &mut ctx,
            "secret-info-get",
            &["--label=db", "--format=json"]
        )
        .unwrap(),
        format!(
            "{{\"{xid}\":{{\"revision\":1,\"label\":\"db\",\"owner\":\"application\",\"description\":\"creds\",\"rotation\":\"daily\",\"rotates\":\"2026-01-02T00:00:00Z\"}}}}\n"
        )
    );
    assert_eq!(
        sh(&mut ctx, "secret-info-get", &[&xid]).unwrap(),
        format!(
            "{xid}:\n  revision: 1\n  label: db\n  owner: application\n  description: creds\n  rotation: daily\n  rotates: \"2026-01-02T00:00:00Z\"\n"
        )
    );
    assert_eq!(
        refused(&mut ctx, "secret-info-get", &[&xid, "--label=db"]),
        (
            2,
            "specify either a secret URI or label but not both".into()
        )
    );
    let mut peer = hook(&m, "database/1", HookKind::UpdateStatus);
    assert_eq!(
        refused(&mut peer, "secret-info-get", &[&xid]),
        (1, format!("secret {xid:?} not found")),
        "a non-leader does not manage the application's secret"
    );
}

#[test]
fn secret_ids_lists_one_per_line_and_json_null_when_there_are_none() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(sh(&mut ctx, "secret-ids", &[]).unwrap(), "");
    assert_eq!(
        sh(&mut ctx, "secret-ids", &["--format=json"]).unwrap(),
        "null\n"
    );
    let a = add(&mut ctx, &["password=a"]);
    let b = add(&mut ctx, &["password=b"]);
    let mut ids = [a, b];
    ids.sort();
    assert_eq!(
        sh(&mut ctx, "secret-ids", &[]).unwrap(),
        format!("{}\n", ids.join("\n"))
    );
}

#[test]
fn secret_grant_takes_the_hooks_relation_by_default_and_needs_one_otherwise() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["password=a"]);
    assert_eq!(
        refused(&mut ctx, "secret-grant", &[&xid]),
        (2, "no relation id specified".into())
    );
    assert_eq!(
        refused(&mut ctx, "secret-grant", &[&xid, "-r", "7"]),
        (
            2,
            "invalid value \"7\" for option -r: relation not found".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "secret-grant", &[&xid, "-r", "x:y"]),
        (
            2,
            "invalid value \"x:y\" for option -r: invalid relation id".into()
        )
    );
    assert_eq!(
        refused(
            &mut ctx,
            "secret-grant",
            &[&xid, "-r", "database:1", "--unit", "web"]
        ),
        (2, "unit \"web\" not valid".into())
    );
    sh(&mut ctx, "secret-grant", &[&xid, "--relation=database:1"]).unwrap();
    let (m, _) = ctx.finish(true);

    let mut joined = hook(
        &m,
        "database/0",
        HookKind::RelationJoined {
            relation_id: 1,
            remote_unit: "webserver/1".into(),
        },
    );
    let other = add(&mut joined, &["password=b"]);
    sh(
        &mut joined,
        "secret-grant",
        &[&other, "--unit", "webserver/1"],
    )
    .unwrap();
    let (m, _) = joined.finish(true);
    let mut reader = install(&m, "webserver/1");
    assert!(sh(&mut reader, "secret-get", &[&other]).is_ok());
    let mut not_granted = install(&m, "webserver/0");
    assert_eq!(
        refused(&mut not_granted, "secret-get", &[&other]).1,
        "permission denied"
    );
}

#[test]
fn secret_revoke_checks_its_arguments_in_jujus_order() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["password=a"]);
    for (args, message) in [
        (
            vec!["--app=web-server", "--unit=webserver/0"],
            "specify only one of application or unit",
        ),
        (
            vec!["-r", "1", "--app=webserver"],
            "do not specify both relation and app",
        ),
        (vec![], "missing relation or application or unit"),
        (vec!["--app=Web"], "application \"Web\" not valid"),
    ] {
        let mut full = vec![xid.as_str()];
        full.extend(args.iter());
        assert_eq!(
            refused(&mut ctx, "secret-revoke", &full),
            (2, message.to_string()),
            "{args:?}"
        );
    }
    sh(
        &mut ctx,
        "secret-revoke",
        &[&xid, "--application", "webserver"],
    )
    .unwrap();
}

#[test]
fn secret_remove_with_no_zero_or_negative_revision_removes_the_whole_secret() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    let xid = add(&mut ctx, &["password=a"]);
    let (m, _) = ctx.finish(true);
    for revision in ["--revision=0", "--revision=-1"] {
        let mut ctx = hook(&m, "database/0", HookKind::UpdateStatus);
        sh(&mut ctx, "secret-remove", &[&xid, revision]).unwrap();
        let (after, outcome) = ctx.finish(true);
        assert_eq!(outcome, Ok(()));
        assert!(after.secrets.is_empty(), "{revision}");
    }
}

// ---- relations, leadership, config, logging, status ------------------------------------------

fn changed(m: &Model, unit: &str, remote_unit: &str) -> HookContext {
    hook(
        m,
        unit,
        HookKind::RelationChanged {
            relation_id: 1,
            remote_unit: Some(remote_unit.into()),
        },
    )
}

#[test]
fn relation_ids_and_relation_list_default_to_the_hooks_relation() {
    let m = model();
    let mut ctx = changed(&m, "database/0", "webserver/1");
    assert_eq!(sh(&mut ctx, "relation-ids", &[]).unwrap(), "database:1\n");
    assert_eq!(
        sh(&mut ctx, "relation-ids", &["database", "--format=json"]).unwrap(),
        "[\"database:1\"]\n"
    );
    assert_eq!(
        sh(&mut ctx, "relation-list", &[]).unwrap(),
        "webserver/0\nwebserver/1\n"
    );
    assert_eq!(
        sh(
            &mut ctx,
            "relation-list",
            &["-r", "1", "--app", "--format=json"]
        )
        .unwrap(),
        "\"webserver\"\n"
    );
    let mut outside = install(&m, "database/0");
    assert_eq!(
        refused(&mut outside, "relation-ids", &[]),
        (2, "no endpoint name specified".into())
    );
    assert_eq!(
        refused(&mut outside, "relation-list", &[]),
        (2, "no relation id specified".into())
    );
}

#[test]
fn relation_set_reads_yaml_from_stdin_and_arguments_override_it() {
    let m = model();
    let mut ctx = changed(&m, "database/0", "webserver/0");
    sh_stdin(
        &mut ctx,
        "relation-set",
        &[
            "-r",
            "database:1",
            "--app",
            "--file",
            "-",
            "host=db.internal",
        ],
        "secret-id: secret:abc\nhost: old\n",
    )
    .unwrap();
    sh(&mut ctx, "relation-set", &["port=5432"]).unwrap();
    assert_eq!(
        sh(
            &mut ctx,
            "relation-get",
            &["--app", "-", "database", "--format=json"]
        )
        .unwrap(),
        "{\"host\":\"db.internal\",\"secret-id\":\"secret:abc\"}\n"
    );
    sh(&mut ctx, "relation-set", &["--app", "host="]).unwrap();
    assert_eq!(
        sh(&mut ctx, "relation-get", &["--app", "host", "database"]).unwrap(),
        "",
        "an empty value deletes the key"
    );
    assert_eq!(
        refused(&mut ctx, "relation-set", &["novalue"]),
        (2, "expected \"key=value\", got \"novalue\"".into())
    );
    let (m, outcome) = ctx.finish(true);
    assert_eq!(outcome, Ok(()));
    let mut remote = changed(&m, "webserver/0", "database/0");
    assert_eq!(
        sh(&mut remote, "relation-get", &[]).unwrap(),
        "port: \"5432\"\n",
        "relation-get defaults to the remote unit's databag"
    );
}

#[test]
fn is_leader_prints_python_style_booleans_in_smart_format() {
    let m = model();
    assert_eq!(
        sh(&mut install(&m, "database/0"), "is-leader", &[]).unwrap(),
        "True\n"
    );
    assert_eq!(
        sh(&mut install(&m, "database/1"), "is-leader", &[]).unwrap(),
        "False\n"
    );
    assert_eq!(
        sh(
            &mut install(&m, "database/1"),
            "is-leader",
            &["--format=json"]
        )
        .unwrap(),
        "false\n"
    );
}

#[test]
fn config_get_prints_the_whole_map_or_one_value() {
    use juju_hookcmds::ConfigValue as Value;
    let mut m = model();
    m.set_config(
        "database",
        [
            ("port".to_string(), Value::Integer(5432)),
            ("name".to_string(), Value::Text("db".into())),
        ]
        .into_iter()
        .collect(),
    )
    .unwrap();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        sh(&mut ctx, "config-get", &["--format=json"]).unwrap(),
        "{\"name\":\"db\",\"port\":5432}\n"
    );
    assert_eq!(sh(&mut ctx, "config-get", &["port"]).unwrap(), "5432\n");
    assert_eq!(sh(&mut ctx, "config-get", &["missing"]).unwrap(), "");
}

#[test]
fn juju_log_keeps_the_level_and_status_set_takes_application_as_a_bool_flag() {
    let m = model();
    let mut ctx = install(&m, "database/1");
    sh(
        &mut ctx,
        "juju-log",
        &["--log-level", "DEBUG", "--", "Emitting", "install"],
    )
    .unwrap();
    sh(&mut ctx, "juju-log", &["plain"]).unwrap();
    sh(
        &mut ctx,
        "status-set",
        &["--application=False", "active", "ready"],
    )
    .unwrap();
    assert_eq!(
        refused(&mut ctx, "status-set", &["--application", "active"]),
        (
            1,
            "setting application status: this unit is not the leader".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "status-set", &["happy"]).0,
        2,
        "an unknown status is a usage error"
    );
    assert_eq!(
        ctx.logs,
        vec![
            ("DEBUG".to_string(), "Emitting install".to_string()),
            ("INFO".to_string(), "plain".to_string())
        ]
    );
    let (m, _) = ctx.finish(true);
    assert_eq!(m.status_of("database/1").unwrap().message, "ready");
}

#[test]
fn the_trace_redacts_values_given_in_argv_but_not_file_paths() {
    let shown = super::tools::shown_args(
        "secret-add",
        &[
            "--label=x".into(),
            "password=hunter2".into(),
            "token#file=/tmp/d/token".into(),
        ],
    );
    assert_eq!(
        shown,
        "--label=x password=<redacted> token#file=/tmp/d/token"
    );
}

#[test]
fn the_trace_redacts_argv_values_that_juju_echoes_in_its_error() {
    let args = ["--label=x".to_string(), "Password=hunter2".to_string()];
    let m = model();
    let err = run(
        &mut install(&m, "database/0"),
        "secret-add",
        &args,
        &mut std::io::empty(),
    )
    .unwrap_err();
    assert_eq!(err.message, "key \"Password\" not valid");
    let echoed = "key value \"Password=hunter2\" not valid";
    assert_eq!(
        super::tools::shown_error("secret-add", &args, echoed),
        "key value \"Password=<redacted>\" not valid"
    );
}

#[test]
fn the_hook_context_survives_the_state_file_between_commands() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let m = model();
    let state = super::state::SimState {
        hook: "install".into(),
        context: install(&m, "database/0"),
        invocations: Vec::new(),
    };
    super::state::write(&path, &state).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let uri = super::state::update(&path, |s| {
        run(
            &mut s.context,
            "secret-add",
            &["password=pw".into()],
            &mut std::io::empty(),
        )
    })
    .unwrap()
    .unwrap()
    .stdout;
    let xid = uri.trim_end().rsplit('/').next().unwrap().to_string();
    let got = super::state::update(&path, |s| {
        run(
            &mut s.context,
            "secret-get",
            &[xid.clone(), "password".into()],
            &mut std::io::empty(),
        )
    })
    .unwrap()
    .unwrap()
    .stdout;
    assert_eq!(
        got, "pw\n",
        "a secret created by one command is read by the next"
    );
    let (committed, outcome) = super::state::read(&path).unwrap().context.finish(true);
    assert_eq!(outcome, Ok(()));
    assert!(committed.secrets.contains_key(&xid));
}

// ---- actions ----------------------------------------------------------------------------------

/// `database/0` running action `backup` with `{"target": "s3", "opts": {"level": 5}}`.
fn in_action(m: &mut Model) -> HookContext {
    let spec: crate::ActionSpec = juju_hookcmds::charm::parse_actions(
        "backup:\n  params:\n    target: {type: string}\n    opts: {type: object}\n    compress: {type: boolean, default: true}\n",
    )
    .unwrap()
    .remove("backup")
    .unwrap();
    m.set_actions("database", [("backup".to_string(), spec)].into())
        .unwrap();
    let params = serde_json::json!({"target": "s3", "opts": {"level": 5}});
    let id = m
        .run_action("database/0", "backup", params.as_object().unwrap().clone())
        .unwrap();
    let kind = m.next_hook().unwrap().kind;
    assert_eq!(
        kind,
        HookKind::Action {
            id,
            name: "backup".into()
        }
    );
    hook(m, "database/0", kind)
}

#[test]
fn action_get_prints_every_parameter_or_one_by_its_dotted_path() {
    let mut m = model();
    let mut ctx = in_action(&mut m);
    assert_eq!(
        sh(&mut ctx, "action-get", &[]).unwrap(),
        "compress: true\nopts:\n  level: 5\ntarget: s3\n"
    );
    assert_eq!(
        sh(&mut ctx, "action-get", &["--format=json"]).unwrap(),
        "{\"compress\":true,\"opts\":{\"level\":5},\"target\":\"s3\"}\n"
    );
    assert_eq!(sh(&mut ctx, "action-get", &["target"]).unwrap(), "s3\n");
    assert_eq!(sh(&mut ctx, "action-get", &["opts.level"]).unwrap(), "5\n");
    assert_eq!(sh(&mut ctx, "action-get", &["compress"]).unwrap(), "True\n");
    // A missing key, or a path through a value that is no map, prints nothing.
    assert_eq!(sh(&mut ctx, "action-get", &["nope"]).unwrap(), "");
    assert_eq!(sh(&mut ctx, "action-get", &["target.x"]).unwrap(), "");
    assert_eq!(
        sh(&mut ctx, "action-get", &["nope", "--format=json"]).unwrap(),
        "null\n"
    );
    assert_eq!(
        refused(&mut ctx, "action-get", &["a", "b", "c"]),
        (2, "unrecognized args: [\"b\" \"c\"]".into())
    );
}

#[test]
fn action_set_checks_every_key_before_setting_any() {
    let mut m = model();
    let mut ctx = in_action(&mut m);
    assert_eq!(
        refused(&mut ctx, "action-set", &["x=1", "novalue"]),
        (
            2,
            "argument \"novalue\" must be of the form key...=value".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "action-set", &["Key=1"]),
        (
            2,
            "key \"Key\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "action-set", &["out.stderr=x"]),
        (2, "cannot set reserved action key \"stderr\"".into())
    );
    assert_eq!(
        refused(&mut ctx, "action-set", &["a..b=x"]).1,
        "key \"\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
    );
    sh(&mut ctx, "action-set", &["a.b=1=2", "c=x"]).unwrap();
    sh(&mut ctx, "action-set", &[]).unwrap();
    let (m, outcome) = ctx.finish(true);
    outcome.unwrap();
    let task = m.tasks.values().next().unwrap();
    assert_eq!(
        serde_json::Value::Object(task.results.clone()),
        serde_json::json!({"a": {"b": "1=2"}, "c": "x", "return-code": 0}),
        "x, given with a malformed argument, was not set"
    );
}

#[test]
fn action_log_needs_a_message_and_action_fail_has_a_default_one() {
    let mut m = model();
    let mut ctx = in_action(&mut m);
    assert_eq!(
        refused(&mut ctx, "action-log", &[]),
        (2, "no message specified".into())
    );
    sh(&mut ctx, "action-log", &["--", "-half", "way"]).unwrap();
    assert_eq!(
        refused(&mut ctx, "action-fail", &["one", "two"]),
        (2, "unrecognized args: [\"two\"]".into())
    );
    sh(&mut ctx, "action-fail", &[]).unwrap();
    let (m, outcome) = ctx.finish(true);
    outcome.unwrap();
    let task = m.tasks.values().next().unwrap();
    assert_eq!(task.logs, vec!["-half way".to_string()]);
    assert_eq!(task.status, "failed");
    assert_eq!(
        task.message.as_deref(),
        Some("action failed without reason given, check action for errors")
    );
}

#[test]
fn action_commands_outside_an_action_are_refused_at_run_time() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    for tool in ["action-get", "action-log", "action-fail"] {
        let args: &[&str] = if tool == "action-get" { &[] } else { &["x"] };
        assert_eq!(
            refused(&mut ctx, tool, args),
            (1, "not running an action".into()),
            "{tool}"
        );
    }
    assert_eq!(
        refused(&mut ctx, "action-set", &["a=1"]),
        (1, "not running an action".into())
    );
    // Without results there is nothing to refuse.
    sh(&mut ctx, "action-set", &[]).unwrap();
}

// ---- unit state -------------------------------------------------------------------------------

#[test]
fn state_get_prints_all_or_one_key_and_strict_refuses_a_missing_one() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(sh(&mut ctx, "state-get", &[]).unwrap(), "{}\n");
    assert_eq!(
        sh(&mut ctx, "state-get", &["--format=json"]).unwrap(),
        "null\n"
    );
    sh(&mut ctx, "state-set", &["a=1", " b = two "]).unwrap();
    assert_eq!(
        sh(&mut ctx, "state-get", &["--format=json"]).unwrap(),
        "{\"a\":\"1\",\"b\":\"two\"}\n"
    );
    assert_eq!(
        sh(&mut ctx, "state-get", &["-", "--format=json"]).unwrap(),
        "{\"a\":\"1\",\"b\":\"two\"}\n"
    );
    assert_eq!(sh(&mut ctx, "state-get", &["b"]).unwrap(), "two\n");
    assert_eq!(sh(&mut ctx, "state-get", &["missing"]).unwrap(), "");
    assert_eq!(
        sh(&mut ctx, "state-get", &["missing", "--format=json"]).unwrap(),
        "\"\"\n"
    );
    assert_eq!(
        refused(&mut ctx, "state-get", &["--strict", "missing"]),
        (1, "\"missing\" not found".into())
    );
    assert_eq!(
        refused(&mut ctx, "state-get", &["a", "b"]),
        (2, "unrecognized args: [\"b\"]".into())
    );
}

#[test]
fn state_set_reads_a_file_and_arguments_override_it() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    sh_stdin(
        &mut ctx,
        "state-set",
        &["--file", "-", "b=from-args"],
        "{a: from-file, b: from-file}",
    )
    .unwrap();
    assert_eq!(
        sh(&mut ctx, "state-get", &["--format=json"]).unwrap(),
        "{\"a\":\"from-file\",\"b\":\"from-args\"}\n"
    );
    assert_eq!(
        refused(&mut ctx, "state-set", &["a=1", "a=2"]),
        (2, "key \"a\" specified more than once".into())
    );
    assert_eq!(
        refused(&mut ctx, "state-set", &["=v"]),
        (2, "expected \"key=value\", got \"=v\"".into())
    );
    let long = format!("{}=v", "k".repeat(257));
    assert_eq!(
        refused(&mut ctx, "state-set", &[&long]),
        (1, "max allowed key length (256) exceeded".into())
    );
}

#[test]
fn state_delete_of_a_missing_key_or_no_key_is_no_error() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "state-set", &["a=1"]).unwrap();
    sh(&mut ctx, "state-delete", &["missing"]).unwrap();
    sh(&mut ctx, "state-delete", &[]).unwrap();
    sh(&mut ctx, "state-delete", &["a"]).unwrap();
    assert_eq!(
        refused(&mut ctx, "state-delete", &["a", "b"]),
        (2, "unrecognized args: [\"b\"]".into())
    );
    let (m, outcome) = ctx.finish(true);
    outcome.unwrap();
    assert!(m.unit_state["database/0"].is_empty());
}

#[test]
fn the_whole_unit_state_is_limited_when_the_hook_commits_and_an_excess_writes_no_databag() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "relation-set", &["-r=1", "k=v"]).unwrap();
    for n in 0..33 {
        let value = "v".repeat(65_000);
        sh(&mut ctx, "state-set", &[&format!("k{n}={value}")]).unwrap();
    }
    let (m, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err(
            "cannot apply changes: persisting charm state: max allowed size (2097152) exceeded"
                .into()
        )
    );
    assert!(!m.unit_state.contains_key("database/0"));
    assert!(
        !m.relations[&1].databags.contains_key("database/0"),
        "the databag is written with the state or not at all"
    );
}

// ---- peer relations ---------------------------------------------------------------------------

#[test]
fn a_peer_relation_lists_the_other_units_and_its_remote_app_is_the_units_own() {
    let mut m = model();
    let peers = m.add_peer_relation("database", "database-peers").unwrap();
    m.add_unit("database").unwrap();
    let mut ctx = install(&m, "database/1");
    let r = format!("-r={peers}");
    assert_eq!(
        sh(&mut ctx, "relation-list", &[&r]).unwrap(),
        "database/0\ndatabase/2\n"
    );
    assert_eq!(
        sh(&mut ctx, "relation-list", &[&r, "--app"]).unwrap(),
        "database\n"
    );
    assert_eq!(
        sh(&mut ctx, "relation-ids", &["database-peers"]).unwrap(),
        format!("database-peers:{peers}\n")
    );
}

#[test]
fn every_unit_reads_the_peer_application_bag_and_only_the_leader_writes_it() {
    let mut m = model();
    let peers = m.add_peer_relation("database", "database-peers").unwrap();
    m.queue.clear();
    let r = format!("-r={peers}");
    let mut leader = install(&m, "database/0");
    sh(&mut leader, "relation-set", &[&r, "--app", "rev=2"]).unwrap();
    let (m, outcome) = leader.finish(true);
    outcome.unwrap();
    // The other unit sees the change; the leader that wrote it does not.
    assert!(m.queue.iter().any(|h| h.unit == "database/1"
        && h.kind
            == HookKind::RelationChanged {
                relation_id: peers,
                remote_unit: None
            }));
    assert!(!m.queue.iter().any(|h| h.unit == "database/0"));
    let mut other = install(&m, "database/1");
    assert_eq!(
        sh(
            &mut other,
            "relation-get",
            &[&r, "--app", "rev", "database"]
        )
        .unwrap(),
        "2\n"
    );
    assert_eq!(
        refused(&mut other, "relation-set", &[&r, "--app", "rev=3"]).0,
        1
    );
}

#[test]
fn peer_relations_join_every_unit_and_cannot_be_removed() {
    let mut m = model();
    let peers = m.add_peer_relation("database", "database-peers").unwrap();
    let joined: Vec<(String, String)> = m
        .queue
        .iter()
        .filter_map(|h| match &h.kind {
            HookKind::RelationJoined {
                relation_id,
                remote_unit,
            } if *relation_id == peers => Some((h.unit.clone(), remote_unit.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        joined,
        [
            ("database/0".to_string(), "database/1".to_string()),
            ("database/1".to_string(), "database/0".to_string())
        ]
    );
    assert!(
        m.unrelate(peers)
            .unwrap_err()
            .0
            .contains("is a peer relation")
    );
    assert!(
        m.relate("database:a", "database:b")
            .unwrap_err()
            .0
            .contains("peer relations come with it")
    );
    let env = m.hook_env(
        "database/0",
        &HookKind::RelationJoined {
            relation_id: peers,
            remote_unit: "database/1".into(),
        },
    );
    assert!(env.contains(&("JUJU_REMOTE_APP".into(), "database".into())));
    assert!(env.contains(&("JUJU_RELATION_ID".into(), format!("database-peers:{peers}"))));
}

#[test]
fn an_action_runs_with_its_own_environment_and_juju_hook_name_empty() {
    let mut m = model();
    let _ = in_action(&mut m);
    let task = m.tasks.values().next().unwrap().clone();
    let env = m.hook_env(
        "database/0",
        &HookKind::Action {
            id: task.id.clone(),
            name: "backup".into(),
        },
    );
    for (k, v) in [
        ("JUJU_HOOK_NAME", ""),
        ("JUJU_DISPATCH_PATH", "actions/backup"),
        ("JUJU_ACTION_NAME", "backup"),
        ("JUJU_ACTION_UUID", task.id.as_str()),
    ] {
        assert!(env.contains(&(k.to_string(), v.to_string())), "{k}");
    }
    assert!(
        m.run_action("database/0", "restore", Default::default())
            .unwrap_err()
            .0
            .contains("action \"restore\" not defined on unit \"database/0\"")
    );
    let bad = serde_json::json!({"target": 5});
    assert_eq!(
        m.run_action("database/0", "backup", bad.as_object().unwrap().clone())
            .unwrap_err()
            .0,
        "validation failed: (root).target : must be of type string, given 5"
    );
}

#[test]
fn a_peer_relation_is_created_right_after_install_before_leader_elected_and_start() {
    let mut m = Model::new("test", UUID, "2026-01-01T00:00:00Z".parse().unwrap());
    m.deploy("database", 1).unwrap();
    let peers = m.add_peer_relation("database", "database-peers").unwrap();
    m.add_unit("database").unwrap();
    let order = |unit: &str| -> Vec<HookKind> {
        m.queue
            .iter()
            .filter(|h| h.unit == unit)
            .map(|h| h.kind.clone())
            .take(3)
            .collect()
    };
    let created = HookKind::RelationCreated { relation_id: peers };
    assert_eq!(
        order("database/0"),
        [HookKind::Install, created.clone(), HookKind::LeaderElected]
    );
    assert_eq!(
        order("database/1"),
        [HookKind::Install, created, HookKind::ConfigChanged]
    );
}

#[test]
fn debug_output_of_the_model_shows_no_unit_state_value_or_action_parameter() {
    let mut m = model();
    let _ = in_action(&mut m);
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "state-set", &["password=hunter2-in-state"]).unwrap();
    let (m, outcome) = ctx.finish(true);
    outcome.unwrap();
    let shown = format!("{m:?}");
    assert!(shown.contains("password"), "keys are shown");
    assert!(!shown.contains("hunter2-in-state"), "{shown}");
    assert!(
        !shown.contains("s3"),
        "the action's parameter values are not shown"
    );
}
