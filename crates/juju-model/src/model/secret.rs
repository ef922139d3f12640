//! A secret as Juju's controller stores it: owner, labels, revisions, grants and consumers.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, Months, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use juju_hookcmds::RotatePolicy;
use juju_rules::SecretContent;

/// Who owns a secret. Model-owned secrets are user secrets, added by the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    /// Owned by an application, managed by its leader.
    App(String),
    /// Owned by a unit.
    Unit(String),
    /// A user secret; charms only ever view it.
    Model,
}

/// Who a grant lets view a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// Every unit of an application.
    App(String),
    /// One unit.
    Unit(String),
}

impl Subject {
    /// Juju's tag for it, as its messages and `secret-info-get` name grantees.
    pub fn tag(&self) -> String {
        match self {
            Subject::App(app) => format!("application-{app}"),
            Subject::Unit(unit) => format!("unit-{}", unit.replace('/', "-")),
        }
    }
}

/// A `view` grant: over a relation (charm grants), or model-wide (operator grants of user
/// secrets, which have no relation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who may view.
    pub subject: Subject,
    /// The relation the grant lives and dies with; `None` for operator grants.
    pub relation_id: Option<u32>,
}

/// One revision's content and expiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The content.
    pub content: SecretContent,
    /// When it expires, if ever.
    pub expires: Option<DateTime<Utc>>,
    /// When `secret-expired` fires (again) for this revision, once it has expired.
    pub expiry_due: Option<DateTime<Utc>>,
}

/// A unit's consumer record: the revision it tracks, its label, and the latest revision it
/// has been told about (`secret-changed` fires once per newer latest revision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    /// The revision reads return.
    pub tracked: u32,
    /// This unit's label for the secret.
    pub label: Option<String>,
    /// The latest revision `secret-changed` has told it about.
    pub notified: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A secret as the controller stores it.
pub struct Secret {
    /// Its 20-character id.
    pub xid: String,
    /// Who owns it.
    pub owner: Owner,
    /// The owner label (for user secrets: the name the operator gave it).
    pub label: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// When `secret-rotate` falls due.
    pub next_rotation: Option<DateTime<Utc>>,
    /// Revisions still stored, by number.
    pub revisions: BTreeMap<u32, Revision>,
    /// The latest revision, as the controller's metadata records it: removing the latest
    /// revision while older ones remain leaves this naming the removed one (the next new
    /// revision is still `latest + 1`).
    pub latest: u32,
    /// The checksum of the latest revision's content when it was written (kept, like
    /// `latest`, when that revision is removed): a `secret-set` of equal content is no change.
    pub latest_checksum: String,
    /// The latest revision's expiry, as the metadata records it.
    pub latest_expires: Option<DateTime<Utc>>,
    /// Who may view it.
    pub grants: Vec<Grant>,
    /// Consumer records by unit.
    pub consumers: BTreeMap<String, Consumer>,
    /// Revisions whose `secret-remove` has been queued: it fires once per revision.
    pub removal_queued: BTreeSet<u32>,
    /// The owner's own access was revoked (`secret-revoke` naming the owner): it can neither
    /// manage nor read the secret any more.
    #[serde(default)]
    pub owner_access_revoked: bool,
    /// After a failed `secret-rotate` hook: when the model fires it again (Juju's agent
    /// retries failed hooks itself; the controller's rotation time does not move).
    #[serde(default)]
    pub rotate_retry: Option<DateTime<Utc>>,
}

/// Whether a policy rotates at all.
pub fn rotates(policy: Option<RotatePolicy>) -> bool {
    !matches!(policy, None | Some(RotatePolicy::Never))
}

/// The next rotation after `from`, as Juju's `NextRotateTime` computes it (Go's `AddDate`
/// for months: a day past the end of the month runs into the next, Jan 31 + 1 month is
/// March 3 or 2).
pub fn next_rotation(policy: RotatePolicy, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match policy {
        RotatePolicy::Never => None,
        RotatePolicy::Hourly => Some(from + TimeDelta::hours(1)),
        RotatePolicy::Daily => Some(from + TimeDelta::days(1)),
        RotatePolicy::Weekly => Some(from + TimeDelta::days(7)),
        RotatePolicy::Monthly => add_months(from, 1),
        RotatePolicy::Quarterly => add_months(from, 3),
        RotatePolicy::Yearly => add_months(from, 12),
    }
}

/// Go's `AddDate(0, months, 0)`: the same day number in the target month, normalised.
fn add_months(from: DateTime<Utc>, months: u32) -> Option<DateTime<Utc>> {
    let first = from
        .date_naive()
        .with_day(1)?
        .checked_add_months(Months::new(months))?;
    let date = first.checked_add_days(Days::new(u64::from(from.day() - 1)))?;
    Some(date.and_time(from.time()).and_utc())
}

/// A time as the controller stores it: rounded to the second (Go's `Round(time.Second)`).
pub fn to_the_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let whole = t - TimeDelta::nanoseconds(i64::from(t.timestamp_subsec_nanos()));
    if t.timestamp_subsec_nanos() >= 500_000_000 {
        whole + TimeDelta::seconds(1)
    } else {
        whole
    }
}

/// Juju re-fires `secret-rotate` and `secret-expired` this long after a hook that did not
/// deal with them (`RotateRetryDelay`, `ExpireRetryDelay`).
pub const RETRY_DELAY: TimeDelta = TimeDelta::minutes(5);

impl Secret {
    /// Whether the operator added it (`juju add-secret`).
    pub fn is_user_secret(&self) -> bool {
        self.owner == Owner::Model
    }

    /// The content of the latest revision; `None` once that revision was removed.
    pub fn latest_content(&self) -> Option<&SecretContent> {
        self.revisions.get(&self.latest).map(|r| &r.content)
    }

    /// Revisions no consumer tracks and that are not the latest: Juju's obsolete revisions.
    pub fn obsolete_revisions(&self) -> Vec<u32> {
        self.revisions
            .keys()
            .copied()
            .filter(|&r| r != self.latest && !self.consumers.values().any(|c| c.tracked == r))
            .collect()
    }

    /// The label `unit` knows this secret by: its consumer label, else the owner label.
    pub fn label_for(&self, unit: &str) -> Option<&str> {
        self.consumers
            .get(unit)
            .and_then(|c| c.label.as_deref())
            .or(self.label.as_deref())
    }
}
