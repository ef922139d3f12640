//! The sample charms' full secret lifecycle across two applications with leader and
//! non-leader units, including every follow-up hook Juju would fire. Each database/webserver
//! rule is checked in every deployment: in process on the mock, packed and run through
//! `dispatch` on the hook-command simulator, and against plain ops charms in both directions.

mod common;

use chrono::TimeDelta;

use charm_runtime::engine::Limits;
use charm_testing::Harness;
use common::Deployment;
use juju_hookcmds::ConfigValue;
use juju_model::{HookKind, Owner};

const DB_LABEL: &str = "secret-for-webserver-app";
const WEB_LABEL: &str = "database-secret";

fn deployed(d: Deployment) -> Harness {
    common::database_and_webserver(d, 2)
}

fn failures(h: &Harness) -> Vec<String> {
    h.hooks()
        .iter()
        .filter_map(|r| r.outcome.clone().err())
        .collect()
}

fn db_secret(h: &Harness) -> &juju_model::Secret {
    h.model
        .secrets
        .values()
        .find(|s| s.label.as_deref() == Some(DB_LABEL))
        .expect("the database's secret exists")
}

/// The ports `unit` has open, as `opened-ports` prints them.
fn opened(h: &Harness, unit: &str) -> Vec<String> {
    h.model
        .ports
        .get(unit)
        .map(|p| p.keys().map(ToString::to_string).collect())
        .unwrap_or_default()
}

fn ran(h: &Harness, unit: &str, hook: &str) -> usize {
    h.hooks()
        .iter()
        .filter(|r| r.unit == unit && r.hook == hook)
        .count()
}

in_every_deployment!(
    relating_shares_credentials_created_by_the_leader_with_every_webserver_unit,
    |d| {
        let mut h = deployed(d);
        let id = h
            .model
            .relate("database:database", "webserver:database")
            .unwrap();
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());

        let secret = db_secret(&h);
        assert_eq!(secret.owner, Owner::App("database".into()));
        assert_eq!(secret.latest, 1);
        let relation = &h.model.relations[&id];
        let published = &relation.databags["database"]["secret-id"];
        assert!(published.ends_with(&secret.xid), "{published}");
        for unit in ["webserver/0", "webserver/1"] {
            let consumer = &secret.consumers[unit];
            assert_eq!(
                (consumer.tracked, consumer.label.as_deref()),
                (1, Some(WEB_LABEL))
            );
            let seen = h.content_seen_by(unit, WEB_LABEL).unwrap();
            assert_eq!(seen["username"], "admin");
            assert_eq!(seen["password"].len(), 24);
            let address = h.model.address_of(unit).unwrap();
            assert_eq!(
                h.model.status_of(unit).unwrap().message,
                format!("connected to the database as admin from {address}"),
                "the status names the address of the unit's database binding"
            );
        }
        assert!(
            h.calls()
                .filter(|c| c.operation.starts_with("secret-add"))
                .all(|c| c.unit == "database/0"),
            "only the leader creates the secret"
        );
        assert_eq!(
            h.calls()
                .filter(|c| c.operation.starts_with("secret-add"))
                .count(),
            1
        );
    }
);

in_every_deployment!(
    daily_rotation_reaches_every_observer_and_the_obsolete_revision_is_removed,
    |d| {
        let mut h = deployed(d);
        h.model
            .relate("database:database", "webserver:database")
            .unwrap();
        h.run_queued().unwrap();
        let before = h.content_seen_by("webserver/0", WEB_LABEL).unwrap();

        h.advance(TimeDelta::days(1));
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());

        assert_eq!(ran(&h, "database/0", "secret-rotate"), 1);
        assert_eq!(
            ran(&h, "database/1", "secret-rotate"),
            0,
            "rotation goes to the leader"
        );
        for unit in ["webserver/0", "webserver/1"] {
            assert_eq!(ran(&h, unit, "secret-changed"), 1, "{unit}");
        }
        assert_eq!(ran(&h, "database/0", "secret-remove"), 1);
        let secret = db_secret(&h);
        assert_eq!(secret.latest, 2);
        assert_eq!(secret.revisions.keys().copied().collect::<Vec<_>>(), [2]);
        for unit in ["webserver/0", "webserver/1"] {
            assert_eq!(secret.consumers[unit].tracked, 2);
        }
        let after = h.content_seen_by("webserver/0", WEB_LABEL).unwrap();
        assert_eq!(after["username"], "admin");
        assert_ne!(after["password"], before["password"]);
        let refreshes: Vec<&str> = h
            .calls()
            .filter(|c| c.unit == "webserver/1" && c.operation.starts_with("secret-get"))
            .map(|c| c.operation.as_str())
            .collect();
        assert!(
            refreshes.iter().any(|op| op.ends_with("--peek")),
            "{refreshes:?}"
        );
        assert!(
            refreshes.iter().any(|op| op.ends_with("--refresh")),
            "{refreshes:?}"
        );
    }
);

in_every_deployment!(after_a_leader_change_the_new_leader_rotates, |d| {
    let mut h = deployed(d);
    h.model
        .relate("database:database", "webserver:database")
        .unwrap();
    h.run_queued().unwrap();
    h.model.set_leader("database/1").unwrap();
    h.run_queued().unwrap();
    h.advance(TimeDelta::days(1));
    h.run_queued().unwrap();
    assert_eq!(failures(&h), Vec::<String>::new());
    assert_eq!(ran(&h, "database/1", "secret-rotate"), 1);
    assert_eq!(ran(&h, "database/0", "secret-rotate"), 0);
    assert_eq!(db_secret(&h).latest, 2);
});

in_every_deployment!(removing_the_relation_revokes_and_removes_the_secret, |d| {
    let mut h = deployed(d);
    let id = h
        .model
        .relate("database:database", "webserver:database")
        .unwrap();
    h.run_queued().unwrap();
    h.model.unrelate(id).unwrap();
    h.run_queued().unwrap();
    assert_eq!(failures(&h), Vec::<String>::new());
    assert!(h.model.secrets.is_empty(), "the secret is gone");
    let broken_calls: Vec<&str> = h
        .calls()
        .filter(|c| c.unit == "database/0")
        .map(|c| c.operation.as_str())
        .filter(|op| op.starts_with("secret-revoke") || op.starts_with("secret-remove"))
        .collect();
    assert_eq!(broken_calls.len(), 2, "{broken_calls:?}");
    for unit in ["webserver/0", "webserver/1"] {
        assert_eq!(h.model.status_of(unit).unwrap().message, "no database");
        assert_eq!(h.content_seen_by(unit, WEB_LABEL), None);
    }
});

in_every_deployment!(
    a_webserver_unit_added_later_reads_the_existing_secret,
    |d| {
        let mut h = deployed(d);
        h.model
            .relate("database:database", "webserver:database")
            .unwrap();
        h.run_queued().unwrap();
        let unit = h.model.add_unit("webserver").unwrap();
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        assert_eq!(
            h.content_seen_by(&unit, WEB_LABEL).unwrap()["username"],
            "admin"
        );
        assert_eq!(
            h.calls()
                .filter(|c| c.operation.starts_with("secret-add"))
                .count(),
            1,
            "the leader reuses the secret it already has"
        );
    }
);

mod certificates_creates_its_ca_once_and_renews_it_when_it_expires {
    #[test]
    fn wasm_in_process() {
        super::certificates_lifecycle(false)
    }

    #[test]
    fn wasm_packed_through_dispatch() {
        super::certificates_lifecycle(true)
    }
}

fn certificates_lifecycle(packed: bool) {
    let mut h = Harness::new(Limits::default()).unwrap();
    let component = common::component("certificates");
    if packed {
        h.use_hook_commands(&common::charm_host_binary()).unwrap();
        h.deploy_packed(
            "certificates",
            &component,
            &common::sample_file("certificates", "capabilities.yaml"),
            Some(&common::sample_file("certificates", "metadata.yaml")),
            2,
        )
        .unwrap();
    } else {
        h.deploy(
            "certificates",
            &component,
            common::sample_manifest("certificates"),
            2,
        )
        .unwrap();
    }
    h.run_queued().unwrap();
    h.dispatch("certificates/0", HookKind::ConfigChanged)
        .unwrap();
    assert_eq!(failures(&h), Vec::<String>::new());
    let ca = |h: &Harness| {
        h.model
            .secrets
            .values()
            .find(|s| s.label.as_deref() == Some("active-ca-certificates"))
            .unwrap()
            .clone()
    };
    assert_eq!(ca(&h).latest, 1, "get-or-create by label makes exactly one");
    assert_eq!(
        ca(&h).description.as_deref(),
        Some("ca certificate and private key for the certificates charm")
    );
    let expires = ca(&h).revisions[&1].expires.unwrap();
    assert_eq!(expires - h.model.now, TimeDelta::days(365));
    assert_eq!(
        h.model.status_of("certificates/0").unwrap().message,
        "CA certificate ready (revision 1)"
    );
    assert_eq!(
        h.model.status_of("certificates/1").unwrap().message,
        "following the leader's CA"
    );

    h.advance(TimeDelta::days(366));
    h.run_queued().unwrap();
    assert_eq!(failures(&h), Vec::<String>::new());
    let renewed = ca(&h);
    assert_eq!(renewed.revisions.keys().copied().collect::<Vec<_>>(), [2]);
    assert_eq!(
        renewed.latest_content().unwrap().get("ca-certificate"),
        Some("Example CA certificate #2")
    );
    assert_eq!(
        renewed.revisions[&2].expires,
        Some(h.model.now + TimeDelta::days(365)),
        "renewed for a year from the expiry hook"
    );
    assert!(
        h.hooks().iter().all(|r| r.warnings.is_empty()),
        "no hook discarded its own changes"
    );
    h.advance(TimeDelta::minutes(10));
    assert!(
        h.model.queue.is_empty(),
        "no more secret-expired once renewed"
    );
}

in_every_deployment!(
    a_hook_that_fails_on_a_refused_read_keeps_no_trace_and_reports_its_line,
    |d| {
        let mut h = deployed(d);
        let id = h
            .model
            .relate("database:database", "webserver:database")
            .unwrap();
        // A secret id the webserver was never granted, published in the database's databag.
        let content = juju_rules::SecretContent::from_pairs(vec![("token", "t0ken")]);
        let foreign = h
            .model
            .add_user_secret("foreign", content.unwrap())
            .unwrap();
        h.model
            .relations
            .get_mut(&id)
            .unwrap()
            .databags
            .entry("database".into())
            .or_default()
            .insert("secret-id".into(), foreign);
        let record = h
            .dispatch(
                "webserver/0",
                HookKind::RelationChanged {
                    relation_id: id,
                    remote_unit: None,
                },
            )
            .unwrap();
        // The line names the hook: in process, with the host's reason (the charm's own words
        // for Juju's refusal: each language's helper names it its way); through dispatch, with
        // the last line dispatch printed (the host's). ops logs its traceback with juju-log.
        let line = record.outcome.clone().unwrap_err();
        let refused = "database-relation-changed: charm returned an error: ";
        if d.webserver == common::Impl::Ops {
            assert_eq!(
                line,
                "database-relation-changed: dispatch exited with status 1"
            );
            assert!(
                h.model.logs.iter().any(|l| l.unit == "webserver/0"
                    && l.message
                        .contains("ops.model.ModelError: ERROR permission denied")),
                "ops logged the refusal"
            );
        } else {
            let prefix = if d.packed {
                format!(
                    "database-relation-changed: dispatch exited with status 1: charm-host: {refused}"
                )
            } else {
                refused.to_string()
            };
            assert!(line.starts_with(&prefix), "{line}");
            assert!(
                line.to_lowercase()
                    .replace('-', " ")
                    .ends_with("permission denied"),
                "{line}"
            );
        }
        let secret = h.model.secrets.values().next().unwrap();
        assert!(
            secret.consumers.is_empty(),
            "no consumer record or label was kept"
        );
        assert!(
            h.model
                .logs
                .iter()
                .any(|l| l.unit == "webserver/0" && l.level == "ERROR" && l.message == line),
            "the failure is in the unit's log"
        );
    }
);

in_every_deployment!(
    the_rotate_password_action_rotates_now_on_the_leader_and_fails_elsewhere,
    |d| {
        let mut h = deployed(d);
        h.model
            .relate("database:database", "webserver:database")
            .unwrap();
        h.run_queued().unwrap();
        let refused = h
            .run_action("database/1", "rotate-password", Default::default())
            .unwrap();
        assert_eq!(refused.status, "failed");
        assert_eq!(
            refused.message.as_deref(),
            Some("rotate-password must run on the leader unit")
        );
        assert_eq!(
            db_secret(&h).latest,
            1,
            "a refused rotation changes nothing"
        );

        let done = h
            .run_action("database/0", "rotate-password", Default::default())
            .unwrap();
        assert_eq!(done.status, "completed", "{:?}", done.message);
        assert_eq!(done.results["revision"], "2");
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        let secret = db_secret(&h);
        assert_eq!(secret.latest, 2);
        for unit in ["webserver/0", "webserver/1"] {
            assert_eq!(secret.consumers[unit].tracked, 2, "{unit} moved to it");
        }
        for unit in ["database/0", "database/1"] {
            assert_eq!(
                h.model.status_of(unit).map(|s| s.message.as_str()),
                Some("ready; credentials at revision 2"),
                "{unit} shows the revision its peers share"
            );
        }
        assert_eq!(
            h.model.unit_state["database/0"]["rotations"],
            r#"{"action":1,"daily":0}"#
        );
        assert!(
            h.model
                .unit_state
                .get("database/1")
                .is_none_or(|state| !state.contains_key("rotations")),
            "the refusing unit performed no rotation"
        );
    }
);

in_every_deployment!(
    the_webserver_opens_only_its_configured_port_and_sets_its_version,
    |d| {
        let mut h = deployed(d);
        assert_eq!(failures(&h), Vec::<String>::new());
        for unit in ["webserver/0", "webserver/1"] {
            assert_eq!(opened(&h, unit), ["8080/tcp"], "the default port, {unit}");
        }
        assert_eq!(h.model.apps["webserver"].version, "0.1.0");
        h.model
            .set_config(
                "webserver",
                [("port".to_string(), ConfigValue::Integer(9090))].into(),
            )
            .unwrap();
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        for unit in ["webserver/0", "webserver/1"] {
            assert_eq!(
                opened(&h, unit),
                ["9090/tcp"],
                "the port it opened before is closed, {unit}"
            );
        }
        if d.webserver == common::Impl::Ops {
            return;
        }
        // Port 80 is outside what the manifest grants (1024-65535/tcp).
        h.model
            .set_config(
                "webserver",
                [("port".to_string(), ConfigValue::Integer(80))].into(),
            )
            .unwrap();
        h.run_queued().unwrap();
        assert_eq!(
            failures(&h),
            Vec::<String>::new(),
            "a refused port fails no hook"
        );
        for unit in ["webserver/0", "webserver/1"] {
            assert!(
                opened(&h, unit).is_empty(),
                "{unit}: {:?}",
                opened(&h, unit)
            );
            let status = h.model.status_of(unit).unwrap();
            assert_eq!(status.message, "port 80 is not allowed");
        }
        assert!(
            h.model.logs.iter().any(|l| l.unit == "webserver/0"
                && l.message
                    .starts_with("capability denied: opening port 80/tcp is not granted")),
            "the denial is audited"
        );
    }
);

/// How often `unit`'s machine ran `argv`.
fn machine_ran(h: &Harness, unit: &str, argv: &[&str]) -> usize {
    h.model
        .machine_of(unit)
        .unwrap()
        .ran
        .iter()
        .filter(|r| r.argv == argv)
        .count()
}

const SET_PASSWORD: [&str; 2] = ["/usr/local/bin/database-set-password", "admin"];
const RELOAD: [&str; 3] = ["/usr/bin/systemctl", "reload", "webserver"];

/// The credentials file `unit` should hold for what it reads of the secret now.
fn credentials_file(h: &Harness, unit: &str) -> String {
    let seen = h.content_seen_by(unit, WEB_LABEL).unwrap();
    format!(
        "{{\"username\": \"{}\", \"password\": \"{}\"}}\n",
        seen["username"], seen["password"]
    )
}

in_every_deployment!(
    each_workload_gets_the_credentials_on_its_machine_and_loses_them_with_the_relation,
    |d| {
        let mut h = deployed(d);
        let id = h
            .model
            .relate("database:database", "webserver:database")
            .unwrap();
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        assert_eq!(
            machine_ran(&h, "database/0", &SET_PASSWORD),
            1,
            "the leader applies it"
        );
        assert_eq!(machine_ran(&h, "database/1", &SET_PASSWORD), 0);
        let applied = &h.model.machine_of("database/0").unwrap().ran[0];
        assert_eq!(applied.stdin_bytes, 24, "the password goes on stdin");
        for unit in ["webserver/0", "webserver/1"] {
            let machine = h.model.machine_of(unit).unwrap();
            assert_eq!(machine.files["/etc/webserver"].mode, 0o700, "{unit}");
            let file = &machine.files["/etc/webserver/database.json"];
            assert_eq!((file.mode, file.owner.as_str()), (0o600, "root"), "{unit}");
            assert_eq!(
                file.content.as_deref(),
                Some(credentials_file(&h, unit).as_bytes()),
                "{unit}"
            );
            assert_eq!(machine_ran(&h, unit, &RELOAD), 1, "{unit}");
        }

        // A rotation reaches the workloads: the database's, then each webserver's file.
        h.advance(TimeDelta::days(1));
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        assert_eq!(machine_ran(&h, "database/0", &SET_PASSWORD), 2);
        for unit in ["webserver/0", "webserver/1"] {
            let file = &h.model.machine_of(unit).unwrap().files["/etc/webserver/database.json"];
            assert_eq!(
                file.content.as_deref(),
                Some(credentials_file(&h, unit).as_bytes())
            );
            assert_eq!(
                machine_ran(&h, unit, &RELOAD),
                2,
                "{unit}: a reload per change"
            );
        }

        // Reading the same credentials again rewrites nothing and reloads nothing.
        let again = HookKind::RelationChanged {
            relation_id: id,
            remote_unit: None,
        };
        h.dispatch("webserver/0", again).unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        assert_eq!(machine_ran(&h, "webserver/0", &RELOAD), 2);

        h.model.unrelate(id).unwrap();
        h.run_queued().unwrap();
        assert_eq!(failures(&h), Vec::<String>::new());
        for unit in ["webserver/0", "webserver/1"] {
            let machine = h.model.machine_of(unit).unwrap();
            assert!(
                !machine.files.contains_key("/etc/webserver/database.json"),
                "{unit}"
            );
            assert_eq!(machine_ran(&h, unit, &RELOAD), 3, "{unit}");
        }
    }
);
