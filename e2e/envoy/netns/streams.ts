/**
 * Long-lived streams for the namespace-mesh application (app.ts), both ends:
 * - WebSocket: HTTP/1.1 ports answer `Upgrade: websocket` with 101 (RFC 6455 accept key) and then
 *   echo every byte; the client op holds one upgraded connection for `durationMs`, writing a line
 *   every `intervalMs`, and reports how many lines came back and whether it stayed open.
 * - gRPC-style HTTP/2 stream: `grpc`/`http2` ports are cleartext HTTP/2 servers; a POST gets
 *   200 with `content-type: application/grpc`, one DATA frame every `x-interval-ms` for
 *   `x-stream-ms`, then `grpc-status` trailers (`x-grpc-status`, default 0). The client op reports the frames, the status and
 *   how long the stream lasted.
 * Envoy sits in between on both sides; what is reported is what arrived.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { CHECK_PATH, answerCheck, type CheckBehaviour } from './check.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Serves upgrades on an HTTP/1.1 server: 101, then echo. */
export function serveWebSocket(server: http.Server): void {
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'] ?? '')}${GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.pipe(socket);
  });
}

export interface StreamOutcome { readonly status: number; readonly sent: number; readonly received: number; readonly ms: number; readonly open: boolean; readonly error?: string }

/** Holds one WebSocket connection through the mesh for `durationMs`. */
export function webSocketFor(c: Record<string, unknown>): Promise<StreamOutcome> {
  const start = Date.now();
  const durationMs = c.durationMs as number;
  const every = (c.intervalMs as number) ?? 200;
  return new Promise((resolve) => {
    let status = 0;
    let sent = 0;
    let received = '';
    let open = true;
    let timer: NodeJS.Timeout | undefined;
    const s = net.connect(c.port as number, c.address as string, () => {
      s.write(`GET /ws HTTP/1.1\r\nHost: ${c.host as string}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    const finish = (error?: string) => {
      clearInterval(timer);
      s.destroy();
      const lines = received.slice(received.indexOf('\r\n\r\n') + 4).split('\n').filter(Boolean).length;
      resolve({ status, sent, received: lines, ms: Date.now() - start, open, ...(error ? { error } : {}) });
    };
    s.on('data', (d) => {
      received += d.toString();
      if (status === 0 && received.includes('\r\n\r\n')) {
        status = Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0);
        if (status !== 101) return finish();
        timer = setInterval(() => {
          if (Date.now() - start >= durationMs) return finish();
          s.write(`ping ${++sent}\n`);
        }, every);
      }
    });
    s.on('close', () => ((open = false), finish()));
    s.on('error', (err: NodeJS.ErrnoException) => ((open = false), finish(err.code ?? err.message)));
  });
}

/** A cleartext HTTP/2 server answering POSTs with a timed stream (see module), and ext_authz
 * Check calls as a gRPC authorizer (check.ts) when `check` is given. */
export function http2Server(name: string, check?: { behaviour: () => CheckBehaviour; onCheck: () => void }): http2.Http2Server {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (check && headers[':path'] === CHECK_PATH) return answerCheck(stream, name, check.behaviour, check.onCheck);
    const total = Number(headers['x-stream-ms'] ?? 0);
    const every = Number(headers['x-interval-ms'] ?? 100);
    const start = Date.now();
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-backend': name }, { waitForTrailers: true });
    // `x-grpc-status`: the status the call ends with (default 0, OK).
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(headers['x-grpc-status'] ?? '0') }));
    const timer = setInterval(() => {
      if (stream.destroyed) return clearInterval(timer);
      if (Date.now() - start >= total) {
        clearInterval(timer);
        return void stream.end();
      }
      stream.write(Buffer.from([0, 0, 0, 0, 1, 0x2a]));
    }, every);
    stream.on('close', () => clearInterval(timer));
  });
  return server;
}

/** One HTTP/2 stream through the mesh lasting `durationMs` on the server's side. */
export function http2StreamFor(c: Record<string, unknown>): Promise<StreamOutcome & { backend?: string; grpcStatus?: string }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const session = http2.connect(`http://${c.address as string}:${c.port as number}`);
    let frames = 0;
    let status = 0;
    let backend: string | undefined;
    let grpcStatus: string | undefined;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      session.close();
      resolve({ status, sent: 1, received: frames, ms: Date.now() - start, open: error === undefined && grpcStatus === '0', ...(backend ? { backend } : {}), ...(grpcStatus ? { grpcStatus } : {}), ...(error ? { error } : {}) });
    };
    session.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    const req = session.request({
      ':method': 'POST', ':path': '/weft.e2e.Stream/Watch', ':authority': c.host as string, 'content-type': 'application/grpc', te: 'trailers',
      'x-stream-ms': String(c.durationMs), 'x-interval-ms': String(c.intervalMs ?? 100),
      ...(c.grpcStatus !== undefined ? { 'x-grpc-status': String(c.grpcStatus) } : {}),
    });
    req.on('response', (h) => {
      status = Number(h[':status']);
      backend = h['x-backend'] as string | undefined;
      grpcStatus = h['grpc-status'] as string | undefined;
    });
    req.on('trailers', (t) => (grpcStatus = t['grpc-status'] as string | undefined));
    req.on('data', () => frames++);
    req.on('end', () => finish());
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    req.end();
  });
}
