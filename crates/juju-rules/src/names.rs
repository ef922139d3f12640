//! The names Juju accepts for applications, units and endpoints, and how long a name or a
//! label may be before it is only an attempt to make the host keep or print a lot.

/// The longest application, unit or endpoint name the host accepts (Juju's are short; a
/// longer one is only ever an attempt to make the host keep or print a lot).
pub const MAX_NAME: usize = 128;

/// The longest label the host accepts.
pub const MAX_LABEL: usize = 512;

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
}
