/**
 * Rate limits per caller identity and per route through real Envoy sidecars (issue 15 #6), at the
 * inbound of `orders`: callers without a bucket of their own share the service's bucket (batch),
 * a caller with one (web) neither takes from the shared bucket nor is limited by it; a route with
 * its own bucket (/limited) is limited while the others are not. The caller's bucket is keyed on
 * its verified mTLS identity: a forged `x-forwarded-client-cert` neither moves a mesh caller out
 * of the shared bucket nor puts a plaintext caller (orders' port is permissive) into web's. A refused
 * gRPC call ends RESOURCE_EXHAUSTED, so the caller's retries on UNAVAILABLE do not repeat it.
 */
import { describe, expect } from 'vitest';
import { envoyCounter, http as send, scenario, tally, type HttpCall, type Outcome } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const TD = 'cluster.local';
const SERVICES: ServiceDef[] = [
  { name: 'orders', serviceAccount: 'orders', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }, { name: 'grpc', port: 9090, targetPort: 19090, protocol: 'grpc' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'batch-1', serviceAccount: 'batch', labels: { app: 'batch' } },
  { name: 'web-1', serviceAccount: 'web', labels: { app: 'web' } },
  { name: 'orders-1', service: 'orders', serviceAccount: 'orders', labels: { app: 'orders' } },
  { name: 'outside', serviceAccount: 'outside', sidecar: 'none' },
];
const POLICY = {
  'mesh.yaml': `kind: Mesh\ntrustDomain: ${TD}\nmtls: strict\n`,
  'mtls.yaml': 'kind: MtlsPolicy\nnamespace: default\nservice: orders\nmode: permissive\n',
  // A deny policy without rules refuses nobody: the plaintext caller is limited, not refused.
  'access.yaml': `kind: AccessPolicy
service: orders.default
action: deny
rateLimit:
  requestsPerSecond: 0.1
  burst: 2
  callers:
    - from: { serviceAccount: web }
      requestsPerSecond: 100
`,
  'traffic.yaml': `kind: TrafficPolicy
service: orders.default
routes:
  - match: { path: { prefix: /limited } }
    rateLimit: { requestsPerSecond: 0.1, burst: 3 }
  - retries: { attempts: 3 }   # the default conditions: unavailable among them
`,
};
/** What a caller of web's identity would carry, written by a caller that is not web. */
const FORGED = `By=spiffe://${TD}/ns/default/sa/orders;Hash=00;URI=spiffe://${TD}/ns/default/sa/web`;
const ROUTE_LIMITED = 'inbound|19080|orders.default/0.http_local_rate_limit.rate_limited';
const GRPC_LIMITED = 'inbound|19090|orders.default.http_local_rate_limit.rate_limited';

describe('Envoy namespace mesh: rate limits per caller identity and per route', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const orders = (from: string, count: number, o: HttpCall = {}) => send(mesh(), from, 'orders-1', 'orders', 9080, count, { concurrency: 1, path: '/other', ...o });
  const statuses = (out: readonly Outcome[]) => out.map((o) => o.status);
  const served = async () => {
    const app = mesh().workload('orders-1').app;
    const n = await app.send<number>({ op: 'count' });
    await app.send({ op: 'reset' });
    return n;
  };

  scenario('a caller with a bucket of its own is not limited by the shared one, which limits the others', async () => {
    await served();
    // 0.1/s with burst 2: two requests, then 429 (the next token is 10 s away).
    expect(statuses(await orders('batch-1', 4))).toEqual([200, 200, 429, 429]);
    const web = await orders('web-1', 20, { concurrency: 4, detail: true });
    expect(tally(web)).toEqual({ 'orders-1': 20 });
    expect(String(web[0]!.seen?.['x-forwarded-client-cert'])).toMatch(new RegExp(`;URI=spiffe://${TD}/ns/default/sa/web$`));
    // batch claiming web's identity in the header stays in the shared bucket.
    expect(statuses(await orders('batch-1', 2, { headers: { 'x-forwarded-client-cert': FORGED } }))).toEqual([429, 429]);
    expect(await served()).toBe(22);
  }, 60_000);

  scenario('a plaintext caller sending web\'s identity in x-forwarded-client-cert is limited by the shared bucket', async () => {
    await served();
    const out = await send(mesh(), 'outside', 'orders-1', 'orders', 19080, 6, { concurrency: 1, path: '/other', detail: true, headers: { 'x-forwarded-client-cert': FORGED } });
    // At most the burst of 2 (and a refilled token) pass; trusted, the header would admit all 6.
    const ok = out.filter((o) => o.status === 200);
    expect(out.filter((o) => o.status === 429).length).toBe(6 - ok.length);
    expect(ok.length).toBeLessThanOrEqual(3);
    // Envoy removed the forged header on the plaintext connection; the application never saw it.
    for (const o of ok) expect(o.seen?.['x-forwarded-client-cert']).toBeUndefined();
    expect(await served()).toBe(ok.length);
  }, 60_000);

  scenario('a refused gRPC call ends RESOURCE_EXHAUSTED, which the caller\'s retries (on unavailable) leave alone', async () => {
    const call = () => mesh().workload('batch-1').app.send<{ grpcStatus?: string }>({ op: 'h2stream', address: mesh().workload('orders-1').address, port: 9090, host: 'orders.default.svc.cluster.local', durationMs: 0 });
    const before = await envoyCounter(mesh(), 'orders-1', GRPC_LIMITED);
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) codes.push((await call()).grpcStatus);
    // The grpc port's chain has a shared bucket of its own (burst 2).
    expect(codes).toEqual(['0', '0', '8', '8']);
    // Each refused call reached the limiter once: the caller's sidecar did not retry it (with
    // Envoy's default UNAVAILABLE it retried each 3 times: 8 refusals counted for 2 calls).
    expect((await envoyCounter(mesh(), 'orders-1', GRPC_LIMITED)) - before).toBe(2);
  }, 60_000);

  scenario('a route with its own bucket is limited, the other routes are not', async () => {
    await served();
    const before = await envoyCounter(mesh(), 'orders-1', ROUTE_LIMITED);
    expect(statuses(await orders('web-1', 5, { path: '/limited/report' }))).toEqual([200, 200, 200, 429, 429]);
    expect(tally(await orders('web-1', 10, { path: '/other' }))).toEqual({ 'orders-1': 10 });
    expect((await envoyCounter(mesh(), 'orders-1', ROUTE_LIMITED)) - before).toBe(2);
    expect(await served()).toBe(13);
  }, 60_000);
});
