//! The policy on the mock of Juju: what a manifest lets through, and that a denial never
//! reaches Juju.

use std::sync::{Arc, Mutex};

use charm_runtime::HostError;
use charm_runtime::backend::Backend;
use charm_runtime::capabilities::{Manifest, PolicyBackend};
use charm_testing::mock::MockBackend;
use juju_hookcmds::{
    AddOptions, AddOwner, ConfigValue, Databag, LogLevel as Level, Lookup, ReadMode, Scope,
};
use juju_model::{HookContext, HookKind, Model};
use juju_rules::{SecretContent, SecretId};

fn model() -> Model {
    let mut m = Model::new(
        "t",
        "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b",
        "2026-01-01T00:00:00Z".parse().unwrap(),
    );
    m.deploy("database", 1).unwrap();
    m.deploy("webserver", 1).unwrap();
    m.relate("database:database", "webserver:database").unwrap();
    m
}

fn content() -> SecretContent {
    SecretContent::from_pairs(vec![("password", "pw")]).unwrap()
}

/// A policy in front of the mock, for one hook on `unit`.
fn policy(m: &Model, unit: &str, yaml: &str) -> (PolicyBackend, Arc<Mutex<HookContext>>) {
    let manifest = Manifest::parse(yaml, "capabilities.yaml").unwrap();
    let ctx = Arc::new(Mutex::new(HookContext::new(
        m,
        unit,
        HookKind::Other("t".into()),
    )));
    let backend = PolicyBackend::new(Arc::new(manifest), Box::new(MockBackend::new(ctx.clone())));
    (backend, ctx)
}

fn finish(backend: PolicyBackend, ctx: Arc<Mutex<HookContext>>) -> Model {
    drop(backend);
    let ctx = Arc::try_unwrap(ctx).ok().unwrap().into_inner().unwrap();
    let (model, outcome) = ctx.finish(true);
    outcome.unwrap();
    model
}

/// The database publishes a secret over relation 1, as the sample does.
fn published(m: &mut Model) -> SecretId {
    let (mut b, ctx) = policy(
        m,
        "database/0",
        "secrets: {operations: [create-app, grant]}\nrelations: {write: [database], grant-over: [database]}\n",
    );
    let options = AddOptions {
        owner: AddOwner::Application,
        label: None,
        description: None,
        expire: None,
        rotate: None,
    };
    let id = b.secret_add(&content(), &options).unwrap();
    b.secret_grant(&SecretId::parse(&id).unwrap(), 1, None)
        .unwrap();
    b.relation_set(1, Scope::App, &[("secret-id".into(), id.clone())])
        .unwrap();
    *m = finish(b, ctx);
    SecretId::parse(&id).unwrap()
}

#[test]
fn a_denied_call_never_reaches_juju_and_leaves_an_audit_line() {
    let m = model();
    let (mut b, ctx) = policy(&m, "database/0", "secrets: {operations: [read]}\n");
    let options = AddOptions {
        owner: AddOwner::Application,
        label: None,
        description: None,
        expire: None,
        rotate: None,
    };
    let err = b.secret_add(&content(), &options).unwrap_err();
    assert_eq!(
        err,
        HostError::DeniedByPolicy(
            "secret operation `create-app` is not granted (capabilities.yaml: secrets.operations)"
                .into()
        )
    );
    let ctx = ctx.lock().unwrap();
    assert!(ctx.calls.is_empty(), "{:?}", ctx.calls);
    assert_eq!(ctx.logs[0].0, "WARNING");
    assert!(
        ctx.logs[0]
            .1
            .starts_with("capability denied: secret operation `create-app`")
    );
}

#[test]
fn a_secret_published_over_a_granted_endpoint_is_readable_by_id() {
    let mut m = model();
    let id = published(&mut m);
    let (mut b, _ctx) = policy(
        &m,
        "webserver/0",
        "secrets:\n  operations: [read]\n  readable: {granted-over: [database]}\nrelations: {read: [database]}\n",
    );
    let got = b
        .secret_get(&Lookup::Id(id), ReadMode::Tracked, None)
        .unwrap();
    assert_eq!(got.get("password"), Some("pw"));
}

#[test]
fn a_secret_not_published_over_a_granted_endpoint_is_not_readable() {
    let mut m = model();
    let id = published(&mut m);
    let (mut b, ctx) = policy(
        &m,
        "webserver/0",
        "secrets:\n  operations: [read]\n  readable: {owned: true}\n",
    );
    assert!(matches!(
        b.secret_get(&Lookup::Id(id), ReadMode::Tracked, None),
        Err(HostError::DeniedByPolicy(m)) if m.starts_with("reading secret secret://")
    ));
    assert!(
        !ctx.lock()
            .unwrap()
            .calls
            .iter()
            .any(|c| c.operation.starts_with("secret-get")),
        "the read never reached Juju"
    );
}

#[test]
fn a_user_secret_named_by_a_granted_config_option_is_readable() {
    let mut m = model();
    let uri = m.add_user_secret("token", content()).unwrap();
    m.grant_user_secret("token", "webserver").unwrap();
    let values = [("api-token".to_string(), ConfigValue::Text(uri.clone()))];
    m.set_config("webserver", values.into_iter().collect())
        .unwrap();
    let yaml = "secrets:\n  operations: [read]\n  readable: {config: [api-token]}\nconfig: true\n";
    let (mut b, _ctx) = policy(&m, "webserver/0", yaml);
    let id = SecretId::parse(&uri).unwrap();
    assert!(
        b.secret_get(&Lookup::Id(id), ReadMode::Tracked, None)
            .is_ok()
    );
    let (mut b, _ctx) = policy(
        &m,
        "webserver/0",
        "secrets:\n  operations: [read]\n  readable: {config: [other]}\n",
    );
    let id = SecretId::parse(&uri).unwrap();
    assert!(matches!(
        b.secret_get(&Lookup::Id(id), ReadMode::Tracked, None),
        Err(HostError::DeniedByPolicy(_))
    ));
}

#[test]
fn labels_outside_the_granted_patterns_are_denied() {
    let m = model();
    let (mut b, _ctx) = policy(
        &m,
        "database/0",
        "secrets: {operations: [create-app, read], labels: [\"db-*\"]}\n",
    );
    let mut options = AddOptions {
        owner: AddOwner::Application,
        label: Some("db-creds".into()),
        description: None,
        expire: None,
        rotate: None,
    };
    assert!(b.secret_add(&content(), &options).is_ok());
    options.label = Some("tls".into());
    assert_eq!(
        b.secret_add(&content(), &options).unwrap_err(),
        HostError::DeniedByPolicy(
            "secret label \"tls\" is not granted (capabilities.yaml: secrets.labels)".into()
        )
    );
    assert!(matches!(
        b.secret_get(&Lookup::Label("tls".into()), ReadMode::Peek, None),
        Err(HostError::DeniedByPolicy(_))
    ));
}

#[test]
fn relation_data_is_readable_and_writable_only_on_granted_endpoints() {
    let m = model();
    let (mut b, _ctx) = policy(&m, "database/0", "relations: {read: [database]}\n");
    assert!(b.relation_get(1, &Databag::App("webserver".into())).is_ok());
    assert!(matches!(
        b.relation_set(1, Scope::App, &[("k".into(), "v".into())]),
        Err(HostError::DeniedByPolicy(m)) if m.contains("relations.write")
    ));
    assert!(matches!(
        b.relation_ids("other"),
        Err(HostError::DeniedByPolicy(_))
    ));
}

#[test]
fn thousands_of_distinct_denials_are_all_counted_in_a_bounded_summary() {
    let m = model();
    let (mut b, ctx) = policy(&m, "database/0", "secrets: {operations: [read]}\n");
    let padding = "x".repeat(490);
    for n in 0..10_000 {
        let label = Lookup::Label(format!("{padding}-{n}"));
        assert!(matches!(
            b.secret_get(&label, ReadMode::Tracked, None),
            Err(HostError::DeniedByPolicy(_))
        ));
    }
    b.finish_hook();
    let logs = ctx.lock().unwrap().logs.clone();
    let summary: Vec<&String> = logs
        .iter()
        .map(|(_, line)| line)
        .filter(|line| line.starts_with("capability denied 9980 more times"))
        .collect();
    assert_eq!(logs.len(), 20 + summary.len(), "{logs:?}");
    assert!(summary.len() <= 9, "{} summary lines", summary.len());
    let text: usize = summary.iter().map(|line| line.len()).sum();
    assert!(text < 9 * charm_runtime::backend::LOG_PIECE, "{text} bytes");
    let unnamed = summary
        .last()
        .unwrap()
        .rsplit("; ")
        .next()
        .unwrap()
        .to_string();
    let named: usize = summary
        .iter()
        .map(|line| line.matches(" is not granted ").count())
        .sum();
    assert!(named > 400, "only {named} named");
    assert_eq!(
        unnamed,
        format!(
            "and {} more denials, not named: more than the summary holds",
            9980 - named
        )
    );
}

#[test]
fn the_hosts_own_log_lines_need_no_logging_grant_but_the_charms_do() {
    let m = model();
    let (mut b, ctx) = policy(&m, "database/0", "");
    assert!(matches!(
        b.log(Level::Info, "charm says hi"),
        Err(HostError::DeniedByPolicy(_))
    ));
    b.host_log(Level::Error, "hook failed").unwrap();
    assert!(
        ctx.lock()
            .unwrap()
            .logs
            .iter()
            .any(|(l, m)| l == "ERROR" && m == "hook failed")
    );
}

#[test]
fn a_revoke_naming_an_application_or_unit_is_held_to_the_grant_over_endpoints() {
    use juju_hookcmds::Grantee;
    let mut m = model();
    m.deploy("stranger", 1).unwrap();
    let secret = published(&mut m);
    let (mut b, ctx) = policy(
        &m,
        "database/0",
        "secrets: {operations: [revoke]}\nrelations: {grant-over: [database]}\n",
    );
    for grantee in [
        Grantee::Application("stranger".into()),
        Grantee::Unit("stranger/0".into()),
    ] {
        assert_eq!(
            b.secret_revoke(&secret, &grantee),
            Err(HostError::DeniedByPolicy(
                "revoking secrets from \"stranger\" is not granted: it is not related over an endpoint in capabilities.yaml relations.grant-over".into()
            ))
        );
    }
    b.secret_revoke(&secret, &Grantee::Application("webserver".into()))
        .unwrap();
    b.secret_revoke(&secret, &Grantee::Unit("webserver/0".into()))
        .unwrap();
    let calls: Vec<String> = ctx
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.operation.clone())
        .filter(|o| o.starts_with("secret-revoke"))
        .collect();
    assert_eq!(
        calls.len(),
        2,
        "only the related application's revokes reached Juju"
    );
    let _ = finish(b, ctx);
}

/// A policy for one hook that runs action `action` on `database/0`.
fn policy_in_action(m: &mut Model, action: &str, yaml: &str) -> PolicyBackend {
    let spec = juju_hookcmds::charm::parse_actions(&format!("{action}: {{}}\n"))
        .unwrap()
        .into_iter()
        .collect();
    m.set_actions("database", spec).unwrap();
    let id = m
        .run_action("database/0", action, Default::default())
        .unwrap();
    let kind = HookKind::Action {
        id: id.clone(),
        name: action.into(),
    };
    let env = m.hook_env("database/0", &kind);
    let event = charm_runtime::event::from_env(|k| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })
    .unwrap();
    let manifest = Manifest::parse(yaml, "capabilities.yaml").unwrap();
    let ctx = Arc::new(Mutex::new(HookContext::new(m, "database/0", kind)));
    PolicyBackend::new(Arc::new(manifest), Box::new(MockBackend::new(ctx))).for_event(&event)
}

#[test]
fn only_the_granted_actions_may_read_params_or_report() {
    let mut m = model();
    let mut b = policy_in_action(&mut m, "backup", "actions: [rotate-password]\n");
    for result in [
        b.action_params().map(|_| ()),
        b.action_set(&[("a".into(), "1".into())]),
        b.action_log("x"),
        b.action_fail("x"),
    ] {
        assert_eq!(
            result.unwrap_err(),
            HostError::DeniedByPolicy(
                "action \"backup\" is not granted (capabilities.yaml: actions)".into()
            )
        );
    }
    let mut granted = policy_in_action(&mut m, "rotate-password", "actions: [rotate-password]\n");
    assert_eq!(granted.action_params().unwrap(), serde_json::json!({}));
}

#[test]
fn without_an_actions_grant_action_calls_are_denied_even_outside_an_action() {
    let m = model();
    let (mut b, _ctx) = policy(&m, "database/0", "logging: true\n");
    assert_eq!(
        b.action_log("x").unwrap_err(),
        HostError::DeniedByPolicy("`actions` is not granted (capabilities.yaml: actions)".into())
    );
    let (mut granted, _ctx) = policy(&m, "database/0", "actions: [backup]\n");
    assert_eq!(
        granted.action_log("x").unwrap_err(),
        HostError::InvalidArgument("not running an action".into()),
        "outside an action Juju refuses it, as for any charm"
    );
}

#[test]
fn unit_state_needs_its_grant() {
    let m = model();
    let (mut b, _ctx) = policy(&m, "database/0", "logging: true\n");
    let denied =
        HostError::DeniedByPolicy("`state` is not granted (capabilities.yaml: state)".into());
    assert_eq!(b.state_get(None).unwrap_err(), denied);
    assert_eq!(
        b.state_set(&[("a".into(), "1".into())]).unwrap_err(),
        denied
    );
    assert_eq!(b.state_delete("a").unwrap_err(), denied);
    let (mut granted, ctx) = policy(&m, "database/0", "state: true\n");
    granted.state_set(&[("a".into(), "1".into())]).unwrap();
    assert_eq!(
        granted.state_get(Some("a")).unwrap(),
        vec![("a".to_string(), "1".to_string())]
    );
    assert_eq!(finish(granted, ctx).unit_state["database/0"]["a"], "1");
}

fn tcp(from: u16, to: u16) -> juju_hookcmds::ports::PortRange {
    juju_hookcmds::ports::PortRange {
        protocol: juju_hookcmds::ports::Protocol::Tcp,
        from,
        to,
    }
}

fn denied(text: &str) -> HostError {
    HostError::DeniedByPolicy(text.into())
}

#[test]
fn ports_open_and_close_only_within_the_granted_ranges() {
    let m = model();
    let (mut b, ctx) = policy(&m, "webserver/0", "ports: {open: [8000-8999/tcp, icmp]}\n");
    b.open_port(&tcp(8080, 8080), &[]).unwrap();
    b.open_port(&tcp(8100, 8200), &[]).unwrap();
    b.open_port(&juju_hookcmds::ports::PortRange::ICMP, &[])
        .unwrap();
    assert_eq!(
        b.open_port(&tcp(80, 80), &[]).unwrap_err(),
        denied("opening port 80/tcp is not granted (capabilities.yaml: ports.open)")
    );
    assert_eq!(
        b.open_port(&tcp(8990, 9010), &[]).unwrap_err(),
        denied("opening port 8990-9010/tcp is not granted (capabilities.yaml: ports.open)"),
        "a range reaching past the grant"
    );
    let udp = juju_hookcmds::ports::PortRange {
        protocol: juju_hookcmds::ports::Protocol::Udp,
        from: 8080,
        to: 8080,
    };
    assert!(
        b.open_port(&udp, &[]).is_err(),
        "the protocol is part of the grant"
    );
    assert_eq!(
        b.close_port(&tcp(22, 22), &[]).unwrap_err(),
        denied("closing port 22/tcp is not granted (capabilities.yaml: ports.open)")
    );
    assert_eq!(b.opened_ports().unwrap().len(), 3);
    let calls: Vec<String> = ctx
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("80/tcp") && !c.contains("8080")),
        "{calls:?}"
    );
    let (mut none, _) = policy(&m, "webserver/0", "logging: true\n");
    assert_eq!(
        none.opened_ports().unwrap_err(),
        denied("`ports` is not granted (capabilities.yaml: ports)")
    );
}

#[test]
fn at_most_counts_the_ports_already_open_and_a_range_by_its_ports() {
    let mut m = model();
    let grant = "ports: {open: [1024-65535/tcp], at-most: 1}\n";
    let (mut b, ctx) = policy(&m, "webserver/0", grant);
    assert_eq!(
        b.open_port(&tcp(8000, 8001), &[]).unwrap_err(),
        denied(
            "opening 8000-8001/tcp would leave 2 ports open; at most 1 are granted (capabilities.yaml: ports.at-most)"
        ),
        "a range granted is a choice, not a port to open whole"
    );
    b.open_port(&tcp(8080, 8080), &[]).unwrap();
    b.open_port(&tcp(8080, 8080), &[]).unwrap();
    assert!(b.open_port(&tcp(9090, 9090), &[]).is_err(), "a second port");
    m = finish(b, ctx);
    let (mut later, ctx) = policy(&m, "webserver/0", grant);
    assert!(
        later.open_port(&tcp(9090, 9090), &[]).is_err(),
        "the port opened in an earlier hook counts"
    );
    later.close_port(&tcp(8080, 8080), &[]).unwrap();
    later.open_port(&tcp(9090, 9090), &[]).unwrap();
    let m = finish(later, ctx);
    let open: Vec<String> = m.ports["webserver/0"]
        .keys()
        .map(ToString::to_string)
        .collect();
    assert_eq!(open, ["9090/tcp"]);
}

#[test]
fn at_most_holds_when_a_close_does_nothing_or_names_other_endpoints() {
    let m = model();
    let grant = "ports: {open: [1024-65535/tcp], at-most: 1}\n";
    let (mut b, _ctx) = policy(&m, "webserver/0", grant);
    b.open_port(&tcp(8080, 8080), &["database".into()]).unwrap();
    b.close_port(&tcp(8080, 8080), &[]).unwrap();
    assert!(
        b.open_port(&tcp(9090, 9090), &[]).is_err(),
        "closing for every endpoint what is open for one does nothing in Juju: 8080 stays open"
    );
    b.close_port(&tcp(8080, 8080), &["database".into()])
        .unwrap();
    b.open_port(&tcp(9090, 9090), &[]).unwrap();
}

#[test]
fn only_granted_bindings_are_read_and_from_readable_relations() {
    let m = model();
    let (mut b, _ctx) = policy(&m, "webserver/0", "bindings: [database]\n");
    let network = b.network_get("database", None).unwrap();
    assert_eq!(
        network.ingress_addresses,
        [m.address_of("webserver/0").unwrap()]
    );
    assert_eq!(
        b.network_get("juju-info", None).unwrap_err(),
        denied("binding \"juju-info\" is not granted (capabilities.yaml: bindings)")
    );
    assert!(
        matches!(
            b.network_get("database", Some(1)).unwrap_err(),
            HostError::DeniedByPolicy(_)
        ),
        "asking from a relation reads it: relations.read is needed"
    );
    let (mut with_relation, _) = policy(
        &m,
        "webserver/0",
        "bindings: [database]\nrelations: {read: [database]}\n",
    );
    with_relation.network_get("database", Some(1)).unwrap();
}

#[test]
fn storage_calls_name_a_granted_storage() {
    let mut m = model();
    let specs = juju_hookcmds::charm::storage_specs(
        "name: database\nstorage:\n  data: {type: filesystem}\n  keys: {type: filesystem}\n",
    )
    .unwrap();
    m.set_storage("database", specs).unwrap();
    let (mut b, _ctx) = policy(&m, "database/0", "storage: [data]\n");
    assert_eq!(b.storage_list("data").unwrap(), ["data/0"]);
    assert_eq!(
        b.storage_get("data/0").unwrap().location,
        "/var/lib/juju/storage/data/0"
    );
    let keys = denied("storage \"keys\" is not granted (capabilities.yaml: storage)");
    assert_eq!(b.storage_list("keys").unwrap_err(), keys);
    assert_eq!(b.storage_get("keys/1").unwrap_err(), keys);
    assert_eq!(b.storage_add("keys", 1).unwrap_err(), keys);
}

#[test]
fn status_version_and_goal_state_each_need_their_grant() {
    let m = model();
    let (mut b, _ctx) = policy(&m, "database/0", "logging: true\n");
    let status = denied("`status` is not granted (capabilities.yaml: status)");
    assert_eq!(b.status_get().unwrap_err(), status);
    assert_eq!(b.application_status().unwrap_err(), status);
    assert_eq!(
        b.application_version_set("1.0").unwrap_err(),
        denied("`application-version` is not granted (capabilities.yaml: application-version)")
    );
    assert_eq!(
        b.goal_state().unwrap_err(),
        denied("`goal-state` is not granted (capabilities.yaml: goal-state)")
    );
    let (mut granted, ctx) = policy(
        &m,
        "database/0",
        "status: true\napplication-version: true\ngoal-state: true\n",
    );
    assert_eq!(granted.status_get().unwrap().status, "unknown");
    granted.application_version_set("1.0").unwrap();
    assert_eq!(granted.goal_state().unwrap().units.len(), 1);
    assert_eq!(finish(granted, ctx).apps["database"].version, "1.0");
}

#[test]
fn a_grant_named_network_is_not_a_capability() {
    let err = Manifest::parse("network: [database]\n", "capabilities.yaml").unwrap_err();
    assert!(err.to_string().contains("network"), "{err}");
}

#[test]
fn a_charm_holds_at_most_sixteen_connections_at_once() {
    let mut m = model();
    let unit = m.apps["webserver"].units[0].clone();
    let mut machine = juju_model::Machine::default();
    machine
        .listeners
        .insert("localhost:41000".into(), "pong".into());
    m.set_machine("webserver", machine).unwrap();
    let grant = "network:\n  connect: [\"localhost:41000\"]\n";
    let (mut backend, _ctx) = policy(&m, &unit, grant);
    let nothing = charm_runtime::capabilities::Granted::nothing();
    let open: Vec<u32> = (0..16)
        .map(|_| backend.tcp_connect("localhost", 41000, &nothing).unwrap())
        .collect();
    assert!(matches!(
        backend.tcp_connect("localhost", 41000, &nothing),
        Err(HostError::InvalidArgument(_))
    ));
    backend.tcp_close(open[0]);
    backend.tcp_connect("localhost", 41000, &nothing).unwrap();
}
