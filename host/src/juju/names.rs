//! The names Juju accepts for applications, units, endpoints, labels and free text, checked
//! before any of them is placed on a hook command's command line.

use crate::error::HostError;

/// The longest application, unit or endpoint name the host accepts (Juju's are short; a
/// longer one is only ever an attempt to make the host keep or print a lot).
pub const MAX_NAME: usize = 128;

/// The longest label the host accepts.
pub const MAX_LABEL: usize = 512;

/// A name that is too long, refused without echoing it.
fn too_long(what: &str, length: usize, most: usize) -> HostError {
    HostError::InvalidArgument(format!(
        "{what} not valid: {length} bytes long, at most {most}"
    ))
}

/// Juju's application name rule: lowercase letters, digits and single hyphens; starts with a
/// letter; no segment made only of digits after a hyphen.
pub fn is_valid_app_name(name: &str) -> bool {
    let mut segments = name.split('-');
    let Some(first) = segments.next() else {
        return false;
    };
    let lower_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && lower_alnum(first)
        && segments
            .all(|s| !s.is_empty() && lower_alnum(s) && s.bytes().any(|b| b.is_ascii_lowercase()))
}

/// `<application>/<number>`.
pub fn is_valid_unit_name(name: &str) -> bool {
    match name.rsplit_once('/') {
        Some((app, n)) => {
            is_valid_app_name(app) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Endpoint (relation) names from charm metadata: a letter, then letters, digits, `-` or `_`.
pub fn is_valid_endpoint(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A unit name, or Juju's `unit "x" not valid`.
pub fn check_unit(name: &str) -> Result<&str, HostError> {
    if name.len() > MAX_NAME {
        return Err(too_long("unit", name.len(), MAX_NAME));
    }
    if is_valid_unit_name(name) {
        Ok(name)
    } else {
        Err(HostError::InvalidArgument(format!(
            "unit {name:?} not valid"
        )))
    }
}

/// An application name, or Juju's `application "x" not valid`.
pub fn check_app(name: &str) -> Result<&str, HostError> {
    if name.len() > MAX_NAME {
        return Err(too_long("application", name.len(), MAX_NAME));
    }
    if is_valid_app_name(name) {
        Ok(name)
    } else {
        Err(HostError::InvalidArgument(format!(
            "application {name:?} not valid"
        )))
    }
}

/// An endpoint name from charm metadata.
pub fn check_endpoint(name: &str) -> Result<&str, HostError> {
    if name.len() > MAX_NAME {
        return Err(too_long("endpoint", name.len(), MAX_NAME));
    }
    if is_valid_endpoint(name) {
        Ok(name)
    } else {
        Err(HostError::InvalidArgument(format!(
            "endpoint {name:?} not valid"
        )))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_and_unit_names_follow_juju_rules() {
        for good in ["database", "web-server", "pg2", "a", "my-app2"] {
            assert!(is_valid_app_name(good), "{good}");
        }
        for bad in [
            "",
            "Database",
            "2db",
            "web--server",
            "web-",
            "-web",
            "web-2",
            "web_server",
            "a/b",
        ] {
            assert!(!is_valid_app_name(bad), "{bad}");
        }
        assert!(is_valid_unit_name("database/0"));
        assert!(is_valid_unit_name("web-server/12"));
        for bad in [
            "database",
            "database/",
            "database/x",
            "/0",
            "--unit=x/0",
            "Db/0",
        ] {
            assert!(!is_valid_unit_name(bad), "{bad}");
        }
    }

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
