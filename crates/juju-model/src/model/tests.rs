//! One test per semantic rule of Juju's secrets, on the hook context directly
//! (`docs/juju-reference.md`; `crates/charm-host/tests/juju_fidelity.rs` checks the same rules
//! through a charm, in process and packed).

use chrono::TimeDelta;

use super::*;
use juju_hookcmds::{AddOptions, Grantee, Lookup, ReadMode, SetOptions};
use juju_hookcmds::{AddOwner, Expiry, RelationUnit, RotatePolicy};
use juju_hookcmds::{Databag, Scope};
use juju_rules::{SecretContent, SecretId};

const UUID: &str = "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b";

/// database (2 units, leader database/0) related to webserver (2 units) as relation 1; the
/// queue is emptied so each test sees only what it causes.
fn model() -> Model {
    let mut m = Model::new("test", UUID, "2026-01-01T00:00:00Z".parse().unwrap());
    m.deploy("database", 2).unwrap();
    m.deploy("webserver", 2).unwrap();
    assert_eq!(
        m.relate("database:database", "webserver:database").unwrap(),
        1
    );
    m.queue.clear();
    m
}

fn content(password: &str) -> SecretContent {
    SecretContent::from_pairs([("username", "admin"), ("password", password)]).unwrap()
}

fn app_owned(label: Option<&str>) -> AddOptions {
    AddOptions {
        owner: AddOwner::Application,
        label: label.map(String::from),
        description: None,
        expire: None,
        rotate: None,
    }
}

fn meta() -> SetOptions {
    SetOptions {
        label: None,
        description: None,
        expire: None,
        rotate: None,
    }
}

fn hook(m: &Model, unit: &str) -> HookContext {
    HookContext::new(m, unit, HookKind::Other("test".into()))
}

fn commit(ctx: HookContext) -> Model {
    let (model, outcome) = ctx.finish(true);
    outcome.expect("the hook commits");
    model
}

fn id(uri: &str) -> SecretId {
    SecretId::parse(uri).unwrap()
}

/// The leader creates an app secret, grants it over relation 1 and commits.
fn shared_secret(m: &mut Model) -> SecretId {
    let mut ctx = hook(m, "database/0");
    let uri = ctx
        .secret_add(&content("pw1"), &app_owned(Some("db-secret")))
        .unwrap();
    ctx.secret_grant(&id(&uri), 1, None).unwrap();
    *m = commit(ctx);
    id(&uri)
}

fn read(m: &mut Model, unit: &str, secret: &SecretId, mode: ReadMode) -> Result<String, JujuError> {
    let mut ctx = hook(m, unit);
    let got = ctx.secret_get(&Lookup::Id(secret.clone()), mode, None);
    *m = commit(ctx);
    got.map(|c| c.get("password").unwrap().to_string())
}

fn set_password(m: &mut Model, secret: &SecretId, password: &str) {
    let mut ctx = hook(m, "database/0");
    ctx.secret_set(secret, Some(&content(password)), &meta())
        .unwrap();
    *m = commit(ctx);
}

fn queued(m: &Model) -> Vec<(String, HookKind)> {
    m.queue
        .iter()
        .map(|h| (h.unit.clone(), h.kind.clone()))
        .collect()
}

fn tracked(m: &Model, secret: &SecretId, unit: &str) -> Option<u32> {
    m.secrets[secret.xid()]
        .consumers
        .get(unit)
        .map(|c| c.tracked)
}

#[test]
fn adding_an_app_secret_on_a_non_leader_fails_at_once_with_not_the_leader() {
    let m = model();
    let mut ctx = hook(&m, "database/1");
    assert_eq!(
        ctx.secret_add(&content("x"), &app_owned(None)),
        Err(JujuError::run("this unit is not the leader"))
    );
}

#[test]
fn secret_add_prints_a_model_scoped_uri_and_starts_at_revision_one() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let s = &m.secrets[secret.xid()];
    assert!(secret.as_str().starts_with(&format!("secret://{UUID}/")));
    assert_eq!((s.latest, s.revisions.len()), (1, 1));
    assert_eq!(s.owner, Owner::App("database".into()));
}

#[test]
fn any_unit_may_own_a_unit_secret() {
    let m = model();
    let mut ctx = hook(&m, "database/1");
    let mut options = app_owned(None);
    options.owner = AddOwner::Unit;
    let uri = ctx.secret_add(&content("x"), &options).unwrap();
    let m = commit(ctx);
    assert_eq!(
        m.secrets[id(&uri).xid()].owner,
        Owner::Unit("database/1".into())
    );
}

#[test]
fn the_first_read_tracks_the_latest_revision() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    set_password(&mut m, &secret, "pw2");
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap(),
        "pw2"
    );
    assert_eq!(tracked(&m, &secret, "webserver/0"), Some(2));
}

#[test]
fn a_tracked_read_keeps_returning_the_tracked_revision_after_a_new_one() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap();
    set_password(&mut m, &secret, "pw2");
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap(),
        "pw1"
    );
}

#[test]
fn peek_returns_the_latest_revision_without_moving_tracking() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap();
    set_password(&mut m, &secret, "pw2");
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Peek).unwrap(),
        "pw2"
    );
    assert_eq!(tracked(&m, &secret, "webserver/0"), Some(1));
}

#[test]
fn refresh_returns_the_latest_revision_and_tracks_it() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap();
    set_password(&mut m, &secret, "pw2");
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Refresh).unwrap(),
        "pw2"
    );
    assert_eq!(tracked(&m, &secret, "webserver/0"), Some(2));
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap(),
        "pw2"
    );
}

#[test]
fn setting_identical_content_creates_no_revision() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    set_password(&mut m, &secret, "pw1");
    assert_eq!(m.secrets[secret.xid()].latest, 1);
}

#[test]
fn a_metadata_only_set_creates_no_revision() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    let options = SetOptions {
        description: Some("new".into()),
        rotate: Some(RotatePolicy::Daily),
        ..meta()
    };
    ctx.secret_set(&secret, None, &options).unwrap();
    let m = commit(ctx);
    let s = &m.secrets[secret.xid()];
    assert_eq!(s.latest, 1);
    assert_eq!(s.description.as_deref(), Some("new"));
}

#[test]
fn several_sets_in_one_hook_coalesce_into_one_revision() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_set(&secret, Some(&content("a")), &meta())
        .unwrap();
    ctx.secret_set(&secret, Some(&content("b")), &meta())
        .unwrap();
    let m = commit(ctx);
    let s = &m.secrets[secret.xid()];
    assert_eq!(s.latest, 2);
    assert_eq!(s.latest_content().unwrap().get("password"), Some("b"));
}

#[test]
fn a_new_revision_queues_secret_changed_once_for_each_consumer_but_not_its_manager() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    for unit in ["webserver/0", "webserver/1", "database/0", "database/1"] {
        read(&mut m, unit, &secret, ReadMode::Tracked).unwrap();
    }
    m.queue.clear();
    set_password(&mut m, &secret, "pw2");
    let changed: Vec<String> = queued(&m)
        .into_iter()
        .filter(|(_, k)| matches!(k, HookKind::SecretChanged { .. }))
        .map(|(u, _)| u)
        .collect();
    assert_eq!(changed, ["database/1", "webserver/0", "webserver/1"]);
    m.queue.clear();
    m.settle_secrets();
    assert!(queued(&m).is_empty(), "once per new revision");
}

#[test]
fn a_consumer_that_never_read_the_secret_gets_no_secret_changed() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    set_password(&mut m, &secret, "pw2");
    assert!(
        !queued(&m)
            .iter()
            .any(|(_, k)| matches!(k, HookKind::SecretChanged { .. }))
    );
}

#[test]
fn an_untracked_old_revision_is_obsolete_as_soon_as_a_new_revision_exists() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    set_password(&mut m, &secret, "pw2");
    assert_eq!(
        queued(&m),
        [(
            "database/0".to_string(),
            HookKind::SecretRemove {
                xid: secret.xid().into(),
                revision: 1
            }
        )]
    );
}

#[test]
fn a_tracked_revision_is_never_obsolete_until_its_consumers_refresh() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap();
    read(&mut m, "webserver/1", &secret, ReadMode::Tracked).unwrap();
    set_password(&mut m, &secret, "pw2");
    m.queue.clear();
    read(&mut m, "webserver/0", &secret, ReadMode::Refresh).unwrap();
    assert!(queued(&m).is_empty(), "webserver/1 still tracks revision 1");
    read(&mut m, "webserver/1", &secret, ReadMode::Refresh).unwrap();
    assert_eq!(
        queued(&m),
        [(
            "database/0".to_string(),
            HookKind::SecretRemove {
                xid: secret.xid().into(),
                revision: 1
            }
        )],
        "secret-remove goes to the owner's leader"
    );
}

#[test]
fn a_failed_hook_commits_nothing() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let before = serde_json::to_string(&m).unwrap();
    let mut ctx = hook(&m, "database/0");
    ctx.secret_set(&secret, Some(&content("pw2")), &meta())
        .unwrap();
    ctx.secret_add(&content("x"), &app_owned(Some("other")))
        .unwrap();
    ctx.relation_set(1, Scope::App, &[("k".into(), "v".into())])
        .unwrap();
    let (after, outcome) = ctx.finish(false);
    assert_eq!(outcome, Ok(()));
    // secret-add asks the controller for the new secret's id at once (`CreateSecretURIs`),
    // so the id is used up even though the secret was never created.
    let mut expected: Model = serde_json::from_str(&before).unwrap();
    expected.mint_xid();
    assert_eq!(
        serde_json::to_string(&after).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
}

#[test]
fn setting_an_app_secret_on_a_non_leader_succeeds_in_the_hook_and_fails_at_commit() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/1");
    assert_eq!(
        ctx.secret_set(&secret, Some(&content("pw2")), &meta()),
        Ok(())
    );
    let (after, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err(
            "cannot apply changes: updating secrets: \"database/1\" is not leader of \"database\""
                .into()
        )
    );
    assert_eq!(after.secrets[secret.xid()].latest, 1);
}

#[test]
fn reads_in_the_creating_hook_return_the_pending_content_by_id_or_label() {
    let m = model();
    let mut ctx = hook(&m, "database/0");
    let uri = ctx
        .secret_add(&content("new"), &app_owned(Some("fresh")))
        .unwrap();
    for lookup in [Lookup::Id(id(&uri)), Lookup::Label("fresh".into())] {
        for mode in [ReadMode::Tracked, ReadMode::Peek, ReadMode::Refresh] {
            let got = ctx.secret_get(&lookup, mode, None).unwrap();
            assert_eq!(got.get("password"), Some("new"));
        }
    }
}

#[test]
fn after_a_set_in_the_same_hook_tracked_reads_give_old_content_and_peek_the_new() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_set(&secret, Some(&content("pw2")), &meta())
        .unwrap();
    let get = |ctx: &mut HookContext, mode| {
        ctx.secret_get(&Lookup::Id(secret.clone()), mode, None)
            .unwrap()
            .get("password")
            .unwrap()
            .to_string()
    };
    assert_eq!(get(&mut ctx, ReadMode::Tracked), "pw1");
    assert_eq!(get(&mut ctx, ReadMode::Peek), "pw2");
    let info = ctx.secret_info(&Lookup::Id(secret.clone())).unwrap();
    assert_eq!(
        info.revision, 1,
        "a pending update does not bump info-get's revision"
    );
}

#[test]
fn info_get_in_the_creating_hook_shows_revision_one_and_no_rotation_unless_given() {
    let m = model();
    let mut ctx = hook(&m, "database/0");
    ctx.secret_add(&content("x"), &app_owned(Some("fresh")))
        .unwrap();
    let info = ctx.secret_info(&Lookup::Label("fresh".into())).unwrap();
    assert_eq!((info.revision, info.rotation), (1, None));
    let m = commit(ctx);
    let info = hook(&m, "database/0")
        .secret_info(&Lookup::Label("fresh".into()))
        .unwrap();
    assert_eq!(info.rotation, Some(RotatePolicy::Never), "committed: never");
}

#[test]
fn a_duplicate_label_among_creates_in_one_hook_fails_at_once() {
    let m = model();
    let mut ctx = hook(&m, "database/0");
    ctx.secret_add(&content("a"), &app_owned(Some("dup")))
        .unwrap();
    assert_eq!(
        ctx.secret_add(&content("b"), &app_owned(Some("dup"))),
        Err(JujuError::run("secret with label \"dup\" already exists"))
    );
}

#[test]
fn a_label_clash_with_an_existing_secret_fails_the_hook_at_commit() {
    let mut m = model();
    shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    assert!(
        ctx.secret_add(&content("b"), &app_owned(Some("db-secret")))
            .is_ok()
    );
    let (_, outcome) = ctx.finish(true);
    assert_eq!(
        outcome,
        Err(
            "cannot apply changes: creating secrets: secret with label \"db-secret\" already exists"
                .into()
        )
    );
}

#[test]
fn a_unit_label_may_not_reuse_its_applications_label_but_siblings_may_share() {
    let mut m = model();
    shared_secret(&mut m);
    let unit_owned = |label: &str| AddOptions {
        owner: AddOwner::Unit,
        ..app_owned(Some(label))
    };
    let mut ctx = hook(&m, "database/1");
    ctx.secret_add(&content("x"), &unit_owned("db-secret"))
        .unwrap();
    assert!(ctx.finish(true).1.is_err(), "clashes with the app's label");
    for unit in ["database/0", "database/1"] {
        let mut ctx = hook(&m, unit);
        ctx.secret_add(&content("x"), &unit_owned("tls")).unwrap();
        m = commit(ctx);
    }
}

#[test]
fn get_by_id_with_a_label_saves_a_consumer_label_the_unit_can_then_use() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "webserver/0");
    ctx.secret_get(
        &Lookup::Id(secret.clone()),
        ReadMode::Tracked,
        Some("database-secret"),
    )
    .unwrap();
    m = commit(ctx);
    let mut ctx = hook(&m, "webserver/0");
    let got = ctx
        .secret_get(
            &Lookup::Label("database-secret".into()),
            ReadMode::Tracked,
            None,
        )
        .unwrap();
    assert_eq!(got.get("password"), Some("pw1"));
    let mut other = hook(&m, "webserver/1");
    assert_eq!(
        other.secret_get(
            &Lookup::Label("database-secret".into()),
            ReadMode::Tracked,
            None
        ),
        Err(JujuError::run(
            "consumer label \"database-secret\" not found"
        )),
        "consumer labels are per unit"
    );
}

#[test]
fn get_by_id_with_a_label_on_the_manager_updates_the_owner_label() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_get(
        &Lookup::Id(secret.clone()),
        ReadMode::Tracked,
        Some("renamed"),
    )
    .unwrap();
    m = commit(ctx);
    assert_eq!(m.secrets[secret.xid()].label.as_deref(), Some("renamed"));
}

#[test]
fn a_non_leader_peers_label_for_an_app_secret_is_ignored() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/1");
    ctx.secret_get(
        &Lookup::Id(secret.clone()),
        ReadMode::Tracked,
        Some("peer-label"),
    )
    .unwrap();
    m = commit(ctx);
    let s = &m.secrets[secret.xid()];
    assert_eq!(s.label.as_deref(), Some("db-secret"));
    assert_eq!(s.consumers["database/1"].label, None);
}

#[test]
fn peers_can_read_an_app_secret_by_its_owner_label_but_not_manage_it() {
    let mut m = model();
    shared_secret(&mut m);
    let mut ctx = hook(&m, "database/1");
    let got = ctx
        .secret_get(&Lookup::Label("db-secret".into()), ReadMode::Tracked, None)
        .unwrap();
    assert_eq!(got.get("password"), Some("pw1"));
    assert!(
        ctx.secret_ids().is_empty(),
        "not in a non-leader's secret-ids"
    );
    assert_eq!(
        ctx.secret_info(&Lookup::Label("db-secret".into()))
            .unwrap_err(),
        JujuError::run("secret \"db-secret\" not found")
    );
}

#[test]
fn a_unit_secret_is_private_to_its_unit_unless_granted() {
    let m = model();
    let mut ctx = hook(&m, "database/1");
    let mut options = app_owned(None);
    options.owner = AddOwner::Unit;
    let uri = ctx.secret_add(&content("mine"), &options).unwrap();
    let m = commit(ctx);
    let mut sibling = hook(&m, "database/0");
    assert_eq!(
        sibling.secret_get(&Lookup::Id(id(&uri)), ReadMode::Tracked, None),
        Err(JujuError::run("permission denied"))
    );
}

#[test]
fn an_ungranted_application_gets_permission_denied() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let uri = ctx.secret_add(&content("x"), &app_owned(None)).unwrap();
    m = commit(ctx);
    assert_eq!(
        read(&mut m, "webserver/0", &id(&uri), ReadMode::Tracked),
        Err(JujuError::run("permission denied"))
    );
}

#[test]
fn a_grant_to_one_unit_lets_only_that_unit_read() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let uri = ctx.secret_add(&content("x"), &app_owned(None)).unwrap();
    ctx.secret_grant(&id(&uri), 1, Some("webserver/1")).unwrap();
    m = commit(ctx);
    assert!(read(&mut m, "webserver/1", &id(&uri), ReadMode::Tracked).is_ok());
    assert!(read(&mut m, "webserver/0", &id(&uri), ReadMode::Tracked).is_err());
}

#[test]
fn granting_a_unit_outside_the_relation_is_refused_as_a_usage_error() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    assert_eq!(
        ctx.secret_grant(&secret, 1, Some("database/1")),
        Err(JujuError::usage(
            "cannot specify unit \"database/1\" in relation to application \"webserver\""
        ))
    );
    assert_eq!(ctx.secret_grant(&secret, 9, None).unwrap_err().code, 2);
}

#[test]
fn an_app_grant_while_unit_grants_exist_in_the_relation_is_refused() {
    // The check sees committed grants only: a unit grant queued in the same hook is replaced
    // by the app grant instead (pending grants are keyed by relation).
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let uri = ctx.secret_add(&content("x"), &app_owned(None)).unwrap();
    ctx.secret_grant(&id(&uri), 1, Some("webserver/0")).unwrap();
    m = commit(ctx);
    let mut ctx = hook(&m, "database/0");
    assert_eq!(
        ctx.secret_grant(&id(&uri), 1, None),
        Err(JujuError::run(
            "any unit level grants need to be revoked before granting access to the corresponding application"
        ))
    );
}

#[test]
fn revoke_withdraws_access_over_the_relation() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_revoke(&secret, &Grantee::Relation(1)).unwrap();
    m = commit(ctx);
    assert!(m.secrets[secret.xid()].grants.is_empty());
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked),
        Err(JujuError::run("permission denied"))
    );
}

#[test]
fn revoking_one_unit_leaves_the_others_of_the_relation() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let uri = ctx.secret_add(&content("x"), &app_owned(None)).unwrap();
    ctx.secret_grant(&id(&uri), 1, Some("webserver/0")).unwrap();
    ctx.secret_grant(&id(&uri), 1, Some("webserver/1")).unwrap();
    let unit0 = RelationUnit {
        relation_id: 1,
        unit: "webserver/0".into(),
    };
    ctx.secret_revoke(&id(&uri), &Grantee::RelationUnit(unit0))
        .unwrap();
    m = commit(ctx);
    assert!(read(&mut m, "webserver/0", &id(&uri), ReadMode::Tracked).is_err());
    assert!(read(&mut m, "webserver/1", &id(&uri), ReadMode::Tracked).is_ok());
}

#[test]
fn removing_the_relation_removes_the_grants_scoped_to_it_once_every_unit_has_left_it() {
    // Juju removes the relation (and its grants) when the last unit leaves it, after its
    // relation-broken hook; until then the grants hold (the model used to drop them at once).
    let mut m = model();
    let secret = shared_secret(&mut m);
    m.unrelate(1).unwrap();
    let broken: Vec<String> = queued(&m)
        .into_iter()
        .filter(|(_, k)| matches!(k, HookKind::RelationBroken { .. }))
        .map(|(u, _)| u)
        .collect();
    assert_eq!(
        broken,
        ["database/0", "database/1", "webserver/0", "webserver/1"]
    );
    while let Some(h) = m.next_hook() {
        assert_eq!(m.secrets[secret.xid()].grants.len(), 1, "still granted");
        m = HookContext::new(&m, &h.unit, h.kind).finish(true).0;
    }
    assert!(m.secrets[secret.xid()].grants.is_empty());
    assert!(!m.relations.contains_key(&1));
}

#[test]
fn a_non_leader_cannot_grant_an_app_secret_it_does_not_manage() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/1");
    assert_eq!(
        ctx.secret_grant(&secret, 1, None),
        Err(JujuError::run(format!(
            "secret {:?} not found",
            secret.xid()
        )))
    );
}

#[test]
fn secret_ids_lists_unit_secrets_and_app_secrets_only_on_the_leader() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/1");
    let mut options = app_owned(None);
    options.owner = AddOwner::Unit;
    let mine = ctx.secret_add(&content("x"), &options).unwrap();
    assert_eq!(
        ctx.secret_ids(),
        [id(&mine).xid()],
        "includes pending creates"
    );
    m = commit(ctx);
    assert_eq!(hook(&m, "database/0").secret_ids(), [secret.xid()]);
}

#[test]
fn removing_a_whole_secret_makes_every_read_not_found() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_remove(&secret, None).unwrap();
    assert!(ctx.secret_ids().is_empty(), "a pending delete is hidden");
    m = commit(ctx);
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked),
        Err(JujuError::run(format!(
            "secret \"secret:{}\" not found",
            secret.xid()
        )))
    );
}

#[test]
fn removing_an_obsolete_revision_deletes_it_and_removing_the_last_one_removes_the_secret() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    set_password(&mut m, &secret, "pw2");
    let mut ctx = hook(&m, "database/0");
    ctx.secret_remove(&secret, Some(1)).unwrap();
    m = commit(ctx);
    assert_eq!(
        m.secrets[secret.xid()].revisions.keys().collect::<Vec<_>>(),
        [&2]
    );
    // Juju removes the latest revision too (the model used to refuse it at commit); with no
    // revision left, the secret goes.
    let mut ctx = hook(&m, "database/0");
    ctx.secret_remove(&secret, Some(2)).unwrap();
    m = commit(ctx);
    assert!(!m.secrets.contains_key(secret.xid()));
}

#[test]
fn removing_a_secret_by_a_non_manager_fails_at_commit() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "webserver/0");
    assert_eq!(ctx.secret_remove(&secret, None), Ok(()));
    assert_eq!(
        ctx.finish(true).1,
        Err("cannot apply changes: removing secrets: permission denied".into())
    );
}

#[test]
fn rotation_fires_on_the_leader_when_due_and_again_every_five_minutes_until_a_new_revision() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let options = AddOptions {
        rotate: Some(RotatePolicy::Daily),
        ..app_owned(Some("rotating"))
    };
    let uri = ctx.secret_add(&content("x"), &options).unwrap();
    m = commit(ctx);
    let xid = id(&uri).xid().to_string();
    let rotate = HookKind::SecretRotate { xid: xid.clone() };
    m.advance(TimeDelta::hours(23));
    assert!(queued(&m).is_empty());
    m.advance(TimeDelta::hours(1));
    assert_eq!(queued(&m), [("database/0".to_string(), rotate.clone())]);
    m.queue.clear();
    // The rotate hook made no new revision: it comes back five minutes later.
    m.advance(TimeDelta::minutes(5));
    assert_eq!(queued(&m), [("database/0".to_string(), rotate.clone())]);
    m.queue.clear();
    let mut ctx = HookContext::new(&m, "database/0", rotate);
    ctx.secret_set(&id(&uri), Some(&content("rotated")), &meta())
        .unwrap();
    m = commit(ctx);
    m.queue.clear();
    m.advance(TimeDelta::hours(23));
    assert!(
        queued(&m).is_empty(),
        "next rotation a day after the new revision"
    );
    m.advance(TimeDelta::hours(1));
    assert!(
        queued(&m)
            .iter()
            .any(|(_, k)| matches!(k, HookKind::SecretRotate { .. }))
    );
}

#[test]
fn an_expired_revision_fires_secret_expired_until_it_is_removed() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let options = AddOptions {
        expire: Some(Expiry::AfterSeconds(3600)),
        ..app_owned(None)
    };
    let uri = ctx.secret_add(&content("x"), &options).unwrap();
    m = commit(ctx);
    let expired = HookKind::SecretExpired {
        xid: id(&uri).xid().into(),
        revision: 1,
    };
    m.advance(TimeDelta::minutes(59));
    assert!(queued(&m).is_empty());
    m.advance(TimeDelta::minutes(1));
    assert_eq!(queued(&m), [("database/0".to_string(), expired.clone())]);
    m.queue.clear();
    m.advance(TimeDelta::minutes(5));
    assert_eq!(queued(&m), [("database/0".to_string(), expired)]);
    m.queue.clear();
    let mut ctx = hook(&m, "database/0");
    ctx.secret_remove(&id(&uri), None).unwrap();
    m = commit(ctx);
    m.advance(TimeDelta::minutes(5));
    assert!(queued(&m).is_empty());
}

#[test]
fn user_secrets_are_readable_only_when_granted_and_never_manageable() {
    let mut m = model();
    let uri = m.add_user_secret("api-token", content("tok")).unwrap();
    let secret = id(&uri);
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked),
        Err(JujuError::run("permission denied"))
    );
    m.grant_user_secret("api-token", "webserver").unwrap();
    assert_eq!(
        read(&mut m, "webserver/0", &secret, ReadMode::Tracked).unwrap(),
        "tok"
    );
    let mut ctx = hook(&m, "webserver/0");
    assert!(ctx.secret_info(&Lookup::Id(secret.clone())).is_err());
    ctx.secret_set(&secret, Some(&content("mine")), &meta())
        .unwrap();
    assert!(
        ctx.finish(true).1.is_err(),
        "charms only ever view user secrets"
    );
}

#[test]
fn updating_a_user_secret_fires_secret_changed_on_its_readers_only() {
    let mut m = model();
    let uri = m.add_user_secret("api-token", content("tok")).unwrap();
    m.grant_user_secret("api-token", "webserver").unwrap();
    read(&mut m, "webserver/0", &id(&uri), ReadMode::Tracked).unwrap();
    m.update_user_secret("api-token", content("tok2")).unwrap();
    assert_eq!(
        queued(&m),
        [(
            "webserver/0".to_string(),
            HookKind::SecretChanged {
                xid: id(&uri).xid().into()
            }
        )],
        "no secret-remove for user secrets"
    );
}

#[test]
fn a_new_leader_manages_the_app_secrets() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    m.set_leader("database/1").unwrap();
    assert!(hook(&m, "database/0").secret_ids().is_empty());
    assert_eq!(hook(&m, "database/1").secret_ids(), [secret.xid()]);
    set_password_from(&mut m, "database/1", &secret, "pw2");
    assert!(
        queued(&m).contains(&(
            "database/1".to_string(),
            HookKind::SecretRemove {
                xid: secret.xid().into(),
                revision: 1
            }
        )),
        "secret-remove goes to the new leader"
    );
}

fn set_password_from(m: &mut Model, unit: &str, secret: &SecretId, password: &str) {
    let mut ctx = hook(m, unit);
    ctx.secret_set(secret, Some(&content(password)), &meta())
        .unwrap();
    *m = commit(ctx);
}

#[test]
fn removing_the_last_consumer_of_an_old_revision_makes_it_obsolete() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    read(&mut m, "webserver/1", &secret, ReadMode::Tracked).unwrap();
    set_password(&mut m, &secret, "pw2");
    m.queue.clear();
    m.remove_unit("webserver/1").unwrap();
    assert!(queued(&m).contains(&(
        "database/0".to_string(),
        HookKind::SecretRemove {
            xid: secret.xid().into(),
            revision: 1
        }
    )));
}

#[test]
fn secret_hooks_carry_the_units_label_and_a_revision_only_for_remove_and_expired() {
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "webserver/0");
    ctx.secret_get(
        &Lookup::Id(secret.clone()),
        ReadMode::Tracked,
        Some("database-secret"),
    )
    .unwrap();
    m = commit(ctx);
    let env = |unit: &str, kind: HookKind| m.hook_env(unit, &kind);
    let changed = env(
        "webserver/0",
        HookKind::SecretChanged {
            xid: secret.xid().into(),
        },
    );
    assert!(changed.contains(&("JUJU_SECRET_LABEL".into(), "database-secret".into())));
    assert!(changed.contains(&("JUJU_SECRET_ID".into(), format!("secret:{}", secret.xid()))));
    assert!(!changed.iter().any(|(k, _)| k == "JUJU_SECRET_REVISION"));
    let remove = env(
        "database/0",
        HookKind::SecretRemove {
            xid: secret.xid().into(),
            revision: 1,
        },
    );
    assert!(remove.contains(&("JUJU_SECRET_LABEL".into(), "db-secret".into())));
    assert!(remove.contains(&("JUJU_SECRET_REVISION".into(), "1".into())));
}

#[test]
fn only_the_leader_writes_the_app_databag_and_writes_notify_the_other_side() {
    let m = model();
    let mut ctx = hook(&m, "database/1");
    assert_eq!(
        ctx.relation_set(1, Scope::App, &[("k".into(), "v".into())])
            .unwrap_err()
            .code,
        1
    );
    let mut ctx = hook(&m, "database/0");
    ctx.relation_set(1, Scope::App, &[("secret-id".into(), "x".into())])
        .unwrap();
    let m = commit(ctx);
    assert_eq!(
        queued(&m),
        [
            (
                "webserver/0".to_string(),
                HookKind::RelationChanged {
                    relation_id: 1,
                    remote_unit: None
                }
            ),
            (
                "webserver/1".to_string(),
                HookKind::RelationChanged {
                    relation_id: 1,
                    remote_unit: None
                }
            ),
        ]
    );
    let bag = hook(&m, "webserver/1")
        .relation_get(1, &Databag::App("database".into()))
        .unwrap();
    assert_eq!(bag.get("secret-id").map(String::as_str), Some("x"));
}

#[test]
fn deploy_and_relate_queue_hooks_in_juju_order() {
    let mut m = Model::new("t", UUID, "2026-01-01T00:00:00Z".parse().unwrap());
    m.deploy("database", 1).unwrap();
    m.deploy("webserver", 1).unwrap();
    m.relate("database:database", "webserver:database").unwrap();
    let names: Vec<String> = queued(&m)
        .into_iter()
        .map(|(unit, kind)| {
            let env = m.hook_env(&unit, &kind);
            format!("{unit} {}", env[0].1)
        })
        .collect();
    assert_eq!(
        names,
        [
            "database/0 install",
            "database/0 leader-elected",
            "database/0 config-changed",
            "database/0 start",
            "webserver/0 install",
            "webserver/0 leader-elected",
            "webserver/0 config-changed",
            "webserver/0 start",
            "database/0 database-relation-created",
            "webserver/0 database-relation-created",
            "database/0 database-relation-joined",
            "database/0 database-relation-changed",
            "webserver/0 database-relation-joined",
            "webserver/0 database-relation-changed",
        ]
    );
}

#[test]
fn the_first_rotation_is_due_a_policy_interval_after_creation_whatever_the_expiry() {
    // Juju computes it from the policy alone (the model used to bring it forward to an
    // earlier expiry; only the rotate hook's commit considers the expiry).
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let options = AddOptions {
        rotate: Some(RotatePolicy::Daily),
        expire: Some(Expiry::AfterSeconds(6 * 3600)),
        ..app_owned(None)
    };
    let uri = ctx.secret_add(&content("x"), &options).unwrap();
    m = commit(ctx);
    let s = &m.secrets[id(&uri).xid()];
    assert_eq!(s.next_rotation, Some(m.now + TimeDelta::days(1)));
    m.advance(TimeDelta::hours(6));
    assert!(
        !queued(&m)
            .iter()
            .any(|(_, k)| matches!(k, HookKind::SecretRotate { .. }))
    );
}

#[test]
fn remote_units_leave_relation_list_one_departed_hook_at_a_time_and_broken_sees_none() {
    let mut m = model();
    m.unrelate(1).unwrap();
    let departed = |remote: &str| HookKind::RelationDeparted {
        relation_id: 1,
        remote_unit: remote.into(),
        departing_unit: remote.into(),
    };
    let listed = |kind: HookKind| {
        HookContext::new(&m, "database/0", kind)
            .relation_units(1)
            .unwrap()
    };
    assert_eq!(listed(departed("webserver/0")), ["webserver/1"]);
    assert_eq!(listed(departed("webserver/1")), Vec::<String>::new());
    assert_eq!(
        listed(HookKind::RelationBroken { relation_id: 1 }),
        Vec::<String>::new()
    );
}

#[test]
fn monthly_rotation_dates_run_past_the_end_of_the_month_as_gos_add_date_does() {
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let next = |policy, from: &str| super::secret::next_rotation(policy, at(from));
    assert_eq!(
        next(RotatePolicy::Monthly, "2026-01-31T10:00:00Z"),
        Some(at("2026-03-03T10:00:00Z"))
    );
    assert_eq!(
        next(RotatePolicy::Quarterly, "2026-11-30T00:00:00Z"),
        Some(at("2027-03-02T00:00:00Z"))
    );
    assert_eq!(
        next(RotatePolicy::Yearly, "2028-02-29T12:00:00Z"),
        Some(at("2029-03-01T12:00:00Z"))
    );
    assert_eq!(
        next(RotatePolicy::Monthly, "2026-01-15T00:00:00Z"),
        Some(at("2026-02-15T00:00:00Z"))
    );
}

#[test]
fn expiry_times_are_stored_rounded_to_the_second() {
    let mut m = model();
    let mut ctx = hook(&m, "database/0");
    let options = AddOptions {
        expire: Some(Expiry::At(juju_hookcmds::Datetime {
            seconds: m.now.timestamp() + 60,
            nanoseconds: 600_000_000,
        })),
        ..app_owned(None)
    };
    let uri = ctx.secret_add(&content("x"), &options).unwrap();
    m = commit(ctx);
    let s = &m.secrets[id(&uri).xid()];
    assert_eq!(
        s.revisions[&1].expires,
        Some(m.now + TimeDelta::seconds(61))
    );
}

#[test]
fn revoking_the_owner_takes_away_its_own_access() {
    // Through charm-host a charm cannot do this (its policy holds revokes to related
    // applications); a plain ops charm can, and Juju then lets the owner neither read nor
    // manage the secret, though secret-ids still lists it.
    let mut m = model();
    let secret = shared_secret(&mut m);
    let mut ctx = hook(&m, "database/0");
    ctx.secret_revoke(&secret, &Grantee::Application("database".into()))
        .unwrap();
    m = commit(ctx);
    let mut ctx = hook(&m, "database/0");
    assert_eq!(
        ctx.secret_get(&Lookup::Id(secret.clone()), ReadMode::Tracked, None),
        Err(JujuError::run("permission denied"))
    );
    assert_eq!(ctx.secret_ids(), [secret.xid().to_string()]);
    ctx.secret_set(
        &secret,
        None,
        &SetOptions {
            description: Some("d".into()),
            ..meta()
        },
    )
    .unwrap();
    assert_eq!(
        ctx.finish(true).1,
        Err("cannot apply changes: updating secrets: permission denied".into())
    );
}
