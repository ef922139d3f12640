// A thin, idiomatic layer over the juju:charm contract for charms written in JavaScript.
//
// componentize-js exposes the contract as modules (`juju:charm/secrets@0.1.0`, ...): records are
// objects with camelCase fields, variants are `{tag, val}`, and a `result` error is thrown as an
// exception whose `payload` is the contract's `error` variant. This module turns those into
// `JujuError`s with a `kind` (`not-found`, `permission-denied`, ...) and gives the event as a
// tagged value (`event.kind` is the hook kind, e.g. `relation-changed`), and nothing more.
//
// It imports only `logging` and `status`, which every sample imports; the secret and relation
// helpers take the imported module from the charm, so a charm's world decides what it imports.
import { log as witLog } from 'juju:charm/logging@0.1.0';
import { set as witStatus } from 'juju:charm/status@0.1.0';

/** A refusal from Juju or from the host; `kind` is the contract's error case. */
export class JujuError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** Calls a contract function, turning its error into a `JujuError`. */
export function call(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    const error = e && e.payload !== undefined ? e.payload : e;
    if (error && typeof error.tag === 'string') {
      throw new JujuError(error.tag, String(error.val));
    }
    throw e;
  }
}

/** The event as a tagged value: `{kind, hookName, unit, app, relation?, secret?}`. */
export function eventFrom(raw) {
  const kind = raw.kind.tag;
  const event = { kind, hookName: raw.hookName, unit: raw.unit, app: raw.app };
  if (kind.startsWith('relation-')) event.relation = raw.kind.val;
  if (kind.startsWith('secret-')) event.secret = raw.kind.val;
  return event;
}

/** Runs `handler` on the event; any exception fails the hook with a one-line reason. */
export function run(handler, raw) {
  try {
    handler(eventFrom(raw));
  } catch (e) {
    const reason = e instanceof JujuError ? `${e.kind}: ${e.message}` : String(e && e.message ? e.message : e);
    const failure = new Error(reason.replace(/\n/g, ' '));
    failure.payload = failure.message;
    throw failure;
  }
}

/** Content as the contract passes it: a list of [key, value] pairs. */
export const pairs = (content) => Object.entries(content).map(([k, v]) => [k, String(v)]);

/** The content of a secret (by id, or by label when `id` is undefined) as an object. */
export function getSecret(secrets, { id, label, mode = 'tracked' }) {
  const ref = id ? { tag: 'id', val: id } : { tag: 'label', val: label };
  const options = { mode, key: undefined, attachLabel: id ? label : undefined };
  return Object.fromEntries(call(secrets.get, ref, options));
}

/** An application's databag in a relation, as an object. */
export function appData(relations, relationId, app) {
  return Object.fromEntries(call(relations.get, relationId, { tag: 'app', val: app }));
}

/** juju-log at 'debug', 'info', 'warning' or 'error'. */
export const log = (level, message) => call(witLog, level, message);

/** The unit's workload status: 'active', 'blocked', 'maintenance' or 'waiting'. */
export const setStatus = (state, message) => call(witStatus, state, message, false);
