//! Secret content: the type of `juju-rules`, which the host holds content in too, so both
//! sides check it with the same rules; its errors become the SDK's `invalid-content` (`?` turns
//! a [`ContentError`] into a [`crate::Error`]).

use crate::error::Error;

pub use juju_rules::{ContentError, SecretContent};

impl From<ContentError> for Error {
    fn from(err: ContentError) -> Self {
        Error::InvalidContent(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_keys_are_refused_before_any_host_call_with_jujus_message() {
        assert_eq!(
            SecretContent::from_pairs([("tls_key", "x")]).map_err(Error::from),
            Err(Error::InvalidContent("key \"tls_key\" not valid".into()))
        );
    }

    #[test]
    fn empty_content_is_refused() {
        assert_eq!(
            SecretContent::from_pairs(Vec::<(String, String)>::new()).map_err(Error::from),
            Err(Error::InvalidContent("empty secret value not valid".into()))
        );
    }

    #[test]
    fn oversized_values_are_refused() {
        let big = "x".repeat(750_001);
        let err = Error::from(SecretContent::from_pairs([("blob", big)]).unwrap_err());
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
        let err = Error::from(
            SecretContent::from_serde(&Bad {
                db_password: "x".into(),
            })
            .unwrap_err(),
        );
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
            let err = Error::from(content.to_serde::<Port>().unwrap_err()).to_string();
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
        let err = Error::from(content.to_serde::<Login>().unwrap_err()).to_string();
        assert_eq!(
            err,
            "invalid content: secret content does not match the type: missing field `password`"
        );
    }
}
