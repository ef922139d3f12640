//! Juju's rules for secret ids and secret content, with Juju's own error texts.
//!
//! Shared by the host (which validates everything a charm sends before it reaches Juju) and
//! the guest SDK (which checks content before any host call, so a charm author sees the
//! mistake at the call that made it), and by the model of Juju. It depends only on serde, so it
//! builds for any target, the guest's included.

use std::fmt;

mod content;
pub mod names;

pub use content::{SecretContent, naming_keys_only};

/// Juju's limit on one value and on the whole content, measured base64-encoded (1 MB).
pub const MAX_ENCODED_BYTES: usize = 1_000_000;

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

/// Why secret content breaks Juju's rules; `Display` gives Juju's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentError {
    Empty,
    InvalidKey(String),
    DuplicateKey(String),
    ValueTooLarge {
        key: String,
        encoded: usize,
    },
    TooLarge {
        encoded: usize,
    },
    /// `secret-get <id> <key>` of a key the content does not have.
    MissingKey(String),
    /// A serde value that could not be serialised (serde's message is not kept: it may quote
    /// a value).
    NotSerializable,
    /// A serde value that is not a struct or map.
    NotAMap,
    /// Content that does not deserialise into the type asked for; serde's message only when
    /// it names keys, never values.
    Mismatch(Option<String>),
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentError::Empty => write!(f, "empty secret value not valid"),
            ContentError::InvalidKey(key) => write!(f, "key {key:?} not valid"),
            ContentError::DuplicateKey(key) => write!(f, "duplicate key {key:?}"),
            ContentError::ValueTooLarge { key, encoded } => write!(
                f,
                "base64 encoded secret content for key {key:?} too large: {encoded} bytes"
            ),
            ContentError::TooLarge { encoded } => {
                write!(
                    f,
                    "base64 encoded secret content too large: {encoded} bytes"
                )
            }
            ContentError::MissingKey(key) => write!(f, "secret key value {key:?} not found"),
            ContentError::NotSerializable => {
                write!(f, "secret content cannot be serialized as a map of keys")
            }
            ContentError::NotAMap => write!(f, "secret content must serialize to a struct or map"),
            ContentError::Mismatch(Some(message)) => {
                write!(f, "secret content does not match the type: {message}")
            }
            ContentError::Mismatch(None) => {
                write!(f, "secret content does not match the expected type")
            }
        }
    }
}

impl std::error::Error for ContentError {}

/// Checks key/value pairs as `secret-add` and `secret-set` would.
pub fn check_content<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), ContentError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut total = 0;
    for (key, value) in pairs {
        if !is_valid_key(key) {
            return Err(ContentError::InvalidKey(key.to_string()));
        }
        let encoded = base64_len(value.len());
        if encoded > MAX_ENCODED_BYTES {
            return Err(ContentError::ValueTooLarge {
                key: key.to_string(),
                encoded,
            });
        }
        if seen.contains(&key) {
            return Err(ContentError::DuplicateKey(key.to_string()));
        }
        seen.push(key);
        total += encoded;
    }
    if seen.is_empty() {
        return Err(ContentError::Empty);
    }
    if total > MAX_ENCODED_BYTES {
        return Err(ContentError::TooLarge { encoded: total });
    }
    Ok(())
}

/// A secret id in any form Juju prints, compared by its 20-character xid.
///
/// Juju prints the same secret as `secret://<model-uuid>/<xid>` (secret-add),
/// `secret:<xid>` (JUJU_SECRET_ID) or a bare `<xid>` (secret-ids).
#[derive(Clone, Eq)]
pub struct SecretId {
    raw: String,
}

const XID_LEN: usize = 20;

fn is_xid(s: &str) -> bool {
    s.len() == XID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    groups.len() == lens.len()
        && groups.iter().zip(lens).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Why a secret id is not valid; `Display` gives Juju's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdError {}

impl SecretId {
    /// Parses `secret:<xid>`, `secret://<uuid>/<xid>`, `<xid>` or `<uuid>/<xid>`.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let (scheme, rest) = match s.split_once(':') {
            Some((scheme, rest)) => (Some(scheme), rest),
            None => (None, s),
        };
        if let Some(scheme) = scheme
            && scheme != "secret"
        {
            return Err(IdError(format!("secret URI scheme {scheme:?} not valid")));
        }
        let path = match (scheme, rest.strip_prefix("//")) {
            (Some(_), Some(hosted)) => hosted,
            (Some(_), None) => rest,
            (None, _) => s,
        };
        let xid = match path.split_once('/') {
            Some((uuid, xid)) => {
                if !is_uuid(uuid) {
                    return Err(IdError(format!("host controller UUID {uuid:?} not valid")));
                }
                xid
            }
            None => path,
        };
        if !is_xid(xid) {
            return Err(IdError(format!("secret URI {s:?} not valid")));
        }
        Ok(SecretId { raw: s.to_string() })
    }

    /// The 20-character unique identifier that names the secret in every form.
    pub fn xid(&self) -> &str {
        &self.raw[self.raw.len() - XID_LEN..]
    }

    /// The id exactly as it was given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The `secret:<xid>` form Juju uses in hook environments.
    pub fn canonical(&self) -> String {
        format!("secret:{}", self.xid())
    }
}

impl PartialEq for SecretId {
    fn eq(&self, other: &Self) -> bool {
        self.xid() == other.xid()
    }
}

impl std::hash::Hash for SecretId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.xid().hash(state)
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XID: &str = "cid6tkuffbas7af0e0eg";

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
    fn content_errors_carry_juju_messages() {
        assert_eq!(
            check_content([]).unwrap_err().to_string(),
            "empty secret value not valid"
        );
        assert_eq!(
            check_content([("password", "x"), ("Bad_Key", "y")])
                .unwrap_err()
                .to_string(),
            "key \"Bad_Key\" not valid"
        );
        assert_eq!(
            check_content([("password", "a"), ("password", "b")])
                .unwrap_err()
                .to_string(),
            "duplicate key \"password\""
        );
    }

    #[test]
    fn a_value_over_one_megabyte_base64_encoded_is_too_large() {
        let at_limit = "x".repeat(750_000);
        assert!(check_content([("big", at_limit.as_str())]).is_ok());
        let over = "x".repeat(750_001);
        assert_eq!(
            check_content([("big", over.as_str())])
                .unwrap_err()
                .to_string(),
            "base64 encoded secret content for key \"big\" too large: 1000004 bytes"
        );
    }

    #[test]
    fn total_content_over_one_megabyte_base64_encoded_is_too_large() {
        let half = "x".repeat(400_000);
        assert_eq!(
            check_content([("one", half.as_str()), ("two", half.as_str())])
                .unwrap_err()
                .to_string(),
            "base64 encoded secret content too large: 1066672 bytes"
        );
    }

    #[test]
    fn all_four_juju_id_forms_name_the_same_secret() {
        let forms = [
            format!("secret:{XID}"),
            format!("secret://42022b73-9739-4a66-890d-f4df231ce55f/{XID}"),
            XID.to_string(),
            format!("42022b73-9739-4a66-890d-f4df231ce55f/{XID}"),
        ];
        let ids: Vec<SecretId> = forms.iter().map(|f| SecretId::parse(f).unwrap()).collect();
        for (id, form) in ids.iter().zip(&forms) {
            assert_eq!(id.xid(), XID);
            assert_eq!(id.as_str(), form);
            assert_eq!(id, &ids[0]);
            assert_eq!(id.canonical(), format!("secret:{XID}"));
        }
    }

    #[test]
    fn malformed_ids_are_refused_with_juju_messages() {
        let cases = [
            ("secret:short", "secret URI \"secret:short\" not valid"),
            (
                "http:cid6tkuffbas7af0e0eg",
                "secret URI scheme \"http\" not valid",
            ),
            (
                "secret://not-a-uuid/cid6tkuffbas7af0e0eg",
                "host controller UUID \"not-a-uuid\" not valid",
            ),
            ("--owner=unit", "secret URI \"--owner=unit\" not valid"),
            ("", "secret URI \"\" not valid"),
            (
                "CID6TKUFFBAS7AF0E0EG",
                "secret URI \"CID6TKUFFBAS7AF0E0EG\" not valid",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                SecretId::parse(input).unwrap_err().to_string(),
                message,
                "{input}"
            );
        }
    }
}
