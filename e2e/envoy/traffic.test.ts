/**
 * Traffic management through weft, observed through a real Envoy sidecar (explicit mode) in front
 * of node:http services: canary split and a live edit of it, header routing, retries, timeouts,
 * fault injection, outlier detection, and a control plane restart that must not disturb traffic.
 *
 * Runs where an Envoy binary exists (ENVOY_BIN or `envoy` on PATH); elsewhere every scenario is
 * reported as skipped with the reason in its name. mTLS is disabled in this mesh so the upstreams
 * can be plain HTTP; security.test.ts covers mTLS and authorization.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyVersion, named, needsEnvoy } from './env.js';
import { guardEnvoys } from './health.js';
import { many, request, tally, until } from './http.js';
import { EnvoyMesh, hostname, type ServiceSpec } from './mesh.js';
import { freePort, startUpstream, type Upstream } from './upstream.js';

const MESH = 'kind: Mesh\ntrustDomain: cluster.local\nmtls: disabled\ndefaults: { timeout: 15s }\n';

const reviews = (route: string) => `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }
routes:
  - match: { headers: { x-user: { exact: tester } } }
    backends: [{ subset: v3 }]
  - ${route}
`;
const CANARY = reviews('backends: [{ subset: v1, weight: 90 }, { subset: v2, weight: 10 }]');
const ALL_V2 = reviews('backends: [{ subset: v2 }]');

const FLAKY = `kind: TrafficPolicy
service: flaky.default
routes:
  - match: { headers: { x-retry: { exact: "yes" } } }
    retries: { attempts: 2, on: [5xx] }
  - {}
`;

const SLOW = `kind: TrafficPolicy
service: slow.default
routes:
  - match: { headers: { x-fault: { exact: abort } } }
    fault: { abort: { httpStatus: 418, percent: 100 } }
  - match: { headers: { x-fault: { exact: delay } } }
    fault: { delay: { fixed: 400ms, percent: 100 } }
  - timeout: 300ms
`;

const DETAILS = `kind: TrafficPolicy
service: details.default
loadBalancer: round-robin
outlierDetection: { consecutive5xx: 3, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 50 }
`;

const up: Record<string, Upstream> = {};
const ports: Record<string, number> = {};
let mesh: EnvoyMesh | undefined;

async function service(name: string, versions: string[]): Promise<ServiceSpec> {
  ports[name] = await freePort();
  const endpoints = [];
  for (const v of versions) {
    up[`${name}-${v}`] = await startUpstream(`${name}-${v}`);
    endpoints.push({ port: up[`${name}-${v}`]!.port, labels: { version: v } });
  }
  return { name, serviceAccount: name, port: ports[name]!, endpoints };
}

const call = (svc: string, headers: Record<string, string> = {}) => request(ports[svc]!, hostname(svc), '/', headers);
const calls = (n: number, svc: string, headers: Record<string, string> = {}) => many(n, ports[svc]!, hostname(svc), '/', headers);

/** A scenario that runs only with Envoy; its name carries the reason when it is skipped. */
const scenario = (title: string, fn: () => Promise<void>, timeout?: number) => it.skipIf(!!needsEnvoy)(named(title, needsEnvoy), fn, timeout);

describe('Envoy sidecar: traffic management', () => {
  beforeAll(async () => {
    if (needsEnvoy) return;
    const services = [
      await service('reviews', ['v1', 'v2', 'v3']),
      await service('flaky', ['v1']),
      await service('slow', ['v1']),
      await service('details', ['d1', 'd2', 'd3']),
      { name: 'client', serviceAccount: 'client', port: await freePort(), endpoints: [{ port: await freePort(), labels: { version: 'v1' } }] },
    ];
    console.log(`e2e/envoy: ${envoyVersion()}`);
    mesh = await EnvoyMesh.start({
      services,
      policy: { 'mesh.yaml': MESH, 'reviews.yaml': CANARY, 'flaky.yaml': FLAKY, 'slow.yaml': SLOW, 'details.yaml': DETAILS },
      client: { id: 'client-1', serviceAccount: 'client', serves: [] },
    });
  }, 90_000);

  guardEnvoys(() => mesh && { weftAdmin: mesh.weft.admin.url, envoys: [mesh.handle()] });

  afterAll(async () => {
    await mesh?.stop();
    await Promise.all(Object.values(up).map((u) => u.close()));
  });

  scenario('canary split sends about 90/10 to v1/v2, and a live edit moves everything to v2', async () => {
    const t = tally(await calls(200, 'reviews'));
    expect(t['reviews-v3'] ?? 0).toBe(0);
    expect(t['reviews-v2'] ?? 0).toBeGreaterThanOrEqual(5);
    expect(t['reviews-v2'] ?? 0).toBeLessThanOrEqual(50);
    expect((t['reviews-v1'] ?? 0) + (t['reviews-v2'] ?? 0)).toBe(200);
    await mesh!.edit('reviews.yaml', ALL_V2);
    expect(tally(await calls(40, 'reviews'))).toEqual({ 'reviews-v2': 40 });
    await mesh!.edit('reviews.yaml', CANARY);
  });

  scenario('header routing sends x-user: tester to v3 and nobody else', async () => {
    expect(tally(await calls(30, 'reviews', { 'x-user': 'tester' }))).toEqual({ 'reviews-v3': 30 });
    expect(tally(await calls(30, 'reviews', { 'x-user': 'someone' }))['reviews-v3'] ?? 0).toBe(0);
  });

  scenario('retries turn alternating 503s into successes only on the route that has them', async () => {
    const flaky = up['flaky-v1']!;
    flaky.setBehaviour({ kind: 'alternate-503' });
    flaky.reset();
    expect(tally(await calls(20, 'flaky'))).toEqual({ 'flaky-v1': 10, '<503>': 10 });
    flaky.reset();
    expect(tally(await calls(20, 'flaky', { 'x-retry': 'yes' }))).toEqual({ 'flaky-v1': 20 });
    expect(flaky.requests()).toBe(40);
    flaky.setBehaviour({ kind: 'ok' });
  });

  scenario('a route timeout answers 504 long before a slow upstream would', async () => {
    up['slow-v1']!.setBehaviour({ kind: 'delay', ms: 1500 });
    const r = await call('slow');
    up['slow-v1']!.setBehaviour({ kind: 'ok' });
    expect(r.status).toBe(504);
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(1400);
  });

  scenario('fault injection aborts with the configured status without reaching the upstream, and delays', async () => {
    const slow = up['slow-v1']!;
    slow.reset();
    const aborted = await calls(5, 'slow', { 'x-fault': 'abort' });
    expect(aborted.map((r) => r.status)).toEqual([418, 418, 418, 418, 418]);
    expect(slow.requests()).toBe(0);
    const delayed = await call('slow', { 'x-fault': 'delay' });
    expect(delayed.status).toBe(200);
    expect(delayed.ms).toBeGreaterThanOrEqual(380);
    expect(slow.requests()).toBe(1);
  });

  scenario('outlier detection ejects the endpoint that keeps failing', async () => {
    const bad = up['details-d3']!;
    bad.setBehaviour({ kind: 'status', status: 503 });
    const first = tally(await calls(30, 'details'));
    expect(first['<503>'] ?? 0).toBeGreaterThanOrEqual(1);
    // Three consecutive 503s eject it; the ejection reaches the worker a moment later, so one or
    // two more requests may still go there.
    expect(first['<503>'] ?? 0).toBeLessThanOrEqual(5);
    bad.reset();
    const after = tally(await calls(30, 'details'));
    expect((after['details-d1'] ?? 0) + (after['details-d2'] ?? 0)).toBe(30);
    expect(after['details-d1'] ?? 0).toBeGreaterThanOrEqual(10);
    expect(bad.requests()).toBe(0);
  });

  scenario('a control plane restart keeps traffic flowing, and the new weft pushes later edits', async () => {
    const m = mesh!;
    const failures: number[] = [];
    let stop = false;
    let sent = 0;
    const load = (async () => {
      while (!stop) {
        const r = await call('reviews', { 'x-user': 'tester' });
        sent++;
        if (r.status !== 200 || r.backend !== 'reviews-v3') failures.push(r.status);
      }
    })();
    const restart = await m.stopWeft();
    // weft stays down until Envoy served 50 more requests from its last configuration.
    const down = sent;
    await until('50 requests served while weft is down', 30_000, async () => (sent - down >= 50 ? true : undefined));
    await restart();
    await m.converged(undefined, 60_000);
    stop = true;
    await load;
    expect(failures).toEqual([]);
    await m.edit('reviews.yaml', ALL_V2);
    expect(tally(await calls(20, 'reviews'))).toEqual({ 'reviews-v2': 20 });
    await m.edit('reviews.yaml', CANARY);
  }, 120_000);
});
