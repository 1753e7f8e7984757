/**
 * Small node:http(s) services behind the Envoy sidecar, on 127.0.0.1 with ephemeral ports. Each
 * answers with JSON naming itself (`{ name, peer }`) and counts what it received, so tests can
 * tell which backend served a request and how many attempts reached it.
 *
 * Behaviours are switched by the test at run time (`setBehaviour`), not by the request, so the
 * proxy cannot influence them.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { freePorts } from '../../scripts/mesh/mesh-files.js';

export type Behaviour =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number }
  /** Answers 503 to every other request (1st, 3rd, ...), 200 to the rest. */
  | { readonly kind: 'alternate-503' }
  | { readonly kind: 'delay'; readonly ms: number };

export interface TlsIdentity {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export interface Upstream {
  readonly name: string;
  readonly port: number;
  /** Requests received since start or the last `reset`. */
  requests(): number;
  reset(): void;
  setBehaviour(b: Behaviour): void;
  close(): Promise<void>;
}

/** The URI SAN of the TLS client certificate, when the connection has one. */
function peerIdentity(req: http.IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  const cert = socket.getPeerCertificate?.();
  const san = cert && 'subjectaltname' in cert ? cert.subjectaltname : undefined;
  return san?.split(', ').find((s) => s.startsWith('URI:'))?.slice(4);
}

/** Starts a service on `host` (default 127.0.0.1), port 0; with `tls`, an mTLS server that requires
 * a client certificate chained to `tls.caPem`. */
export async function startUpstream(name: string, tls?: TlsIdentity, host = '127.0.0.1'): Promise<Upstream> {
  let behaviour: Behaviour = { kind: 'ok' };
  let count = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    count += 1;
    const n = count;
    req.resume();
    const reply = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name, peer: peerIdentity(req) ?? null, path: req.url }));
    };
    if (behaviour.kind === 'status') reply(behaviour.status);
    else if (behaviour.kind === 'alternate-503') reply(n % 2 === 1 ? 503 : 200);
    else if (behaviour.kind === 'delay') setTimeout(() => reply(200), behaviour.ms);
    else reply(200);
  };
  const server = tls
    ? https.createServer({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, requestCert: true, rejectUnauthorized: true }, handler)
    : http.createServer(handler);
  // Envoy pools upstream connections for up to an hour; a server that closes idle ones after
  // Node's default 5 s races with Envoy reusing them and shows up as a stray 503.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    name,
    port: (server.address() as AddressInfo).port,
    requests: () => count,
    reset: () => void (count = 0),
    setBehaviour: (b) => void (behaviour = b),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port free right now, outside the ephemeral range (scripts/mesh/mesh-files.ts `freePorts`). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
