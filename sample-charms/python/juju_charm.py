"""A thin, idiomatic layer over the juju:charm contract for charms written in Python.

componentize-py turns the contract into generated modules (``wit_world``): results become
``componentize_py_types.Err`` exceptions carrying the contract's ``error`` variant, and the
event is a dataclass with a variant inside. This module makes errors ordinary exceptions
(``NotFound``, ``PermissionDenied``, ...) and the event a tagged value (``event.kind`` is the
hook kind, e.g. ``"relation-changed"``), and nothing more: the generated modules stay one
import away for anything it does not cover.

A charm's world may import only some interfaces: those it lacks are simply absent here (a
function needing one raises ``DeniedByPolicy``). Every import happens when the module is
loaded, because componentize-py snapshots the interpreter after loading the charm and the
sandbox gives the charm no files to import from later.
"""

from dataclasses import dataclass
from typing import Callable, Optional

from componentize_py_types import Err

try:
    from wit_world.imports import secrets
except ImportError:
    secrets = None
try:
    from wit_world.imports import leadership
except ImportError:
    leadership = None
try:
    from wit_world.imports import relations
except ImportError:
    relations = None
try:
    from wit_world.imports import logging
except ImportError:
    logging = None
try:
    from wit_world.imports import status
except ImportError:
    status = None


class JujuError(Exception):
    """A refusal from Juju or from the host; ``str(e)`` is Juju's message."""


class NotFound(JujuError):
    """The secret, revision, label or key does not exist (or is not visible to this unit)."""


class PermissionDenied(JujuError):
    """Juju refused: this unit may not do that."""


class NotLeader(JujuError):
    """Only the leader may do that."""


class InvalidContent(JujuError):
    """Secret content breaks Juju's rules (keys, emptiness, size)."""


class LabelConflict(JujuError):
    """The label is already used by another secret."""


class DeniedByPolicy(JujuError):
    """The charm's capability manifest does not grant this."""


class InvalidArgument(JujuError):
    """An argument Juju would not accept."""


class BackendError(JujuError):
    """Juju could not be reached or answered unexpectedly."""


_ERRORS = {
    "NotFound": NotFound,
    "PermissionDenied": PermissionDenied,
    "NotLeader": NotLeader,
    "InvalidContent": InvalidContent,
    "LabelConflict": LabelConflict,
    "DeniedByPolicy": DeniedByPolicy,
    "InvalidArgument": InvalidArgument,
    "Backend": BackendError,
}


def _need(interface, name: str) -> None:
    if interface is None:
        raise DeniedByPolicy(f"this charm's world does not import juju:charm/{name}")


def _call(fn: Callable, *args):
    """Calls a generated import, turning the contract's error into one of the exceptions above."""
    try:
        return fn(*args)
    except Err as e:
        variant = type(e.value).__name__.split("_", 1)[-1]
        raise _ERRORS.get(variant, JujuError)(getattr(e.value, "value", str(e.value))) from None


@dataclass
class Event:
    """The event as a tagged value: ``kind`` is the hook kind without the endpoint
    (``install``, ``relation-changed``, ``secret-rotate``, ...)."""

    kind: str
    hook_name: str
    unit: str
    app: str
    #: For relation events: ``endpoint``, ``relation_id``, ``remote_app``, ``remote_unit``.
    relation: Optional[object] = None
    #: For secret events: ``id``, ``label`` (and ``revision`` for remove and expired).
    secret: Optional[object] = None


def _kind_name(kind) -> str:
    name = type(kind).__name__.removeprefix("Kind_")
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def event_from(raw) -> Event:
    """The generated event as an :class:`Event`."""
    kind = _kind_name(raw.kind)
    payload = getattr(raw.kind, "value", None)
    relation = payload if kind.startswith("relation-") else None
    secret = payload if kind.startswith("secret-") else None
    return Event(kind, raw.hook_name, raw.unit, raw.app, relation, secret)


def run(handler: Callable[[Event], None], raw) -> None:
    """Runs ``handler`` on the event; any exception fails the hook with a one-line reason."""
    try:
        handler(event_from(raw))
    except Exception as e:  # the hook's result: ok, or one line for juju-log
        reason = f"{type(e).__name__}: {e}".replace("\n", " ")
        raise Err(reason) from None


# ---- secrets -----------------------------------------------------------------------------


def _pairs(content: dict) -> list:
    return [(str(k), str(v)) for k, v in content.items()]


def add_app_secret(content: dict, *, label=None, description=None, rotate=None) -> str:
    """Creates an application-owned secret (leader only); returns its id.
    ``rotate`` is a policy name: ``"daily"``, ``"weekly"``, ..."""
    _need(secrets, "secrets")
    policy = secrets.RotatePolicy[rotate.upper()] if rotate else None
    options = secrets.AddOptions(secrets.AddOwner.APPLICATION, label, description, None, policy)
    return _call(secrets.add, _pairs(content), options)


def _ref(id, label):
    _need(secrets, "secrets")
    return secrets.SecretRef_Id(id) if id else secrets.SecretRef_Label(label)


def get_secret(id=None, *, label=None, peek=False, refresh=False) -> dict:
    """The content of a secret by id or label (tracked revision unless ``peek``/``refresh``).
    With both an id and a label, the label is attached to the secret for this unit."""
    _need(secrets, "secrets")
    mode = secrets.ReadMode.PEEK if peek else secrets.ReadMode.REFRESH if refresh else secrets.ReadMode.TRACKED
    attach = label if id else None
    return dict(_call(secrets.get, _ref(id, label), secrets.GetOptions(mode, None, attach)))


def secret_info(id=None, *, label=None):
    """Metadata of a secret this unit manages (``id``, ``label``, ``revision``, ...)."""
    _need(secrets, "secrets")
    return _call(secrets.info, _ref(id, label))


def set_secret_content(id: str, content: dict) -> None:
    """A new revision (none if the content is identical to the latest)."""
    _need(secrets, "secrets")
    _call(secrets.set, id, _pairs(content), secrets.SetOptions(None, None, None, None))


def grant_secret(id: str, relation_id: int, unit=None) -> None:
    """Grants the secret to the remote application of a relation (or one of its units)."""
    _need(secrets, "secrets")
    _call(secrets.grant, id, relation_id, unit)


def revoke_secret(id: str, relation_id: int) -> None:
    """Revokes what was granted over a relation."""
    _need(secrets, "secrets")
    _call(secrets.revoke, id, secrets.Grantee_Relation(relation_id))


def remove_secret(id: str, revision=None) -> None:
    """Removes one revision, or the whole secret.

    Juju applies a hook's changes when it ends, and a remove drops every other change the
    same hook queued for this secret, whatever the revision: new content or metadata, grants,
    revokes. Never renew a secret and remove its old revision in one hook: remove the old
    revision on the ``secret-remove`` event Juju fires once nobody tracks it. The host warns
    in the unit's log when a remove discards changes.
    """
    _need(secrets, "secrets")
    _call(secrets.remove, id, revision)


# ---- the rest of the unit's world ----------------------------------------------------------


def is_leader() -> bool:
    _need(leadership, "leadership")
    return _call(leadership.is_leader)


def app_data(relation_id: int, app: str) -> dict:
    """An application's databag in a relation."""
    _need(relations, "relations")
    return dict(_call(relations.get, relation_id, relations.Databag_App(app)))


def set_app_data(relation_id: int, data: dict) -> None:
    """Writes this application's databag (leader only); an empty value deletes the key."""
    _need(relations, "relations")
    _call(relations.set, relation_id, relations.Scope.APP, _pairs(data))


def log(level: str, message: str) -> None:
    """juju-log at ``"debug"``, ``"info"``, ``"warning"`` or ``"error"``."""
    _need(logging, "logging")
    _call(logging.log, logging.Level[level.upper()], message)


def set_status(state: str, message: str) -> None:
    """The unit's workload status: ``"active"``, ``"blocked"``, ``"maintenance"``, ``"waiting"``."""
    _need(status, "status")
    _call(status.set, status.State[state.upper()], message, False)
