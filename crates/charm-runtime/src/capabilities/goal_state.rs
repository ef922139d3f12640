//! The `goal-state` capability: whether a charm may read where its deployment is heading (its
//! application's planned units and its relations' units: `goal-state`).
//!
//! ```yaml
//! goal-state: true
//! ```

super::toggle!(
    /// `goal-state: true` grants `goal-state`.
    GoalState,
    "goal-state",
    "goal-state",
    "goal-state"
);
