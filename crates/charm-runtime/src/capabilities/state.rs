//! The `state` capability: whether a charm may keep its unit's key/value state across hooks
//! (`state-get`, `state-set`, `state-delete`).
//!
//! ```yaml
//! state: true
//! ```

super::toggle!(
    /// `state: true` grants the unit's state.
    UnitState,
    "state",
    "state",
    "state-get, state-set, state-delete"
);
