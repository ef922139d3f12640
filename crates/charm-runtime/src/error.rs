//! The one error type every host function returns (the contract's side turns it into the
//! guest's `error`, or a trap).

use juju_hookcmds::CommandError;
use juju_rules::ContentError;

/// Why a host operation failed.
///
/// All cases but [`HostError::Fatal`] and [`HostError::HostCalls`] become the matching case of
/// the contract's `error` variant, which the charm can catch and handle. `Fatal` means the host
/// cannot trust its environment any more (a hook command is missing, hung or printed garbage):
/// the call traps, the hook fails and Juju discards its changes, whatever the charm would have
/// done next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// See the contract's `not-found`.
    #[error("{0}")]
    NotFound(String),
    /// See the contract's `permission-denied`.
    #[error("{0}")]
    PermissionDenied(String),
    /// See the contract's `not-leader`.
    #[error("{0}")]
    NotLeader(String),
    /// See the contract's `invalid-content`.
    #[error("{0}")]
    InvalidContent(String),
    /// See the contract's `label-conflict`.
    #[error("{0}")]
    LabelConflict(String),
    /// See the contract's `denied-by-policy`.
    #[error("{0}")]
    DeniedByPolicy(String),
    /// See the contract's `invalid-argument`.
    #[error("{0}")]
    InvalidArgument(String),
    /// See the contract's `backend`.
    #[error("{0}")]
    Backend(String),
    /// The host cannot go on: the call traps and the hook fails.
    #[error("{0}")]
    Fatal(String),
    /// The charm used up its budget of host calls (the budget): the call traps.
    #[error("charm exceeded its budget of {0} host calls")]
    HostCalls(u64),
}

impl From<CommandError> for HostError {
    fn from(err: CommandError) -> Self {
        match err {
            CommandError::NotFound(m) => HostError::NotFound(m),
            CommandError::PermissionDenied(m) => HostError::PermissionDenied(m),
            CommandError::NotLeader(m) => HostError::NotLeader(m),
            CommandError::InvalidContent(m) => HostError::InvalidContent(m),
            CommandError::LabelConflict(m) => HostError::LabelConflict(m),
            CommandError::InvalidArgument(m) => HostError::InvalidArgument(m),
            CommandError::Backend(m) => HostError::Backend(m),
            CommandError::Unusable(m) => HostError::Fatal(m),
        }
    }
}

impl From<ContentError> for HostError {
    fn from(err: ContentError) -> Self {
        match err {
            ContentError::MissingKey(_) => HostError::NotFound(err.to_string()),
            _ => HostError::InvalidContent(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use juju_rules::SecretContent;

    use super::*;

    #[test]
    fn content_refusals_are_invalid_content_and_a_missing_key_is_not_found() {
        let duplicate = SecretContent::from_pairs([("password", "a"), ("password", "b")]);
        assert_eq!(
            duplicate.map_err(HostError::from),
            Err(HostError::InvalidContent(
                "duplicate key \"password\"".into()
            ))
        );
        let content = SecretContent::from_pairs([("password", "p")]).unwrap();
        assert_eq!(
            content.select("username").map_err(HostError::from),
            Err(HostError::NotFound(
                "secret key value \"username\" not found".into()
            ))
        );
    }

    #[test]
    fn output_the_host_cannot_trust_is_fatal() {
        assert_eq!(
            HostError::from(CommandError::Unusable("garbled".into())),
            HostError::Fatal("garbled".into())
        );
    }
}
