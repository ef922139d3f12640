// A thin, idiomatic layer over the juju:charm contract for charms written in JavaScript.
//
// componentize-js exposes the contract (`juju:charm@0.2.2`) as modules
// (`juju:charm/secrets@0.2.2`, ...): records are
// objects with camelCase fields, variants are `{tag, val}`, and a `result` error is thrown as an
// exception whose `payload` is the contract's `error` variant. This module turns those into
// `JujuError`s with a `kind` (`not-found`, `permission-denied`, ...) and gives the event as a
// tagged value (`event.kind` is the hook kind, e.g. `relation-changed` or `action`), and nothing
// more.
//
// It imports only `logging` and `status` (0.2.2's), which every sample imports; the other helpers
// (secrets, relations, config, actions, state, ports, bindings, storage, goal state, and the
// unit's machine: files, commands, services, network) take the imported module from the charm,
// so a charm's world decides what it imports.
import { log as witLog } from 'juju:charm/logging@0.2.2';
import { set as witStatus, get as witStatusGet, setVersion as witSetVersion } from 'juju:charm/status@0.2.2';

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

/**
 * The event as a tagged value: `{kind, hookName, unit, app, modelName, modelUuid}` plus the
 * field matching the kind (the others are absent):
 * - `relation` for `relation-*` (peer relations too): `{endpoint, relationId, remoteApp,
 *   remoteUnit, departingUnit}`;
 * - `secret` for `secret-*`: `{id, label}` (and `revision` for remove and expired);
 * - `action` for `action`: `{name, id}` (read the parameters with `actionParams`);
 * - `storage` for `storage-attached`/`storage-detaching`: `{name, id}` (`data`, `data/0`);
 * - `workload` (the container's name) for every `pebble-*` kind, with `notice`
 *   (`{workload, noticeId, noticeType, noticeKey}`) for `pebble-custom-notice` and `check`
 *   (`{workload, checkName}`) for `pebble-check-failed`/`pebble-check-recovered`.
 * `hookName` is the hook Juju dispatched (for an action, the action's name).
 */
export function eventFrom(raw) {
  const kind = raw.kind.tag;
  const val = raw.kind.val;
  const event = {
    kind,
    hookName: raw.hookName,
    unit: raw.unit,
    app: raw.app,
    modelName: raw.modelName,
    modelUuid: raw.modelUuid,
  };
  if (kind.startsWith('relation-')) event.relation = val;
  else if (kind.startsWith('secret-')) event.secret = val;
  else if (kind === 'action') event.action = val;
  else if (kind.startsWith('storage-')) event.storage = val;
  else if (kind.startsWith('pebble-')) {
    event.workload = val.workload;
    if (kind === 'pebble-custom-notice') event.notice = val;
    else if (kind.startsWith('pebble-check-')) event.check = val;
  }
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

/** The ids of the relations established on an endpoint (a peer endpoint has one at most). */
export const relationIds = (relations, endpoint) => Array.from(call(relations.ids, endpoint));

/**
 * The one relation on an endpoint, or undefined; a `JujuError` `invalid-argument` if there are
 * several (use `relationIds`). Handy for a peer relation: its remote application is this one,
 * every unit reads its application databag, only the leader writes it.
 */
export function relationId(relations, endpoint) {
  const ids = relationIds(relations, endpoint);
  if (ids.length > 1) {
    throw new JujuError('invalid-argument', `endpoint "${endpoint}" has ${ids.length} relations; use relationIds()`);
  }
  return ids[0];
}

/** Writes this application's databag (leader only); an empty value deletes the key. */
export function setAppData(relations, relationId, data) {
  call(relations.set, relationId, 'app', pairs(data));
}

/** An application's databag in a relation, as an object. */
export function appData(relations, relationId, app) {
  return Object.fromEntries(call(relations.get, relationId, { tag: 'app', val: app }));
}

/** juju-log at 'debug', 'info', 'warning' or 'error'. */
export const log = (level, message) => call(witLog, level, message);

/** The unit's workload status: 'active', 'blocked', 'maintenance' or 'waiting'. */
export const setStatus = (state, message) => call(witStatus, state, message, false);

/**
 * This unit's status, as committed or as set earlier in this hook: `{state, message, data}`,
 * `state` being one `setStatus` takes or 'unknown' (nothing set yet), 'error' (a hook failed),
 * 'terminated'; `data` an object.
 */
export function getStatus() {
  const { state, message, data } = call(witStatusGet);
  return { state, message, data: Object.fromEntries(data) };
}

/** The workload version `juju status` shows for the application (any unit may set it). */
export const setVersion = (version) => call(witSetVersion, version);

/**
 * Every option that has a value (`config` is the charm's `juju:charm/config` module): strings,
 * numbers and booleans (a `secret`-typed option is its secret id); an option without a value is
 * absent. An `int` beyond JavaScript's safe integers stays a BigInt.
 */
export function getConfig(config) {
  return Object.fromEntries(call(config.getAll).map(([name, { tag, val }]) => {
    if (tag === 'integer' && Number.isSafeInteger(Number(val))) return [name, Number(val)];
    return [name, val];
  }));
}

// ---- actions ---------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/actions@0.2.2` module. Only while handling an `action`
// event the manifest grants: otherwise a call throws a `JujuError` `denied-by-policy` (the
// action, or any action, is not granted) or, outside an action, `invalid-argument` (Juju's
// `not running an action`).

/** The action's parameters, JSON-decoded (the defaults `actions.yaml` declares filled in). */
export function actionParams(actions) {
  const raw = call(actions.params);
  try {
    return JSON.parse(raw);
  } catch {
    // A parameter may be a password, and the parser's message may quote it.
    throw new JujuError('invalid-argument', 'action parameters are not a JSON object');
  }
}

function flatten(results, prefix = '') {
  return Object.entries(results).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? flatten(value, `${prefix}${key}.`)
      // Text as it is, anything else as JSON: the same text in every language.
      : [[`${prefix}${key}`, typeof value === 'string' ? value : JSON.stringify(value)]]);
}

/**
 * Adds results: keys are lowercase letters, digits and `-`; a nested object becomes dotted keys
 * (`{db: {host}}` is `db.host`); values become strings.
 *
 * Juju passes results on a command line, where other processes on the machine can read them:
 * never put a secret in a result (tell the operator where to find it instead).
 */
export function setActionResults(actions, results) {
  call(actions.setResults, flatten(results));
}

/** A progress message the operator sees while the action runs. */
export const actionLog = (actions, message) => call(actions.log, message);

/**
 * Marks the action failed with `message`. Return normally afterwards to keep the hook's other
 * changes (throwing fails the action too, but discards them).
 */
export const actionFail = (actions, message) => call(actions.fail, message);

// ---- the unit's state --------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/state@0.2.2` module. This unit's own key/value store, kept
// by Juju across hooks: what a charm (which has no disk) remembers. Changes commit with the hook.
// Values may hold secrets: they reach Juju through a private file, never a command line. Juju
// limits a key to 256 bytes, a value to 64 KiB and the whole state to 2 MiB by default.

/** The value stored under `key`, or undefined. */
export const stateGet = (state, key) => call(state.get, key) ?? undefined;

/** Every key and value, as an object. */
export const stateAll = (state) => Object.fromEntries(call(state.getAll));

/** Stores `value` under `key` (replacing what was there). It may be a secret. */
export const stateSet = (state, key, value) => call(state.set, [[key, String(value)]]);

/** Forgets `key` (no error if it is not there). */
export const stateDelete = (state, key) => call(state.delete, key);

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const copy = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/**
 * One JSON value kept under a key of the unit's state, like the Rust SDK's `Stored<T>`: read
 * once by `Stored.load`, written back by `save()` only if it changed. The value is `.value`; it
 * may hold secrets (unit state never reaches a command line). JSON is compact, as serde_json
 * writes it, so every language stores the same text:
 *
 *     const rotations = Stored.load(state, 'rotations', { action: 0, daily: 0 });
 *     rotations.value.action += 1;
 *     rotations.save();          // stores {"action":1,"daily":0}
 */
export class Stored {
  constructor(state, key, value, saved) {
    this.state = state;
    this.key = key;
    this.value = value;
    this.saved = saved;
  }

  /**
   * Reads the value under `key`. With an object as `defaults`, the stored object has its missing
   * keys filled from it (and keeps their order); with anything else, the stored value. A copy
   * of `defaults` when nothing is stored. A `JujuError` `invalid-argument` if the stored value
   * does not decode.
   */
  static load(state, key, defaults = null) {
    const saved = stateGet(state, key);
    let value;
    if (saved === undefined) {
      value = copy(defaults);
    } else {
      try {
        value = JSON.parse(saved);
      } catch {
        // State may hold secrets, and the parser's message may quote them.
        throw new JujuError('invalid-argument', `unit state "${key}" does not decode as JSON`);
      }
      if (isObject(defaults) && isObject(value)) value = { ...copy(defaults), ...value };
    }
    return new Stored(state, key, value, saved);
  }

  /** Writes the value back if it changed since it was read or last saved. */
  save() {
    const json = JSON.stringify(this.value);
    if (json === undefined) throw new JujuError('invalid-argument', `unit state "${this.key}": not a JSON value`);
    if (json !== this.saved) {
      stateSet(this.state, this.key, json);
      this.saved = json;
    }
  }
}

// ---- ports -------------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/ports@0.2.2` module. What this unit opens in the firewall
// (`juju expose` exposes it). Changes commit with the hook.

function tcp(port) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new JujuError('invalid-argument', `${port} is not a TCP port`);
  }
  return { tag: 'tcp', val: { first: port, last: port } };
}

/** Opens a TCP port for every endpoint. */
export const openTcpPort = (ports, port) => call(ports.open, tcp(port), []);

/** Closes a TCP port for every endpoint. */
export const closeTcpPort = (ports, port) => call(ports.close, tcp(port), []);

/**
 * What this unit has open, this hook's changes included: `{protocol, first, last, endpoints}`
 * objects, `protocol` being 'tcp', 'udp' or 'icmp' (whose `first` and `last` are null);
 * `endpoints` is empty when it is open for every endpoint.
 */
export function openedPorts(ports) {
  return call(ports.opened).map(({ ports: range, endpoints }) => ({
    protocol: range.tag,
    first: range.val ? range.val.first : null,
    last: range.val ? range.val.last : null,
    endpoints: Array.from(endpoints),
  }));
}

/**
 * Opens exactly this TCP port, closing any other TCP port this unit opened. It closes first, so
 * at most one is ever open (what a manifest's `at-most: 1` allows).
 */
export function setTcpPort(ports, port) {
  const wanted = tcp(port); // checked before anything closes
  let isOpen = false;
  for (const { ports: range, endpoints } of call(ports.opened)) {
    if (range.tag !== 'tcp') continue;
    if (range.val.first === port && range.val.last === port) isOpen = true;
    else call(ports.close, range, Array.from(endpoints));
  }
  if (!isOpen) call(ports.open, wanted, []);
}

// ---- bindings ----------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/bindings@0.2.2` module.

/**
 * The network of a binding (an endpoint or extra binding), as seen from a relation when
 * `relationId` is given: `{bindAddresses, ingressAddresses (preferred first), egressSubnets}`.
 */
export const bindingNetwork = (bindings, name, relationId) => call(bindings.get, name, relationId);

/** The address to give the other side of a binding (its first ingress address), or undefined. */
export const bindingAddress = (bindings, name, relationId) =>
  bindingNetwork(bindings, name, relationId).ingressAddresses[0];

// ---- storage -----------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/storage@0.2.2` module.

/** The ids of the instances of storage `name` attached to this unit. */
export const storageList = (storage, name) => Array.from(call(storage.list, name));

/**
 * An attached instance, by id: `{id, kind, location}`, `kind` being 'filesystem' or 'block' and
 * `location` the mount point or the device.
 */
export const storageGet = (storage, id) => call(storage.get, id);

/** Asks for `count` more instances; each attaches after the hook, with its `storage-attached`. */
export const storageAdd = (storage, name, count = 1) => call(storage.add, name, count);

// ---- goal state --------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/goal-state@0.2.2` module.

/**
 * Where the deployment is heading: `{units, relations}`, `units` being this application's goals
 * (`{name, status, since}`) and `relations` per endpoint the remote ones (`{endpoint, goals}`).
 */
export const goalState = (goals) => call(goals.get);

/** How many units this application will have: its goal units not dying (as ops counts). */
export const plannedUnits = (goals) => goalState(goals).units.filter((u) => u.status !== 'dying').length;

// ---- files -------------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/files@0.2.2` module. Files on the unit's machine, under the
// paths the manifest grants (`files`): absolute, plain paths (no `.`, `..`, `//` or trailing
// `/`); the host follows no symlink in them. Changes happen at once, not when the hook commits.
// An `owner` or `group` left undefined is root. Content is a `Uint8Array` (a string is written
// as UTF-8).

const bytes = (content) => (typeof content === 'string' ? new TextEncoder().encode(content) : content);

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** A regular file's whole content (a `Uint8Array`), or undefined if nothing is at `path`. */
export function readFile(files, path) {
  try {
    return call(files.read, path);
  } catch (e) {
    if (e instanceof JujuError && e.kind === 'not-found') return undefined;
    throw e;
  }
}

/**
 * Replaces the file at `path` atomically with `content`, with exactly `mode` (`0o600`) and
 * `owner` and `group` (root when undefined); its directory must exist. Needs a `write` grant whose
 * `max-mode` has every bit of `mode` and whose `owners` name the owner. Never logged.
 */
export function writeFile(files, path, content, mode, { owner, group } = {}) {
  call(files.write, path, bytes(content), mode, { owner, group });
}

/**
 * Writes `content` (root-owned, exactly `mode`) only if the file does not hold it already with
 * that mode: whether it wrote, so the charm reloads its workload only after a change (the Rust
 * SDK's `files::update`).
 */
export function updateFile(files, path, content, mode) {
  const wanted = bytes(content);
  const old = readFile(files, path);
  let same = old !== undefined && sameBytes(old, wanted);
  if (same) {
    const info = statFile(files, path);
    same = info !== undefined && (info.mode & 0o7777) === mode;
  }
  if (!same) writeFile(files, path, wanted, mode);
  return !same;
}

/** Removes a file, a symlink (not its target) or an empty directory: whether there was one. */
export const removeFile = (files, path) => call(files.remove, path);

/** The names in a directory, sorted. */
export const listDir = (files, path) => Array.from(call(files.list, path));

/**
 * Makes a directory (its parent must exist) with exactly `mode` and `owner` and `group` (root
 * when undefined): false if it already was one (left as it is).
 */
export const makeDir = (files, path, mode, { owner, group } = {}) => call(files.makeDir, path, mode, { owner, group });

/**
 * What is at `path`, or undefined: `{kind, size, mode, owner, group}`, `kind` being 'file',
 * 'directory', 'symlink' (never followed) or 'other', `mode` the permission bits with the set-id
 * and sticky bits (`0o600` is 384), `owner` and `group` names (or numbers as text).
 */
export function statFile(files, path) {
  const info = call(files.stat, path);
  if (info === undefined || info === null) return undefined;
  const size = Number.isSafeInteger(Number(info.size)) ? Number(info.size) : info.size;
  return { kind: info.kind, size, mode: info.mode, owner: info.owner, group: info.group };
}

// ---- commands ----------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/commands@0.2.2` module. The workload's programs, run only as
// the manifest grants (`commands`): the program by its absolute path, every argument matching the
// grant. Secrets go on standard input, never on the command line.

/** A program did not exit 0 (thrown by `checkOutput`); `output` is how it ended. */
export class CommandFailed extends Error {
  constructor(message, output) {
    super(message);
    this.name = 'CommandFailed';
    this.output = output;
  }
}

/**
 * Runs `program` with `args`, `stdin` (a `Uint8Array`, or a string as UTF-8) on its standard
 * input: `{exitCode, timedOut, stdout, stderr, truncated}`, `exitCode` undefined if it was killed
 * (by a signal or at its timeout), `stdout` and `stderr` `Uint8Array`s, `truncated` if output past
 * the grant's limit was dropped. A non-zero exit is an output, not an error: see `checkOutput`.
 */
export function runCommand(commands, program, args = [], stdin = undefined) {
  const out = call(commands.run, program, args.map(String), stdin === undefined ? undefined : bytes(stdin));
  return { ...out, exitCode: out.exitCode ?? undefined };
}

// What Rust's `str::trim` strips (Unicode White_Space), so every language reports one text.
const RUST_TRIM = /^[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/**
 * Returns if the program exited 0; else throws a `CommandFailed` saying how it ended (`exited with
 * status N`, `timed out`, `was killed`) and the last non-empty line of its stderr, after `what`
 * and ': ' when given (`what` naming the command, e.g. '/usr/local/bin/tool admin').
 */
export function checkOutput(output, what = undefined) {
  if (output.exitCode === 0) return;
  let how;
  if (output.timedOut) how = 'timed out';
  else if (output.exitCode !== undefined && output.exitCode !== null) how = `exited with status ${output.exitCode}`;
  else how = 'was killed';
  const lines = new TextDecoder().decode(output.stderr).split('\n').map((l) => l.replace(RUST_TRIM, ''));
  const last = lines.reverse().find((l) => l !== '');
  let message = last === undefined ? how : `${how}: ${last}`;
  if (what) message = `${what}: ${message}`;
  throw new CommandFailed(message, output);
}

// ---- services ----------------------------------------------------------------------------------
//
// Each takes the charm's `juju:charm/services@0.2.2` module. The workload's services: systemd
// units (`webserver` or `webserver.service`) and snap services (`<snap>.<app>`), each only for the
// actions the manifest grants (`services`).

const MANAGERS = ['systemd', 'snap'];
const SERVICE_ACTIONS = ['start', 'stop', 'restart', 'reload', 'enable', 'disable'];

function oneOf(value, allowed, what) {
  if (!allowed.includes(value)) {
    throw new JujuError('invalid-argument', `"${value}" is not a service ${what} (${allowed.join(', ')})`);
  }
  return value;
}

/**
 * Carries out `action` ('start', 'stop', 'restart', 'reload', 'enable', 'disable') on the service
 * `name` of `manager` ('systemd' or 'snap'); the manager's complaint is a `backend` error.
 */
export function serviceAct(services, manager, name, action) {
  call(services.act, oneOf(manager, MANAGERS, 'manager'), name, oneOf(action, SERVICE_ACTIONS, 'action'));
}

/**
 * The service's state as its manager reports it: `{active, enabled}` (`'active'`, `'inactive'`,
 * `'failed'`, ...; `'enabled'`, `'disabled'`, ...). Needs the `query` action granted.
 */
export const serviceQuery = (services, manager, name) => call(services.query, oneOf(manager, MANAGERS, 'manager'), name);

// ---- network -----------------------------------------------------------------------------------
//
// Takes the charm's `juju:charm/network@0.2.2` module. Outbound TCP, only to the hosts and ports
// the manifest grants (`network`); every call is bounded by the grant's timeout and the hook's
// remaining time.

const symbolDispose = Symbol.dispose || Symbol.for('dispose');

/** An open connection (from `connectTcp`); `close()` closes it, as does dropping it. */
export class TcpStream {
  constructor(resource) {
    /** The generated `tcp-stream` resource. */
    this.resource = resource;
  }

  /** Up to `max` bytes (a `Uint8Array`), as soon as some arrive; empty once the peer has closed. */
  read(max = 65536) {
    return call((m) => this.resource.read(m), max);
  }

  /** Sends all of `data` (a `Uint8Array`, or a string as UTF-8). */
  write(data) {
    call((d) => this.resource.write(d), bytes(data));
  }

  /** No more writes: the peer reads the end. */
  shutdown() {
    call(() => this.resource.shutdown());
  }

  /** Closes the connection (once). */
  close() {
    if (this.resource === undefined) return;
    const dispose = this.resource[symbolDispose];
    if (typeof dispose === 'function') dispose.call(this.resource);
    this.resource = undefined;
  }
}

/** Connects to `host` (a name or an address) on `port`: a `TcpStream`. */
export function connectTcp(network, host, port) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new JujuError('invalid-argument', `${port} is not a TCP port`);
  }
  return new TcpStream(call(network.connect, host, port));
}
