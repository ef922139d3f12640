//! The owner side of the secrets how-to: a database that creates credentials for each
//! related application, shares them as a Juju secret, rotates them daily and cleans up.
//!
//! After creating or rotating the credentials it applies the password to its workload with
//! `/usr/local/bin/database-set-password admin`, the password on standard input.
//!
//! The operator can rotate them at once with the `rotate-password` action (on the leader).
//! Each unit counts the rotations it performed in its unit state; the leader publishes the
//! revision it last rotated to in the peer relation, and every unit shows it in its status.

use juju_charm::state::Stored;
use juju_charm::{
    Charm, Context, Error, Event, Relation, Result, Rotate, SecretContent, action, commands, log,
    secret_by_id, secret_by_label, status,
};
use serde::{Deserialize, Serialize};

/// The owner label of the credentials secret.
pub const LABEL: &str = "secret-for-webserver-app";
const USERNAME: &str = "admin";
/// The peer relation the units share.
const PEERS: &str = "database-peers";
/// The peer application data key holding the revision the leader last rotated to.
const ROTATED: &str = "rotated-revision";
/// The workload's tool that sets a database user's password, read from its standard input.
pub const SET_PASSWORD: &str = "/usr/local/bin/database-set-password";

/// The rotations this unit performed, kept in its unit state.
#[derive(Default, Serialize, Deserialize)]
struct Rotations {
    action: u32,
    daily: u32,
}

/// Why the credentials rotate.
#[derive(Clone, Copy)]
enum Why {
    Action,
    Daily,
}

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

/// Gives the workload the password of `content` (on stdin: never on a command line).
fn apply_password(content: &SecretContent) -> Result<()> {
    let password = content.get("password").unwrap_or_default();
    commands::run(SET_PASSWORD, &[USERNAME], Some(password.as_bytes()))?
        .check()
        .map_err(|e| Error::msg(format!("{SET_PASSWORD} {USERNAME}: {e}")))
}

fn share_credentials(ctx: &Context, relation: &Relation) -> Result<()> {
    // The secret if it exists (left as it is; `secret-info-get` makes the owner track no
    // revision), else new credentials, which the workload gets at once.
    let mut secret = match secret_by_label(LABEL).info() {
        Ok(info) => secret_by_id(info.id),
        Err(e) if e.is_not_found() => {
            let content = credentials()?;
            let secret = ctx
                .app()
                .add_secret(content.clone())
                .label(LABEL)
                .description("database credentials for the webserver application")
                .rotate(Rotate::Daily)
                .create()?;
            apply_password(&content)?;
            secret
        }
        Err(e) => return Err(e),
    };
    secret.grant(relation)?;
    // One id form whatever call produced the handle, so the databag does not churn.
    relation.set_app_data([("secret-id", secret.canonical_id().unwrap_or_default())])?;
    log::info(&format!("shared credentials over relation {}", relation.id));
    Ok(())
}

/// New credentials now: returns the revision they will have when the hook commits (the
/// latest + 1), counts the rotation and publishes the revision to the peers.
fn rotate(why: Why) -> Result<u32> {
    let mut secret = secret_by_label(LABEL);
    let revision = secret.info()?.revision + 1;
    let content = credentials()?;
    secret.set_content(content.clone())?;
    apply_password(&content)?;
    let mut rotations: Stored<Rotations> = Stored::load("rotations")?;
    match why {
        Why::Action => rotations.action += 1,
        Why::Daily => rotations.daily += 1,
    }
    rotations.save()?;
    if let Some(peers) = juju_charm::relation(PEERS)? {
        peers.set_app_data([(ROTATED, revision.to_string())])?;
    }
    show_revision(Some(revision))?;
    log::info(&format!(
        "rotated the database password to revision {revision}"
    ));
    Ok(revision)
}

/// The status every unit shows: the revision the leader last rotated to, once there is one.
fn show_revision(revision: Option<u32>) -> Result<()> {
    match revision {
        Some(n) => status::active(&format!("ready; credentials at revision {n}")),
        None => status::active("ready"),
    }
}

fn peer_revision(ctx: &Context, peers: &Relation) -> Result<Option<u32>> {
    Ok(peers
        .app_data(&ctx.app_name)?
        .get(ROTATED)
        .and_then(|r| r.parse().ok()))
}

impl Charm for Database {
    fn handle(ctx: &Context, event: Event) -> Result<()> {
        match event {
            Event::Install | Event::Start => status::active("ready")?,
            Event::RelationJoined(joined)
                if joined.relation.endpoint == "database" && juju_charm::is_leader()? =>
            {
                share_credentials(ctx, &joined.relation)?;
            }
            Event::SecretRotate(event) if event.label.as_deref() == Some(LABEL) => {
                rotate(Why::Daily)?;
            }
            Event::Action(run) if run.name == "rotate-password" => {
                if !juju_charm::is_leader()? {
                    action::fail("rotate-password must run on the leader unit")?;
                    return Ok(());
                }
                let revision = rotate(Why::Action)?;
                action::set_results([("revision", revision.to_string())])?;
            }
            Event::RelationChanged(changed) if changed.relation.endpoint == PEERS => {
                show_revision(peer_revision(ctx, &changed.relation)?)?;
            }
            Event::SecretRemove(remove) => {
                remove.remove_revision()?;
                log::info(&format!("removed obsolete revision {}", remove.revision));
            }
            Event::RelationBroken(broken)
                if broken.relation.endpoint == "database" && juju_charm::is_leader()? =>
            {
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
