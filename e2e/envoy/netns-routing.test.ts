/**
 * Traffic management in the namespace mesh (iptables mode, mTLS strict): every request leaves
 * the client's namespace as plain HTTP to a reviews or pool address, is captured by its sidecar
 * and crosses to the destination's sidecar over mTLS. Assertions are on what the applications
 * saw and what came back; policies are edited live where the scenario needs another shape.
 */
import { describe, expect } from 'vitest';
import { ackedUnsubscribed } from './agreement.js';
import { until } from './http.js';
import { envoyCounter, http as send, scenario, tally, type HttpCall, type Outcome } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'reviews', serviceAccount: 'reviews', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }] },
  { name: 'pool', serviceAccount: 'pool', ports: [{ name: 'http', port: 9090, targetPort: 19090, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  ...['v1', 'v2', 'v3'].map((v): WorkloadDef => ({ name: `reviews-${v}`, service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews', version: v }, delta: v === 'v3' })),
  ...['1', '2', '3'].map((n): WorkloadDef => ({ name: `pool-${n}`, service: 'pool', serviceAccount: 'pool', labels: { app: 'pool', replica: n }, delta: n === '2' })),
];

const reviews = (split: string, extra = '') => `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }
routes:
  - match: { headers: { x-user: { exact: tester } } }
    backends: [{ subset: v3 }]
  - match: { path: { prefix: /v2/ } }
    backends: [{ subset: v2 }]
  - match: { methods: [POST] }
    backends: [{ subset: v3 }]
  - match: { query: { canary: { exact: "1" } } }
    backends: [{ subset: v2 }]
  - match: { headers: { x-mirror: { present: true } } }
    backends: [{ subset: v1 }]
    mirror: { subset: v3, percent: 50 }
  - match: { headers: { x-fault: { exact: "yes" } } }
    backends: [{ subset: v1 }]
    fault: { delay: { fixed: 300ms, percent: 50 }, abort: { httpStatus: 503, percent: 20 } }
  - match: { path: { exact: /rewrite } }
    backends: [{ subset: v1 }]
    requestHeaders: { add: { x-added: "by-weft" }, remove: [x-secret] }
    responseHeaders: { add: { x-served-by: weft }, remove: [x-app-secret] }
  - match: { path: { exact: /old } }
    redirect: { host: web.example, path: /new, scheme: https, code: 308 }
${extra}  - backends: ${split}
`;
const CANARY = reviews('[{ subset: v1, weight: 90 }, { subset: v2, weight: 10 }]');
const HALF = reviews('[{ subset: v1, weight: 50 }, { subset: v2, weight: 50 }]');
const pool = (lb: string, extra = '') => `kind: TrafficPolicy
service: pool.default
loadBalancer: ${lb}
${extra}routes:
  - match: { headers: { x-retry: { exact: "yes" } } }
    retries: { attempts: 4, on: [5xx] }
  - {}
`;

const mesh = useNetnsMesh({
  services: SERVICES, workloads: WORKLOADS,
  policy: { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n', 'reviews.yaml': CANARY, 'pool.yaml': pool('round-robin') },
});
const http = (to: string, service: string, port: number, count: number, o: HttpCall = {}) => send(mesh(), 'client', to, service, port, count, o);
const reviewsCall = (count: number, o: HttpCall = {}) => http('reviews-v1', 'reviews', 9080, count, o);
const poolCall = (count: number, o: HttpCall = {}) => http('pool-1', 'pool', 9090, count, o);
const share = (t: Record<string, number>, k: string, n: number) => (t[k] ?? 0) / n;
const behave = (names: readonly string[], behaviour: Record<string, unknown>) =>
  Promise.all(names.map((n) => mesh().workload(n).app.send({ op: 'behave', behaviour })));
const served = (name: string) => mesh().workload(name).app.send<number>({ op: 'count' });
const reset = (names: readonly string[]) => Promise.all(names.map((n) => mesh().workload(n).app.send({ op: 'reset' })));
const POOL = ['pool-1', 'pool-2', 'pool-3'];

describe('Envoy namespace mesh: traffic management', () => {
  scenario('canary 90/10 within ±3 %, a live edit to 50/50 under load fails no request, then 50/50 within ±3 %', async () => {
    const t = tally(await reviewsCall(2000, { concurrency: 8 }));
    expect(Math.abs(share(t, 'reviews-v2', 2000) - 0.1)).toBeLessThanOrEqual(0.03);
    expect((t['reviews-v1'] ?? 0) + (t['reviews-v2'] ?? 0)).toBe(2000);
    const during = reviewsCall(1500, { concurrency: 2, intervalMs: 2 });
    await mesh().edit('reviews.yaml', HALF);
    const d = tally(await during);
    expect((d['reviews-v1'] ?? 0) + (d['reviews-v2'] ?? 0)).toBe(1500);
    const after = tally(await reviewsCall(3000, { concurrency: 8 }));
    expect(Math.abs(share(after, 'reviews-v2', 3000) - 0.5)).toBeLessThanOrEqual(0.03);
    await mesh().edit('reviews.yaml', CANARY);
  }, 120_000);

  scenario('header, path, method and query matches each pick their subset', async () => {
    expect(tally(await reviewsCall(20, { headers: { 'x-user': 'tester' } }))).toEqual({ 'reviews-v3': 20 });
    expect(tally(await reviewsCall(20, { path: '/v2/items' }))).toEqual({ 'reviews-v2': 20 });
    expect(tally(await reviewsCall(20, { method: 'POST' }))).toEqual({ 'reviews-v3': 20 });
    expect(tally(await reviewsCall(20, { path: '/?canary=1' }))).toEqual({ 'reviews-v2': 20 });
    expect(tally(await reviewsCall(100, { headers: { 'x-user': 'someone' } }))['reviews-v3'] ?? 0).toBe(0);
  });

  /** 300 requests without retries and 500 with 4 retries (all five tries fail for 0.3^5 = 0.24 %). */
  async function retryRun(): Promise<{ without: number; withRetries: number }> {
    await behave(POOL, { failPercent: 30 });
    const ok = (t: Record<string, number>) => POOL.reduce((n, p) => n + (t[p] ?? 0), 0);
    try {
      return { without: ok(tally(await poolCall(300))), withRetries: ok(tally(await poolCall(500, { headers: { 'x-retry': 'yes' } }))) };
    } finally {
      await behave(POOL, {});
    }
  }

  // Clusters lift Envoy's default circuit_breakers max_retries (3 concurrent retries), which
  // overflowed (upstream_rq_retry_overflow) with 4 callers and failed ~6 % of requests.
  scenario('retries: a pool failing 30 % is seen as ≥ 99 % success under 4 concurrent callers with the default retry budget', async () => {
    expect((await retryRun()).withRetries).toBeGreaterThanOrEqual(495);
  }, 60_000);

  scenario('retries: a pool failing 30 % of requests is seen as ≥ 99 % success with 4 retries, about 70 % without', async () => {
    await mesh().edit('pool.yaml', pool('round-robin', 'circuitBreaker: { maxRetries: 100 }\n'));
    const r = await retryRun();
    await mesh().edit('pool.yaml', pool('round-robin'));
    expect(r.without).toBeGreaterThanOrEqual(180);
    expect(r.without).toBeLessThanOrEqual(240);
    expect(r.withRetries).toBeGreaterThanOrEqual(495);
  }, 60_000);

  scenario('fault injection: 50 % delayed by 300 ms and 20 % aborted with 503, within ±10 points', async () => {
    await reset(['reviews-v1']);
    const out = await reviewsCall(400, { headers: { 'x-fault': 'yes' }, concurrency: 16 });
    const aborted = out.filter((o) => o.status === 503).length / 400;
    const delayed = out.filter((o) => o.ms >= 295).length / 400;
    expect(Math.abs(aborted - 0.2)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(delayed - 0.5)).toBeLessThanOrEqual(0.1);
    expect(await served('reviews-v1')).toBe(out.filter((o) => o.status === 200).length);
  }, 60_000);

  scenario('mirroring: the shadow receives about half of the requests, as <host>-shadow, and callers see only v1', async () => {
    await reset(['reviews-v3']);
    const shadowStat = 'cluster.outbound|9080|v3|reviews.default.svc.cluster.local|.upstream_rq_total';
    const started = await envoyCounter(mesh(), 'client', shadowStat);
    expect(tally(await reviewsCall(400, { headers: { 'x-mirror': '1' }, concurrency: 8 }))).toEqual({ 'reviews-v1': 400 });
    // Mirrored requests do not hold up the callers' answers: wait until the shadow has every one
    // the client's sidecar sent it (under load some were still in flight when the calls returned).
    const mirrored = (await envoyCounter(mesh(), 'client', shadowStat)) - started;
    const hosts = await until(() => `the shadow to receive the ${mirrored} mirrored requests`, 10_000, async () => {
      const h = await mesh().workload('reviews-v3').app.send<Record<string, number>>({ op: 'hosts' });
      return Object.values(h).reduce((a, b) => a + b, 0) >= mirrored ? h : undefined;
    });
    expect(Object.keys(hosts)).toEqual(['reviews.default.svc.cluster.local-shadow']);
    expect(Object.values(hosts)[0]).toBe(mirrored);
    expect(Math.abs((Object.values(hosts)[0] ?? 0) / 400 - 0.5)).toBeLessThanOrEqual(0.1);
  });

  scenario('header rewrites: added and removed on the request the app sees and on the response the caller gets', async () => {
    const [r] = await reviewsCall(1, { path: '/rewrite', headers: { 'x-secret': 's3cr3t' }, detail: true });
    expect(r?.seen?.['x-added']).toBe('by-weft');
    expect(r?.seen?.['x-secret']).toBeUndefined();
    expect(r?.response?.['x-served-by']).toBe('weft');
    expect(r?.response?.['x-app-secret']).toBeUndefined();
  });

  scenario('a redirect route answers 308 with the new location and never reaches an app', async () => {
    await reset(['reviews-v1', 'reviews-v2', 'reviews-v3']);
    const [r] = await reviewsCall(1, { path: '/old', detail: true });
    expect(r?.status).toBe(308);
    expect(r?.response?.location).toBe('https://web.example/new');
    for (const v of ['v1', 'v2', 'v3']) expect(await served(`reviews-${v}`)).toBe(0);
  });

  scenario('ring-hash: each x-user sticks to one pool replica, and users spread over several', async () => {
    await mesh().edit('pool.yaml', pool('ring-hash', 'hashKey: { header: x-user }\n'));
    const picked = new Set<string>();
    for (let u = 0; u < 10; u++) {
      const t = tally(await poolCall(15, { headers: { 'x-user': `user-${u}` } }));
      expect(Object.keys(t)).toHaveLength(1);
      picked.add(Object.keys(t)[0]!);
    }
    expect(picked.size).toBeGreaterThanOrEqual(2);
  }, 60_000);

  scenario('least-request: a slow replica gets clearly less than its round-robin third', async () => {
    await mesh().edit('pool.yaml', pool('least-request'));
    await behave(['pool-3'], { delayMs: 300 });
    const t = tally(await poolCall(240, { concurrency: 6 }));
    await behave(['pool-3'], {});
    expect(POOL.reduce((n, p) => n + (t[p] ?? 0), 0)).toBe(240);
    // Envoy's least-request picks the less busy of two random hosts, so the slow replica still
    // wins a pick whenever it is idle or drawn twice (a share near 1/9 to 1/5; CI once saw 0.207
    // of 150 against an earlier bound of 0.2). Round-robin would give it a third, 80 ± 7.3 (sd) of
    // 240: a share under 0.25 (60) is 2.7 sd below that.
    expect(share(t, 'pool-3', 240)).toBeLessThan(0.25);
  }, 60_000);

  scenario('circuit breaking: past maxConnections 1 / maxPendingRequests 1 callers get 503 and Envoy counts the overflow', async () => {
    await mesh().edit('pool.yaml', pool('round-robin', 'circuitBreaker: { maxConnections: 1, maxPendingRequests: 1 }\n'));
    await behave(POOL, { delayMs: 400 });
    // Outbound cluster stats are under the cluster's stat name (names.clusterStatName: a closing `|`).
    const overflowStat = 'cluster.outbound|9090||pool.default.svc.cluster.local|.upstream_rq_pending_overflow';
    const before = await envoyCounter(mesh(), 'client', overflowStat);
    const out: Outcome[] = await poolCall(12, { concurrency: 12, detail: true });
    await behave(POOL, {});
    const rejected = out.filter((o) => o.status === 503);
    expect(rejected.length).toBeGreaterThanOrEqual(6);
    for (const o of rejected) expect(o.response?.['x-envoy-overloaded']).toBe('true');
    expect((await envoyCounter(mesh(), 'client', overflowStat)) - before).toBe(rejected.length);
    await mesh().edit('pool.yaml', pool('round-robin'));
  }, 60_000);

  const only = (subsets: string, split: string) => `kind: TrafficPolicy\nservice: reviews.default\nsubsets: { ${subsets} }\nroutes:\n  - backends: ${split}\n`;
  const V1 = only('v1: { version: v1 }', '[{ subset: v1 }]');
  const TO_V3 = only('v1: { version: v1 }, v3: { version: v3 }', '[{ subset: v3 }]');

  /** Steady traffic (2 callers) while `change` runs; the outcomes that were not a reply from v1 or v3. */
  async function failuresDuring(change: () => Promise<void>): Promise<Record<string, number>> {
    let done = false;
    const during = reviewsCall(4000, { concurrency: 2, intervalMs: 2 }).finally(() => (done = true));
    await change();
    expect(done).toBe(false); // the change landed while the traffic ran
    const { 'reviews-v1': _v1, 'reviews-v3': _v3, ...failed } = tally(await during);
    return failed;
  }

  scenario('make-before-break: a policy that removes a cluster (and its route) during traffic fails no request', async () => {
    await mesh().edit('reviews.yaml', TO_V3);
    expect(await failuresDuring(() => mesh().edit('reviews.yaml', V1))).toEqual({});
  }, 60_000);

  // Issue 12 D5 (fixed): the route to a new cluster used to reach Envoy before the cluster was
  // warm (503 NC); on ADS weft now holds it until the cluster and its endpoints are ACKed.
  scenario('make-before-break: a policy that adds a cluster and routes to it during traffic fails no request', async () => {
    // Starts from V1, where the removal scenario above leaves the policy (editing a file to the
    // content it has does not change the policy version, so `edit` would wait for nothing).
    const failed: Record<string, number>[] = [];
    for (let i = 0; i < 3; i++) {
      failed.push(await failuresDuring(() => mesh().edit('reviews.yaml', TO_V3)));
      await mesh().edit('reviews.yaml', V1);
    }
    expect(failed).toEqual([{}, {}, {}]);
  }, 90_000);

  // Issue 12 D6 (fixed): after a removal weft's /api/v1/proxies/<id>/config used to list the
  // removed ClusterLoadAssignment under `acked` although Envoy had unsubscribed from it (SotW).
  scenario('after a cluster removal weft reports as ACKed only resources the client subscribes to', async () => {
    await mesh().edit('reviews.yaml', TO_V3);
    await mesh().edit('reviews.yaml', V1);
    expect(await ackedUnsubscribed(mesh().weft.admin.url, 'client')).toEqual([]);
  });

  scenario('after the edits above, the canary policy is back and converged', async () => {
    await mesh().edit('reviews.yaml', CANARY);
    const t = tally(await reviewsCall(200, { concurrency: 8 }));
    expect((t['reviews-v1'] ?? 0) + (t['reviews-v2'] ?? 0)).toBe(200);
  }, 60_000);
});
