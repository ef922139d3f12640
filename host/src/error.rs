//! The one error type every host function returns, and how it reaches the guest.

use crate::bindings::juju::charm::types::Error as WitError;

/// Why a host operation failed.
///
/// All cases but [`HostError::Fatal`] become the matching case of the contract's `error`
/// variant, which the charm can catch and handle. `Fatal` means the host cannot trust its
/// environment any more (a hook command is missing, hung or printed garbage): the call traps,
/// the hook fails and Juju discards its changes, whatever the charm would have done next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    NotLeader(String),
    #[error("{0}")]
    InvalidContent(String),
    #[error("{0}")]
    LabelConflict(String),
    #[error("{0}")]
    DeniedByPolicy(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Backend(String),
    #[error("{0}")]
    Fatal(String),
}

impl HostError {
    /// The contract's error for this failure, or `None` when it must trap instead.
    pub fn to_wit(&self) -> Option<WitError> {
        Some(match self {
            HostError::NotFound(m) => WitError::NotFound(m.clone()),
            HostError::PermissionDenied(m) => WitError::PermissionDenied(m.clone()),
            HostError::NotLeader(m) => WitError::NotLeader(m.clone()),
            HostError::InvalidContent(m) => WitError::InvalidContent(m.clone()),
            HostError::LabelConflict(m) => WitError::LabelConflict(m.clone()),
            HostError::DeniedByPolicy(m) => WitError::DeniedByPolicy(m.clone()),
            HostError::InvalidArgument(m) => WitError::InvalidArgument(m.clone()),
            HostError::Backend(m) => WitError::Backend(m.clone()),
            HostError::Fatal(_) => return None,
        })
    }
}
