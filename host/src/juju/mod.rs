//! Juju's own rules and formats, independent of how the host reaches Juju: secret ids, content
//! limits, and the names Juju accepts. Every backend validates through these, so a malformed
//! value is refused before it can reach a command line or the mock model.

pub mod content;
pub mod names;
pub mod queued;
pub mod secret_id;

pub use content::SecretContent;
pub use secret_id::SecretId;
