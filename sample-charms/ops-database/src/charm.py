#!/usr/bin/env python3
"""The owner side of the ops secrets how-to, as a plain ops charm.

It speaks the same protocol as the wasm `database` sample, so either can serve either web server.

Like it, after creating or rotating the credentials it applies the password to its workload with
`/usr/local/bin/database-set-password admin`, the password on standard input (never on a command
line). An ops charm runs as root with every power, so it runs the program itself with the
standard library (the wasm sample asks its host, within what its manifest grants).

The operator can rotate the credentials at once with the `rotate-password` action (on the
leader). Each unit counts the rotations it performed in its unit state; the leader publishes
the revision it last rotated to in the peer relation, and every unit shows it in its status.
"""

import json
import logging
import secrets
import string
import subprocess

import ops
from ops import hookcmds

logger = logging.getLogger(__name__)

LABEL = 'secret-for-webserver-app'
USERNAME = 'admin'
PEERS = 'database-peers'
# The peer application data key holding the revision the leader last rotated to.
ROTATED = 'rotated-revision'
# The unit-state key holding this unit's rotations: {"action":N,"daily":M}.
ROTATIONS = 'rotations'
# The workload's tool that sets a database user's password, read from its standard input.
SET_PASSWORD = '/usr/local/bin/database-set-password'
# The environment the workload's programs run with: a fixed PATH and nothing else.
WORKLOAD_ENV = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}


def _generate_new_secure_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(24))


def _credentials() -> dict[str, str]:
    return {'username': USERNAME, 'password': _generate_new_secure_password()}


def _apply_password(password: str):
    """Gives the workload `password` (on stdin: never on a command line). If the program fails,
    so does the hook, saying how it ended and the last non-empty line of its stderr, as the Rust
    sample's error does."""
    result = subprocess.run(
        [SET_PASSWORD, USERNAME], input=password.encode(), capture_output=True, env=WORKLOAD_ENV
    )
    if result.returncode == 0:
        return
    if result.returncode < 0:
        how = 'was killed'  # by a signal
    else:
        how = f'exited with status {result.returncode}'
    lines = result.stderr.decode('utf-8', 'replace').split('\n')
    last = next((line.strip() for line in reversed(lines) if line.strip()), None)
    message = f'{how}: {last}' if last is not None else how
    raise RuntimeError(f'{SET_PASSWORD} {USERNAME}: {message}')


# The rotations this unit performed live in Juju's unit state (state-get/state-set), as the
# JSON `{"action":N,"daily":M}`. ops' Model has no API for unit state, and StoredState is no
# substitute: it reaches Juju's unit state only with `ops.main(..., use_juju_for_storage=True)`,
# and then as ops' own serialised snapshot rather than this value. So we use `ops.hookcmds`, the
# thin public wrappers ops itself runs the hook commands through:
# `state-get --format=json rotations` and `state-set --file -` (the pairs as JSON on stdin).
def _load_rotations() -> dict[str, int]:
    raw = hookcmds.state_get(ROTATIONS)  # '' while the key is unset
    counts = json.loads(raw) if raw else {}
    return {'action': int(counts.get('action', 0)), 'daily': int(counts.get('daily', 0))}


def _save_rotations(rotations: dict[str, int]):
    value = json.dumps(
        {'action': rotations['action'], 'daily': rotations['daily']}, separators=(',', ':')
    )
    hookcmds.state_set({ROTATIONS: value})


class DatabaseCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.database_relation_joined, self._on_database_relation_joined)
        framework.observe(self.on.secret_rotate, self._on_secret_rotate)
        framework.observe(self.on.rotate_password_action, self._on_rotate_password_action)
        framework.observe(
            self.on.database_peers_relation_changed, self._on_database_peers_relation_changed
        )
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on.database_relation_broken, self._on_database_relation_broken)

    def _on_install(self, event: ops.InstallEvent):
        self.unit.status = ops.ActiveStatus('ready')

    def _on_start(self, event: ops.StartEvent):
        self.unit.status = ops.ActiveStatus('ready')

    def _on_database_relation_joined(self, event: ops.RelationJoinedEvent):
        if not self.unit.is_leader():
            return
        if 'secret-id' in event.relation.data[self.app]:
            return  # already shared over this relation (another unit joined)
        content = _credentials()
        secret = self.app.add_secret(
            content,
            label=LABEL,
            description='database credentials for the webserver application',
            rotate=ops.SecretRotate.DAILY,
        )
        _apply_password(content['password'])
        secret.grant(event.relation)
        event.relation.data[self.app]['secret-id'] = secret.id
        logger.info('shared credentials over relation %d', event.relation.id)

    def _rotated(self, revision: int, why: str):
        """After new credentials were set (at `revision` once the hook commits): counts the
        rotation (`why` is 'action' or 'daily'), publishes the revision to the peers and shows it.
        The old revision is removed once no web server tracks it (see `_on_secret_remove`).
        """
        rotations = _load_rotations()
        rotations[why] += 1
        _save_rotations(rotations)
        peers = self.model.get_relation(PEERS)
        if peers is not None:
            peers.data[self.app][ROTATED] = str(revision)
        self._show_revision(revision)
        logger.info('rotated the database password to revision %d', revision)

    def _show_revision(self, revision: int | None):
        """The status every unit shows: the revision the leader last rotated to, if any."""
        if revision is None:
            self.unit.status = ops.ActiveStatus('ready')
        else:
            self.unit.status = ops.ActiveStatus(f'ready; credentials at revision {revision}')

    def _on_secret_rotate(self, event: ops.SecretRotateEvent):
        if event.secret.label == LABEL:
            revision = event.secret.get_info().revision + 1
            content = _credentials()
            event.secret.set_content(content)
            _apply_password(content['password'])
            self._rotated(revision, 'daily')

    def _on_rotate_password_action(self, event: ops.ActionEvent):
        if not self.unit.is_leader():
            event.fail('rotate-password must run on the leader unit')
            return
        # Not `self.model.get_secret(label=LABEL)`: ops' get_secret always reads the content
        # (secret-get), and Juju records any unit's first read, the owner's included, as that
        # unit tracking the revision it read. That revision would then never become obsolete,
        # so the secret-remove that cleans it up would never come. ops has no Secret handle
        # that skips the read outside a secret event, so use its hook-command wrappers:
        # `secret-info-get --format=json --label ...` then `secret-set <id> ...`.
        info = hookcmds.secret_info_get(label=LABEL)
        revision = info.revision + 1
        content = _credentials()
        hookcmds.secret_set(info.id, content=content)
        _apply_password(content['password'])
        self._rotated(revision, 'action')
        event.set_results({'revision': str(revision)})

    def _on_database_peers_relation_changed(self, event: ops.RelationChangedEvent):
        rotated = event.relation.data[self.app].get(ROTATED, '')
        self._show_revision(int(rotated) if rotated.isascii() and rotated.isdigit() else None)

    def _on_secret_remove(self, event: ops.SecretRemoveEvent):
        # All observers are done with this revision: remove it.
        event.secret.remove_revision(event.revision)
        logger.info('removed obsolete revision %d', event.revision)

    def _on_database_relation_broken(self, event: ops.RelationBrokenEvent):
        if not self.unit.is_leader():
            return
        try:
            secret = self.model.get_secret(label=LABEL)
        except ops.SecretNotFoundError:
            return
        secret.revoke(event.relation)
        secret.remove_all_revisions()
        logger.info('revoked and removed the credentials')


if __name__ == '__main__':
    ops.main(DatabaseCharm)
