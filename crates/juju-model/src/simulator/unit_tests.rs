//! The hook commands about the unit's place in the deployment: grammar, outputs, exit codes,
//! texts and the model's rules behind them (`docs/juju-reference.md`).

use super::tests::{hook, install, model, refused, sh};
use crate::model::{HookKind, Model};

/// `model()` with the charms' metadata: database has storage `data` (one instance, at
/// `/srv/data`) and `logs` (1 to 3); webserver binds `database` and an extra `admin`.
fn declared() -> Model {
    let mut m = model();
    let specs = juju_hookcmds::charm::storage_specs(
        "name: database\nstorage:\n  data: {type: filesystem, location: /srv/data}\n  logs: {type: filesystem, location: /var/log/db, multiple: {range: 1-3}}\n",
    )
    .unwrap();
    m.set_storage("database", specs).unwrap();
    let bindings = juju_hookcmds::charm::binding_names(
        "name: webserver\nrequires:\n  database: {interface: database}\nextra-bindings:\n  admin:\n",
    )
    .unwrap();
    m.set_bindings("webserver", bindings).unwrap();
    m.queue.clear();
    m
}

// ---- status-get and application-version-set --------------------------------------------------

#[test]
fn status_get_is_the_bare_state_in_smart_and_a_map_otherwise() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "status-set", &["maintenance", "installing"]).unwrap();
    assert_eq!(sh(&mut ctx, "status-get", &[]).unwrap(), "maintenance\n");
    assert_eq!(
        sh(&mut ctx, "status-get", &["--format=json"]).unwrap(),
        "{\"status\":\"maintenance\"}\n"
    );
    assert_eq!(
        sh(&mut ctx, "status-get", &["--include-data"]).unwrap(),
        "message: installing\nstatus: maintenance\nstatus-data: {}\n"
    );
    assert_eq!(
        refused(&mut ctx, "status-get", &["status"]),
        (2, "unrecognized args: [\"status\"]".into())
    );
}

#[test]
fn status_get_reads_the_unit_status_once_per_hook_as_juju_caches_it() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(sh(&mut ctx, "status-get", &[]).unwrap(), "unknown\n");
    sh(&mut ctx, "status-set", &["maintenance", "installing"]).unwrap();
    assert_eq!(
        sh(&mut ctx, "status-get", &[]).unwrap(),
        "unknown\n",
        "a read before status-set is kept for the hook, across the hook's processes"
    );
    let (m, _) = ctx.finish(true);
    let mut later = hook(&m, "database/0", HookKind::UpdateStatus);
    assert_eq!(sh(&mut later, "status-get", &[]).unwrap(), "maintenance\n");
}

#[test]
fn status_get_application_nests_every_unit_and_refuses_non_leaders() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "status-set", &["active", "serving"]).unwrap();
    assert_eq!(
        sh(&mut ctx, "status-get", &["--application"]).unwrap(),
        "active\n",
        "an application status nobody set is derived from its units'"
    );
    sh(
        &mut ctx,
        "status-set",
        &["--application", "blocked", "no quorum"],
    )
    .unwrap();
    assert_eq!(
        sh(
            &mut ctx,
            "status-get",
            &["--application", "--include-data", "--format=json"]
        )
        .unwrap(),
        "{\"application-status\":{\"message\":\"no quorum\",\"status\":\"blocked\",\"status-data\":{},\"units\":{\"database/0\":{\"message\":\"serving\",\"status\":\"active\",\"status-data\":{}},\"database/1\":{\"message\":\"\",\"status\":\"unknown\",\"status-data\":{}}}}}\n"
    );
    assert_eq!(
        sh(&mut ctx, "status-get", &["--application", "--format=json"]).unwrap(),
        "{\"application-status\":{\"status\":\"blocked\",\"units\":{\"database/0\":{\"status\":\"active\"},\"database/1\":{\"status\":\"unknown\"}}}}\n"
    );
    let mut peer = install(&m, "database/1");
    assert_eq!(
        refused(&mut peer, "status-get", &["--application"]),
        (
            1,
            "finding application status: this unit is not the leader".into()
        )
    );
}

#[test]
fn application_version_set_takes_one_version_and_keeps_it_even_if_the_hook_fails() {
    let m = model();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        refused(&mut ctx, "application-version-set", &[]),
        (2, "no version specified".into())
    );
    assert_eq!(
        refused(&mut ctx, "application-version-set", &["1", "2"]),
        (2, "unrecognized args: [\"2\"]".into())
    );
    assert_eq!(
        refused(&mut ctx, "application-version-set", &["-x"]),
        (2, "option provided but not defined: -x".into())
    );
    sh(&mut ctx, "application-version-set", &["--", "-rc1"]).unwrap();
    let (m, _) = ctx.finish(false);
    assert_eq!(m.apps["database"].version, "-rc1");
    let mut ctx = install(&m, "database/1");
    sh(&mut ctx, "application-version-set", &[""]).unwrap();
    assert_eq!(ctx.finish(true).0.apps["database"].version, "");
}

// ---- open-port, close-port, opened-ports -----------------------------------------------------

#[test]
fn open_port_refuses_bad_arguments_as_usage_errors_with_jujus_texts() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    for (args, text) in [
        (&[][..], "no port or range specified"),
        (&["80", "81"][..], "unrecognized args: [\"81\"]"),
        (
            &["abc"][..],
            "invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax",
        ),
        (
            &["80/sctp"][..],
            "invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"",
        ),
        (
            &["8/icmp"][..],
            "protocol \"icmp\" doesn't support any ports; got \"8\"",
        ),
        (&["90-80"][..], "invalid port range 90-80/tcp"),
        (
            &["70000"][..],
            "port range bounds must be between 0 and 65535, got 70000-70000",
        ),
        (&["-1"][..], "option provided but not defined: -1"),
        (
            &["--endpoints"][..],
            "option needs an argument: --endpoints",
        ),
    ] {
        let (code, message) = refused(&mut ctx, "open-port", args);
        assert_eq!((code, message.as_str()), (2, text), "{args:?}");
    }
    assert!(
        sh(&mut ctx, "open-port", &["80", "--format", "yaml"]).is_ok(),
        "--format is deprecated and takes any value"
    );
}

#[test]
fn ports_open_when_the_hook_commits_and_opened_ports_shows_the_hooks_own_changes() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["8080"]).unwrap();
    sh(&mut ctx, "open-port", &["ICMP"]).unwrap();
    sh(
        &mut ctx,
        "open-port",
        &["53-55/udp", "--endpoints", "database"],
    )
    .unwrap();
    assert_eq!(
        sh(&mut ctx, "opened-ports", &[]).unwrap(),
        "icmp\n8080/tcp\n53-55/udp\n"
    );
    assert_eq!(
        sh(&mut ctx, "opened-ports", &["--endpoints", "--format=json"]).unwrap(),
        "[\"icmp (*)\",\"8080/tcp (*)\",\"53-55/udp (database)\"]\n"
    );
    let mut failing = install(&m, "webserver/0");
    sh(&mut failing, "open-port", &["9090"]).unwrap();
    let (failed, _) = failing.finish(false);
    assert!(failed.ports.is_empty(), "a failed hook opens nothing");
    let (m, outcome) = ctx.finish(true);
    assert_eq!(outcome, Ok(()));
    let mut later = hook(&m, "webserver/0", HookKind::UpdateStatus);
    assert_eq!(
        sh(&mut later, "opened-ports", &["--format=yaml"]).unwrap(),
        "- icmp\n- 8080/tcp\n- 53-55/udp\n"
    );
    sh(&mut later, "close-port", &["8080/tcp"]).unwrap();
    assert_eq!(
        sh(&mut later, "opened-ports", &[]).unwrap(),
        "icmp\n53-55/udp\n"
    );
    let mut other = hook(&m, "webserver/1", HookKind::UpdateStatus);
    assert_eq!(sh(&mut other, "opened-ports", &[]).unwrap(), "");
    assert_eq!(
        sh(&mut other, "opened-ports", &["--format=json"]).unwrap(),
        "[]\n"
    );
}

#[test]
fn an_overlapping_range_conflicts_but_an_identical_one_is_nothing_to_do() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["50-80"]).unwrap();
    sh(&mut ctx, "open-port", &["50-80"]).unwrap();
    assert_eq!(
        refused(&mut ctx, "open-port", &["40-90"]),
        (
            1,
            "cannot open 40-90/tcp (unit \"webserver/0\"): port range conflicts with 50-80/tcp (unit \"webserver/0\") requested earlier".into()
        )
    );
    sh(&mut ctx, "open-port", &["40-90/udp"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut later = hook(&m, "webserver/0", HookKind::UpdateStatus);
    assert_eq!(
        refused(&mut later, "open-port", &["60"]),
        (
            1,
            "cannot open 60/tcp (unit \"webserver/0\"): port range conflicts with 50-80/tcp (unit \"webserver/0\")".into()
        )
    );
    assert_eq!(
        refused(&mut later, "close-port", &["1-200"]),
        (
            1,
            "cannot close 1-200/tcp (unit \"webserver/0\"): port range conflicts with 50-80/tcp (unit \"webserver/0\")".into()
        )
    );
    sh(&mut later, "close-port", &["9000"]).unwrap();
    let mut fresh = hook(&m, "webserver/1", HookKind::UpdateStatus);
    sh(&mut fresh, "open-port", &["60"]).unwrap();
    sh(&mut fresh, "close-port", &["60"]).unwrap();
    assert_eq!(fresh.finish(true).0.ports.get("webserver/1"), None);
}

#[test]
fn a_range_open_for_every_endpoint_is_not_narrowed_by_opening_it_for_one() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["80"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut ctx = hook(&m, "webserver/0", HookKind::UpdateStatus);
    sh(&mut ctx, "open-port", &["80", "--endpoints", "admin"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut ctx = hook(&m, "webserver/0", HookKind::UpdateStatus);
    sh(&mut ctx, "close-port", &["80", "--endpoints", "admin"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut later = hook(&m, "webserver/0", HookKind::UpdateStatus);
    assert_eq!(
        sh(&mut later, "opened-ports", &["--endpoints"]).unwrap(),
        "80/tcp (database)\n"
    );
}

#[test]
fn an_endpoint_that_is_not_the_charms_fails_the_hook_when_it_commits() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["80", "--endpoints", "nosuch"]).unwrap();
    sh(&mut ctx, "relation-set", &["-r", "1", "k=v"]).unwrap();
    let (m, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err("cannot apply changes: cannot open/close ports: open port range: endpoint \"nosuch\" for unit \"webserver/0\" not found".into())
    );
    assert!(m.ports.is_empty());
    assert!(
        !m.relations[&1].databags.contains_key("webserver/0"),
        "the hook's other changes are not applied either"
    );
}

#[test]
fn the_implicit_juju_info_endpoint_takes_no_ports() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["80", "--endpoints", "juju-info"]).unwrap();
    let (_, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err("cannot apply changes: cannot open/close ports: open port range: endpoint \"juju-info\" for unit \"webserver/0\" not found".into()),
        "Juju's stored bindings hold the charm's relations and extra bindings only"
    );
    let mut network = install(&m, "webserver/0");
    assert!(
        sh(&mut network, "network-get", &["juju-info"]).is_ok(),
        "network-get adds it"
    );
}

#[test]
fn closing_one_endpoint_of_a_range_open_for_all_leaves_it_open_on_the_others() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    sh(&mut ctx, "open-port", &["80"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut ctx = hook(&m, "webserver/0", HookKind::UpdateStatus);
    sh(&mut ctx, "close-port", &["80", "--endpoints", "admin"]).unwrap();
    let (m, _) = ctx.finish(true);
    let mut later = hook(&m, "webserver/0", HookKind::UpdateStatus);
    assert_eq!(
        sh(&mut later, "opened-ports", &["--endpoints"]).unwrap(),
        "80/tcp (database)\n"
    );
}

// ---- network-get ---------------------------------------------------------------------------

#[test]
fn network_get_prints_the_full_form_or_the_values_asked_for() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    assert_eq!(
        sh(&mut ctx, "network-get", &["database", "--format=json"]).unwrap(),
        "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:00:00:02\",\"interface-name\":\"eth0\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.1.0.12\",\"cidr\":\"10.1.0.0/16\"}]}],\"egress-subnets\":[\"10.1.0.12/32\"],\"ingress-addresses\":[\"10.1.0.12\"]}\n"
    );
    assert_eq!(
        sh(&mut ctx, "network-get", &["admin"]).unwrap(),
        "bind-addresses:\n- mac-address: 00:16:3e:00:00:02\n  interface-name: eth0\n  addresses:\n  - hostname: \"\"\n    value: 10.1.0.12\n    cidr: 10.1.0.0/16\n    address: 10.1.0.12\n  macaddress: 00:16:3e:00:00:02\n  interfacename: eth0\negress-subnets:\n- 10.1.0.12/32\ningress-addresses:\n- 10.1.0.12\n"
    );
    assert_eq!(
        sh(&mut ctx, "network-get", &["database", "--ingress-address"]).unwrap(),
        "10.1.0.12\n"
    );
    assert_eq!(
        sh(
            &mut ctx,
            "network-get",
            &["database", "--bind-address", "--egress-subnets"]
        )
        .unwrap(),
        "bind-address: 10.1.0.12\negress-subnets:\n- 10.1.0.12/32\n"
    );
    assert_eq!(
        sh(
            &mut ctx,
            "network-get",
            &["-r", "1", "database", "--primary-address"]
        )
        .unwrap(),
        "10.1.0.12\n"
    );
}

#[test]
fn network_get_refuses_missing_unknown_and_conflicting_arguments() {
    let m = declared();
    let mut ctx = install(&m, "webserver/0");
    assert_eq!(
        refused(&mut ctx, "network-get", &[]),
        (2, "no arguments specified".into())
    );
    assert_eq!(
        refused(&mut ctx, "network-get", &[""]),
        (2, "no binding name specified".into())
    );
    assert_eq!(
        refused(&mut ctx, "network-get", &["bogus"]),
        (1, "no network config found for binding \"bogus\"".into())
    );
    assert_eq!(
        refused(&mut ctx, "network-get", &["-r", "x", "database"]),
        (
            2,
            "invalid value \"x\" for option -r: invalid relation id".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "network-get", &["-r", "99", "database"]),
        (
            2,
            "invalid value \"99\" for option -r: relation not found".into()
        )
    );
    assert_eq!(
        refused(
            &mut ctx,
            "network-get",
            &["database", "--primary-address", "--bind-address"]
        ),
        (
            1,
            "--primary-address must be the only flag specified".into()
        )
    );
}

// ---- storage ---------------------------------------------------------------------------------

#[test]
fn storage_is_attached_before_install_with_ids_counted_across_the_model() {
    let mut m = Model::new(
        "test",
        super::tests::UUID,
        "2026-01-01T00:00:00Z".parse().unwrap(),
    );
    m.deploy("database", 0).unwrap();
    let specs = juju_hookcmds::charm::storage_specs(
        "name: database\nstorage:\n  data: {type: filesystem, location: /srv/data}\n  logs: {type: filesystem, multiple: {range: 2-3}}\n  raw: {type: block, multiple: {range: 0-}}\n",
    )
    .unwrap();
    m.set_storage("database", specs).unwrap();
    m.add_unit("database").unwrap();
    let hooks: Vec<String> = m
        .queue
        .iter()
        .take(4)
        .map(|h| format!("{:?}", h.kind))
        .collect();
    assert_eq!(
        hooks,
        [
            "StorageAttached { id: \"data/0\" }",
            "StorageAttached { id: \"logs/1\" }",
            "StorageAttached { id: \"logs/2\" }",
            "Install",
        ]
    );
    let env = m.hook_env(
        "database/0",
        &HookKind::StorageAttached {
            id: "logs/1".into(),
        },
    );
    let get = |k: &str| {
        env.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("JUJU_HOOK_NAME"), Some("logs-storage-attached"));
    assert_eq!(get("JUJU_STORAGE_ID"), Some("logs/1"));
    assert_eq!(
        get("JUJU_STORAGE_LOCATION"),
        Some("/var/lib/juju/storage/logs/1")
    );
    assert_eq!(get("JUJU_STORAGE_KIND"), Some("filesystem"));
    assert_eq!(m.storage["data/0"].location, "/srv/data");
    let second = m.add_unit("database").unwrap();
    assert_eq!(m.storage_of(&second, "data"), ["data/3"]);
}

#[test]
fn storage_get_defaults_to_the_hooks_storage_and_checks_the_id_flag_first() {
    let m = declared();
    let mut outside = install(&m, "database/0");
    assert_eq!(
        refused(&mut outside, "storage-get", &[]),
        (2, "no storage instance specified".into())
    );
    let mut ctx = hook(
        &m,
        "database/0",
        HookKind::StorageAttached {
            id: "data/0".into(),
        },
    );
    assert_eq!(
        sh(&mut ctx, "storage-get", &[]).unwrap(),
        "kind: filesystem\nlocation: /srv/data\n"
    );
    assert_eq!(
        sh(&mut ctx, "storage-get", &["location"]).unwrap(),
        "/srv/data\n"
    );
    assert_eq!(
        sh(&mut ctx, "storage-get", &["-s", "logs/1", "--format=json"]).unwrap(),
        "{\"kind\":\"filesystem\",\"location\":\"/var/log/db/logs/1\"}\n"
    );
    assert_eq!(
        refused(&mut ctx, "storage-get", &["size"]),
        (1, "invalid storage attribute \"size\"".into())
    );
    assert_eq!(
        refused(&mut ctx, "storage-get", &["-s", "data"]),
        (
            2,
            "invalid value \"data\" for option -s: invalid storage ID \"data\"".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "storage-get", &["-s", "data/2"]),
        (
            2,
            "invalid value \"data/2\" for option -s: storage attachment data/2:database/0 not found".into()
        ),
        "another unit's instance is not attached to this one"
    );
    assert_eq!(
        refused(&mut ctx, "storage-get", &["kind", "location"]),
        (2, "unrecognized args: [\"location\"]".into())
    );
}

#[test]
fn storage_list_lists_this_units_instances_by_name() {
    let m = declared();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        sh(&mut ctx, "storage-list", &[]).unwrap(),
        "data/0\nlogs/1\n"
    );
    assert_eq!(
        sh(&mut ctx, "storage-list", &["logs", "--format=json"]).unwrap(),
        "[\"logs/1\"]\n"
    );
    assert_eq!(sh(&mut ctx, "storage-list", &["dat"]).unwrap(), "");
    assert_eq!(
        sh(&mut ctx, "storage-list", &["dat", "--format=yaml"]).unwrap(),
        "[]\n"
    );
    assert_eq!(
        refused(&mut ctx, "storage-list", &["a", "b"]),
        (2, "unrecognized args: [\"b\"]".into())
    );
}

#[test]
fn storage_add_checks_its_grammar_now_and_the_charms_limits_when_the_hook_commits() {
    let m = declared();
    let mut ctx = install(&m, "database/0");
    for (args, text) in [
        (&[][..], "storage add requires a storage directive"),
        (
            &["a=1=2"][..],
            "expected \"name=constraints\" or \"name\", got \"a=1=2\"",
        ),
        (
            &["logs", "logs=2"][..],
            "storage \"logs\" specified more than once",
        ),
        (
            &["logs=-676"][..],
            "cannot parse constraints for storage \"logs\": cannot parse count: count must be greater than zero, got \"-676\"",
        ),
        (
            &["logs="][..],
            "cannot parse constraints for storage \"logs\": storage constraints require at least one field to be specified",
        ),
        (
            &["logs=ssd"][..],
            "only count can be specified for \"logs\"",
        ),
        (
            &["logs=2,1G"][..],
            "only count can be specified for \"logs\"",
        ),
    ] {
        let (code, message) = refused(&mut ctx, "storage-add", args);
        assert_eq!((code, message.as_str()), (2, text), "{args:?}");
    }
    sh(&mut ctx, "storage-add", &["logs=2"]).unwrap();
    assert_eq!(sh(&mut ctx, "storage-list", &["logs"]).unwrap(), "logs/1\n");
    let (m, outcome) = ctx.finish(true);
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        m.storage_of("database/0", "logs"),
        ["logs/1", "logs/4", "logs/5"]
    );
    assert!(m.queue.iter().any(|h| h.unit == "database/0"
        && h.kind
            == HookKind::StorageAttached {
                id: "logs/5".into()
            }));
    let mut huge = install(&m, "database/0");
    sh(&mut huge, "storage-add", &["logs=18446744073709551615"]).unwrap();
    let (_, outcome) = huge.finish(true);
    assert_eq!(
        outcome,
        Err("cannot apply changes: adding \"logs\" storage to database/0: attaching 18446744073709551615 storage instances brings the total to 18446744073709551615, exceeding the maximum of 3".into()),
        "a count past what a number holds is refused, not wrapped"
    );
    for (args, why) in [
        (
            "logs",
            "adding \"logs\" storage to database/0: attaching 1 storage instance brings the total to 4, exceeding the maximum of 3",
        ),
        (
            "data",
            "adding \"data\" storage to database/0: cannot attach, storage is singular",
        ),
        (
            "nosuch=2",
            "adding storage nosuch for unit-database-0: storage \"nosuch\" not found",
        ),
    ] {
        let mut ctx = install(&m, "database/0");
        sh(&mut ctx, "storage-add", &[args]).unwrap();
        sh(&mut ctx, "state-set", &["k=v"]).unwrap();
        let (after, outcome) = ctx.finish(true);
        assert_eq!(
            outcome,
            Err(format!("cannot apply changes: {why}")),
            "{args}"
        );
        assert!(
            !after.unit_state.contains_key("database/0"),
            "nothing else commits"
        );
        assert_eq!(after.storage.len(), m.storage.len());
    }
}

#[test]
fn a_detached_instance_runs_storage_detaching_then_goes() {
    let mut m = declared();
    assert_eq!(
        m.detach_storage("data/9").unwrap_err().to_string(),
        "storage \"data/9\" not found"
    );
    m.detach_storage("logs/1").unwrap();
    let next = m.next_hook().unwrap();
    assert_eq!(
        next.kind,
        HookKind::StorageDetaching {
            id: "logs/1".into()
        }
    );
    let mut ctx = hook(&m, &next.unit, next.kind.clone());
    assert_eq!(
        sh(&mut ctx, "storage-get", &["location"]).unwrap(),
        "/var/log/db/logs/1\n",
        "the instance is still there while it detaches"
    );
    let (m, _) = ctx.finish(true);
    assert!(!m.storage.contains_key("logs/1"));
}

// ---- goal-state ------------------------------------------------------------------------------

#[test]
fn goal_state_lists_the_applications_units_and_related_ones_but_not_peers() {
    let mut m = declared();
    m.add_peer_relation("webserver", "peers").unwrap();
    let mut ctx = install(&m, "webserver/0");
    assert_eq!(
        sh(&mut ctx, "goal-state", &["--format=json"]).unwrap(),
        "{\"units\":{\"webserver/0\":{\"status\":\"unknown\",\"since\":\"2026-01-01 00:00:00Z\"},\"webserver/1\":{\"status\":\"unknown\",\"since\":\"2026-01-01 00:00:00Z\"}},\"relations\":{\"database\":{\"database\":{\"status\":\"joined\",\"since\":\"2026-01-01 00:00:00Z\"},\"database/0\":{\"status\":\"unknown\",\"since\":\"2026-01-01 00:00:00Z\"},\"database/1\":{\"status\":\"unknown\",\"since\":\"2026-01-01 00:00:00Z\"}}}}\n"
    );
    let yaml = sh(&mut ctx, "goal-state", &[]).unwrap();
    assert!(
        yaml.starts_with(
            "units:\n  webserver/0:\n    status: unknown\n    since: 2026-01-01 00:00:00Z\n"
        ),
        "{yaml}"
    );
    sh(&mut ctx, "status-set", &["active", "serving"]).unwrap();
    assert!(
        sh(&mut ctx, "goal-state", &[])
            .unwrap()
            .starts_with("units:\n  webserver/0:\n    status: active\n"),
        "the hook's own status-set shows at once, as Juju applies it"
    );
    assert_eq!(
        refused(&mut ctx, "goal-state", &["--format", "smart"]),
        (
            2,
            "invalid value \"smart\" for option --format: unknown format \"smart\"".into()
        )
    );
    assert_eq!(
        refused(&mut ctx, "goal-state", &["x"]),
        (2, "unrecognized args: [\"x\"]".into())
    );
}

#[test]
fn a_storage_name_the_charm_lacks_fails_the_commit_before_any_secret_change() {
    let m = declared();
    let mut ctx = install(&m, "database/0");
    sh(&mut ctx, "secret-add", &["username=admin"]).unwrap();
    sh(&mut ctx, "storage-add", &["nosuch"]).unwrap();
    let (after, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err("cannot apply changes: adding storage nosuch for unit-database-0: storage \"nosuch\" not found".into())
    );
    assert!(after.secrets.is_empty(), "Juju checks the name first");
}

#[test]
fn added_storage_attaches_before_the_units_other_pending_hooks() {
    let mut m = declared();
    m.queue.clear();
    m.set_config("database", Default::default()).unwrap();
    let ids = m.add_storage("database/0", "logs", 1).unwrap();
    let first = m.next_hook().unwrap();
    assert_eq!(
        (first.unit.as_str(), first.kind),
        (
            "database/0",
            HookKind::StorageAttached { id: ids[0].clone() }
        )
    );
}

#[test]
fn an_instance_detached_before_its_attached_hook_ran_goes_without_either_hook() {
    let mut m = declared();
    let ids = m.add_storage("database/0", "logs", 1).unwrap();
    m.detach_storage(&ids[0]).unwrap();
    assert!(!m.storage.contains_key(&ids[0]));
    assert!(
        !m.queue.iter().any(|h| matches!(&h.kind,
            HookKind::StorageAttached { id } | HookKind::StorageDetaching { id } if *id == ids[0])),
        "{:?}",
        m.queue
    );
}

#[test]
fn storage_list_of_an_empty_name_lists_every_instance() {
    let m = declared();
    let mut ctx = install(&m, "database/0");
    assert_eq!(
        sh(&mut ctx, "storage-list", &[""]).unwrap(),
        "data/0\nlogs/1\n"
    );
}
