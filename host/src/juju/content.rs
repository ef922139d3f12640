//! Secret content and Juju's rules for it (keys, emptiness, base64-encoded size limits).

use std::collections::BTreeMap;
use std::fmt;

use crate::error::HostError;

pub use juju_rules::{MAX_ENCODED_BYTES, is_valid_key};

/// Validated secret content.
///
/// Its `Debug` shows the keys only, so logging a request or an error can never print a value.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Validates pairs as Juju's `secret-add`/`secret-set` would, with Juju's messages.
    pub fn new(pairs: Vec<(String, String)>) -> Result<Self, HostError> {
        juju_rules::check_content(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| HostError::InvalidContent(e.to_string()))?;
        Ok(SecretContent(pairs.into_iter().collect()))
    }

    /// Content exactly as Juju returned it; Juju already enforced its rules on the way in.
    pub fn from_juju(map: BTreeMap<String, String>) -> Self {
        SecretContent(map)
    }

    /// One value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Key/value pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The keys, in order (what traces show instead of values).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for validated content.
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

    /// A checksum of the content, as Juju keeps one per latest revision to tell whether a
    /// `secret-set` brings new content (SHA-256 of the sorted pairs as JSON; not Juju's bytes,
    /// only its use: equal content, equal checksum).
    pub fn checksum(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(&self.0).expect("a map of strings serialises");
        Sha256::digest(json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
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
