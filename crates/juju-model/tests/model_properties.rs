//! Invariants of the model of Juju over random sequences of hooks, operator actions and
//! clock moves: a tracked revision is never obsolete; a failed hook commits none of its
//! changes (only what its reads saved stays, as on Juju); labels stay unique per scope; every
//! consumer is told about each new revision.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use proptest::prelude::*;

use juju_hookcmds::{AddOptions, AddOwner, Grantee, Lookup, ReadMode, RotatePolicy, SetOptions};
use juju_model::{HookContext, HookKind, Model, Owner};
use juju_rules::{SecretContent, SecretId};

const UNITS: [&str; 4] = ["database/0", "database/1", "webserver/0", "webserver/1"];
const LABELS: [&str; 3] = ["alpha", "beta", "gamma"];

#[derive(Debug, Clone)]
enum Op {
    Add {
        unit: usize,
        app_owned: bool,
        label: Option<usize>,
        rotate: bool,
    },
    Set {
        unit: usize,
        secret: usize,
        value: usize,
        label: Option<usize>,
    },
    Read {
        unit: usize,
        secret: usize,
        mode: usize,
        label: Option<usize>,
    },
    Grant {
        unit: usize,
        secret: usize,
        to_unit: Option<usize>,
    },
    Revoke {
        unit: usize,
        secret: usize,
    },
    RemoveRevision {
        unit: usize,
        secret: usize,
        revision: u32,
    },
    RemoveSecret {
        unit: usize,
        secret: usize,
    },
    Advance {
        hours: i64,
    },
    SetLeader {
        unit: usize,
    },
    RemoveAndReAddUnit,
}

fn op() -> impl Strategy<Value = (Op, bool)> {
    let unit = 0..UNITS.len();
    let label = proptest::option::of(0..LABELS.len());
    let op = prop_oneof![
        (unit.clone(), any::<bool>(), label.clone(), any::<bool>()).prop_map(
            |(unit, app_owned, label, rotate)| Op::Add {
                unit,
                app_owned,
                label,
                rotate
            }
        ),
        (unit.clone(), 0..4usize, 0..3usize, label.clone()).prop_map(
            |(unit, secret, value, label)| Op::Set {
                unit,
                secret,
                value,
                label
            }
        ),
        (unit.clone(), 0..4usize, 0..3usize, label).prop_map(|(unit, secret, mode, label)| {
            Op::Read {
                unit,
                secret,
                mode,
                label,
            }
        }),
        (unit.clone(), 0..4usize, proptest::option::of(2..4usize)).prop_map(
            |(unit, secret, to_unit)| Op::Grant {
                unit,
                secret,
                to_unit
            }
        ),
        (unit.clone(), 0..4usize).prop_map(|(unit, secret)| Op::Revoke { unit, secret }),
        (unit.clone(), 0..4usize, 1..6u32).prop_map(|(unit, secret, revision)| {
            Op::RemoveRevision {
                unit,
                secret,
                revision,
            }
        }),
        (unit, 0..4usize).prop_map(|(unit, secret)| Op::RemoveSecret { unit, secret }),
        (0..30i64).prop_map(|hours| Op::Advance { hours }),
        (0..2usize).prop_map(|unit| Op::SetLeader { unit }),
        Just(Op::RemoveAndReAddUnit),
    ];
    // The bool: whether the hook doing the operation fails (its changes must vanish).
    (op, proptest::bool::weighted(0.2))
}

fn model() -> Model {
    let mut m = Model::new(
        "p",
        "7f1c2a8e-3b4d-4e5f-8a6b-9c0d1e2f3a4b",
        "2026-01-01T00:00:00Z".parse().unwrap(),
    );
    m.deploy("database", 2).unwrap();
    m.deploy("webserver", 2).unwrap();
    m.relate("database:database", "webserver:database").unwrap();
    m.queue.clear();
    m
}

fn content(value: usize) -> SecretContent {
    SecretContent::from_pairs(vec![("password", format!("value-{value}"))]).unwrap()
}

fn secret_id(m: &Model, i: usize) -> Option<SecretId> {
    let xids: Vec<&String> = m.secrets.keys().collect();
    (!xids.is_empty()).then(|| SecretId::parse(xids[i % xids.len()]).unwrap())
}

fn unit(i: usize) -> &'static str {
    UNITS[i]
}

impl Op {
    /// The unit whose hook performs the operation, and the secret it acts on (an index into
    /// the model's secrets), for the operations that are hooks.
    fn target(&self) -> Option<(usize, Option<usize>)> {
        Some(match *self {
            Op::Add { unit, .. } => (unit, None),
            Op::Set { unit, secret, .. }
            | Op::Read { unit, secret, .. }
            | Op::Grant { unit, secret, .. }
            | Op::Revoke { unit, secret }
            | Op::RemoveRevision { unit, secret, .. }
            | Op::RemoveSecret { unit, secret } => (unit, Some(secret)),
            Op::Advance { .. } | Op::SetLeader { .. } | Op::RemoveAndReAddUnit => return None,
        })
    }
}

/// Performs the operation inside the hook; refusals are part of what is being tested.
fn apply(ctx: &mut HookContext, op: &Op, id: Option<&SecretId>) {
    match (op, id) {
        (
            &Op::Add {
                app_owned,
                label,
                rotate,
                ..
            },
            _,
        ) => {
            let options = AddOptions {
                owner: if app_owned {
                    AddOwner::Application
                } else {
                    AddOwner::Unit
                },
                label: label.map(|l| LABELS[l].to_string()),
                description: None,
                expire: None,
                rotate: rotate.then_some(RotatePolicy::Hourly),
            };
            let _ = ctx.secret_add(&content(0), &options);
        }
        (&Op::Set { value, label, .. }, Some(id)) => {
            let options = SetOptions {
                label: label.map(|l| LABELS[l].to_string()),
                description: None,
                expire: None,
                rotate: None,
            };
            let _ = ctx.secret_set(id, Some(&content(value)), &options);
        }
        (&Op::Read { mode, label, .. }, Some(id)) => {
            let mode = [ReadMode::Tracked, ReadMode::Peek, ReadMode::Refresh][mode];
            let _ = ctx.secret_get(&Lookup::Id(id.clone()), mode, label.map(|l| LABELS[l]));
        }
        (&Op::Grant { to_unit, .. }, Some(id)) => {
            let _ = ctx.secret_grant(id, 1, to_unit.map(unit));
        }
        (Op::Revoke { .. }, Some(id)) => {
            let _ = ctx.secret_revoke(id, &Grantee::Relation(1));
        }
        (&Op::RemoveRevision { revision, .. }, Some(id)) => {
            let _ = ctx.secret_remove(id, Some(revision));
        }
        (Op::RemoveSecret { .. }, Some(id)) => {
            let _ = ctx.secret_remove(id, None);
        }
        _ => {}
    }
}

/// Runs the operation as one hook; returns the model after it (committed or not).
fn hook(m: &Model, op: &Op, fail: bool) -> Model {
    let Some((u, secret)) = op.target() else {
        return m.clone();
    };
    let id = match secret.map(|i| secret_id(m, i)) {
        Some(None) => return m.clone(),
        found => found.flatten(),
    };
    if !m.unit_exists(unit(u)) {
        return m.clone();
    }
    let mut ctx = HookContext::new(m, unit(u), HookKind::Other("prop".into()));
    apply(&mut ctx, op, id.as_ref());
    ctx.finish(!fail).0
}

/// The model without what a failed hook may leave behind on Juju: what reads save (consumer
/// records; a read's relabel), the ids `secret-add` took, and the follow-up hooks queued.
fn committed(m: &Model, op: &Op) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap();
    let object = v.as_object_mut().unwrap();
    object.remove("queue");
    object.remove("next_secret");
    for secret in object["secrets"].as_object_mut().unwrap().values_mut() {
        let secret = secret.as_object_mut().unwrap();
        secret.remove("consumers");
        secret.remove("removal_queued");
        if matches!(op, Op::Read { .. }) {
            secret.remove("label");
        }
    }
    v
}

/// Runs every queued hook as a charm that does nothing; returns the secret-changed hooks.
fn drain(m: &mut Model) -> BTreeSet<(String, String)> {
    let mut changed = BTreeSet::new();
    while let Some(h) = m.next_hook() {
        if let HookKind::SecretChanged { xid } = &h.kind {
            changed.insert((h.unit.clone(), xid.clone()));
        }
    }
    changed
}

fn check_invariants(m: &Model) -> Result<(), TestCaseError> {
    for s in m.secrets.values() {
        prop_assert!(
            !s.removal_queued.contains(&s.latest),
            "the latest revision is never obsolete"
        );
        for (u, c) in &s.consumers {
            prop_assert!(
                !s.removal_queued.contains(&c.tracked),
                "{u} tracks revision {} of {} which was declared obsolete",
                c.tracked,
                s.xid
            );
        }
    }
    for u in UNITS.iter().filter(|u| m.unit_exists(u)) {
        let app = Model::app_of(u);
        let mut labels: Vec<(&str, &str)> = Vec::new();
        for s in m.secrets.values() {
            let in_scope =
                s.owner == Owner::Unit(u.to_string()) || s.owner == Owner::App(app.into());
            if in_scope && let Some(l) = &s.label {
                labels.push((l, &s.xid));
            }
            if let Some(l) = s.consumers.get(*u).and_then(|c| c.label.as_deref()) {
                labels.push((l, &s.xid));
            }
        }
        labels.sort();
        labels.dedup();
        for pair in labels.windows(2) {
            prop_assert!(
                pair[0].0 != pair[1].0,
                "label {:?} used twice in {u}'s scope",
                pair[0].0
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn model_invariants_hold_over_random_operation_sequences(ops in proptest::collection::vec(op(), 1..40)) {
        let mut m = model();
        for (op, fail) in &ops {
            let before_latest: BTreeMap<String, (u32, BTreeSet<String>)> = m
                .secrets
                .values()
                .map(|s| {
                    let manager = m.manager_of(s);
                    let consumers = s
                        .consumers
                        .keys()
                        .filter(|u| Some(*u) != manager.as_ref())
                        .cloned()
                        .collect();
                    (s.xid.clone(), (s.latest, consumers))
                })
                .collect();
            match op {
                Op::Advance { hours } => m.advance(TimeDelta::hours(*hours)),
                Op::SetLeader { unit } => {
                    let _ = m.set_leader(UNITS[*unit]);
                }
                Op::RemoveAndReAddUnit => {
                    if m.unit_exists("webserver/1") {
                        m.remove_unit("webserver/1").unwrap();
                    }
                }
                _ => {
                    let before = committed(&m, op);
                    let after = hook(&m, op, *fail);
                    if *fail {
                        prop_assert_eq!(committed(&after, op), before, "a failed hook committed a change: {:?}", op);
                    }
                    m = after;
                }
            }
            check_invariants(&m)?;
            let told = drain(&mut m);
            for s in m.secrets.values() {
                if let Some((old_latest, consumers)) = before_latest.get(&s.xid)
                    && s.latest > *old_latest
                {
                    for consumer in consumers.iter().filter(|c| s.consumers.contains_key(*c)) {
                        if Some(consumer) != m.manager_of(s).as_ref() {
                            prop_assert!(
                                told.contains(&(consumer.clone(), s.xid.clone())),
                                "{consumer} was not told about revision {} of {}",
                                s.latest,
                                s.xid
                            );
                        }
                    }
                }
            }
        }
    }
}
