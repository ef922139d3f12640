// The owner side of the secrets how-to, in JavaScript: creates credentials for the related
// application, shares them as a secret, rotates them daily and cleans up.
//
// After creating or rotating the credentials it applies the password to its workload with
// `/usr/local/bin/database-set-password admin`, the password on standard input.
//
// The operator can rotate them at once with the `rotate-password` action (on the leader). Each
// unit counts the rotations it performed in its unit state; the leader publishes the revision it
// last rotated to in the peer relation, and every unit shows it in its status. It behaves
// exactly like the Rust sample (`sample-charms/database`).
import * as secrets from 'juju:charm/secrets@0.2.2';
import * as relations from 'juju:charm/relations@0.2.2';
import * as actions from 'juju:charm/actions@0.2.2';
import * as state from 'juju:charm/state@0.2.2';
import * as commands from 'juju:charm/commands@0.2.2';
import { isLeader } from 'juju:charm/leadership@0.2.2';
import {
  run, call, pairs, JujuError, log, setStatus, appData, setAppData, relationId,
  actionFail, setActionResults, Stored, runCommand, checkOutput,
} from '../juju-charm.js';

/** The owner label of the credentials secret. */
const LABEL = 'secret-for-webserver-app';
const USERNAME = 'admin';
/** The peer relation the units share. */
const PEERS = 'database-peers';
/** The peer application data key holding the revision the leader last rotated to. */
const ROTATED = 'rotated-revision';
/** The workload's tool that sets a database user's password, read from its standard input. */
const SET_PASSWORD = '/usr/local/bin/database-set-password';

function credentials() {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return { username: USERNAME, password: Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('') };
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

/** Gives the workload the password of `content` (on stdin: never on a command line). */
function applyPassword(content) {
  const output = runCommand(commands, SET_PASSWORD, [USERNAME], content.password ?? '');
  checkOutput(output, `${SET_PASSWORD} ${USERNAME}`);
}

function shareCredentials(relation) {
  let id = existing();
  if (id === undefined) {
    const content = credentials();
    id = call(secrets.add, pairs(content), {
      owner: 'application',
      label: LABEL,
      description: 'database credentials for the webserver application',
      expire: undefined,
      rotate: 'daily',
    });
    applyPassword(content);
  }
  // One id form whatever call produced it, so the databag does not churn.
  const canonical = `secret:${id.split('/').pop().replace(/^secret:/, '')}`;
  call(secrets.grant, id, relation.relationId, undefined);
  setAppData(relations, relation.relationId, { 'secret-id': canonical });
  log('info', `shared credentials over relation ${relation.relationId}`);
}

/**
 * New credentials now (`why` is 'action' or 'daily'): returns the revision they will have when
 * the hook commits (the latest + 1), counts the rotation and publishes the revision to the peers.
 */
function rotate(why) {
  const info = call(secrets.info, { tag: 'label', val: LABEL });
  const revision = info.revision + 1;
  const content = credentials();
  call(secrets.set, info.id, pairs(content), {});
  applyPassword(content);
  const rotations = Stored.load(state, 'rotations', { action: 0, daily: 0 });
  rotations.value[why] += 1;
  rotations.save();
  const peers = relationId(relations, PEERS);
  if (peers !== undefined) setAppData(relations, peers, { [ROTATED]: String(revision) });
  showRevision(revision);
  log('info', `rotated the database password to revision ${revision}`);
  return revision;
}

/** The status every unit shows: the revision the leader last rotated to, once there is one. */
function showRevision(revision) {
  setStatus('active', revision === undefined ? 'ready' : `ready; credentials at revision ${revision}`);
}

function peerRevision(event) {
  const value = appData(relations, event.relation.relationId, event.app)[ROTATED] ?? '';
  // A u32 in decimal, as Rust's parse::<u32>() accepts it; anything else is no revision.
  return /^\+?[0-9]+$/.test(value) && Number(value) <= 0xffffffff ? Number(value) : undefined;
}

function onEvent(event) {
  if (event.kind === 'install' || event.kind === 'start') {
    setStatus('active', 'ready');
  } else if (event.kind === 'relation-joined' && event.relation.endpoint === 'database' && call(isLeader)) {
    shareCredentials(event.relation);
  } else if (event.kind === 'secret-rotate' && event.secret.label === LABEL) {
    rotate('daily');
  } else if (event.kind === 'action' && event.action.name === 'rotate-password') {
    if (!call(isLeader)) {
      actionFail(actions, 'rotate-password must run on the leader unit');
      return;
    }
    const revision = rotate('action');
    setActionResults(actions, { revision: String(revision) });
  } else if (event.kind === 'relation-changed' && event.relation.endpoint === PEERS) {
    showRevision(peerRevision(event));
  } else if (event.kind === 'secret-remove') {
    try {
      call(secrets.remove, event.secret.id, event.secret.revision);
    } catch (e) {
      if (!(e instanceof JujuError && e.kind === 'not-found')) throw e;
    }
    log('info', `removed obsolete revision ${event.secret.revision}`);
  } else if (event.kind === 'relation-broken' && event.relation.endpoint === 'database' && call(isLeader)) {
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
