//! Secret ids: Juju's rules live in `juju-rules`; here they meet the host's error type.

pub use juju_rules::SecretId;

use crate::error::HostError;

/// Parses a secret id from a charm, refusing a malformed one with Juju's message.
pub fn parse(s: &str) -> Result<SecretId, HostError> {
    SecretId::parse(s).map_err(|e| HostError::InvalidArgument(e.to_string()))
}
