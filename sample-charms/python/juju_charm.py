"""A thin, idiomatic layer over the juju:charm contract for charms written in Python.

componentize-py turns the contract into generated modules (``wit_world``): results become
``componentize_py_types.Err`` exceptions carrying the contract's ``error`` variant, and the
event is a dataclass with a variant inside. This module makes errors ordinary exceptions
(``NotFound``, ``PermissionDenied``, ...) and the event a tagged value (``event.kind`` is the
hook kind, e.g. ``"relation-changed"`` or ``"action"``), adds plain functions for secrets,
relations, config, actions, the unit's state, ports, bindings, storage, goal state and the
unit's machine (files, commands, services, outbound TCP), and nothing more: the generated
modules stay one import away for anything it does not cover. It targets the contract
``juju:charm@0.2.2`` and works for ``0.2.1`` and ``0.2.0`` worlds too.

A charm's world may import only some interfaces: those it lacks are simply absent here (a
function needing one raises ``DeniedByPolicy``), and so are the interfaces an older contract
does not have: 0.2.1 has no ``files``, ``commands``, ``services`` or ``network``; 0.2.0 has
none of those nor ``ports``, ``bindings``, ``storage``, ``goal-state`` (and ``get_status`` and
``set_version`` need 0.2.1's ``status``). Every import happens when the module is loaded,
because componentize-py snapshots the interpreter after loading the charm and the sandbox gives
the charm no files to import from later.
"""

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

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
    from wit_world.imports import config as charm_config
except ImportError:
    charm_config = None
try:
    from wit_world.imports import logging
except ImportError:
    logging = None
try:
    from wit_world.imports import status
except ImportError:
    status = None
try:
    from wit_world.imports import actions
except ImportError:
    actions = None
try:
    from wit_world.imports import state as unit_state
except ImportError:
    unit_state = None
try:
    from wit_world.imports import ports
except ImportError:
    ports = None
try:
    from wit_world.imports import bindings
except ImportError:
    bindings = None
try:
    from wit_world.imports import storage
except ImportError:
    storage = None
try:
    from wit_world.imports import goal_state as goals
except ImportError:
    goals = None
try:
    from wit_world.imports import files
except ImportError:
    files = None
try:
    from wit_world.imports import commands
except ImportError:
    commands = None
try:
    from wit_world.imports import services
except ImportError:
    services = None
try:
    from wit_world.imports import network
except ImportError:
    network = None


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


def _need(interface, name: str, function: Optional[str] = None) -> None:
    if interface is None:
        raise DeniedByPolicy(f"this charm's world does not import juju:charm/{name}")
    if function is not None and not hasattr(interface, function):
        # An interface that gained the function in a later contract version.
        raise DeniedByPolicy(f"this charm's world imports a juju:charm/{name} without {function}")


def _call(fn: Callable, *args):
    """Calls a generated import, turning the contract's error into one of the exceptions above."""
    try:
        return fn(*args)
    except Err as e:
        variant = type(e.value).__name__.split("_", 1)[-1]
        raise _ERRORS.get(variant, JujuError)(getattr(e.value, "value", str(e.value))) from None


@dataclass
class Event:
    """The event as a tagged value: ``kind`` is the hook kind without the endpoint, storage or
    container name (``install``, ``relation-changed``, ``secret-rotate``, ``action``,
    ``pebble-ready``, ...); the field matching the kind carries its details, the others are
    ``None``."""

    kind: str
    #: The hook Juju dispatched, e.g. ``database-relation-joined``; for an action, its name.
    hook_name: str
    unit: str
    app: str
    #: For relation events (peer relations too): ``endpoint``, ``relation_id``,
    #: ``remote_app``, ``remote_unit``, ``departing_unit``.
    relation: Optional[object] = None
    #: For secret events: ``id``, ``label`` (and ``revision`` for remove and expired).
    secret: Optional[object] = None
    #: For ``action``: ``name`` (from ``actions.yaml``) and ``id`` (this run's id); read the
    #: parameters with :func:`action_params`.
    action: Optional[object] = None
    #: For ``storage-attached`` and ``storage-detaching``: ``name`` (``data``) and ``id``
    #: (``data/0``).
    storage: Optional[object] = None
    #: For ``pebble-ready``, ``pebble-custom-notice`` and ``pebble-check-*``: the container.
    workload: Optional[str] = None
    #: For ``pebble-custom-notice``: ``workload``, ``notice_id``, ``notice_type``, ``notice_key``.
    notice: Optional[object] = None
    #: For ``pebble-check-failed`` and ``pebble-check-recovered``: ``workload``, ``check_name``.
    check: Optional[object] = None
    model_name: str = ""
    model_uuid: str = ""


def _kind_name(kind) -> str:
    name = type(kind).__name__.removeprefix("Kind_")
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def event_from(raw) -> Event:
    """The generated event as an :class:`Event`."""
    kind = _kind_name(raw.kind)
    payload = getattr(raw.kind, "value", None)
    event = Event(kind, raw.hook_name, raw.unit, raw.app, model_name=raw.model_name, model_uuid=raw.model_uuid)
    if kind.startswith("relation-"):
        event.relation = payload
    elif kind.startswith("secret-"):
        event.secret = payload
    elif kind == "action":
        event.action = payload
    elif kind.startswith("storage-"):
        event.storage = payload
    elif kind.startswith("pebble-"):
        event.workload = payload.workload
        if kind == "pebble-custom-notice":
            event.notice = payload
        elif kind.startswith("pebble-check-"):
            event.check = payload
    return event


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


def relation_ids(endpoint: str) -> list:
    """The ids of the relations established on an endpoint (a peer endpoint has one at most)."""
    _need(relations, "relations")
    return list(_call(relations.ids, endpoint))


def relation_id(endpoint: str) -> Optional[int]:
    """The one relation on an endpoint, or ``None``; ``InvalidArgument`` if there are several
    (use :func:`relation_ids`). Handy for a peer relation: its remote application is this
    one, every unit reads its application databag, only the leader writes it."""
    ids = relation_ids(endpoint)
    if len(ids) > 1:
        raise InvalidArgument(f"endpoint {endpoint!r} has {len(ids)} relations; use relation_ids()")
    return ids[0] if ids else None


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


@dataclass
class Status:
    """A status as Juju reports it: ``state`` is one :func:`set_status` takes, or ``"unknown"``
    (nothing set yet), ``"error"`` (a hook failed), ``"terminated"``."""

    state: str
    message: str
    data: dict


def get_status() -> Status:
    """This unit's status, as committed or as set earlier in this hook (0.2.1)."""
    _need(status, "status", "get")
    info = _call(status.get)
    return Status(info.state.name.lower(), info.message, dict(info.data))


def set_version(version: str) -> None:
    """The workload version ``juju status`` shows for the application (0.2.1; any unit)."""
    _need(status, "status", "set_version")
    _call(status.set_version, version)


def get_config() -> dict:
    """Every option that has a value, as ``str``, ``int``, ``float`` or ``bool`` (a
    ``secret``-typed option is its secret id); an option without a value is absent."""
    _need(charm_config, "config")
    return {name: value.value for name, value in _call(charm_config.get_all)}


# ---- actions -------------------------------------------------------------------------------
#
# Only while handling an ``action`` event the manifest grants: otherwise a call raises
# ``DeniedByPolicy`` (the action, or any action, is not granted) or, outside an action,
# ``InvalidArgument`` (Juju's ``not running an action``).


def action_params() -> dict:
    """The action's parameters, JSON-decoded (the defaults ``actions.yaml`` declares filled in)."""
    _need(actions, "actions")
    raw = _call(actions.params)
    try:
        return json.loads(raw)
    except ValueError:
        # A parameter may be a password: the error never quotes the text.
        raise InvalidArgument("action parameters are not a JSON object") from None


def _flatten(results: dict, prefix: str = "") -> list:
    pairs = []
    for key, value in results.items():
        if isinstance(value, dict):
            pairs.extend(_flatten(value, f"{prefix}{key}."))
        else:
            # Text as it is, anything else as JSON: the same text in every language.
            pairs.append((f"{prefix}{key}", value if isinstance(value, str) else _json(value)))
    return pairs


def set_action_results(results: dict) -> None:
    """Adds results: keys are lowercase letters, digits and ``-``; a nested dict becomes
    dotted keys (``{"db": {"host": h}}`` is ``db.host``); values become strings.

    Juju passes results on a command line, where other processes on the machine can read
    them: never put a secret in a result (tell the operator where to find it instead).
    """
    _need(actions, "actions")
    _call(actions.set_results, _flatten(results))


def action_log(message: str) -> None:
    """A progress message the operator sees while the action runs."""
    _need(actions, "actions")
    _call(actions.log, message)


def action_fail(message: str) -> None:
    """Marks the action failed with ``message``. Return normally afterwards to keep the hook's
    other changes (raising fails the action too, but discards them)."""
    _need(actions, "actions")
    _call(actions.fail, message)


# ---- the unit's state ----------------------------------------------------------------------
#
# This unit's own key/value store, kept by Juju across hooks: what a charm (which has no disk)
# remembers. Changes commit with the hook. Values may hold secrets: they reach Juju through a
# private file, never a command line. Juju limits a key to 256 bytes, a value to 64 KiB and
# the whole state to 2 MiB by default.


def state_get(key: str) -> Optional[str]:
    """The value stored under ``key``, or ``None``."""
    _need(unit_state, "state")
    return _call(unit_state.get, key)


def state_all() -> dict:
    """Every key and value."""
    _need(unit_state, "state")
    return dict(_call(unit_state.get_all))


def state_set(key: str, value: str) -> None:
    """Stores ``value`` under ``key`` (replacing what was there). It may be a secret."""
    _need(unit_state, "state")
    _call(unit_state.set, [(key, str(value))])


def state_delete(key: str) -> None:
    """Forgets ``key`` (no error if it is not there)."""
    _need(unit_state, "state")
    _call(unit_state.delete, key)


def _json(value) -> str:
    # Compact and UTF-8, as serde_json writes it, so every language stores the same text.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Stored:
    """One JSON value kept under a key of the unit's state, like the Rust SDK's ``Stored<T>``:
    read once by :meth:`load`, written back by :meth:`save` only if it changed. The value is
    ``self.value``; it may hold secrets (unit state never reaches a command line)::

        @dataclass
        class Rotations:
            action: int = 0
            daily: int = 0

        rotations = juju.Stored.load("rotations", Rotations)
        rotations.value.action += 1
        rotations.save()          # stores {"action":1,"daily":0}
    """

    def __init__(self, key: str, value: Any, saved: Optional[str], kind=None):
        self.key = key
        self.value = value
        self._saved = saved
        self._kind = kind

    @classmethod
    def load(cls, key: str, default: Any = None) -> "Stored":
        """Reads the value under ``key``. ``default`` says what it is:

        - a dataclass type: the stored JSON object decodes into it (a missing field takes the
          field's default, an unknown key is dropped), and a fresh instance stands in when
          nothing is stored; its JSON follows the fields' order. Fields hold JSON values (no
          nested dataclasses);
        - a dict: the stored object, its missing keys filled from the dict; the dict's copy
          when nothing is stored;
        - any other JSON value (``None`` by default): the stored value, or a copy of it.

        Raises ``InvalidArgument`` if the stored value does not decode.
        """
        saved = state_get(key)
        kind = default if isinstance(default, type) and dataclasses.is_dataclass(default) else None
        try:
            if kind is not None:
                fields = {f.name for f in dataclasses.fields(kind)}
                stored = json.loads(saved) if saved is not None else {}
                value = kind(**{k: v for k, v in stored.items() if k in fields})
            elif saved is None:
                value = json.loads(_json(default))
            else:
                value = json.loads(saved)
                if isinstance(default, dict) and isinstance(value, dict):
                    value = {**json.loads(_json(default)), **value}
        except (ValueError, TypeError, AttributeError):
            # State may hold secrets: the error never quotes the stored text.
            raise InvalidArgument(f"unit state {key!r} does not decode into its type") from None
        return cls(key, value, saved, kind)

    def save(self) -> None:
        """Writes the value back if it changed since it was read or last saved."""
        try:
            value = dataclasses.asdict(self.value) if self._kind is not None else self.value
            text = _json(value)
        except (ValueError, TypeError) as e:
            raise InvalidArgument(f"unit state {self.key!r}: {e}") from None
        if text != self._saved:
            state_set(self.key, text)
            self._saved = text


# ---- ports (0.2.1) ---------------------------------------------------------------------------
#
# What this unit opens in the firewall (``juju expose`` exposes it). Changes commit with the hook.


@dataclass
class Port:
    """An opened range: ``protocol`` is ``"tcp"``, ``"udp"`` or ``"icmp"`` (whose ``first`` and
    ``last`` are ``None``); ``endpoints`` is empty when it is open for every endpoint."""

    protocol: str
    first: Optional[int]
    last: Optional[int]
    endpoints: list


def _tcp(port: int):
    if not 0 < port < 65536:
        raise InvalidArgument(f"{port} is not a TCP port")
    return ports.PortRange_Tcp(ports.Span(port, port))


def open_tcp_port(port: int) -> None:
    """Opens a TCP port for every endpoint."""
    _need(ports, "ports")
    _call(ports.open, _tcp(port), [])


def close_tcp_port(port: int) -> None:
    """Closes a TCP port for every endpoint."""
    _need(ports, "ports")
    _call(ports.close, _tcp(port), [])


def opened_ports() -> list:
    """What this unit has open, this hook's changes included: a list of :class:`Port`."""
    _need(ports, "ports")
    opened = []
    for o in _call(ports.opened):
        protocol = type(o.ports).__name__.removeprefix("PortRange_").lower()
        span = getattr(o.ports, "value", None)  # none for icmp
        first, last = (span.first, span.last) if span is not None else (None, None)
        opened.append(Port(protocol, first, last, list(o.endpoints)))
    return opened


def set_tcp_port(port: int) -> None:
    """Opens exactly this TCP port, closing any other TCP port this unit opened. It closes
    first, so at most one is ever open (what a manifest's ``at-most: 1`` allows)."""
    _need(ports, "ports")
    wanted = _tcp(port)  # checked before anything closes
    is_open = False
    for o in _call(ports.opened):
        if not isinstance(o.ports, ports.PortRange_Tcp):
            continue
        if o.ports.value.first == o.ports.value.last == port:
            is_open = True
        else:
            _call(ports.close, o.ports, list(o.endpoints))
    if not is_open:
        _call(ports.open, wanted, [])


# ---- bindings (0.2.1) ------------------------------------------------------------------------


def binding_network(name: str, relation_id: Optional[int] = None):
    """The network of a binding (an endpoint or extra binding), as seen from a relation when
    given: ``bind_addresses``, ``ingress_addresses`` (preferred first), ``egress_subnets``."""
    _need(bindings, "bindings")
    return _call(bindings.get, name, relation_id)


def binding_address(name: str, relation_id: Optional[int] = None) -> Optional[str]:
    """The address to give the other side of a binding (its first ingress address), or
    ``None`` if Juju has none."""
    addresses = binding_network(name, relation_id).ingress_addresses
    return addresses[0] if addresses else None


# ---- storage (0.2.1) -------------------------------------------------------------------------


@dataclass
class StorageInstance:
    """An attached storage instance: ``id`` (``data/0``), ``kind`` (``"filesystem"`` or
    ``"block"``) and ``location`` (the mount point, or the device)."""

    id: str
    kind: str
    location: str


def storage_list(name: str) -> list:
    """The ids of the instances of storage ``name`` attached to this unit."""
    _need(storage, "storage")
    return list(_call(storage.list, name))


def storage_get(id: str) -> StorageInstance:
    """An attached instance, by id."""
    _need(storage, "storage")
    instance = _call(storage.get, id)
    return StorageInstance(instance.id, instance.kind.name.lower(), instance.location)


def storage_add(name: str, count: int = 1) -> None:
    """Asks for ``count`` more instances; each attaches after the hook, with its
    ``storage-attached`` event."""
    _need(storage, "storage")
    _call(storage.add, name, count)


# ---- goal state (0.2.1) ----------------------------------------------------------------------


def goal_state():
    """Where the deployment is heading: ``units`` (this application's, as goals with ``name``,
    ``status``, ``since``) and ``relations`` (per ``endpoint``, the remote ``goals``)."""
    _need(goals, "goal-state")
    return _call(goals.get)


def planned_units() -> int:
    """How many units this application will have: its goal units not dying (as ops counts)."""
    return sum(1 for unit in goal_state().units if unit.status != "dying")


# ---- files (0.2.2) ---------------------------------------------------------------------------
#
# Files on the unit's machine, under the paths the manifest grants (``files``): absolute, plain
# paths (no ``.``, ``..``, ``//`` or trailing ``/``); the host follows no symlink in them. Changes
# happen at once, not when the hook commits. An ``owner`` or ``group`` left ``None`` is root.


@dataclass
class FileInfo:
    """What :func:`stat_file` tells: ``kind`` (``"file"``, ``"directory"``, ``"symlink"`` (never
    followed) or ``"other"``), ``size`` in bytes, ``mode`` (the permission bits, set-id and
    sticky bits included: ``0o600`` is 384), ``owner`` and ``group`` (names, or numbers as
    text)."""

    kind: str
    size: int
    mode: int
    owner: str
    group: str


def _bytes(content) -> bytes:
    """``bytes`` as they are, ``str`` as UTF-8."""
    return content.encode("utf-8") if isinstance(content, str) else bytes(content)


def read_file(path: str) -> Optional[bytes]:
    """A regular file's whole content, or ``None`` if nothing is at ``path``. Needs a ``read``
    or ``write`` grant covering it."""
    _need(files, "files")
    try:
        return bytes(_call(files.read, path))
    except NotFound:
        return None


def write_file(path: str, content, mode: int, *, owner: Optional[str] = None, group: Optional[str] = None) -> None:
    """Replaces the file at ``path`` atomically with ``content`` (``bytes``, or ``str`` written as
    UTF-8), with exactly ``mode`` (``0o600``) and ``owner`` and ``group`` (root when ``None``);
    its directory must exist. Needs a ``write`` grant whose ``max-mode`` has every bit of
    ``mode`` and whose ``owners`` name the owner. The content is never logged."""
    _need(files, "files")
    _call(files.write, path, _bytes(content), mode, files.Ownership(owner, group))


def update_file(path: str, content, mode: int) -> bool:
    """Writes ``content`` (root-owned, exactly ``mode``) only if the file does not hold it already
    with that mode: whether it wrote, so the charm reloads its workload only after a change
    (the Rust SDK's ``files::update``)."""
    content = _bytes(content)
    same = read_file(path) == content
    if same:
        info = stat_file(path)
        same = info is not None and info.mode & 0o7777 == mode
    if not same:
        write_file(path, content, mode)
    return not same


def remove_file(path: str) -> bool:
    """Removes a file, a symlink (not what it points to) or an empty directory: whether there was
    one. Needs a ``write`` grant."""
    _need(files, "files")
    return _call(files.remove, path)


def list_dir(path: str) -> list:
    """The names in a directory, sorted. Needs a ``read`` or ``write`` grant covering it."""
    _need(files, "files")
    return list(_call(files.list, path))


def make_dir(path: str, mode: int, *, owner: Optional[str] = None, group: Optional[str] = None) -> bool:
    """Makes a directory (its parent must exist) with exactly ``mode`` and ``owner`` and
    ``group`` (root when ``None``): ``False`` if it already was one (left as it is). Needs a
    ``write`` grant."""
    _need(files, "files")
    return _call(files.make_dir, path, mode, files.Ownership(owner, group))


def stat_file(path: str) -> Optional[FileInfo]:
    """What is at ``path`` (a :class:`FileInfo`), or ``None``. Needs a ``read`` or ``write`` grant
    covering it."""
    _need(files, "files")
    info = _call(files.stat, path)
    if info is None:
        return None
    return FileInfo(info.kind.name.lower(), info.size, info.mode, info.owner, info.group)


# ---- commands (0.2.2) ------------------------------------------------------------------------
#
# The workload's programs, run only as the manifest grants (``commands``): the program by its
# absolute path, every argument matching the grant. Secrets go on standard input, never on the
# command line.

# What Rust's ``str::trim`` strips (Unicode White_Space), so every language reports one text.
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


class CommandFailed(Exception):
    """A program did not exit 0 (raised by :meth:`CommandOutput.check`); ``output`` is the
    :class:`CommandOutput`."""

    def __init__(self, message: str, output: "CommandOutput"):
        super().__init__(message)
        self.output = output


@dataclass
class CommandOutput:
    """How a program ended: ``exit_code`` (``None`` if it was killed, by a signal or at its
    timeout), ``timed_out``, ``stdout`` and ``stderr`` (``bytes``) and ``truncated`` (output past
    the grant's limit was dropped). A non-zero exit is an output, not an error: see
    :meth:`check`."""

    exit_code: Optional[int]
    timed_out: bool
    stdout: bytes
    stderr: bytes
    truncated: bool

    def check(self, what: Optional[str] = None) -> None:
        """Returns if the program exited 0; else raises :class:`CommandFailed` saying how it
        ended (``exited with status N``, ``timed out``, ``was killed``) and the last non-empty
        line of its stderr, after ``what`` and ``": "`` when given (``what`` naming the
        command, e.g. ``"/usr/local/bin/tool admin"``)."""
        if self.exit_code == 0:
            return
        if self.timed_out:
            how = "timed out"
        elif self.exit_code is not None:
            how = f"exited with status {self.exit_code}"
        else:
            how = "was killed"
        last = None
        for line in reversed(self.stderr.decode("utf-8", "replace").split("\n")):
            if line.strip(_WHITESPACE):
                last = line.strip(_WHITESPACE)
                break
        message = f"{how}: {last}" if last is not None else how
        if what:
            message = f"{what}: {message}"
        raise CommandFailed(message, self)


def run_command(program: str, args=(), stdin=None) -> CommandOutput:
    """Runs ``program`` (an absolute path) with ``args``, ``stdin`` (``bytes``, or ``str`` as
    UTF-8) on its standard input. ``DeniedByPolicy`` unless a ``commands`` grant for the program
    matches every argument; ``NotFound`` if it does not exist."""
    _need(commands, "commands")
    out = _call(commands.run, program, [str(a) for a in args], None if stdin is None else _bytes(stdin))
    return CommandOutput(out.exit_code, out.timed_out, bytes(out.stdout), bytes(out.stderr), out.truncated)


# ---- services (0.2.2) ------------------------------------------------------------------------
#
# The workload's services, systemd units (``webserver`` or ``webserver.service``) and snap
# services (``<snap>.<app>``), each only for the actions the manifest grants (``services``).


def _enum(kind, value: str, what: str):
    try:
        return kind[value.upper()]
    except (KeyError, AttributeError):
        names = ", ".join(m.name.lower() for m in kind)
        raise InvalidArgument(f"{value!r} is not a service {what} ({names})") from None


def service_act(manager: str, name: str, action: str) -> None:
    """Carries out ``action`` (``"start"``, ``"stop"``, ``"restart"``, ``"reload"``,
    ``"enable"``, ``"disable"``) on the service ``name`` of ``manager`` (``"systemd"`` or
    ``"snap"``); the manager's complaint is a ``BackendError``."""
    _need(services, "services")
    _call(services.act, _enum(services.Manager, manager, "manager"), name, _enum(services.Action, action, "action"))


def service_query(manager: str, name: str):
    """The service's state as its manager reports it: ``active`` (``"active"``,
    ``"inactive"``, ``"failed"``, ...) and ``enabled`` (``"enabled"``, ``"disabled"``, ...).
    Needs the ``query`` action granted."""
    _need(services, "services")
    return _call(services.query, _enum(services.Manager, manager, "manager"), name)


# ---- network (0.2.2) -------------------------------------------------------------------------
#
# Outbound TCP, only to the hosts and ports the manifest grants (``network``); every call is
# bounded by the grant's timeout and the hook's remaining time.


class TcpStream:
    """An open connection (from :func:`connect_tcp`): :meth:`read`, :meth:`write`,
    :meth:`shutdown`; :meth:`close` (or leaving a ``with`` block) closes it."""

    def __init__(self, stream):
        #: The generated ``network.TcpStream`` resource.
        self.resource = stream

    def read(self, max: int = 65536) -> bytes:
        """Up to ``max`` bytes, as soon as some arrive; empty once the peer has closed."""
        return bytes(_call(self.resource.read, max))

    def write(self, data) -> None:
        """Sends all of ``data`` (``bytes``, or ``str`` as UTF-8)."""
        _call(self.resource.write, _bytes(data))

    def shutdown(self) -> None:
        """No more writes: the peer reads the end."""
        _call(self.resource.shutdown)

    def close(self) -> None:
        """Closes the connection (once; a dropped stream is closed too)."""
        if self.resource is not None:
            self.resource.__exit__(None, None, None)
            self.resource = None

    def __enter__(self) -> "TcpStream":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect_tcp(host: str, port: int) -> TcpStream:
    """Connects to ``host`` (a name or an address) on ``port``. ``DeniedByPolicy`` unless a
    ``network`` grant covers both."""
    _need(network, "network")
    if not isinstance(port, int) or not 0 <= port < 65536:
        raise InvalidArgument(f"{port} is not a TCP port")
    return TcpStream(_call(network.connect, host, port))
