//! The owner side of the secrets how-to: a database that creates credentials for each
//! related application, shares them as a Juju secret, rotates them daily and cleans up.

use juju_charm::{
    Charm, Context, Error, Event, Relation, Result, Rotate, SecretContent, log, secret_by_label,
    status,
};

/// The owner label of the credentials secret.
pub const LABEL: &str = "secret-for-webserver-app";
const USERNAME: &str = "admin";

struct Database;

/// A fresh 24-character password from the host's random source.
fn new_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| Error::msg(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

fn credentials() -> Result<SecretContent> {
    Ok(SecretContent::from_pairs([
        ("username", USERNAME.to_string()),
        ("password", new_password()?),
    ])?)
}

fn share_credentials(ctx: &Context, relation: &Relation) -> Result<()> {
    let mut secret = ctx
        .app()
        .add_secret(credentials()?)
        .label(LABEL)
        .description("database credentials for the webserver application")
        .rotate(Rotate::Daily)
        .get_or_create()?;
    secret.grant(relation)?;
    // One id form whatever call produced the handle, so the databag does not churn.
    relation.set_app_data([("secret-id", secret.canonical_id().unwrap_or_default())])?;
    log::info(&format!("shared credentials over relation {}", relation.id));
    Ok(())
}

impl Charm for Database {
    fn handle(ctx: &Context, event: Event) -> Result<()> {
        match event {
            Event::Install | Event::Start => status::active("ready")?,
            Event::RelationJoined(joined) if juju_charm::is_leader()? => {
                share_credentials(ctx, &joined.relation)?;
            }
            Event::SecretRotate(rotate) if rotate.label.as_deref() == Some(LABEL) => {
                rotate.secret().set_content(credentials()?)?;
                log::info("rotated the database password");
            }
            Event::SecretRemove(remove) => {
                remove.remove_revision()?;
                log::info(&format!("removed obsolete revision {}", remove.revision));
            }
            Event::RelationBroken(broken) if juju_charm::is_leader()? => {
                let mut secret = secret_by_label(LABEL);
                match secret.info() {
                    Ok(_) => {
                        secret.revoke(&broken.relation)?;
                        secret.remove_all_revisions()?;
                        log::info("revoked and removed the credentials");
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            _ => {}
        }
        Ok(())
    }
}

juju_charm::export_charm!(Database);
