//! The `application-version` capability: whether a charm may set the workload version
//! `juju status` shows for its application (`application-version-set`).
//!
//! ```yaml
//! application-version: true
//! ```

super::toggle!(
    /// `application-version: true` grants `application-version-set`.
    ApplicationVersion,
    "application-version",
    "status",
    "application-version-set"
);
