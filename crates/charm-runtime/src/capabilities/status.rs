//! The `status` capability: whether a charm may set and read its workload status
//! (`status-set`, `status-get`).
//!
//! ```yaml
//! status: true
//! ```

super::toggle!(
    /// `status: true` grants `status-set` and `status-get`.
    Status,
    "status",
    "status",
    "status-set, status-get"
);
