// The observer side of the secrets how-to, in JavaScript: reads the credentials the database
// shares as a secret and follows new revisions (peek, validate, refresh).
import * as secrets from 'juju:charm/secrets@0.2.0';
import * as relations from 'juju:charm/relations@0.2.0';
import { run, getSecret, appData, log, setStatus } from '../juju-charm.js';

const LABEL = 'database-secret';

function configure(content) {
  setStatus('active', `connected to the database as ${content.username ?? '?'}`);
  log('info', 'configured database credentials');
}

const valid = (content) => Boolean(content.username) && (content.password ?? '').length >= 12;

function onEvent(event) {
  if (event.kind === 'install') {
    setStatus('waiting', 'waiting for a database relation');
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
  } else if (event.kind === 'relation-broken') {
    setStatus('blocked', 'no database');
  }
}

export function handle(event) {
  run(onEvent, event);
}
