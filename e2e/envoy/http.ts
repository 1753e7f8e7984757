/**
 * The test's side of the wire: HTTP requests to the client sidecar's explicit listeners (plain
 * HTTP to <explicit outbound address>:<service port>, Host = the service's hostname), counting
 * outcomes, and polling.
 */
import http from 'node:http';
import { names } from '../../src/translate/index.js';

/** Where explicit mode binds a sidecar's outbound listeners (a loopback address of its own). */
export const OUTBOUND_ADDRESS: string = names.EXPLICIT_OUTBOUND_ADDRESS;

export interface Reply {
  readonly status: number;
  /** `name` from the upstream's JSON body; undefined when Envoy answered itself (503, 504, fault). */
  readonly backend?: string;
  readonly peer?: string | null;
  readonly ms: number;
}

/** One request through the sidecar; never rejects on HTTP errors, only on a broken connection. */
export function request(port: number, host: string, path = '/', headers: Record<string, string> = {}, method = 'GET', address = OUTBOUND_ADDRESS): Promise<Reply> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address, port, path, method, headers: { ...headers, host }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        let parsed: { name?: string; peer?: string | null } = {};
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          // Envoy's own replies are plain text
        }
        resolve({ status: res.statusCode ?? 0, backend: parsed.name, peer: parsed.peer, ms });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${address}:${port} (${host}) timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `n` sequential requests (sequential keeps round-robin and counters easy to reason about). */
export async function many(n: number, port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await request(port, host, path, headers));
  return out;
}

/** Counts replies by backend name (`<status>` when Envoy answered itself). */
export function tally(replies: readonly Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = r.status === 200 && r.backend ? r.backend : `<${r.status}>`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export { until } from '../../scripts/mesh/until.js';
