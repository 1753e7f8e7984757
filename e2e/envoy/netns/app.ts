/**
 * The application of one namespace-mesh workload, run inside its network namespace:
 *   node --import tsx app.ts <instance name> <ports JSON: [{ port, protocol: http|tcp|grpc|http2|tls, cert?, key? }]>
 *
 * Servers on 0.0.0.0:<port>: HTTP/1.1 answers JSON `{ name, path, method, xfcc }` (`xfcc` is the
 * `x-forwarded-client-cert` header its sidecar added: the caller's identity as the app sees it);
 * TCP writes `<name>\n` and then echoes, and TLS does the same after the handshake (the `cert` and
 * `key` files of its port; no client certificate asked). It is also the workload's client: the test sends it
 * commands as JSON lines on stdin and reads one JSON line per command on stdout, so traffic
 * leaves from inside the namespace and is captured like a pod's. Exits when stdin closes.
 *
 * Commands: `{ id, op: 'count' }` (requests served), `{ id, op: 'hosts' }` (requests by Host),
 * `{ id, op: 'reset' }`, `{ id, op: 'behave', behaviour: { status?, delayMs?, failPercent?, stallFirstMs?, authorize? } }`
 * (`authorize: { header, allow }`: answer as an HTTP ext_authz authorizer, 200 with
 * `x-auth-user: <value>-verified` when the request's `header` is `allow`, else 403 with the JSON body;
 * grpc ports answer ext_authz Check calls the same way, check.ts),
 * `{ id, op: 'http', address, port, host, path?, method?, headers?, count, concurrency?,
 * intervalMs?, detail? }` (→ one outcome per request), `{ id, op: 'tcp', address, port, send }`
 * (→ what came back), `{ id, op: 'tls', address, port, servername, send }` (the same over TLS with
 * that SNI, the server's certificate not checked: routing is under test, not PKI),
 * `{ id, op: 'ws' | 'h2stream', address, port, host, durationMs, intervalMs?, grpcStatus? }`
 * (→ a stream outcome; streams.ts: WebSocket echo on HTTP/1.1 ports, a gRPC-style HTTP/2 stream
 * on grpc/http2 ports).
 */
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { createInterface } from 'node:readline';
import { http2Server, http2StreamFor, serveWebSocket, webSocketFor } from './streams.js';

interface PortSpec { readonly port: number; readonly protocol: 'http' | 'tcp' | 'grpc' | 'http2' | 'tls'; readonly cert?: string; readonly key?: string }
interface Outcome {
  readonly status: number;
  readonly backend?: string;
  readonly xfcc?: string;
  readonly ms: number;
  readonly error?: string;
  /** With `detail`: request headers the application saw, response headers the client got. */
  readonly seen?: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
  /** With `detail`: the response body (first 1,000 characters). */
  readonly body?: string;
}

const [name = 'app', portsJson = '[]'] = process.argv.slice(2);
const ports = JSON.parse(portsJson) as PortSpec[];
let served = 0;
/** `failPercent` fails that share of requests with 503, drawn from a generator seeded by the
 * instance name: repeatable per run, independent between replicas (retries can succeed). */
let behaviour: { status?: number; delayMs?: number; failPercent?: number; stallFirstMs?: number; authorize?: { header: string; allow: string } } = {};
/** With `stallFirstMs`: the first request after the `behave` command waits that long, the later
 * ones answer at once (a first try that stalls, a retried one that succeeds). */
let stallPending = false;
let seed = [...name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const seenByHost = new Map<string, number>();

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  served += 1;
  const hostHeader = String(req.headers.host ?? '');
  seenByHost.set(hostHeader, (seenByHost.get(hostHeader) ?? 0) + 1);
  req.resume();
  const failing = behaviour.failPercent !== undefined && random() * 100 < behaviour.failPercent;
  const authz = behaviour.authorize;
  const allowed = authz && req.headers[authz.header] === authz.allow;
  const verdict = !authz ? {} : allowed ? { 'x-auth-user': `${authz.allow}-verified` } : undefined;
  const reply = () => {
    res.writeHead(failing ? 503 : verdict === undefined ? 403 : behaviour.status ?? 200, { 'content-type': 'application/json', server: 'app', 'x-app-secret': 'leak', ...verdict });
    res.end(JSON.stringify({ name, path: req.url, method: req.method, xfcc: req.headers['x-forwarded-client-cert'] ?? null, headers: req.headers }));
  };
  const stall = stallPending ? behaviour.stallFirstMs ?? 0 : 0;
  stallPending = false;
  const wait = stall || behaviour.delayMs;
  if (wait) setTimeout(reply, wait);
  else reply();
}

function greetAndEcho(s: net.Socket): void {
  served += 1;
  s.write(`${name}\n`);
  s.pipe(s);
}

async function listen(p: PortSpec): Promise<void> {
  const server = p.protocol === 'tls' ? tls.createServer({ cert: readFileSync(p.cert!), key: readFileSync(p.key!) }, greetAndEcho)
    : p.protocol === 'grpc' || p.protocol === 'http2' ? http2Server(name, { behaviour: () => behaviour, onCheck: () => void (served += 1) }) : p.protocol === 'http'
    ? Object.assign(http.createServer(handle), { keepAliveTimeout: 120_000 })
    : net.createServer(greetAndEcho);
  if (server instanceof http.Server) serveWebSocket(server);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(p.port, '0.0.0.0', resolve));
}

function httpOnce(c: Record<string, unknown>): Promise<Outcome> {
  const start = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
  return new Promise((resolve) => {
    const req = http.request({ host: c.address as string, port: c.port as number, path: (c.path as string) ?? '/', method: (c.method as string) ?? 'GET',
      headers: { ...(c.headers as Record<string, string>), host: c.host as string }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        let reply: { name?: string; xfcc?: string | null; headers?: Record<string, unknown> } = {};
        try {
          reply = JSON.parse(body) as typeof reply;
        } catch {
          // Envoy's own replies are plain text
        }
        const detail = c.detail ? { seen: reply.headers ?? {}, response: res.headers, body: body.slice(0, 1000) } : {};
        resolve({ status: res.statusCode ?? 0, ...(reply.name ? { backend: reply.name } : {}), ...(reply.xfcc ? { xfcc: reply.xfcc } : {}), ms: ms(), ...detail });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, error: err.code ?? err.message, ms: ms() }));
    req.end();
  });
}

async function httpMany(c: Record<string, unknown>): Promise<Outcome[]> {
  const count = c.count as number;
  const out: Outcome[] = new Array(count);
  let next = 0;
  const pause = (c.intervalMs as number) ?? 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await httpOnce(c);
      if (pause) await new Promise((r) => setTimeout(r, pause));
    }
  };
  await Promise.all(Array.from({ length: (c.concurrency as number) ?? 1 }, worker));
  return out;
}

/**
 * What one TCP exchange received, or `error <code>` when it received nothing. A reset after the
 * answer arrived (a proxy closing a half-closed socket) keeps the answer: callers check its
 * content, which a reset mid-answer leaves incomplete.
 */
function tcpOnce(c: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    let failed = '';
    const s = net.connect(c.port as number, c.address as string, () => s.end(c.send as string));
    s.setTimeout(10_000, () => s.destroy(new Error('timed out')));
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got || failed));
    s.on('error', (err: NodeJS.ErrnoException) => (failed = `error ${err.code ?? err.message}`));
  });
}

function tlsOnce(c: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = tls.connect({ host: c.address as string, port: c.port as number, servername: c.servername as string, rejectUnauthorized: false }, () => s.end(c.send as string));
    s.setTimeout(10_000, () => s.destroy(new Error('timed out')));
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', (err: NodeJS.ErrnoException) => (got = `error ${err.code ?? err.message}`));
  });
}

async function run(c: Record<string, unknown>): Promise<unknown> {
  switch (c.op) {
    case 'count': return served;
    case 'hosts': return Object.fromEntries(seenByHost);
    case 'reset': return void (served = 0, seenByHost.clear());
    case 'behave': return void (behaviour = c.behaviour as typeof behaviour, stallPending = behaviour.stallFirstMs !== undefined);
    case 'http': return httpMany(c);
    case 'tcp': return tcpOnce(c);
    case 'tls': return tlsOnce(c);
    case 'ws': return webSocketFor(c);
    case 'h2stream': return http2StreamFor(c);
    default: throw new Error(`unknown op ${String(c.op)}`);
  }
}

for (const p of ports) await listen(p);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const c = JSON.parse(line) as Record<string, unknown>;
  run(c).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: c.id, result: result ?? null })}\n`),
    (err: Error) => process.stdout.write(`${JSON.stringify({ id: c.id, error: err.message })}\n`),
  );
});
lines.on('close', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
