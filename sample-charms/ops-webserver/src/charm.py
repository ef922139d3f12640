#!/usr/bin/env python3
"""The observer side of the ops secrets how-to, as a plain ops charm.

It speaks the same protocol as the wasm `webserver` sample, so either can use either database.
"""

import logging

import ops

logger = logging.getLogger(__name__)

LABEL = 'database-secret'
# The workload version `juju status` shows; kept equal to the package version, as the Rust
# sample's Cargo version.
VERSION = '0.1.0'


def _valid(content: dict[str, str]) -> bool:
    return bool(content.get('username')) and len(content.get('password', '')) >= 12


class WebserverCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.start, self._on_start)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.database_relation_changed, self._on_database_relation_changed)
        framework.observe(self.on.secret_changed, self._on_secret_changed)
        framework.observe(self.on.database_relation_broken, self._on_database_relation_broken)

    def _configure_db_credentials(self, content: dict[str, str]):
        address = self.model.get_binding('database').network.ingress_address
        self.unit.status = ops.ActiveStatus(
            f'connected to the database as {content["username"]} from {address}'
        )
        logger.info('configured database credentials')

    def _listen(self):
        # set_ports closes any other port this unit opened, then opens this one.
        self.unit.set_ports(int(self.config.get('port', 8080)))

    def _on_install(self, event: ops.InstallEvent):
        self.unit.status = ops.WaitingStatus('waiting for a database relation')

    def _on_start(self, event: ops.StartEvent):
        self.unit.set_workload_version(VERSION)
        self._listen()

    def _on_config_changed(self, event: ops.ConfigChangedEvent):
        self._listen()

    def _on_database_relation_changed(self, event: ops.RelationChangedEvent):
        secret_id = event.relation.data[event.app].get('secret-id')
        if not secret_id:
            self.unit.status = ops.WaitingStatus('waiting for database credentials')
            return
        secret = self.model.get_secret(id=secret_id, label=LABEL)
        self._configure_db_credentials(secret.get_content())

    def _on_secret_changed(self, event: ops.SecretChangedEvent):
        if event.secret.label != LABEL:
            return
        content = event.secret.peek_content()
        if not _valid(content):
            logger.warning('the new database credentials are not valid; keeping the old ones')
            self.unit.status = ops.BlockedStatus('database sent invalid credentials')
            return
        self._configure_db_credentials(event.secret.get_content(refresh=True))

    def _on_database_relation_broken(self, event: ops.RelationBrokenEvent):
        self.unit.status = ops.BlockedStatus('no database')


if __name__ == '__main__':
    ops.main(WebserverCharm)
