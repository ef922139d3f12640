//! Secret content: validated like Juju validates it, never printed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The key/value content of a secret revision.
///
/// Built only through checks that match Juju's (keys, non-empty, 1 MB limits, with Juju's
/// messages), so bad content fails where it is made, before any host call. It has no
/// `Display`, and its `Debug` shows keys only: a value cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Content from key/value pairs.
    ///
    /// ```
    /// # use juju_charm::SecretContent;
    /// let content = SecretContent::from_pairs([("username", "admin"), ("password", "pw")]).unwrap();
    /// assert_eq!(content.get("username"), Some("admin"));
    /// assert!(SecretContent::from_pairs([("Password", "pw")]).is_err());
    /// ```
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self> {
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        juju_rules::check_content(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| Error::InvalidContent(e.to_string()))?;
        Ok(SecretContent(pairs.into_iter().collect()))
    }

    /// Content from a serde struct: each field becomes a key (use
    /// `#[serde(rename_all = "kebab-case")]` for Juju's key style); strings are stored as
    /// they are, other values as JSON.
    ///
    /// ```
    /// # use juju_charm::SecretContent;
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Credentials { username: String, password: String, max_conns: u32 }
    ///
    /// let creds = Credentials { username: "admin".into(), password: "pw".into(), max_conns: 5 };
    /// let content = SecretContent::from_serde(&creds).unwrap();
    /// assert_eq!(content.get("max-conns"), Some("5"));
    /// assert_eq!(content.to_serde::<Credentials>().unwrap(), creds);
    /// ```
    pub fn from_serde<T: Serialize>(value: &T) -> Result<Self> {
        // serde's own message may quote a value: never pass it on.
        let json = serde_json::to_value(value).map_err(|_| {
            Error::InvalidContent("secret content cannot be serialized as a map of keys".into())
        })?;
        let serde_json::Value::Object(fields) = json else {
            return Err(Error::InvalidContent(
                "secret content must serialize to a struct or map".into(),
            ));
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
    pub fn to_serde<T: DeserializeOwned>(&self) -> Result<T> {
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
        serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
            // serde quotes offending values, escaped or in another form (a number read from
            // the text), so its message passes only when it names keys: a missing or unknown
            // field.
            let message = e.to_string();
            if message.starts_with("missing field `") || message.starts_with("unknown field `") {
                Error::InvalidContent(format!("secret content does not match the type: {message}"))
            } else {
                Error::InvalidContent("secret content does not match the expected type".into())
            }
        })
    }

    pub(crate) fn from_host(pairs: Vec<(String, String)>) -> Self {
        SecretContent(pairs.into_iter().collect())
    }

    pub(crate) fn to_host(&self) -> Vec<(String, String)> {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// One value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Key/value pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for content built by this crate (Juju refuses empty content).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
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

    #[test]
    fn invalid_keys_are_refused_before_any_host_call_with_jujus_message() {
        assert_eq!(
            SecretContent::from_pairs([("tls_key", "x")]),
            Err(Error::InvalidContent("key \"tls_key\" not valid".into()))
        );
    }

    #[test]
    fn empty_content_is_refused() {
        assert_eq!(
            SecretContent::from_pairs(Vec::<(String, String)>::new()),
            Err(Error::InvalidContent("empty secret value not valid".into()))
        );
    }

    #[test]
    fn oversized_values_are_refused() {
        let big = "x".repeat(750_001);
        let err = SecretContent::from_pairs([("blob", big)]).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidContent(
                "base64 encoded secret content for key \"blob\" too large: 1000004 bytes".into()
            )
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let content = SecretContent::from_pairs([("password", "hunter2")]).unwrap();
        let shown = format!("{content:?}");
        assert_eq!(shown, "{\"password\": \"<redacted>\"}");
    }

    #[test]
    fn serde_structs_need_keys_juju_accepts() {
        #[derive(serde::Serialize)]
        struct Bad {
            db_password: String,
        }
        let err = SecretContent::from_serde(&Bad {
            db_password: "x".into(),
        })
        .unwrap_err();
        assert_eq!(
            err,
            Error::InvalidContent("key \"db_password\" not valid".into())
        );
    }

    #[test]
    fn a_type_mismatch_does_not_quote_the_value() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Port {
            port: u16,
        }
        // Values serde would show escaped, or in another form than they are stored.
        for value in [
            "hunter2-secret",
            "hunt\"er2",
            "hun\\ter2",
            "hunter\n2",
            "0042",
            "4.20e1",
        ] {
            let content = SecretContent::from_pairs([("port", value)]).unwrap();
            let err = content.to_serde::<Port>().unwrap_err().to_string();
            assert_eq!(
                err, "invalid content: secret content does not match the expected type",
                "{value:?}"
            );
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Login {
            user: String,
            password: String,
        }
        let content = SecretContent::from_pairs([("user", "admin-s3cret")]).unwrap();
        let err = content.to_serde::<Login>().unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid content: secret content does not match the type: missing field `password`"
        );
    }
}
