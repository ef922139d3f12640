//! The `logging` capability: whether a charm may write its own lines to the unit's log (the host's own lines need no grant) (`juju-log`).
//!
//! ```yaml
//! logging: true
//! ```

super::toggle!(
    /// `logging: true` grants `juju-log`.
    Logging,
    "logging",
    "juju-log"
);
