//! A sharp edge of Juju's per-hook change recorder, named for charm authors: a
//! `secret-remove` (of the whole secret or of any one revision) drops every change the same
//! hook queued earlier for that secret. The model records exactly what Juju drops; the host
//! keeps this lighter record of what the charm asked for, so that the production path warns
//! in juju-log with the same words.

use std::collections::BTreeMap;

/// The kinds of change a remove dropped for one secret.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Discarded {
    /// A `secret-add` (with any `secret-set` merged into it).
    pub add: bool,
    /// A `secret-set` with new content.
    pub new_content: bool,
    /// A `secret-set` of metadata only.
    pub metadata: bool,
    /// A `secret-grant`.
    pub grant: bool,
    /// A `secret-revoke`.
    pub revoke: bool,
    /// A `secret-get --refresh` of the pending new revision.
    pub refresh: bool,
}

impl Discarded {
    /// The commands, in the order Juju would have applied their changes.
    pub fn names(&self) -> Vec<&'static str> {
        let set = if self.new_content {
            Some("secret-set (new content)")
        } else if self.metadata {
            Some("secret-set")
        } else {
            None
        };
        [
            self.add.then_some("secret-add"),
            set,
            self.grant.then_some("secret-grant"),
            self.revoke.then_some("secret-revoke"),
            self.refresh.then_some("secret-get --refresh"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Whether nothing was dropped.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The warning a hook gets when a `secret-remove` discards changes it queued earlier for
/// the same secret: Juju drops them, whatever revision the remove names.
pub fn discard_warning(id: &str, revision: Option<u32>, discarded: &Discarded) -> String {
    let remove = match revision {
        Some(revision) => format!("secret-remove --revision {revision} {id}"),
        None => format!("secret-remove {id}"),
    };
    format!(
        "{remove} discards this hook's earlier {} of that secret: Juju drops a secret's queued changes when the same hook removes it or any of its revisions",
        discarded.names().join(", ")
    )
}

/// What the charm queued in this hook, by secret, as far as the host can tell from its calls.
#[derive(Debug, Default)]
pub struct QueuedChanges(BTreeMap<String, Discarded>);

impl QueuedChanges {
    fn entry(&mut self, xid: &str) -> &mut Discarded {
        self.0.entry(xid.to_string()).or_default()
    }

    /// A `secret-add` created `xid`.
    pub fn added(&mut self, xid: &str) {
        self.entry(xid).add = true;
    }

    /// A `secret-set` of `xid` (merged into the add when the hook created it).
    pub fn set(&mut self, xid: &str, new_content: bool) {
        let queued = self.entry(xid);
        if !queued.add {
            queued.new_content |= new_content;
            queued.metadata |= !new_content;
        }
    }

    /// A `secret-grant` of `xid`.
    pub fn granted(&mut self, xid: &str) {
        self.entry(xid).grant = true;
    }

    /// A `secret-revoke` of `xid`.
    pub fn revoked(&mut self, xid: &str) {
        self.entry(xid).revoke = true;
    }

    /// A `secret-get --refresh` of `xid`: Juju tracks a pending new revision at commit.
    pub fn refreshed(&mut self, xid: &str) {
        if let Some(queued) = self.0.get_mut(xid)
            && queued.new_content
        {
            queued.refresh = true;
        }
    }

    /// A remove of `xid` was queued: the warning, if it discards anything.
    pub fn removed(&mut self, xid: &str, id: &str, revision: Option<u32>) -> Option<String> {
        let discarded = self.0.remove(xid)?;
        (!discarded.is_empty()).then(|| discard_warning(id, revision, &discarded))
    }
}
