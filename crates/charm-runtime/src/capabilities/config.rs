//! The `config` capability: whether a charm may read its configuration (`config-get`).
//!
//! ```yaml
//! config: true
//! ```

super::toggle!(
    /// `config: true` grants `config-get`.
    Config,
    "config",
    "config",
    "config-get"
);
