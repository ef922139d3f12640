"""The owner side of the secrets how-to, in Python: creates credentials for the related
application, shares them as a secret, rotates them daily and cleans up."""

import secrets
import string

import wit_world

import juju_charm as juju

LABEL = "secret-for-webserver-app"


def credentials() -> dict:
    alphabet = string.ascii_letters + string.digits
    return {"username": "admin", "password": "".join(secrets.choice(alphabet) for _ in range(24))}


def share_credentials(relation) -> None:
    try:
        secret_id = juju.secret_info(label=LABEL).id
    except juju.NotFound:
        secret_id = juju.add_app_secret(
            credentials(),
            label=LABEL,
            description="database credentials for the webserver application",
            rotate="daily",
        )
    canonical = "secret:" + secret_id.rsplit("/", 1)[-1].removeprefix("secret:")
    juju.grant_secret(canonical, relation.relation_id)
    juju.set_app_data(relation.relation_id, {"secret-id": canonical})
    juju.log("info", f"shared credentials over relation {relation.relation_id}")


def handle(event: juju.Event) -> None:
    if event.kind in ("install", "start"):
        juju.set_status("active", "ready")
    elif event.kind == "relation-joined" and juju.is_leader():
        share_credentials(event.relation)
    elif event.kind == "secret-rotate" and event.secret.label == LABEL:
        juju.set_secret_content(event.secret.id, credentials())
        juju.log("info", "rotated the database password")
    elif event.kind == "secret-remove":
        try:
            juju.remove_secret(event.secret.id, event.secret.revision)
        except juju.NotFound:
            pass  # already gone
        juju.log("info", f"removed obsolete revision {event.secret.revision}")
    elif event.kind == "relation-broken" and juju.is_leader():
        try:
            secret_id = juju.secret_info(label=LABEL).id
        except juju.NotFound:
            return
        juju.revoke_secret(secret_id, event.relation.relation_id)
        juju.remove_secret(secret_id)
        juju.log("info", "revoked and removed the credentials")


class WitWorld(wit_world.WitWorld):
    def handle(self, event) -> None:
        juju.run(handle, event)
