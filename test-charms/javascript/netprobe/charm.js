// On `install`, sends `ping` to the configured host and port through juju:charm/network and logs
// the reply, or why the host refused. Calls the generated bindings directly: the helper
// (`sample-charms/javascript/juju-charm.js`) imports `status`, which this world does not.
import { getAll } from 'juju:charm/config@0.2.2';
import { log } from 'juju:charm/logging@0.2.2';
import { connect } from 'juju:charm/network@0.2.2';

const dispose = Symbol.dispose || Symbol.for('dispose');

/** The contract error a call threw (`{tag, val}`, `tag` the kebab-case case), or undefined. */
function contractError(e) {
  const error = e && e.payload !== undefined ? e.payload : e;
  return error && typeof error.tag === 'string' ? error : undefined;
}

function probe() {
  const options = Object.fromEntries(getAll().map(([name, value]) => [name, value.val]));
  const host = options.host ?? 'localhost';
  const port = Number(options.port ?? 41000);
  const stream = connect(host, port);
  try {
    stream.write(new TextEncoder().encode('ping'));
    stream.shutdown();
    const chunks = [];
    for (;;) {
      const chunk = stream.read(4096);
      if (chunk.length === 0) break;
      chunks.push(chunk);
    }
    const reply = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      reply.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(reply);
  } finally {
    if (typeof stream[dispose] === 'function') stream[dispose]();
  }
}

export function handle(event) {
  if (event.hookName !== 'install') return;
  let message;
  try {
    message = `reply: ${probe()}`;
  } catch (e) {
    const error = contractError(e);
    if (error === undefined) throw e;
    message = `refused: ${error.tag}: ${error.val}`;
  }
  log('info', message);
}
