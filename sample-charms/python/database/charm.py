"""The owner side of the secrets how-to, in Python: creates credentials for the related
application, shares them as a secret, rotates them daily and cleans up.

After creating or rotating the credentials it applies the password to its workload with
``/usr/local/bin/database-set-password admin``, the password on standard input.

The operator can rotate them at once with the ``rotate-password`` action (on the leader). Each
unit counts the rotations it performed in its unit state; the leader publishes the revision it
last rotated to in the peer relation, and every unit shows it in its status. It behaves
exactly like the Rust sample (``sample-charms/database``)."""

import re
import secrets
from dataclasses import dataclass
from typing import Optional

import wit_world

import juju_charm as juju

#: The owner label of the credentials secret.
LABEL = "secret-for-webserver-app"
USERNAME = "admin"
#: The peer relation the units share.
PEERS = "database-peers"
#: The peer application data key holding the revision the leader last rotated to.
ROTATED = "rotated-revision"
#: The workload's tool that sets a database user's password, read from its standard input.
SET_PASSWORD = "/usr/local/bin/database-set-password"
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Rotations:
    """The rotations this unit performed, kept in its unit state (as ``{"action":N,"daily":M}``)."""

    action: int = 0
    daily: int = 0


def credentials() -> dict:
    return {"username": USERNAME, "password": "".join(secrets.choice(ALPHABET) for _ in range(24))}


def apply_password(content: dict) -> None:
    """Gives the workload the password of ``content`` (on stdin: never on a command line)."""
    output = juju.run_command(SET_PASSWORD, [USERNAME], stdin=content.get("password", ""))
    output.check(f"{SET_PASSWORD} {USERNAME}")


def share_credentials(relation) -> None:
    try:
        secret_id = juju.secret_info(label=LABEL).id
    except juju.NotFound:
        content = credentials()
        secret_id = juju.add_app_secret(
            content,
            label=LABEL,
            description="database credentials for the webserver application",
            rotate="daily",
        )
        apply_password(content)
    # One id form whatever call produced it, so the databag does not churn.
    canonical = "secret:" + secret_id.rsplit("/", 1)[-1].removeprefix("secret:")
    juju.grant_secret(secret_id, relation.relation_id)
    juju.set_app_data(relation.relation_id, {"secret-id": canonical})
    juju.log("info", f"shared credentials over relation {relation.relation_id}")


def rotate(why: str) -> int:
    """New credentials now (``why`` is ``"action"`` or ``"daily"``): returns the revision they
    will have when the hook commits (the latest + 1), counts the rotation and publishes the
    revision to the peers."""
    info = juju.secret_info(label=LABEL)
    revision = info.revision + 1
    content = credentials()
    juju.set_secret_content(info.id, content)
    apply_password(content)
    rotations = juju.Stored.load("rotations", Rotations)
    if why == "action":
        rotations.value.action += 1
    else:
        rotations.value.daily += 1
    rotations.save()
    peers = juju.relation_id(PEERS)
    if peers is not None:
        juju.set_app_data(peers, {ROTATED: str(revision)})
    show_revision(revision)
    juju.log("info", f"rotated the database password to revision {revision}")
    return revision


def show_revision(revision: Optional[int]) -> None:
    """The status every unit shows: the revision the leader last rotated to, once there is one."""
    if revision is None:
        juju.set_status("active", "ready")
    else:
        juju.set_status("active", f"ready; credentials at revision {revision}")


def peer_revision(event: juju.Event) -> Optional[int]:
    value = juju.app_data(event.relation.relation_id, event.app).get(ROTATED, "")
    # A u32 in decimal, as Rust's parse::<u32>() accepts it; anything else is no revision.
    if re.fullmatch(r"\+?[0-9]+", value) and int(value) <= 0xFFFFFFFF:
        return int(value)
    return None


def handle(event: juju.Event) -> None:
    if event.kind in ("install", "start"):
        juju.set_status("active", "ready")
    elif event.kind == "relation-joined" and event.relation.endpoint == "database" and juju.is_leader():
        share_credentials(event.relation)
    elif event.kind == "secret-rotate" and event.secret.label == LABEL:
        rotate("daily")
    elif event.kind == "action" and event.action.name == "rotate-password":
        if not juju.is_leader():
            juju.action_fail("rotate-password must run on the leader unit")
            return
        revision = rotate("action")
        juju.set_action_results({"revision": str(revision)})
    elif event.kind == "relation-changed" and event.relation.endpoint == PEERS:
        show_revision(peer_revision(event))
    elif event.kind == "secret-remove":
        try:
            juju.remove_secret(event.secret.id, event.secret.revision)
        except juju.NotFound:
            pass  # already gone
        juju.log("info", f"removed obsolete revision {event.secret.revision}")
    elif event.kind == "relation-broken" and event.relation.endpoint == "database" and juju.is_leader():
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
