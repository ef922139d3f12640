//! Secret ids in the forms Juju prints, compared by their 20-character xid.

use std::fmt;

use crate::error::HostError;

/// A validated secret id.
///
/// Juju prints the same secret as `secret://<model-uuid>/<xid>` (secret-add),
/// `secret:<xid>` (JUJU_SECRET_ID) or a bare `<xid>` (secret-ids); equality and hashing use
/// the xid only, so ids from different commands compare as Juju means them.
#[derive(Clone, Eq)]
pub struct SecretId {
    raw: String,
    xid_start: usize,
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

impl SecretId {
    /// Parses any of Juju's four accepted forms; errors carry Juju's own message.
    pub fn parse(s: &str) -> Result<Self, HostError> {
        let invalid = || HostError::InvalidArgument(format!("secret URI {s:?} not valid"));
        let (scheme, rest) = match s.split_once(':') {
            Some((scheme, rest)) => (Some(scheme), rest),
            None => (None, s),
        };
        if let Some(scheme) = scheme
            && scheme != "secret"
        {
            return Err(HostError::InvalidArgument(format!(
                "secret URI scheme {scheme:?} not valid"
            )));
        }
        let path = match (scheme, rest.strip_prefix("//")) {
            (Some(_), Some(hosted)) => hosted,
            (Some(_), None) => rest,
            (None, _) => s,
        };
        let xid = match path.split_once('/') {
            Some((uuid, xid)) => {
                if !is_uuid(uuid) {
                    return Err(HostError::InvalidArgument(format!(
                        "host controller UUID {uuid:?} not valid"
                    )));
                }
                xid
            }
            None => path,
        };
        if !is_xid(xid) {
            return Err(invalid());
        }
        Ok(SecretId {
            raw: s.to_string(),
            xid_start: s.len() - XID_LEN,
        })
    }

    /// The 20-character unique identifier that names the secret in every form.
    pub fn xid(&self) -> &str {
        &self.raw[self.xid_start..]
    }

    /// The id exactly as it was given (what the host passes on to Juju).
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
    fn all_four_juju_forms_name_the_same_secret() {
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
                SecretId::parse(input),
                Err(HostError::InvalidArgument(message.to_string())),
                "{input}"
            );
        }
    }
}
