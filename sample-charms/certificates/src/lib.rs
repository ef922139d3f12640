//! The goops how-to's flow: a CA whose certificate and key live in an application secret,
//! found by label and created when missing, renewed when it expires; the expired revision
//! is removed when Juju reports it obsolete.

use std::time::Duration;

use juju_charm::{
    Charm, Context, Event, Result, Rotate, SecretContent, log, secret_by_label, status,
};

/// The label of the CA secret.
pub const LABEL: &str = "active-ca-certificates";
const ONE_YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

struct Certificates;

fn ca_content(generation: u32) -> Result<SecretContent> {
    Ok(SecretContent::from_pairs([
        ("private-key", format!("Example private key #{generation}")),
        (
            "ca-certificate",
            format!("Example CA certificate #{generation}"),
        ),
    ])?)
}

fn ensure_ca(ctx: &Context) -> Result<()> {
    let secret = ctx
        .app()
        .add_secret(ca_content(1)?)
        .label(LABEL)
        .description("ca certificate and private key for the certificates charm")
        .expire_in(ONE_YEAR)
        .rotate(Rotate::Never)
        .get_or_create()?;
    let info = secret_by_label(LABEL).info()?;
    log::info(&format!(
        "CA secret {} at revision {}",
        secret.unique_identifier().unwrap_or_default(),
        info.revision
    ));
    status::active(&format!(
        "CA certificate ready (revision {})",
        info.revision
    ))
}

impl Charm for Certificates {
    fn handle(ctx: &Context, event: Event) -> Result<()> {
        match event {
            Event::Install | Event::ConfigChanged | Event::LeaderElected => {
                if juju_charm::is_leader()? {
                    ensure_ca(ctx)?;
                } else {
                    status::active("following the leader's CA")?;
                }
            }
            Event::SecretExpired(expired) if expired.label.as_deref() == Some(LABEL) => {
                // Renew only: removing the expired revision in this hook would make Juju
                // drop the renewal. Once nobody tracks the old revision, Juju fires
                // secret-remove for it, below.
                let mut secret = expired.secret();
                let next = secret.info()?.revision + 1;
                secret.set_content(ca_content(next)?)?;
                secret.set_info().expire_in(ONE_YEAR).apply()?;
                log::info(&format!(
                    "renewed the expired CA (revision {} expired)",
                    expired.revision
                ));
            }
            Event::SecretRemove(remove) => remove.remove_revision()?,
            _ => {}
        }
        Ok(())
    }
}

juju_charm::export_charm!(Certificates);
