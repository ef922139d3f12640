//! Errors a charm sees: the host's typed errors, checked before any call where possible.

use std::fmt;

use crate::bindings::juju::charm::types::Error as WitError;

/// Why an operation failed. Match on the case; the message is Juju's own text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The secret, label, key or relation does not exist or is not visible to this unit.
    NotFound(String),
    /// Juju refused: this unit may not view or manage the secret.
    PermissionDenied(String),
    /// Managing an application secret needs leadership.
    NotLeader(String),
    /// Content breaks Juju's rules (a key, emptiness, size); found before calling the host.
    InvalidContent(String),
    /// The label is already used in this owner's or consumer's scope.
    LabelConflict(String),
    /// The charm's capability manifest does not grant the operation.
    DeniedByPolicy(String),
    /// A malformed argument: a secret id, a unit name, conflicting options.
    InvalidArgument(String),
    /// A hook command failed for another reason.
    Backend(String),
    /// The charm's own reason to fail the hook.
    Charm(String),
}

/// The SDK's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A charm-level failure with a one-line reason.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Charm(message.to_string())
    }

    /// Whether the thing asked for does not exist (or is not visible to this unit).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    fn parts(&self) -> (&'static str, &str) {
        match self {
            Error::NotFound(m) => ("not found", m),
            Error::PermissionDenied(m) => ("permission denied", m),
            Error::NotLeader(m) => ("not leader", m),
            Error::InvalidContent(m) => ("invalid content", m),
            Error::LabelConflict(m) => ("label conflict", m),
            Error::DeniedByPolicy(m) => ("denied by policy", m),
            Error::InvalidArgument(m) => ("invalid argument", m),
            Error::Backend(m) => ("hook command failed", m),
            Error::Charm(m) => ("charm error", m),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, message) = self.parts();
        match self {
            Error::Charm(_) => f.write_str(message),
            _ => write!(f, "{kind}: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<WitError> for Error {
    fn from(e: WitError) -> Self {
        match e {
            WitError::NotFound(m) => Error::NotFound(m),
            WitError::PermissionDenied(m) => Error::PermissionDenied(m),
            WitError::NotLeader(m) => Error::NotLeader(m),
            WitError::InvalidContent(m) => Error::InvalidContent(m),
            WitError::LabelConflict(m) => Error::LabelConflict(m),
            WitError::DeniedByPolicy(m) => Error::DeniedByPolicy(m),
            WitError::InvalidArgument(m) => Error::InvalidArgument(m),
            WitError::Backend(m) => Error::Backend(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_display_their_kind_and_jujus_message() {
        assert_eq!(
            Error::NotFound("secret \"x\" not found".into()).to_string(),
            "not found: secret \"x\" not found"
        );
        assert_eq!(Error::msg("no database yet").to_string(), "no database yet");
    }

    #[test]
    fn host_errors_keep_their_case() {
        assert_eq!(
            Error::from(WitError::NotLeader("this unit is not the leader".into())),
            Error::NotLeader("this unit is not the leader".into())
        );
    }
}
