#!/usr/bin/env python3
"""The owner side of the ops secrets how-to, as a plain ops charm.

It speaks the same protocol as the wasm `database` sample, so either can serve either web server.
"""

import logging
import secrets
import string

import ops

logger = logging.getLogger(__name__)

LABEL = 'secret-for-webserver-app'


def _generate_new_secure_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return ''.join(secrets.choice(alphabet) for _ in range(24))


def _credentials() -> dict[str, str]:
    return {'username': 'admin', 'password': _generate_new_secure_password()}


class DatabaseCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.database_relation_joined, self._on_database_relation_joined)
        framework.observe(self.on.secret_rotate, self._on_secret_rotate)
        framework.observe(self.on.secret_remove, self._on_secret_remove)
        framework.observe(self.on.database_relation_broken, self._on_database_relation_broken)

    def _on_install(self, event: ops.InstallEvent):
        self.unit.status = ops.ActiveStatus('ready')

    def _on_database_relation_joined(self, event: ops.RelationJoinedEvent):
        if not self.unit.is_leader():
            return
        if 'secret-id' in event.relation.data[self.app]:
            return  # already shared over this relation (another unit joined)
        secret = self.app.add_secret(
            _credentials(),
            label=LABEL,
            description='database credentials for the webserver application',
            rotate=ops.SecretRotate.DAILY,
        )
        secret.grant(event.relation)
        event.relation.data[self.app]['secret-id'] = secret.id
        logger.info('shared credentials over relation %d', event.relation.id)

    def _on_secret_rotate(self, event: ops.SecretRotateEvent):
        if event.secret.label == LABEL:
            # A new revision; the old one is removed once no web server tracks it.
            event.secret.set_content(_credentials())
            logger.info('rotated the database password')

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
