"""The observer side of the secrets how-to, in Python: reads the credentials the database
shares as a secret and follows new revisions (peek, validate, refresh). It writes them to its
workload's configuration (``/etc/webserver/database.json``, readable by root only) and reloads
the ``webserver`` service after each change; when the relation goes, it removes them. It opens
the TCP port the operator configures, and tells the version it runs and the address it
connects from. It behaves exactly like the Rust sample (``sample-charms/webserver``)."""

import json

import wit_world

import juju_charm as juju

LABEL = "database-secret"
#: The workload version ``juju status`` shows; kept equal to the package version, as the Rust
#: sample's Cargo version.
VERSION = "0.1.0"
DEFAULT_PORT = 8080
#: The web server's configuration directory, root's only.
CONFIG_DIR = "/etc/webserver"
#: Where the web server reads the database credentials from.
CREDENTIALS = "/etc/webserver/database.json"


def credentials_file(username: str, password: str) -> str:
    """The credentials as the web server reads them: a JSON object, username then password
    (the same text as the Rust sample's, serde_json leaving non-ASCII unescaped)."""
    return json.dumps({"username": username, "password": password}, ensure_ascii=False) + "\n"


def configure(content: dict) -> None:
    """Writes the credentials where the web server reads them and reloads it if they changed."""
    user = content.get("username", "?")
    password = content.get("password", "")
    if juju.stat_file(CONFIG_DIR) is None:
        juju.make_dir(CONFIG_DIR, 0o700)
    if juju.update_file(CREDENTIALS, credentials_file(user, password), 0o600):
        juju.service_act("systemd", "webserver", "reload")
    address = juju.binding_address("database") or "?"
    juju.set_status("active", f"connected to the database as {user} from {address}")
    juju.log("info", "configured database credentials")


def listen() -> None:
    """Makes the configured port the only TCP port open; one the manifest does not allow
    blocks the unit instead of failing the hook, which retrying would not fix."""
    port = juju.get_config().get("port", DEFAULT_PORT)
    if not isinstance(port, int) or not 0 < port < 65536:
        juju.set_status("blocked", f"port {port} is not a TCP port")
        return
    try:
        juju.set_tcp_port(port)
    except juju.DeniedByPolicy:
        juju.set_status("blocked", f"port {port} is not allowed")


def valid(content: dict) -> bool:
    return bool(content.get("username")) and len(content.get("password", "")) >= 12


def handle(event: juju.Event) -> None:
    if event.kind == "install":
        juju.set_status("waiting", "waiting for a database relation")
    elif event.kind == "start":
        juju.set_version(VERSION)
        listen()
    elif event.kind == "config-changed":
        listen()
    elif event.kind == "relation-changed" and event.relation.endpoint == "database":
        secret_id = juju.app_data(event.relation.relation_id, event.relation.remote_app).get("secret-id")
        if not secret_id:
            juju.set_status("waiting", "waiting for database credentials")
            return
        configure(juju.get_secret(secret_id, label=LABEL))
    elif event.kind == "secret-changed" and event.secret.label == LABEL:
        latest = juju.get_secret(event.secret.id, peek=True)
        if not valid(latest):
            juju.log("warning", "the new database credentials are not valid; keeping the old ones")
            juju.set_status("blocked", "database sent invalid credentials")
            return
        configure(juju.get_secret(event.secret.id, refresh=True))
    elif event.kind == "relation-broken" and event.relation.endpoint == "database":
        if juju.remove_file(CREDENTIALS):
            juju.service_act("systemd", "webserver", "reload")
        juju.set_status("blocked", "no database")


class WitWorld(wit_world.WitWorld):
    def handle(self, event) -> None:
        juju.run(handle, event)
