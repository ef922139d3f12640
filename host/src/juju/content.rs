//! Secret content and Juju's rules for it (keys, emptiness, base64-encoded size limits).

use std::collections::BTreeMap;
use std::fmt;

use crate::error::HostError;

/// Juju's limit on one value and on the whole content, measured base64-encoded (1 MB).
pub const MAX_ENCODED_BYTES: usize = 1_000_000;

/// Validated secret content.
///
/// Its `Debug` shows the keys only, so logging a request or an error can never print a value.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretContent(BTreeMap<String, String>);

/// Juju's key rule, `^([a-z](?:-?[a-z0-9]){2,})$`: a letter first, at least three characters,
/// single hyphens between alphanumerics.
pub fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some((first, rest)) = bytes.split_first() else {
        return false;
    };
    if !first.is_ascii_lowercase() {
        return false;
    }
    let mut alnum_after_first = 0;
    let mut previous_hyphen = false;
    for &b in rest {
        match b {
            b'-' if !previous_hyphen => previous_hyphen = true,
            b'a'..=b'z' | b'0'..=b'9' => {
                previous_hyphen = false;
                alnum_after_first += 1;
            }
            _ => return false,
        }
    }
    !previous_hyphen && alnum_after_first >= 2
}

/// The length of `n` bytes once base64-encoded with padding.
pub fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

impl SecretContent {
    /// Validates pairs as Juju's `secret-add`/`secret-set` would, with Juju's messages.
    pub fn new(pairs: Vec<(String, String)>) -> Result<Self, HostError> {
        if pairs.is_empty() {
            return Err(HostError::InvalidContent(
                "empty secret value not valid".into(),
            ));
        }
        let mut map = BTreeMap::new();
        let mut total = 0;
        for (key, value) in pairs {
            if !is_valid_key(&key) {
                return Err(HostError::InvalidContent(format!("key {key:?} not valid")));
            }
            let encoded = base64_len(value.len());
            if encoded > MAX_ENCODED_BYTES {
                return Err(HostError::InvalidContent(format!(
                    "base64 encoded secret content for key {key:?} too large: {encoded} bytes"
                )));
            }
            total += encoded;
            if map.insert(key.clone(), value).is_some() {
                return Err(HostError::InvalidContent(format!("duplicate key {key:?}")));
            }
        }
        if total > MAX_ENCODED_BYTES {
            return Err(HostError::InvalidContent(format!(
                "base64 encoded secret content too large: {total} bytes"
            )));
        }
        Ok(SecretContent(map))
    }

    /// Content exactly as Juju returned it; Juju already enforced its rules on the way in.
    pub fn from_juju(map: BTreeMap<String, String>) -> Self {
        SecretContent(map)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Only `key`, with Juju's message when it is missing.
    pub fn select(self, key: &str) -> Result<Self, HostError> {
        match self.0.get(key) {
            Some(value) => Ok(SecretContent(BTreeMap::from([(
                key.to_string(),
                value.clone(),
            )]))),
            None => Err(HostError::NotFound(format!(
                "secret key value {key:?} not found"
            ))),
        }
    }

    /// The pairs, for handing to the guest.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.0.into_iter().collect()
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keys_follow_the_juju_key_regex() {
        for good in ["abc", "password", "tls-key", "a1b", "ca-cert-2", "a-b-c"] {
            assert!(is_valid_key(good), "{good} should be valid");
        }
        for bad in [
            "", "ab", "a-b", "Abc", "1abc", "-abc", "abc-", "ab--c", "a_bc", "ab c", "ab.c", "é-ab",
        ] {
            assert!(!is_valid_key(bad), "{bad} should be invalid");
        }
    }

    #[test]
    fn empty_content_is_refused() {
        assert_eq!(
            SecretContent::new(vec![]),
            Err(HostError::InvalidContent(
                "empty secret value not valid".into()
            ))
        );
    }

    #[test]
    fn an_invalid_key_is_named_in_the_error() {
        assert_eq!(
            SecretContent::new(pairs(&[("password", "x"), ("Bad_Key", "y")])),
            Err(HostError::InvalidContent(
                "key \"Bad_Key\" not valid".into()
            ))
        );
    }

    #[test]
    fn a_value_over_one_megabyte_base64_encoded_is_too_large() {
        let at_limit = "x".repeat(750_000);
        assert!(SecretContent::new(vec![("big".into(), at_limit)]).is_ok());
        let over = "x".repeat(750_001);
        assert_eq!(
            SecretContent::new(vec![("big".into(), over)]),
            Err(HostError::InvalidContent(
                "base64 encoded secret content for key \"big\" too large: 1000004 bytes".into()
            ))
        );
    }

    #[test]
    fn total_content_over_one_megabyte_base64_encoded_is_too_large() {
        let half = "x".repeat(400_000);
        let err = SecretContent::new(vec![
            ("one".into(), half.clone()),
            ("two".into(), half.clone()),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            HostError::InvalidContent(
                "base64 encoded secret content too large: 1066672 bytes".into()
            )
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(
            SecretContent::new(pairs(&[("password", "a"), ("password", "b")])),
            Err(HostError::InvalidContent(
                "duplicate key \"password\"".into()
            ))
        );
    }

    #[test]
    fn debug_output_never_shows_values() {
        let content = SecretContent::new(pairs(&[("password", "hunter2-s3cret")])).unwrap();
        let shown = format!("{content:?}");
        assert!(shown.contains("password"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn selecting_a_missing_key_gives_juju_not_found_text() {
        let content = SecretContent::new(pairs(&[("password", "p")])).unwrap();
        assert_eq!(
            content.clone().select("username"),
            Err(HostError::NotFound(
                "secret key value \"username\" not found".into()
            ))
        );
        assert_eq!(
            content.select("password").unwrap().get("password"),
            Some("p")
        );
    }
}
