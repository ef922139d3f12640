//! The `logging` capability: whether a charm may write its own lines to the unit's log with
//! `juju-log` (the host's own lines, its audit among them, need no grant).
//!
//! ```yaml
//! logging: true
//! ```

super::toggle!(
    /// `logging: true` grants `juju-log`.
    Logging,
    "logging",
    "logging",
    "juju-log"
);
