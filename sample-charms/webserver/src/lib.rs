//! The observer side of the secrets how-to: a web server that reads database credentials
//! from a secret whose id the database publishes, and follows new revisions. It writes them
//! to its workload's configuration (`/etc/webserver/database.json`, readable by root only)
//! and reloads the `webserver` service after each change; when the relation goes, it removes
//! them. It opens the TCP port the operator configures (and only that one), and tells the
//! version it runs and the address it connects to the database from.

use juju_charm::{
    Charm, Context, Error, Event, Result, SecretContent, binding, config, files, log, ports,
    secret_by_id_with_label, services, status,
};

/// The label this charm attaches to the database's secret.
pub const LABEL: &str = "database-secret";

struct Webserver;

/// The port the web server listens on unless the operator configures another.
const DEFAULT_PORT: i64 = 8080;

/// The web server's configuration directory, root's only.
pub const CONFIG_DIR: &str = "/etc/webserver";

/// Where the web server reads the database credentials from.
pub const CREDENTIALS: &str = "/etc/webserver/database.json";

/// The credentials as the web server reads them: a JSON object, username then password.
pub fn credentials_file(username: &str, password: &str) -> String {
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "{{\"username\": {}, \"password\": {}}}\n",
        quote(username),
        quote(password)
    )
}

/// Writes the credentials where the web server reads them and reloads it if they changed.
fn configure(content: &SecretContent) -> Result<()> {
    let user = content.get("username").unwrap_or("?");
    let password = content.get("password").unwrap_or_default();
    if files::stat(CONFIG_DIR)?.is_none() {
        files::make_dir(CONFIG_DIR, 0o700)?;
    }
    if files::update(
        CREDENTIALS,
        credentials_file(user, password).as_bytes(),
        0o600,
    )? {
        services::systemd("webserver").reload()?;
    }
    let network = binding::network("database")?;
    let address = network.ingress_address().unwrap_or("?");
    status::active(&format!(
        "connected to the database as {user} from {address}"
    ))?;
    log::info("configured database credentials");
    Ok(())
}

/// Makes the configured port the only TCP port open. A port the manifest does not allow
/// blocks the unit rather than failing the hook, which retrying would not fix.
fn listen() -> Result<()> {
    let port = config()?.integer("port").unwrap_or(DEFAULT_PORT);
    let Some(tcp) = u16::try_from(port).ok().filter(|p| *p > 0) else {
        return status::blocked(&format!("port {port} is not a TCP port"));
    };
    match ports::set_tcp(tcp) {
        Err(Error::DeniedByPolicy(_)) => status::blocked(&format!("port {port} is not allowed")),
        other => other,
    }
}

fn valid(content: &SecretContent) -> bool {
    content.get("username").is_some_and(|u| !u.is_empty())
        && content.get("password").is_some_and(|p| p.len() >= 12)
}

impl Charm for Webserver {
    fn handle(_ctx: &Context, event: Event) -> Result<()> {
        match event {
            Event::Install => status::waiting("waiting for a database relation")?,
            Event::Start => {
                status::set_version(env!("CARGO_PKG_VERSION"))?;
                listen()?;
            }
            Event::ConfigChanged => listen()?,
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
            Event::RelationBroken(broken) if broken.relation.endpoint == "database" => {
                if files::remove(CREDENTIALS)? {
                    services::systemd("webserver").reload()?;
                }
                status::blocked("no database")?
            }
            _ => {}
        }
        Ok(())
    }
}

juju_charm::export_charm!(Webserver);
