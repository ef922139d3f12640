// The observer side of the secrets how-to, in JavaScript: reads the credentials the database
// shares as a secret and follows new revisions (peek, validate, refresh). It writes them to its
// workload's configuration (`/etc/webserver/database.json`, readable by root only) and reloads the
// `webserver` service after each change; when the relation goes, it removes them. It opens the TCP
// port the operator configures, and tells the version it runs and the address it connects from.
// It behaves exactly like the Rust sample (`sample-charms/webserver`).
import * as secrets from 'juju:charm/secrets@0.2.2';
import * as relations from 'juju:charm/relations@0.2.2';
import * as config from 'juju:charm/config@0.2.2';
import * as ports from 'juju:charm/ports@0.2.2';
import * as bindings from 'juju:charm/bindings@0.2.2';
import * as files from 'juju:charm/files@0.2.2';
import * as services from 'juju:charm/services@0.2.2';
import {
  run, getSecret, appData, log, setStatus, setVersion, getConfig, setTcpPort, bindingAddress, JujuError,
  statFile, makeDir, updateFile, removeFile, serviceAct,
} from '../juju-charm.js';

const LABEL = 'database-secret';
// The workload version `juju status` shows; kept equal to the package version, as the Rust
// sample's Cargo version.
const VERSION = '0.1.0';
const DEFAULT_PORT = 8080;
/** The web server's configuration directory, root's only. */
const CONFIG_DIR = '/etc/webserver';
/** Where the web server reads the database credentials from. */
const CREDENTIALS = '/etc/webserver/database.json';

/** The credentials as the web server reads them: a JSON object, username then password. */
const credentialsFile = (username, password) =>
  `{"username": ${JSON.stringify(username)}, "password": ${JSON.stringify(password)}}\n`;

/** Writes the credentials where the web server reads them and reloads it if they changed. */
function configure(content) {
  const user = content.username ?? '?';
  const password = content.password ?? '';
  if (statFile(files, CONFIG_DIR) === undefined) makeDir(files, CONFIG_DIR, 0o700);
  if (updateFile(files, CREDENTIALS, credentialsFile(user, password), 0o600)) {
    serviceAct(services, 'systemd', 'webserver', 'reload');
  }
  const address = bindingAddress(bindings, 'database') ?? '?';
  setStatus('active', `connected to the database as ${user} from ${address}`);
  log('info', 'configured database credentials');
}

// Makes the configured port the only TCP port open; one the manifest does not allow blocks the
// unit instead of failing the hook, which retrying would not fix.
function listen() {
  const port = getConfig(config).port ?? DEFAULT_PORT;
  if (!(Number.isInteger(Number(port)) && Number(port) > 0 && Number(port) < 65536)) {
    setStatus('blocked', `port ${port} is not a TCP port`);
    return;
  }
  try {
    setTcpPort(ports, port);
  } catch (e) {
    if (!(e instanceof JujuError && e.kind === 'denied-by-policy')) throw e;
    setStatus('blocked', `port ${port} is not allowed`);
  }
}

const valid = (content) => Boolean(content.username) && (content.password ?? '').length >= 12;

function onEvent(event) {
  if (event.kind === 'install') {
    setStatus('waiting', 'waiting for a database relation');
  } else if (event.kind === 'start') {
    setVersion(VERSION);
    listen();
  } else if (event.kind === 'config-changed') {
    listen();
  } else if (event.kind === 'relation-changed' && event.relation.endpoint === 'database') {
    const secretId = appData(relations, event.relation.relationId, event.relation.remoteApp)['secret-id'];
    if (!secretId) {
      setStatus('waiting', 'waiting for database credentials');
      return;
    }
    configure(getSecret(secrets, { id: secretId, label: LABEL }));
  } else if (event.kind === 'secret-changed' && event.secret.label === LABEL) {
    const latest = getSecret(secrets, { id: event.secret.id, mode: 'peek' });
    if (!valid(latest)) {
      log('warning', 'the new database credentials are not valid; keeping the old ones');
      setStatus('blocked', 'database sent invalid credentials');
      return;
    }
    configure(getSecret(secrets, { id: event.secret.id, mode: 'refresh' }));
  } else if (event.kind === 'relation-broken' && event.relation.endpoint === 'database') {
    if (removeFile(files, CREDENTIALS)) serviceAct(services, 'systemd', 'webserver', 'reload');
    setStatus('blocked', 'no database');
  }
}

export function handle(event) {
  run(onEvent, event);
}
