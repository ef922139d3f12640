//! The observer side of the secrets how-to: a web server that reads database credentials
//! from a secret whose id the database publishes, and follows new revisions.

use juju_charm::{
    Charm, Context, Event, Result, SecretContent, log, secret_by_id_with_label, status,
};

/// The label this charm attaches to the database's secret.
pub const LABEL: &str = "database-secret";

struct Webserver;

/// What the web server would write into its configuration; here, the status says it.
fn configure(content: &SecretContent) -> Result<()> {
    let user = content.get("username").unwrap_or("?");
    status::active(&format!("connected to the database as {user}"))?;
    log::info("configured database credentials");
    Ok(())
}

fn valid(content: &SecretContent) -> bool {
    content.get("username").is_some_and(|u| !u.is_empty())
        && content.get("password").is_some_and(|p| p.len() >= 12)
}

impl Charm for Webserver {
    fn handle(_ctx: &Context, event: Event) -> Result<()> {
        match event {
            Event::Install => status::waiting("waiting for a database relation")?,
            Event::RelationChanged(changed) if changed.relation.endpoint == "database" => {
                let data = changed.relation.app_data(&changed.remote_app)?;
                let Some(id) = data.get("secret-id") else {
                    return status::waiting("waiting for database credentials");
                };
                let mut secret = secret_by_id_with_label(id.clone(), LABEL);
                configure(&secret.content()?)?;
            }
            Event::SecretChanged(changed) if changed.label.as_deref() == Some(LABEL) => {
                let mut secret = changed.secret();
                let latest = secret.peek()?;
                if !valid(&latest) {
                    log::warning(
                        "the new database credentials are not valid; keeping the old ones",
                    );
                    return status::blocked("database sent invalid credentials");
                }
                configure(&secret.refresh()?)?;
            }
            Event::RelationBroken(_) => status::blocked("no database")?,
            _ => {}
        }
        Ok(())
    }
}

juju_charm::export_charm!(Webserver);
