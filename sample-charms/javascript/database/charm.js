// The owner side of the secrets how-to, in JavaScript: creates credentials for the related
// application, shares them as a secret, rotates them daily and cleans up.
import * as secrets from 'juju:charm/secrets@0.1.0';
import * as relations from 'juju:charm/relations@0.1.0';
import { isLeader } from 'juju:charm/leadership@0.1.0';
import { run, call, pairs, JujuError, log, setStatus } from '../juju-charm.js';

const LABEL = 'secret-for-webserver-app';

function credentials() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return { username: 'admin', password: Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('') };
}

/** The id of the secret labelled LABEL, or undefined if there is none. */
function existing() {
  try {
    return call(secrets.info, { tag: 'label', val: LABEL }).id;
  } catch (e) {
    if (e instanceof JujuError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

function shareCredentials(relation) {
  let id = existing();
  if (id === undefined) {
    id = call(secrets.add, pairs(credentials()), {
      owner: 'application',
      label: LABEL,
      description: 'database credentials for the webserver application',
      expire: undefined,
      rotate: 'daily',
    });
  }
  const canonical = `secret:${id.split('/').pop().replace(/^secret:/, '')}`;
  call(secrets.grant, canonical, relation.relationId, undefined);
  call(relations.set, relation.relationId, 'app', [['secret-id', canonical]]);
  log('info', `shared credentials over relation ${relation.relationId}`);
}

function onEvent(event) {
  if (event.kind === 'install' || event.kind === 'start') {
    setStatus('active', 'ready');
  } else if (event.kind === 'relation-joined' && call(isLeader)) {
    shareCredentials(event.relation);
  } else if (event.kind === 'secret-rotate' && event.secret.label === LABEL) {
    call(secrets.set, event.secret.id, pairs(credentials()), {});
    log('info', 'rotated the database password');
  } else if (event.kind === 'secret-remove') {
    try {
      call(secrets.remove, event.secret.id, event.secret.revision);
    } catch (e) {
      if (!(e instanceof JujuError && e.kind === 'not-found')) throw e;
    }
    log('info', `removed obsolete revision ${event.secret.revision}`);
  } else if (event.kind === 'relation-broken' && call(isLeader)) {
    const id = existing();
    if (id === undefined) return;
    call(secrets.revoke, id, { tag: 'relation', val: event.relation.relationId });
    call(secrets.remove, id, undefined);
    log('info', 'revoked and removed the credentials');
  }
}

export function handle(event) {
  run(onEvent, event);
}
