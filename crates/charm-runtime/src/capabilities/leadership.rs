//! The `leadership` capability: whether a charm may ask if its unit is the leader (`is-leader`).
//!
//! ```yaml
//! leadership: true
//! ```

super::toggle!(
    /// `leadership: true` grants `is-leader`.
    Leadership,
    "leadership",
    "leadership",
    "is-leader"
);
