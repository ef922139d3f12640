//! One hook's secret, action, unit-state, port, binding, status, storage and goal-state calls
//! against what Juju 3.6.11 does with them: its unit agent's change
//! recorder and the controller's commit (`docs/juju-reference.md` cites the source for each
//! rule). Each rule runs twice: in process on the mock, and packed, with the charm's
//! `dispatch` calling the hook-command simulator, as `charm-host simulate --dispatch` runs it.
//!
//! The charm is `test-charms/scripted`: on a hook it makes the calls its config option
//! `script` lists for that hook and logs each outcome as `step N <op>: ok ...` or
//! `step N <op>: error <kind>: <message>`. Two applications of it, `owner` and `consumer`
//! (two units each; `owner/0` and `consumer/0` lead), are related over `secrets` (relation 1).
//! Each unit has one instance of storage `data` (`data/0`, `data/1` on owner's units).

mod common;

use chrono::TimeDelta;
use serde_json::{Value, json};

use charm_runtime::capabilities::Manifest;
use charm_runtime::engine::Limits;
use charm_testing::Harness;
use juju_hookcmds::ConfigValue;
use juju_model::{Grant, HookKind, Secret, Subject};

fn charm_file(file: &str) -> std::path::PathBuf {
    common::workspace_root()
        .join("test-charms/scripted")
        .join(file)
}

/// `owner` and `consumer` related over `secrets`, in process or packed; no hook has run.
fn deployed(packed: bool) -> Harness {
    let mut h = Harness::new(Limits::default()).unwrap();
    let component = common::component("scripted-charm");
    for app in ["owner", "consumer"] {
        if packed {
            h.use_hook_commands(&common::charm_host_binary()).unwrap();
            h.deploy_packed(
                app,
                &component,
                &charm_file("capabilities.yaml"),
                Some(&charm_file("metadata.yaml")),
                2,
            )
            .unwrap();
        } else {
            let manifest = Manifest::load(&charm_file("capabilities.yaml")).unwrap();
            h.deploy(app, &component, manifest, 2).unwrap();
            h.declare(
                app,
                Some(&charm_file("metadata.yaml")),
                Some(&charm_file("actions.yaml")),
            )
            .unwrap();
        }
    }
    assert_eq!(
        h.model.relate("owner:secrets", "consumer:secrets").unwrap(),
        1
    );
    // The charm does nothing without a script: skip the deployment's hooks.
    h.model.queue.clear();
    h
}

/// What one hook did: each step's line, the hook's outcome and its warnings.
#[derive(Debug)]
struct Ran {
    steps: Vec<String>,
    outcome: Result<(), String>,
    warnings: Vec<String>,
}

impl Ran {
    /// The line of step `n`, without its `step N <op>: ` prefix.
    fn step(&self, n: usize) -> &str {
        let line = &self.steps[n];
        line.split_once(": ")
            .map_or(line.as_str(), |(_, rest)| rest)
    }

    fn ok(self) -> Self {
        assert_eq!(self.outcome, Ok(()), "{self:?}");
        self
    }
}

/// Sets `unit`'s application's script for `hook` (no config-changed is queued).
fn script(h: &mut Harness, unit: &str, hook: &str, steps: Value) {
    let app = unit.split('/').next().unwrap();
    let script = json!({ hook: steps }).to_string();
    h.model
        .apps
        .get_mut(app)
        .unwrap()
        .config
        .insert("script".into(), ConfigValue::Text(script));
}

/// Runs `steps` on `unit` as one hook, named `run`.
fn run(h: &mut Harness, unit: &str, steps: Value) -> Ran {
    script(h, unit, "run", steps);
    dispatch(h, unit, HookKind::Other("run".into()))
}

fn dispatch(h: &mut Harness, unit: &str, kind: HookKind) -> Ran {
    let logged = h.model.logs.len();
    h.dispatch(unit, kind).unwrap();
    ran_since(h, unit, logged)
}

/// What the last hook on `unit` did, its steps logged after the first `logged` lines.
fn ran_since(h: &Harness, unit: &str, logged: usize) -> Ran {
    let record = h.hooks().last().unwrap();
    Ran {
        steps: h.model.logs[logged..]
            .iter()
            .filter(|l| l.unit == unit && l.message.starts_with("step "))
            .map(|l| l.message.clone())
            .collect(),
        outcome: record.outcome.clone(),
        warnings: record.warnings.clone(),
    }
}

fn by_label<'a>(h: &'a Harness, label: &str) -> &'a Secret {
    h.model
        .secrets
        .values()
        .find(|s| s.label.as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no secret labelled {label:?}"))
}

fn id_of(h: &Harness, label: &str) -> String {
    format!("secret:{}", by_label(h, label).xid)
}

fn marker(s: &Secret, revision: u32) -> &str {
    s.revisions[&revision].content.get("marker").unwrap()
}

fn revisions(s: &Secret) -> Vec<u32> {
    s.revisions.keys().copied().collect()
}

/// An application secret `label` with content `marker: v1`, created by `owner/0`.
fn existing(h: &mut Harness, label: &str) -> String {
    run(
        h,
        "owner/0",
        json!([{"op": "add", "label": label, "content": {"marker": "v1"}}]),
    )
    .ok();
    id_of(h, label)
}

/// `label` at revision 2 (`v1`, then `v2`).
fn with_two_revisions(h: &mut Harness, label: &str) -> String {
    let id = existing(h, label);
    run(
        h,
        "owner/0",
        json!([{"op": "set", "id": id, "content": {"marker": "v2"}}]),
    )
    .ok();
    id
}

/// `label`, granted to the consumer application over relation 1 and published there.
fn shared(h: &mut Harness, label: &str) -> String {
    let id = existing(h, label);
    run(
        h,
        "owner/0",
        json!([
            {"op": "grant", "id": id, "relation": 1},
            {"op": "publish", "relation": 1, "key": "secret-id", "value": id},
        ]),
    )
    .ok();
    id
}

fn grants(s: &Secret) -> Vec<Grant> {
    s.grants.clone()
}

fn grant(subject: Subject, relation_id: u32) -> Grant {
    Grant {
        subject,
        relation_id: Some(relation_id),
    }
}

macro_rules! juju_rule {
    ($name:ident, $check:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn in_process() {
                ($check)(deployed(false))
            }

            #[test]
            fn packed_through_dispatch() {
                ($check)(deployed(true))
            }
        }
    };
}

// 1 ------------------------------------------------------------------------------------------

juju_rule!(
    a_secret_created_then_set_in_one_hook_is_revision_one_with_the_new_content,
    |mut h: Harness| {
        let now = h.model.now;
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "add", "label": "kept", "content": {"marker": "v1"}, "expire-in": 3600},
                {"op": "set", "id": "$0", "content": {"marker": "v2"}},
                {"op": "add", "label": "given", "content": {"marker": "v1"}, "expire-in": 3600},
                {"op": "set", "id": "$2", "content": {"marker": "v2"}, "expire-in": 7200},
            ]),
        )
        .ok();
        let kept = by_label(&h, "kept");
        assert_eq!((kept.latest, revisions(kept)), (1, vec![1]));
        assert_eq!(marker(kept, 1), "v2");
        assert_eq!(
            kept.revisions[&1].expires,
            Some(now + TimeDelta::hours(1)),
            "the create's expiry stays"
        );
        let given = by_label(&h, "given");
        assert_eq!((given.latest, marker(given, 1)), (1, "v2"));
        assert_eq!(given.revisions[&1].expires, Some(now + TimeDelta::hours(2)));
    }
);

// 2 ------------------------------------------------------------------------------------------

juju_rule!(
    two_sets_in_one_hook_merge_and_new_content_is_judged_against_the_committed_revision,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let now = h.model.now;
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id, "content": {"marker": "v2"}, "description": "second"},
                // Equal to the committed revision: no new content, so v2 stays queued.
                {"op": "set", "id": id, "content": {"marker": "v1"}},
                // An expiry without content applies to the queued new revision.
                {"op": "set", "id": id, "expire-in": 3600},
            ]),
        )
        .ok();
        let s = by_label(&h, "s");
        assert_eq!((s.latest, revisions(s)), (2, vec![1, 2]));
        assert_eq!(marker(s, 2), "v2");
        assert_eq!(s.description.as_deref(), Some("second"));
        assert_eq!(s.revisions[&2].expires, Some(now + TimeDelta::hours(1)));
        assert_eq!(s.revisions[&1].expires, None);
    }
);

// 3 ------------------------------------------------------------------------------------------

juju_rule!(
    a_set_after_a_remove_in_the_same_hook_cancels_the_remove,
    |mut h: Harness| {
        let whole = existing(&mut h, "whole");
        let one = existing(&mut h, "one-revision");
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "remove", "id": whole},
                {"op": "set", "id": whole, "content": {"marker": "v2"}},
                {"op": "remove", "id": one, "revision": 1},
                {"op": "set", "id": one, "description": "still here"},
            ]),
        )
        .ok();
        let whole = by_label(&h, "whole");
        assert_eq!((revisions(whole), marker(whole, 2)), (vec![1, 2], "v2"));
        let one = by_label(&h, "one-revision");
        assert_eq!(revisions(one), [1]);
        assert_eq!(one.description.as_deref(), Some("still here"));
    }
);

// 4 ------------------------------------------------------------------------------------------

juju_rule!(
    a_secret_added_and_removed_in_one_hook_leaves_nothing_and_the_commit_succeeds,
    |mut h: Harness| {
        // Juju 3.6.11 ignores removing a secret that does not exist at commit (3.6.10 and
        // earlier failed the hook with `removing secrets: secret ... not found`).
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "add", "label": "brief", "content": {"marker": "v1"}},
                {"op": "remove", "id": "$0"},
            ]),
        )
        .ok();
        assert!(h.model.secrets.is_empty());
        assert_eq!(ran.warnings.len(), 1, "{ran:?}");
        assert!(ran.warnings[0].contains("discards this hook's earlier secret-add"));
    }
);

// 5 ------------------------------------------------------------------------------------------

juju_rule!(
    after_removing_one_revision_ids_info_and_grant_treat_the_secret_as_removed,
    |mut h: Harness| {
        let id = with_two_revisions(&mut h, "s");
        let xid = by_label(&h, "s").xid.clone();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "remove", "id": id, "revision": 1},
                {"op": "ids"},
                {"op": "info", "id": id},
                {"op": "grant", "id": id, "relation": 1},
            ]),
        )
        .ok();
        assert_eq!(ran.step(1), "ok", "secret-ids lists nothing");
        assert_eq!(
            ran.step(2),
            format!("error not-found: secret {xid:?} not found")
        );
        assert_eq!(
            ran.step(3),
            format!("error not-found: secret {xid:?} not found")
        );
        assert_eq!(revisions(by_label(&h, "s")), [2], "only revision 1 went");
    }
);

// 6 ------------------------------------------------------------------------------------------

juju_rule!(
    removing_the_latest_revision_keeps_the_older_ones_and_numbers_the_next_after_it,
    |mut h: Harness| {
        let id = with_two_revisions(&mut h, "s");
        run(
            &mut h,
            "owner/0",
            json!([{"op": "remove", "id": id, "revision": 2}]),
        )
        .ok();
        let s = by_label(&h, "s");
        assert_eq!((revisions(s), s.latest), (vec![1], 2));
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "info", "id": id},
                // A first read tracks the latest revision the metadata names: 2, gone.
                {"op": "get", "id": id},
                {"op": "set", "id": id, "content": {"marker": "v3"}},
            ]),
        )
        .ok();
        let xid = &by_label(&h, "s").xid;
        assert!(ran.step(0).starts_with("ok revision=2 "), "{ran:?}");
        assert_eq!(
            ran.step(1),
            format!("error not-found: secret revision \"{xid}/2\" not found")
        );
        let s = by_label(&h, "s");
        assert_eq!((revisions(s), marker(s, 3)), (vec![1, 3], "v3"));
    }
);

juju_rule!(
    removing_the_only_revision_removes_the_secret,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        run(
            &mut h,
            "owner/0",
            json!([{"op": "remove", "id": id, "revision": 1}]),
        )
        .ok();
        assert!(h.model.secrets.is_empty());
    }
);

// 7 ------------------------------------------------------------------------------------------

juju_rule!(
    a_plain_read_after_refreshing_a_pending_revision_returns_the_tracked_content,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        run(&mut h, "owner/0", json!([{"op": "get", "id": id}])).ok();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id, "content": {"marker": "v2"}},
                {"op": "get", "id": id, "mode": "refresh"},
                {"op": "get", "id": id},
                {"op": "get", "id": id, "mode": "peek"},
            ]),
        )
        .ok();
        assert_eq!(
            [ran.step(1), ran.step(2), ran.step(3)],
            ["ok marker=v2", "ok marker=v1", "ok marker=v2"]
        );
        let s = by_label(&h, "s");
        assert_eq!(
            s.consumers["owner/0"].tracked, 2,
            "tracks the new revision after commit"
        );
    }
);

// 8 ------------------------------------------------------------------------------------------

juju_rule!(
    the_manager_can_still_read_a_secret_it_removed_earlier_in_the_hook,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "get", "id": id},
                {"op": "remove", "id": id},
                {"op": "get", "id": id},
                {"op": "get", "label": "s"},
            ]),
        )
        .ok();
        assert_eq!([ran.step(2), ran.step(3)], ["ok marker=v1", "ok marker=v1"]);
        assert!(h.model.secrets.is_empty(), "removed at commit");
    }
);

// 9 ------------------------------------------------------------------------------------------

juju_rule!(
    what_a_read_saves_on_the_controller_stays_when_the_hook_fails,
    |mut h: Harness| {
        let id = shared(&mut h, "s");
        run(&mut h, "consumer/1", json!([{"op": "get", "id": id}])).ok();
        run(
            &mut h,
            "owner/0",
            json!([{"op": "set", "id": id, "content": {"marker": "v2"}}]),
        )
        .ok();
        let refreshed = run(
            &mut h,
            "consumer/1",
            json!([{"op": "get", "id": id, "mode": "refresh"}, {"op": "fail"}]),
        );
        assert!(refreshed.outcome.is_err());
        let consumer = run(
            &mut h,
            "consumer/0",
            json!([
                {"op": "get", "id": id, "attach-label": "mine"},
                {"op": "fail"},
            ]),
        );
        assert_eq!(
            consumer.step(0),
            "ok marker=v2",
            "the first read tracks the latest"
        );
        assert!(consumer.outcome.is_err());
        let owner = run(
            &mut h,
            "owner/0",
            json!([{"op": "get", "id": id, "attach-label": "renamed"}, {"op": "fail"}]),
        );
        assert!(owner.outcome.is_err());
        let s = by_label(&h, "renamed");
        let record = &s.consumers["consumer/0"];
        assert_eq!((record.tracked, record.label.as_deref()), (2, Some("mine")));
        assert_eq!(s.consumers["consumer/1"].tracked, 2, "the refresh stays");
        assert!(
            s.consumers.contains_key("owner/0"),
            "the owner's read tracks too"
        );
    }
);

// 10 -----------------------------------------------------------------------------------------

juju_rule!(
    after_a_relabel_in_the_hook_the_old_label_still_resolves,
    |mut h: Harness| {
        let id = existing(&mut h, "old");
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id, "label": "new"},
                {"op": "get", "label": "old"},
                {"op": "get", "label": "new"},
            ]),
        )
        .ok();
        assert_eq!([ran.step(1), ran.step(2)], ["ok marker=v1", "ok marker=v1"]);
        assert_eq!(by_label(&h, "new").label.as_deref(), Some("new"));
    }
);

// 11 -----------------------------------------------------------------------------------------

juju_rule!(
    info_shows_a_pending_policy_and_expiry_but_not_a_new_revision_or_rotation_time,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let now = h.model.now;
        let in_an_hour = (now + TimeDelta::hours(1)).timestamp();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id, "content": {"marker": "v2"}, "rotate": "daily",
                 "expire-in": 3600, "description": "d"},
                {"op": "info", "id": id},
                {"op": "add", "label": "fresh", "content": {"marker": "v1"}, "rotate": "daily"},
                {"op": "info", "label": "fresh"},
            ]),
        )
        .ok();
        assert_eq!(
            ran.step(1),
            format!("ok revision=1 label=s description=d expires={in_an_hour} rotation=daily")
        );
        assert_eq!(ran.step(3), "ok revision=1 label=fresh rotation=daily");
        let after = run(&mut h, "owner/0", json!([{"op": "info", "id": id}])).ok();
        let tomorrow = (now + TimeDelta::days(1)).timestamp();
        assert_eq!(
            after.step(0),
            format!(
                "ok revision=2 label=s description=d expires={in_an_hour} rotation=daily rotates={tomorrow}"
            )
        );
    }
);

// 12 -----------------------------------------------------------------------------------------

juju_rule!(
    a_relabel_onto_a_taken_label_succeeds_in_the_hook_and_fails_its_commit,
    |mut h: Harness| {
        existing(&mut h, "one");
        let two = existing(&mut h, "two");
        let ran = run(
            &mut h,
            "owner/0",
            json!([{"op": "set", "id": two, "label": "one"}]),
        );
        assert_eq!(ran.step(0), "ok");
        assert_eq!(
            ran.outcome,
            Err("run: cannot apply changes: updating secrets: secret with label \"one\" already exists".into())
        );
    }
);

juju_rule!(
    labels_taken_by_this_hooks_creates_clash_only_at_commit,
    |mut h: Harness| {
        let a = existing(&mut h, "a");
        let b = existing(&mut h, "b");
        // A read with a label relabels a committed secret at once; a create wanting the
        // label is queued, and fails at commit.
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "get", "id": a, "attach-label": "wanted"},
                {"op": "add", "label": "wanted", "content": {"marker": "v1"}},
            ]),
        );
        assert_eq!(ran.step(0), "ok marker=v1");
        assert!(ran.step(1).starts_with("ok secret://"), "{ran:?}");
        assert_eq!(
            ran.outcome,
            Err("run: cannot apply changes: creating secrets: secret with label \"wanted\" already exists".into())
        );
        assert_eq!(by_label(&h, "wanted").xid, a.trim_start_matches("secret:"));
        // A set to a label this hook's create takes fails at commit too: creates go first.
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "add", "label": "p", "content": {"marker": "v1"}},
                {"op": "set", "id": b, "label": "p"},
            ]),
        );
        assert_eq!(ran.step(1), "ok");
        assert_eq!(
            ran.outcome,
            Err("run: cannot apply changes: updating secrets: secret with label \"p\" already exists".into())
        );
        assert!(
            h.model
                .secrets
                .values()
                .any(|s| s.label.as_deref() == Some("p")),
            "the create before the failed step stays applied"
        );
    }
);

juju_rule!(
    a_read_by_id_with_the_label_of_a_secret_this_hook_created_returns_that_secret,
    |mut h: Harness| {
        // Juju's hook context checks the label against its pending creates before the id.
        let a = existing(&mut h, "a");
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "add", "label": "fresh", "content": {"marker": "created"}},
                {"op": "get", "id": a, "attach-label": "fresh"},
            ]),
        )
        .ok();
        assert_eq!(ran.step(1), "ok marker=created");
        assert_eq!(
            by_label(&h, "a").label.as_deref(),
            Some("a"),
            "no relabel happened"
        );
    }
);

juju_rule!(
    a_label_freed_by_a_remove_or_relabel_cannot_be_reused_by_a_create_in_the_same_hook,
    |mut h: Harness| {
        let removed = existing(&mut h, "removed");
        let relabelled = existing(&mut h, "relabelled");
        for (freeing, label) in [
            (json!({"op": "remove", "id": removed}), "removed"),
            (
                json!({"op": "set", "id": relabelled, "label": "elsewhere"}),
                "relabelled",
            ),
        ] {
            let ran = run(
                &mut h,
                "owner/0",
                json!([freeing, {"op": "add", "label": label, "content": {"marker": "v2"}}]),
            );
            assert_eq!(ran.step(1).split_whitespace().next(), Some("ok"));
            assert_eq!(
                ran.outcome,
                Err(format!(
                    "run: cannot apply changes: creating secrets: secret with label {label:?} already exists"
                ))
            );
            assert_eq!(
                marker(by_label(&h, label), 1),
                "v1",
                "the old secret is untouched"
            );
        }
    }
);

// 13 -----------------------------------------------------------------------------------------

juju_rule!(
    a_second_unit_grant_over_the_same_relation_replaces_the_first,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "grant", "id": id, "relation": 1, "unit": "consumer/0"},
                {"op": "grant", "id": id, "relation": 1, "unit": "consumer/1"},
            ]),
        )
        .ok();
        assert_eq!(
            grants(by_label(&h, "s")),
            [grant(Subject::Unit("consumer/1".into()), 1)]
        );
    }
);

juju_rule!(
    a_revoke_then_grant_in_one_hook_leaves_access_revoked_as_grants_apply_first,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "revoke", "id": id, "unit": "consumer/1"},
                {"op": "grant", "id": id, "relation": 1, "unit": "consumer/1"},
            ]),
        )
        .ok();
        assert_eq!(grants(by_label(&h, "s")), []);
    }
);

/// `s` granted to `consumer/0` over a second relation and to the consumer application over
/// relation 1.
fn unit_and_app_grants(h: &mut Harness) -> String {
    assert_eq!(
        h.model.relate("owner:secrets", "consumer:secrets").unwrap(),
        2
    );
    h.model.queue.clear();
    let id = existing(h, "s");
    run(
        h,
        "owner/0",
        json!([
            {"op": "grant", "id": id, "relation": 2, "unit": "consumer/0"},
            {"op": "grant", "id": id, "relation": 1},
        ]),
    )
    .ok();
    id
}

juju_rule!(
    revoking_the_application_leaves_its_units_own_grants,
    |mut h: Harness| {
        let id = unit_and_app_grants(&mut h);
        run(
            &mut h,
            "owner/0",
            json!([{"op": "revoke", "id": id, "app": "consumer"}]),
        )
        .ok();
        assert_eq!(
            grants(by_label(&h, "s")),
            [grant(Subject::Unit("consumer/0".into()), 2)]
        );
    }
);

juju_rule!(
    a_unit_revoke_after_a_revoke_naming_its_application_is_dropped,
    |mut h: Harness| {
        let id = unit_and_app_grants(&mut h);
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "revoke", "id": id, "relation": 1},
                {"op": "revoke", "id": id, "unit": "consumer/0"},
            ]),
        )
        .ok();
        assert_eq!(
            grants(by_label(&h, "s")),
            [grant(Subject::Unit("consumer/0".into()), 2)],
            "the unit's own grant survives both revokes"
        );
        // A revoke over a relation names the application too, so a second unit's revoke
        // over it is dropped as well.
        let other = existing(&mut h, "t");
        for unit in ["consumer/0", "consumer/1"] {
            run(
                &mut h,
                "owner/0",
                json!([{"op": "grant", "id": other, "relation": 1, "unit": unit}]),
            )
            .ok();
        }
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "revoke", "id": other, "relation": 1, "unit": "consumer/0"},
                {"op": "revoke", "id": other, "relation": 1, "unit": "consumer/1"},
            ]),
        )
        .ok();
        assert_eq!(
            grants(by_label(&h, "t")),
            [grant(Subject::Unit("consumer/1".into()), 1)]
        );
    }
);

juju_rule!(
    granting_to_a_missing_unit_or_over_a_second_relation_fails_at_commit,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let xid = id.trim_start_matches("secret:").to_string();
        let ran = run(
            &mut h,
            "owner/0",
            json!([{"op": "grant", "id": id, "relation": 1, "unit": "consumer/7"}]),
        );
        assert_eq!(ran.step(0), "ok");
        assert_eq!(
            ran.outcome,
            Err(format!(
                "run: cannot apply changes: granting secrets access: cannot change access to \"secret:{xid}\" for \"unit-consumer-7\": invalid subject reference: unit \"consumer/7\" not found"
            ))
        );
        run(
            &mut h,
            "owner/0",
            json!([{"op": "grant", "id": id, "relation": 1}]),
        )
        .ok();
        assert_eq!(
            h.model.relate("owner:secrets", "consumer:secrets").unwrap(),
            2
        );
        h.model.queue.clear();
        let ran = run(
            &mut h,
            "owner/0",
            json!([{"op": "grant", "id": id, "relation": 2}]),
        );
        assert_eq!(ran.step(0), "ok");
        assert_eq!(
            ran.outcome,
            Err(format!(
                "run: cannot apply changes: granting secrets access: cannot change access to \"secret:{xid}\" for \"application-consumer\": cannot change secret permission scope"
            ))
        );
    }
);

juju_rule!(
    grants_over_a_removed_relation_hold_until_its_last_broken_hook,
    |mut h: Harness| {
        let id = shared(&mut h, "s");
        run(
            &mut h,
            "consumer/0",
            json!([{"op": "get", "id": id, "attach-label": "mine"}]),
        )
        .ok();
        script(
            &mut h,
            "consumer/0",
            "secrets-relation-departed",
            json!([{"op": "get", "label": "mine"}]),
        );
        // Granting again what is granted over the relation is no change, even now.
        script(
            &mut h,
            "owner/0",
            "secrets-relation-broken",
            json!([{"op": "grant", "id": id, "relation": 1}]),
        );
        let logged = h.model.logs.len();
        h.model.unrelate(1).unwrap();
        h.run_queued().unwrap();
        let failed: Vec<_> = h
            .hooks()
            .iter()
            .filter_map(|r| r.outcome.clone().err())
            .collect();
        assert_eq!(failed, Vec::<String>::new());
        let reads: Vec<&str> = h.model.logs[logged..]
            .iter()
            .filter(|l| l.unit == "consumer/0" && l.message.starts_with("step 0 get"))
            .map(|l| l.message.as_str())
            .collect();
        assert_eq!(
            reads,
            ["step 0 get: ok marker=v1", "step 0 get: ok marker=v1"]
        );
        assert_eq!(grants(by_label(&h, "s")), [], "gone with the relation");
        assert!(!h.model.relations.contains_key(&1));
    }
);

// 14 -----------------------------------------------------------------------------------------

juju_rule!(
    a_failed_commit_step_keeps_the_steps_before_it_and_skips_the_rest,
    |mut h: Harness| {
        existing(&mut h, "taken");
        let b = existing(&mut h, "b");
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "add", "label": "created", "content": {"marker": "v1"}},
                {"op": "set", "id": b, "label": "taken"},
                {"op": "grant", "id": b, "relation": 1},
                {"op": "publish", "relation": 1, "key": "note", "value": "written"},
            ]),
        );
        assert!(ran.outcome.unwrap_err().contains("updating secrets: "));
        assert!(
            h.model
                .secrets
                .values()
                .any(|s| s.label.as_deref() == Some("created")),
            "creates come first and stay"
        );
        assert_eq!(grants(by_label(&h, "b")), [], "grants come after updates");
        assert!(
            !h.model.relations[&1].databags.contains_key("owner"),
            "the databags are written only if every secret step succeeded"
        );
    }
);

// 15 -----------------------------------------------------------------------------------------

/// A daily-rotating secret (the application's, or `owner/0`'s with `unit_owned`) whose first
/// rotation falls due, and its rotate hook, scripted with `steps` (`$id` for its id).
fn rotation_due(h: &mut Harness, steps: Value, unit_owned: bool) -> (String, Ran) {
    let add = json!({"op": "add", "label": "r", "content": {"marker": "v1"}, "rotate": "daily",
                     "unit": unit_owned});
    run(h, "owner/0", json!([add])).ok();
    let id = id_of(h, "r");
    let steps = serde_json::to_string(&steps).unwrap().replace("$id", &id);
    script(
        h,
        "owner/0",
        "secret-rotate",
        serde_json::from_str(&steps).unwrap(),
    );
    h.advance(TimeDelta::days(1));
    let xid = by_label(h, "r").xid.clone();
    let queued: Vec<_> = h.model.queue.iter().cloned().collect();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].kind, HookKind::SecretRotate { xid: xid.clone() });
    h.model.queue.clear();
    let ran = dispatch(h, "owner/0", HookKind::SecretRotate { xid });
    (id, ran)
}

juju_rule!(
    the_first_rotation_is_a_policy_interval_after_creation_whatever_the_expiry,
    |mut h: Harness| {
        let now = h.model.now;
        run(
            &mut h,
            "owner/0",
            json!([{"op": "add", "label": "r", "content": {"marker": "v1"}, "rotate": "daily",
                    "expire-in": 6 * 3600}]),
        )
        .ok();
        assert_eq!(
            by_label(&h, "r").next_rotation,
            Some(now + TimeDelta::days(1))
        );
    }
);

juju_rule!(
    a_rotation_with_a_new_revision_is_next_due_a_policy_interval_after_the_last,
    |mut h: Harness| {
        let due = h.model.now + TimeDelta::days(1);
        let set = json!([{"op": "set", "id": "$id", "content": {"marker": "v2"}}]);
        rotation_due(&mut h, set, false).1.ok();
        assert_eq!(
            by_label(&h, "r").next_rotation,
            Some(due + TimeDelta::days(1))
        );
    }
);

juju_rule!(
    a_rotation_without_a_new_revision_is_retried_five_minutes_after_it_was_due,
    |mut h: Harness| {
        let due = h.model.now + TimeDelta::days(1);
        rotation_due(&mut h, json!([]), false).1.ok();
        assert_eq!(
            by_label(&h, "r").next_rotation,
            Some(due + TimeDelta::minutes(5))
        );
    }
);

juju_rule!(
    a_rotation_whose_new_revision_expires_first_is_next_due_five_minutes_after_it_was_due,
    |mut h: Harness| {
        let due = h.model.now + TimeDelta::days(1);
        let set = json!([{"op": "set", "id": "$id", "content": {"marker": "v2"},
                          "expire-in": 6 * 3600}]);
        rotation_due(&mut h, set, false).1.ok();
        assert_eq!(
            by_label(&h, "r").next_rotation,
            Some(due + TimeDelta::minutes(5))
        );
    }
);

juju_rule!(
    giving_a_rotating_secret_a_rotating_policy_fails_the_commit_on_juju_3_6_11,
    |mut h: Harness| {
        let rotating = existing(&mut h, "rotating");
        run(
            &mut h,
            "owner/0",
            json!([{"op": "set", "id": rotating, "rotate": "daily"}]),
        )
        .ok();
        for policy in ["weekly", "daily"] {
            let ran = run(
                &mut h,
                "owner/0",
                json!([{"op": "set", "id": rotating, "rotate": policy}]),
            );
            assert_eq!(
                ran.outcome,
                Err("run: cannot apply changes: updating secrets: must specify a secret rotate time"
                    .into()),
                "{policy}"
            );
        }
        run(
            &mut h,
            "owner/0",
            json!([{"op": "set", "id": rotating, "rotate": "never"}]),
        )
        .ok();
        let s = by_label(&h, "rotating");
        assert_eq!(s.next_rotation, None, "stopping rotation works");
    }
);

juju_rule!(
    a_failed_rotate_hook_keeps_the_rotation_time_and_fires_again_five_minutes_later,
    |mut h: Harness| {
        let due = h.model.now + TimeDelta::days(1);
        let (_, ran) = rotation_due(&mut h, json!([{"op": "fail"}]), false);
        assert!(ran.outcome.is_err());
        let s = by_label(&h, "r");
        assert_eq!(
            s.next_rotation,
            Some(due),
            "what secret-info-get shows does not move"
        );
        let rotate = HookKind::SecretRotate { xid: s.xid.clone() };
        assert!(h.model.queue.is_empty());
        h.advance(TimeDelta::minutes(5) - TimeDelta::seconds(1));
        assert!(h.model.queue.is_empty(), "not before five minutes");
        h.advance(TimeDelta::seconds(1));
        assert!(h.model.queue.iter().any(|q| q.kind == rotate));
    }
);

juju_rule!(
    removing_the_secret_in_its_own_rotate_hook_fails_recording_the_rotation,
    |mut h: Harness| {
        let (id, ran) = rotation_due(&mut h, json!([{"op": "remove", "id": "$id"}]), false);
        assert_eq!(
            ran.outcome,
            Err(format!(
                "secret-rotate: committing the hook: recording the rotation: secret \"{id}\" not found"
            ))
        );
        assert!(
            h.model.secrets.is_empty(),
            "the hook's changes were applied"
        );
    }
);

juju_rule!(
    a_unit_secrets_rotation_is_refused_after_its_rotate_hook_commits,
    |mut h: Harness| {
        let due = h.model.now + TimeDelta::days(1);
        let set = json!([{"op": "set", "id": "$id", "content": {"marker": "v2"}}]);
        let (_, ran) = rotation_due(&mut h, set, true);
        assert_eq!(
            ran.outcome,
            Err(
                "secret-rotate: committing the hook: recording the rotation: permission denied"
                    .into()
            )
        );
        let s = by_label(&h, "r");
        assert_eq!(
            (s.latest, s.next_rotation),
            (2, Some(due)),
            "applied, not rescheduled"
        );
    }
);

// 16 -----------------------------------------------------------------------------------------

juju_rule!(
    a_set_that_changes_nothing_queues_nothing,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id},
                {"op": "set", "id": id, "content": {"marker": "v1"}},
            ]),
        )
        .ok();
        assert_eq!([ran.step(0), ran.step(1)], ["ok", "ok"]);
        assert_eq!(revisions(by_label(&h, "s")), [1]);
    }
);

// Warnings -----------------------------------------------------------------------------------

juju_rule!(
    a_remove_that_discards_queued_changes_warns_in_the_hook_record_and_in_juju_log,
    |mut h: Harness| {
        let id = existing(&mut h, "s");
        let logged = h.model.logs.len();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "set", "id": id, "content": {"marker": "v2"}},
                {"op": "grant", "id": id, "relation": 1},
                {"op": "remove", "id": id, "revision": 1},
            ]),
        )
        .ok();
        let expected = format!(
            "secret-remove --revision 1 {id} discards this hook's earlier secret-set (new content), secret-grant of that secret: Juju drops a secret's queued changes when the same hook removes it or any of its revisions"
        );
        assert_eq!(ran.warnings, std::slice::from_ref(&expected));
        let warned: Vec<_> = h.model.logs[logged..]
            .iter()
            .filter(|l| l.level == "WARNING" && l.message == expected)
            .collect();
        assert_eq!(warned.len(), 1, "the host writes it to juju-log");
        assert!(
            h.model.secrets.is_empty(),
            "the only revision went, and the secret with it"
        );
    }
);

#[test]
fn the_scripted_charm_reports_each_step_and_fails_when_asked() {
    let mut h = deployed(false);
    let ran = run(
        &mut h,
        "owner/0",
        json!([{"op": "get", "label": "nothing"}, {"op": "fail"}]),
    );
    assert_eq!(
        ran.steps,
        [
            "step 0 get: error not-found: consumer label \"nothing\" not found",
            "step 1 fail: ok the hook will fail"
        ]
    );
    assert!(ran.outcome.is_err());
}

// Actions and unit state ---------------------------------------------------------------------

/// Runs the scripted action on `unit` with `params`, its steps being `steps`.
fn run_action(h: &mut Harness, unit: &str, params: Value, steps: Value) -> (Ran, juju_model::Task) {
    script(h, unit, "scripted-action", steps);
    let logged = h.model.logs.len();
    let Value::Object(params) = params else {
        panic!("params are a map")
    };
    let task = h.run_action(unit, "scripted-action", params).unwrap();
    (ran_since(h, unit, logged), task)
}

juju_rule!(
    an_action_gets_its_parameters_with_the_defaults_of_actions_yaml,
    |mut h: Harness| {
        let (ran, task) = run_action(
            &mut h,
            "owner/1",
            json!({"reason": "audit"}),
            json!([{"op": "action-params"}]),
        );
        let params: Value =
            serde_json::from_str(ran.ok().step(0).strip_prefix("ok ").unwrap()).unwrap();
        assert_eq!(params, json!({"reason": "audit", "size": 3}));
        assert_eq!(task.status, "completed");
    }
);

juju_rule!(
    results_nest_on_dots_the_last_value_wins_and_the_return_code_is_added,
    |mut h: Harness| {
        let (ran, task) = run_action(
            &mut h,
            "owner/0",
            json!({"reason": "x"}),
            json!([
                {"op": "action-set", "results": {"db.user": "admin", "db.port": "5432", "note": "first"}},
                {"op": "action-set", "results": {"note": "second"}},
                {"op": "action-log", "message": "halfway"},
            ]),
        );
        ran.ok();
        assert_eq!(
            Value::Object(task.results),
            json!({"db": {"port": "5432", "user": "admin"}, "note": "second", "return-code": 0})
        );
        assert_eq!(task.logs, vec!["halfway".to_string()]);
        assert_eq!((task.status.as_str(), task.message), ("completed", None));
    }
);

juju_rule!(
    a_reserved_or_malformed_result_key_is_refused_before_juju,
    |mut h: Harness| {
        let (ran, _) = run_action(
            &mut h,
            "owner/0",
            json!({"reason": "x"}),
            json!([
                {"op": "action-set", "results": {"stdout": "x"}},
                {"op": "action-set", "results": {"Bad_Key": "x"}},
                {"op": "action-set", "results": {"--format": "x"}},
            ]),
        );
        let ran = ran.ok();
        assert_eq!(
            ran.step(0),
            "error invalid-argument: cannot set reserved action key \"stdout\""
        );
        assert!(ran.step(1).starts_with("error invalid-argument: key \"Bad_Key\" must start and end with lowercase alphanumeric"), "{}", ran.step(1));
        assert!(
            ran.step(2)
                .starts_with("error invalid-argument: key \"--format\""),
            "{}",
            ran.step(2)
        );
    }
);

juju_rule!(
    action_fail_fails_the_action_and_the_hook_still_commits,
    |mut h: Harness| {
        let (ran, task) = run_action(
            &mut h,
            "owner/0",
            json!({"reason": "x"}),
            json!([
                {"op": "state-set", "values": {"attempts": "1"}},
                {"op": "action-set", "results": {"partial": "yes"}},
                {"op": "action-fail", "message": "the disk is full"},
            ]),
        );
        ran.ok();
        assert_eq!(task.status, "failed");
        assert_eq!(task.message.as_deref(), Some("the disk is full"));
        assert_eq!(task.results["partial"], "yes");
        assert_eq!(h.model.unit_state["owner/0"]["attempts"], "1");
    }
);

juju_rule!(
    a_failed_action_hook_fails_the_action_keeps_its_results_and_discards_its_changes,
    |mut h: Harness| {
        let (ran, task) = run_action(
            &mut h,
            "owner/0",
            json!({"reason": "x"}),
            json!([
                {"op": "state-set", "values": {"attempts": "1"}},
                {"op": "action-set", "results": {"partial": "yes"}},
                {"op": "fail"},
            ]),
        );
        assert!(ran.outcome.is_err());
        assert_eq!(task.status, "failed");
        assert_eq!(task.message.as_deref(), Some("exit status 1"));
        // Juju reports the results set before the failure, with the exit code.
        assert_eq!(task.results["partial"], "yes");
        assert_eq!(task.results["return-code"], 1);
        assert!(!h.model.unit_state.contains_key("owner/0"));
    }
);

juju_rule!(
    action_commands_outside_an_action_are_refused_by_juju,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "action-params"},
                {"op": "action-log", "message": "hello"},
                {"op": "action-fail", "message": "no"},
            ]),
        )
        .ok();
        for n in 0..3 {
            assert_eq!(ran.step(n), "error invalid-argument: not running an action");
        }
    }
);

juju_rule!(
    unit_state_persists_across_hooks_and_a_failed_hook_loses_its_changes,
    |mut h: Harness| {
        run(
            &mut h,
            "owner/0",
            json!([
                {"op": "state-set", "values": {"a": "1", "b": "two words", "gone": "x"}},
                {"op": "state-delete", "key": "gone"},
                {"op": "state-get", "key": "a"},
            ]),
        )
        .ok();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "state-all"},
                {"op": "state-get", "key": "missing"},
                {"op": "state-delete", "key": "missing"},
                {"op": "state-set", "values": {"a": "changed"}},
                {"op": "fail"},
            ]),
        );
        assert_eq!(ran.step(0), "ok a=1 b=two words");
        assert_eq!(ran.step(1), "ok <none>");
        assert_eq!(ran.step(2), "ok");
        assert_eq!(
            h.model.unit_state["owner/0"]["a"], "1",
            "the failed hook's change is lost"
        );
        let other = run(&mut h, "owner/1", json!([{"op": "state-all"}])).ok();
        assert_eq!(other.step(0), "ok", "each unit has its own state");
    }
);

juju_rule!(
    unit_state_keys_and_values_have_juju_s_size_limits,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "state-set", "values": {"k".repeat(257): "v"}},
                {"op": "state-set", "values": {"big": "v".repeat(65_537)}},
                {"op": "state-set", "values": {"k".repeat(256): "v".repeat(65_536)}},
            ]),
        )
        .ok();
        assert_eq!(
            ran.step(0),
            "error invalid-argument: max allowed key length (256) exceeded"
        );
        assert_eq!(
            ran.step(1),
            "error invalid-argument: max allowed value length (65536) exceeded"
        );
        assert_eq!(ran.step(2), "ok");
    }
);

juju_rule!(
    a_state_key_or_value_with_a_nul_is_refused_before_juju,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "state-get", "key": "a\u{0}b"},
                {"op": "state-delete", "key": "a\u{0}b"},
                {"op": "state-set", "values": {"k": "v\u{0}"}},
                {"op": "state-set", "values": {"": "v"}},
            ]),
        )
        .ok();
        assert_eq!(
            ran.step(0),
            "error invalid-argument: state key contains a NUL character"
        );
        assert_eq!(
            ran.step(1),
            "error invalid-argument: state key contains a NUL character"
        );
        assert_eq!(
            ran.step(2),
            "error invalid-argument: state value contains a NUL character"
        );
        assert_eq!(
            ran.step(3),
            "error invalid-argument: state key must not be empty"
        );
    }
);

// Ports, bindings, status, version, storage and goal state ------------------------------------

juju_rule!(
    ports_open_only_when_the_hook_commits_and_opened_ports_sees_the_hooks_own,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "open-port", "protocol": "tcp", "first": 8080},
                {"op": "open-port", "protocol": "icmp"},
                {"op": "open-port", "protocol": "udp", "first": 53, "last": 55, "endpoints": ["secrets"]},
                {"op": "opened-ports"},
            ]),
        )
        .ok();
        assert_eq!(
            ran.step(3),
            "ok icmp (*), 8080/tcp (*), 53-55/udp (secrets)"
        );
        let ranges: Vec<String> = h.model.ports["owner/0"]
            .keys()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ranges, ["icmp", "8080/tcp", "53-55/udp"]);
        let failed = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "close-port", "protocol": "tcp", "first": 8080},
                {"op": "open-port", "protocol": "tcp", "first": 9090},
                {"op": "fail"},
            ]),
        );
        assert!(failed.outcome.is_err());
        assert_eq!(
            h.model.ports["owner/0"].len(),
            3,
            "a failed hook changes no port"
        );
        assert!(!h.model.ports.contains_key("owner/1"), "ports are per unit");
    }
);

juju_rule!(
    a_range_overlapping_an_open_one_is_refused_with_jujus_text,
    |mut h: Harness| {
        run(
            &mut h,
            "owner/0",
            json!([{"op": "open-port", "protocol": "tcp", "first": 50, "last": 80}]),
        )
        .ok();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "open-port", "protocol": "tcp", "first": 40, "last": 90},
                {"op": "open-port", "protocol": "tcp", "first": 50, "last": 80},
                {"op": "open-port", "protocol": "tcp", "first": 90, "last": 80},
            ]),
        )
        .ok();
        assert_eq!(
            ran.step(0),
            "error backend: open-port: cannot open 40-90/tcp (unit \"owner/0\"): port range conflicts with 50-80/tcp (unit \"owner/0\")"
        );
        assert_eq!(ran.step(1), "ok", "the identical range is nothing to do");
        assert_eq!(
            ran.step(2),
            "error invalid-argument: port range 90-80 not valid: the first port is after the last"
        );
    }
);

juju_rule!(
    network_get_gives_the_units_address_on_each_binding,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "consumer/1",
            json!([
                {"op": "network-get", "binding": "secrets"},
                {"op": "network-get", "binding": "admin", "relation": 1},
            ]),
        )
        .ok();
        let address = h.model.address_of("consumer/1").unwrap();
        let line =
            format!("ok bind=eth0:{address}/10.1.0.0/16 ingress={address} egress={address}/32");
        assert_eq!(ran.step(0), line);
        assert_eq!(ran.step(1), line);
    }
);

juju_rule!(
    status_get_reads_the_unit_status_and_the_leader_reads_every_units,
    |mut h: Harness| {
        let leader = run(
            &mut h,
            "owner/0",
            json!([{"op": "status-get"}, {"op": "app-status-get"}]),
        )
        .ok();
        assert_eq!(leader.step(0), "ok unknown: ");
        assert_eq!(
            leader.step(1),
            "ok app=unknown:  units=owner/0=unknown: ; owner/1=unknown: "
        );
        let other = run(&mut h, "owner/1", json!([{"op": "app-status-get"}])).ok();
        assert_eq!(
            other.step(0),
            "error not-leader: finding application status: this unit is not the leader"
        );
    }
);

juju_rule!(
    the_application_version_is_set_at_once_even_if_the_hook_then_fails,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/1",
            json!([{"op": "set-version", "version": "2.4.1"}, {"op": "fail"}]),
        );
        assert!(ran.outcome.is_err());
        assert_eq!(h.model.apps["owner"].version, "2.4.1");
    }
);

juju_rule!(
    storage_is_listed_read_and_added_with_the_charms_limits_checked_at_commit,
    |mut h: Harness| {
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "storage-list", "name": "data"},
                {"op": "storage-get", "id": "data/0"},
                {"op": "storage-get", "id": "data/1"},
                {"op": "storage-add", "name": "cache", "count": 2},
                {"op": "storage-list", "name": "cache"},
            ]),
        )
        .ok();
        assert_eq!(ran.step(0), "ok data/0");
        assert_eq!(ran.step(1), "ok data/0 filesystem /srv/data");
        assert_eq!(
            ran.step(2),
            "error not-found: invalid value \"data/1\" for option -s: storage attachment data/1:owner/0 not found",
            "another unit's storage"
        );
        assert_eq!(ran.step(4), "ok", "added storage attaches after the commit");
        let cache = h.model.storage_of("owner/0", "cache");
        assert_eq!(cache, ["cache/4", "cache/5"]);
        h.model
            .queue
            .retain(|q| matches!(q.kind, HookKind::StorageAttached { .. }));
        assert_eq!(
            h.model.queue.len(),
            2,
            "each instance has its storage-attached"
        );
        script(
            &mut h,
            "owner/0",
            "cache-storage-attached",
            json!([{"op": "storage-list", "name": "cache"}]),
        );
        let logged = h.model.logs.len();
        h.run_queued().unwrap();
        let attached = ran_since(&h, "owner/0", logged);
        assert_eq!(attached.step(0), "ok cache/4 cache/5");
        let over = run(
            &mut h,
            "owner/0",
            json!([{"op": "storage-add", "name": "cache", "count": 1}]),
        );
        assert_eq!(
            over.outcome,
            Err("run: cannot apply changes: adding \"cache\" storage to owner/0: attaching 1 storage instance brings the total to 3, exceeding the maximum of 2".into())
        );
    }
);

juju_rule!(
    goal_state_lists_the_applications_units_and_the_related_ones,
    |mut h: Harness| {
        let ran = run(&mut h, "owner/1", json!([{"op": "goal-state"}])).ok();
        assert_eq!(
            ran.step(0),
            "ok units=owner/0=unknown,owner/1=unknown relations=secrets:[consumer=joined,consumer/0=unknown,consumer/1=unknown]"
        );
    }
);

juju_rule!(
    names_that_could_pass_for_flags_or_lists_are_refused_before_any_command_runs,
    |mut h: Harness| {
        let calls = h.calls().count();
        let ran = run(
            &mut h,
            "owner/0",
            json!([
                {"op": "open-port", "protocol": "tcp", "first": 80, "endpoints": ["secrets,admin"]},
                {"op": "open-port", "protocol": "tcp", "first": 80, "endpoints": ["--format"]},
                {"op": "network-get", "binding": "-r"},
                {"op": "storage-get", "id": "../../etc/passwd"},
                {"op": "storage-list", "name": "--format=yaml"},
                {"op": "storage-add", "name": "cache", "count": 0},
                {"op": "storage-add", "name": "cache", "count": 101},
                {"op": "storage-add", "name": "cache", "count": 60},
                {"op": "storage-add", "name": "cache", "count": 60},
            ]),
        );
        assert_eq!(
            ran.outcome,
            Err("run: cannot apply changes: adding \"cache\" storage to owner/0: attaching 60 storage instances brings the total to 60, exceeding the maximum of 2".into()),
            "what the host let through, Juju checks against the charm's maximum"
        );
        assert_eq!(ran.step(7), "ok");
        assert_eq!(
            ran.step(8),
            "error invalid-argument: storage-add of 60 would ask for 120 storage instances in this hook; at most 100",
            "the limit is on the hook's total"
        );
        for n in 0..7 {
            assert!(
                ran.step(n).starts_with("error invalid-argument: "),
                "step {n}: {}",
                ran.step(n)
            );
        }
        assert_eq!(
            ran.step(6),
            "error invalid-argument: storage-add of 101 would ask for 101 storage instances in this hook; at most 100"
        );
        let made: Vec<String> = h
            .calls()
            .skip(calls)
            .map(|c| c.operation.clone())
            .filter(|c| !c.starts_with("config-get"))
            .collect();
        assert_eq!(
            made,
            ["storage-add -- cache=60"],
            "only the one call within the limits reached Juju"
        );
    }
);
