/**
 * Load-generator child process: simulates many Envoy proxies against one ADS server and reports
 * to its parent over IPC (protocol in `_ipc.ts`). Run with `node --import tsx bench/_loadgen.ts`
 * through `child_process.fork`; it refuses to run without an IPC channel.
 *
 * Bounds: at most 10,000 proxies per child; the process exits when the parent disconnects, on
 * `stop`, or after `WEFT_LOADGEN_MAX_MS` (default 15 minutes) whatever happens.
 */
import type { ArmMessage, ChildMessage, ParentMessage, StartMessage } from './_ipc.js';
import { SimulatedProxy } from './_proxy.js';
import { Recorder } from './_recorder.js';

const MAX_PROXIES = 10_000;
const maxRuntimeMs = Number(process.env.WEFT_LOADGEN_MAX_MS ?? 15 * 60_000);

interface ActiveRound {
  round: number;
  typeUrl: string;
  armed: (string | undefined)[];
  ackAt: (number | null)[];
  remaining: number;
  timer: NodeJS.Timeout;
}

let proxies: SimulatedProxy[] = [];
let active: ActiveRound | undefined;
let config: StartMessage | undefined;
const recorder = new Recorder(0);

function send(message: ChildMessage): void {
  process.send?.(message);
}

function shutdown(code: number): never {
  for (const p of proxies) p.close();
  process.exit(code);
}

/** Records, once per proxy and round, the first ACK of a version other than the armed one. */
function onAck(index: number, typeUrl: string, version: string, at: number): void {
  const round = active;
  if (!round || round.typeUrl !== typeUrl || round.ackAt[index] !== null) return;
  if (version === round.armed[index]) return;
  round.ackAt[index] = at;
  if (--round.remaining === 0) finishRound(round);
}

function finishRound(round: ActiveRound): void {
  clearTimeout(round.timer);
  active = undefined;
  const errors = proxies.reduce((n, p) => n + p.errors, 0);
  send({ kind: 'round', round: round.round, ackAt: round.ackAt, errors });
}

function arm(msg: ArmMessage): void {
  const armed = proxies.map((p) => p.ackedVersion(msg.typeUrl));
  const round: ActiveRound = {
    round: msg.round,
    typeUrl: msg.typeUrl,
    armed,
    ackAt: proxies.map(() => null),
    remaining: proxies.length,
    timer: setTimeout(() => finishRound(round), msg.timeoutMs),
  };
  active = round;
  send({ kind: 'armed', round: msg.round });
}

function makeProxies(msg: StartMessage): SimulatedProxy[] {
  return msg.proxies.map((spec, i) => {
    const id = msg.tls && spec.identity !== undefined ? msg.tls.identities[spec.identity] : undefined;
    const tls = msg.tls && id ? { ca: msg.tls.ca, key: id.key, cert: id.cert } : undefined;
    return new SimulatedProxy(msg.target, spec, { tls, sds: msg.sds }, (t, v, at, buf, res) => {
      recorder.onAck(i, t, at, buf, res);
      onAck(i, t, v, at);
    });
  });
}

/**
 * Opens the proxies with at most `concurrency` not yet synced, so a burst of thousands of
 * connects does not overflow the server's listen backlog (which would add SYN-retry seconds);
 * `synced` is sent once all are.
 */
function open(concurrency: number, syncTimeoutMs: number): void {
  let next = 0;
  let synced = 0;
  const deadline = setTimeout(() => reportSyncFailure(synced), syncTimeoutMs);
  const launch = (): void => {
    while (next < proxies.length && next - synced < concurrency) proxies[next++]!.start();
  };
  const poll = setInterval(() => {
    synced = proxies.reduce((n, p) => n + (p.synced() ? 1 : 0), 0);
    if (synced === proxies.length) {
      clearInterval(poll);
      clearTimeout(deadline);
      send({ kind: 'synced', proxies: synced, at: Date.now(), errors: proxies.reduce((n, p) => n + p.errors, 0) });
    } else launch();
  }, 5);
  launch();
}

function start(msg: StartMessage): void {
  if (msg.proxies.length > MAX_PROXIES) {
    send({ kind: 'failed', reason: `at most ${MAX_PROXIES} proxies per load generator` });
    return shutdown(2);
  }
  config = msg;
  proxies = makeProxies(msg);
  recorder.reset(proxies.length);
  open(msg.connectConcurrency, msg.syncTimeoutMs);
}

/** Drops every proxy and opens fresh ones (new connections, no xDS state), as restarted Envoys. */
function reconnect(concurrency: number, syncTimeoutMs: number): void {
  if (!config) return;
  for (const p of proxies) p.close();
  proxies = makeProxies(config);
  recorder.reset(proxies.length);
  open(concurrency, syncTimeoutMs);
}

function reportSyncFailure(synced: number): void {
  const firstError = proxies.find((p) => p.lastError)?.lastError ?? 'no error reported';
  send({ kind: 'failed', reason: `${synced}/${proxies.length} proxies synced in time; first error: ${firstError}` });
  shutdown(1);
}

function handle(msg: ParentMessage): void {
  switch (msg.kind) {
    case 'start': return start(msg);
    case 'arm': return arm(msg);
    case 'stop': return shutdown(0);
    case 'mark': {
      const expected = new Set(msg.expect ?? []);
      const indices = proxies.flatMap((p, i) => (expected.has(p.nodeId) ? [i] : []));
      recorder.mark(msg.id, msg.typeUrl, Buffer.from(msg.marker, 'base64'), indices);
      return send({ kind: 'marked', id: msg.id });
    }
    case 'collect':
      return void recorder.collect(msg.id, msg.timeoutMs ?? 0).then((ackAt) => send({ kind: 'collected', id: msg.id, ackAt }));
    case 'window':
      recorder.openWindow();
      return send({ kind: 'window-open', id: msg.id });
    case 'counts': return send({ kind: 'window-counts', id: msg.id, ...recorder.counts(proxies.map((p) => p.nodeId)) });
    case 'reconnect': return reconnect(msg.connectConcurrency, msg.syncTimeoutMs);
  }
}

if (!process.send) {
  console.error('bench/_loadgen.ts is a child process; run a benchmark such as bench/fanout.ts instead');
  process.exit(2);
}
process.on('message', handle);
process.on('disconnect', () => shutdown(0));
setTimeout(() => shutdown(3), maxRuntimeMs).unref();
