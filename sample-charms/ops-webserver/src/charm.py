#!/usr/bin/env python3
"""The observer side of the ops secrets how-to, as a plain ops charm.

It speaks the same protocol as the wasm `webserver` sample, so either can use either database.

Like it, it writes the credentials to its workload's configuration (`/etc/webserver/database.json`,
readable by root only) and reloads the `webserver` service after each change; when the relation
goes, it removes them. An ops charm runs as root with every power, so it does this with the
standard library (the wasm sample asks its host, within what its manifest grants).
"""

import json
import logging
import os
import secrets
import stat
import subprocess

import ops

logger = logging.getLogger(__name__)

LABEL = 'database-secret'
# The workload version `juju status` shows; kept equal to the package version, as the Rust
# sample's Cargo version.
VERSION = '0.1.0'
# The web server's configuration directory, root's only.
CONFIG_DIR = '/etc/webserver'
# Where the web server reads the database credentials from.
CREDENTIALS = '/etc/webserver/database.json'
SYSTEMCTL = '/usr/bin/systemctl'
# The environment the workload's programs run with: a fixed PATH and nothing else.
WORKLOAD_ENV = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}


def _valid(content: dict[str, str]) -> bool:
    return bool(content.get('username')) and len(content.get('password', '')) >= 12


def _credentials_file(username: str, password: str) -> str:
    """The credentials as the web server reads them: a JSON object, username then password
    (the same text as the Rust sample's, serde_json leaving non-ASCII unescaped)."""
    return json.dumps({'username': username, 'password': password}, ensure_ascii=False) + '\n'


def _update_file(path: str, content: bytes, mode: int) -> bool:
    """Makes `path` a regular file holding `content` with exactly `mode` unless it already is
    one: whether it wrote. The write is atomic: a temporary file in the same directory, created
    with `mode` (so the content is never readable by others), synced, then renamed over `path`.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == mode:
        with open(path, 'rb') as f:
            if f.read() == content:
                return False
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f'.{name}.{secrets.token_hex(8)}.tmp')
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)  # exactly `mode`, whatever the umask took from it
        os.rename(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return True


def _reload_webserver():
    """Reloads the `webserver` service; a failure fails the hook."""
    subprocess.run(
        [SYSTEMCTL, 'reload', 'webserver'], check=True, env=WORKLOAD_ENV, capture_output=True
    )


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
        """Writes the credentials where the web server reads them and reloads it if they
        changed."""
        if not os.path.lexists(CONFIG_DIR):
            os.mkdir(CONFIG_DIR, 0o700)
            os.chmod(CONFIG_DIR, 0o700)  # exactly 0700, whatever the umask; root's, as we are
        text = _credentials_file(content['username'], content.get('password', ''))
        if _update_file(CREDENTIALS, text.encode(), 0o600):
            _reload_webserver()
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
        try:
            os.remove(CREDENTIALS)
        except FileNotFoundError:
            pass
        else:
            _reload_webserver()
        self.unit.status = ops.BlockedStatus('no database')


if __name__ == '__main__':
    ops.main(WebserverCharm)
