"""The observer side of the secrets how-to, in Python: reads the credentials the database
shares as a secret and follows new revisions (peek, validate, refresh)."""

import wit_world

import juju_charm as juju

LABEL = "database-secret"


def configure(content: dict) -> None:
    juju.set_status("active", f"connected to the database as {content.get('username', '?')}")
    juju.log("info", "configured database credentials")


def valid(content: dict) -> bool:
    return bool(content.get("username")) and len(content.get("password", "")) >= 12


def handle(event: juju.Event) -> None:
    if event.kind == "install":
        juju.set_status("waiting", "waiting for a database relation")
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
    elif event.kind == "relation-broken":
        juju.set_status("blocked", "no database")


class WitWorld(wit_world.WitWorld):
    def handle(self, event) -> None:
        juju.run(handle, event)
