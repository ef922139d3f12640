//! The `status` capability: whether a charm may set its workload status (`status-set`).
//!
//! ```yaml
//! status: true
//! ```

super::toggle!(
    /// `status: true` grants `status-set`.
    Status,
    "status",
    "status-set"
);
