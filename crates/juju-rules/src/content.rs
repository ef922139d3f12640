//! Secret content: the one type the host and the guest SDK both hold it in, validated like
//! Juju validates it and never printed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ContentError, check_content};

/// The key/value content of a secret revision.
///
/// Built through checks that match Juju's (keys, non-empty, 1 MB limits, with Juju's messages),
/// so bad content fails where it is made, before any hook command or host call; only content
/// Juju or the host already checked skips them ([`SecretContent::from_juju`]), and the host
/// checks again whatever a guest sends. It has no `Display`, and its `Debug` shows keys only: a
/// value cannot end up in a log, an error or a trace by accident.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Content from key/value pairs.
    ///
    /// ```
    /// # use juju_rules::SecretContent;
    /// let content = SecretContent::from_pairs([("username", "admin"), ("password", "pw")]).unwrap();
    /// assert_eq!(content.get("username"), Some("admin"));
    /// assert!(SecretContent::from_pairs([("Password", "pw")]).is_err());
    /// ```
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ContentError> {
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        check_content(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        Ok(SecretContent(pairs.into_iter().collect()))
    }

    /// Content exactly as Juju (or the host, for a guest) returned it: Juju already enforced
    /// its rules on the way in.
    pub fn from_juju(map: BTreeMap<String, String>) -> Self {
        SecretContent(map)
    }

    /// Content from a serde struct: each field becomes a key (use
    /// `#[serde(rename_all = "kebab-case")]` for Juju's key style); strings are stored as
    /// they are, other values as JSON.
    ///
    /// ```
    /// # use juju_rules::SecretContent;
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Credentials { username: String, password: String, max_conns: u32 }
    ///
    /// let creds = Credentials { username: "admin".into(), password: "pw".into(), max_conns: 5 };
    /// let content = SecretContent::from_serde(&creds).unwrap();
    /// assert_eq!(content.get("max-conns"), Some("5"));
    /// assert_eq!(content.to_serde::<Credentials>().unwrap(), creds);
    /// ```
    pub fn from_serde<T: Serialize>(value: &T) -> Result<Self, ContentError> {
        // serde's own message may quote a value: never pass it on.
        let json = serde_json::to_value(value).map_err(|_| ContentError::NotSerializable)?;
        let serde_json::Value::Object(fields) = json else {
            return Err(ContentError::NotAMap);
        };
        Self::from_pairs(fields.into_iter().map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        }))
    }

    /// The content as a serde struct (the reverse of [`SecretContent::from_serde`]).
    pub fn to_serde<T: DeserializeOwned>(&self) -> Result<T, ContentError> {
        let fields = self
            .0
            .iter()
            .map(|(k, v)| {
                let value = match serde_json::from_str::<serde_json::Value>(v) {
                    Ok(parsed) if !parsed.is_string() => parsed,
                    _ => serde_json::Value::String(v.clone()),
                };
                (k.clone(), value)
            })
            .collect();
        serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| ContentError::Mismatch(naming_keys_only(&e)))
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

    /// Never true for validated content (Juju refuses empty content).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Only `key`, as `secret-get <id> <key>` returns it, with Juju's message when it is
    /// missing.
    pub fn select(self, key: &str) -> Result<Self, ContentError> {
        match self.0.get(key) {
            Some(value) => Ok(SecretContent(BTreeMap::from([(
                key.to_string(),
                value.clone(),
            )]))),
            None => Err(ContentError::MissingKey(key.to_string())),
        }
    }

    /// The pairs, in key order, for handing across the contract.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// The pairs, in key order.
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

/// serde's message for a value that did not decode, if it names only keys (a missing or
/// unknown field): serde quotes offending values, escaped or in another form (a number read
/// from the text), and a value may be a secret, so any other message is withheld.
pub fn naming_keys_only(e: &serde_json::Error) -> Option<String> {
    let message = e.to_string();
    (message.starts_with("missing field `") || message.starts_with("unknown field `"))
        .then_some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(
            SecretContent::from_pairs([("password", "a"), ("password", "b")]),
            Err(ContentError::DuplicateKey("password".into()))
        );
    }

    #[test]
    fn debug_output_never_shows_values() {
        let content = SecretContent::from_pairs([("password", "hunter2-s3cret")]).unwrap();
        let shown = format!("{content:?}");
        assert!(shown.contains("password"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn selecting_a_missing_key_gives_juju_not_found_text() {
        let content = SecretContent::from_pairs([("password", "p")]).unwrap();
        assert_eq!(
            content.clone().select("username").unwrap_err().to_string(),
            "secret key value \"username\" not found"
        );
        assert_eq!(
            content.select("password").unwrap().get("password"),
            Some("p")
        );
    }
}
