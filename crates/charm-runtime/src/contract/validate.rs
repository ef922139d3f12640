//! Names and text from a charm, checked with Juju's rules (in `juju-rules`) before any of them
//! is placed on a hook command's command line, refused with the host's error type.

use juju_rules::SecretId;
use juju_rules::names::{
    MAX_LABEL, MAX_NAME, is_valid_app_name, is_valid_endpoint, is_valid_unit_name,
};

use crate::error::HostError;

/// A name that is too long, refused without echoing it.
fn too_long(what: &str, length: usize, most: usize) -> HostError {
    HostError::InvalidArgument(format!(
        "{what} not valid: {length} bytes long, at most {most}"
    ))
}

/// A name of the kind `what`, at most [`MAX_NAME`] bytes and `valid`, or Juju's
/// `<what> "x" not valid`.
fn check_name<'a>(
    what: &str,
    name: &'a str,
    valid: fn(&str) -> bool,
) -> Result<&'a str, HostError> {
    if name.len() > MAX_NAME {
        return Err(too_long(what, name.len(), MAX_NAME));
    }
    if valid(name) {
        Ok(name)
    } else {
        Err(HostError::InvalidArgument(format!(
            "{what} {name:?} not valid"
        )))
    }
}

/// A unit name, or Juju's `unit "x" not valid`.
pub fn check_unit(name: &str) -> Result<&str, HostError> {
    check_name("unit", name, is_valid_unit_name)
}

/// An application name, or Juju's `application "x" not valid`.
pub fn check_app(name: &str) -> Result<&str, HostError> {
    check_name("application", name, is_valid_app_name)
}

/// An endpoint name from charm metadata.
pub fn check_endpoint(name: &str) -> Result<&str, HostError> {
    check_name("endpoint", name, is_valid_endpoint)
}

/// A storage name from charm metadata (`data`).
pub fn check_storage_name(name: &str) -> Result<&str, HostError> {
    check_name("storage name", name, juju_hookcmds::cli::is_storage_name)
}

/// A storage instance id (`data/0`).
pub fn check_storage_id(id: &str) -> Result<&str, HostError> {
    check_name("storage id", id, juju_hookcmds::cli::is_storage_id)
}

/// A label: non-empty, one line, no control characters.
pub fn check_label(label: &str) -> Result<&str, HostError> {
    if label.len() > MAX_LABEL {
        return Err(too_long("label", label.len(), MAX_LABEL));
    }
    if label.is_empty() || label.chars().any(char::is_control) {
        Err(HostError::InvalidArgument(format!(
            "label {label:?} not valid"
        )))
    } else {
        Ok(label)
    }
}

/// Free text for a command line (descriptions, log and status messages): anything but NUL,
/// which no argv can carry.
pub fn check_text<'a>(what: &str, text: &'a str) -> Result<&'a str, HostError> {
    if text.contains('\0') {
        Err(HostError::InvalidArgument(format!(
            "{what} contains a NUL character"
        )))
    } else {
        Ok(text)
    }
}

/// Parses a secret id from a charm, refusing a malformed one with Juju's message.
pub fn secret_id(s: &str) -> Result<SecretId, HostError> {
    SecretId::parse(s).map_err(|e| HostError::InvalidArgument(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_must_be_one_non_empty_line() {
        assert!(check_label("database-secret").is_ok());
        assert!(check_label("my label: with spaces").is_ok());
        assert!(check_label("").is_err());
        assert!(check_label("two\nlines").is_err());
    }

    #[test]
    fn endpoints_are_metadata_names() {
        assert!(check_endpoint("database").is_ok());
        assert!(check_endpoint("db_admin-2").is_ok());
        assert!(check_endpoint("-r").is_err());
        assert!(check_endpoint("").is_err());
    }
}
