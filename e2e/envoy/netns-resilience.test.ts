/**
 * Resilience through real Envoy sidecars in the namespace mesh (docs/e2e.md): outlier detection
 * ejects the replica that keeps failing, and a control-plane restart in the middle of traffic
 * fails no request, after which every sidecar reconnects and reaches the next policy version
 * (iptables mode, SotW sidecars). Then a mesh whose caller has a delta bootstrap: through a
 * restart, the resources it already holds at the desired versions (announced in
 * `initial_resource_versions`) count as ACKed, so weft reports it SYNCED without sending anything
 * (it stayed NOT_SENT before the fix, issue 12); and a policy that adds a cluster and routes to it
 * fails no request over delta either (make-before-break, D5).
 */
import { describe, expect } from 'vitest';
import { until } from './http.js';
import { http as send, scenario, tally, type Outcome } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'details', serviceAccount: 'details', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'details-1', service: 'details', serviceAccount: 'details', labels: { app: 'details' } },
  { name: 'details-2', service: 'details', serviceAccount: 'details', labels: { app: 'details' } },
  { name: 'details-3', service: 'details', serviceAccount: 'details', labels: { app: 'details' } },
];
const OUTLIER = `kind: TrafficPolicy
service: details.default
outlierDetection: { consecutive5xx: 3, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 50 }
`;
const POLICY = { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n', 'details.yaml': OUTLIER };

describe('Envoy namespace mesh: resilience', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const calls = (count: number): Promise<Outcome[]> => send(mesh(), 'client', 'details-1', 'details', 9080, count, { concurrency: 1 });

  scenario('outlier detection ejects the replica that answers 503 and sends its share to the others', async () => {
    const bad = mesh().workload('details-3').app;
    await bad.send({ op: 'behave', behaviour: { status: 503 } });
    const first = tally(await calls(30));
    // Three consecutive 5xx eject it; the ejection reaches Envoy's workers a moment later.
    expect(first['<503>'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(first['<503>'] ?? 0).toBeLessThanOrEqual(5);
    await bad.send({ op: 'behave', behaviour: {} });
    await bad.send({ op: 'reset' });
    const after = tally(await calls(30));
    expect((after['details-1'] ?? 0) + (after['details-2'] ?? 0)).toBe(30);
    expect(after['details-1'] ?? 0).toBeGreaterThanOrEqual(10);
    expect(await bad.send<number>({ op: 'count' })).toBe(0);
  }, 60_000);

  scenario('a control-plane restart during traffic fails no request; sidecars reconnect and take the next version', async () => {
    const m = mesh();
    const outcomes: Outcome[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) outcomes.push(...await calls(5));
    })();
    const before = ((await (await fetch(`${m.weft.admin.url}/api/v1/policy`)).json()) as { version: string }).version;
    // weft stays down until the sidecars served 20 more requests from their last configuration.
    await m.restartWeft(async () => {
      const down = outcomes.length;
      await until('20 requests served while weft is down', 30_000, async () => (outcomes.length - down >= 20 ? true : undefined));
    });
    for (const w of ['client', 'details-1', 'details-2', 'details-3']) await m.converged(w, undefined, 60_000);
    stop = true;
    await load;
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    await m.edit('details.yaml', 'kind: TrafficPolicy\nservice: details.default\nloadBalancer: random\n');
    const now = ((await (await fetch(`${m.weft.admin.url}/api/v1/policy`)).json()) as { version: string }).version;
    expect(now).not.toBe(before);
    const t = tally(await calls(30));
    expect((t['details-1'] ?? 0) + (t['details-2'] ?? 0) + (t['details-3'] ?? 0)).toBe(30);
  }, 180_000);
});

// The calling sidecar here uses a delta bootstrap. A delta sidecar reconnecting to a restarted weft
// announces what it holds (`initial_resource_versions`); weft, holding the same versions, rightly
// sends nothing and counts them as ACKed, so status is SYNCED and agrees with Envoy's config_dump
// (the guard checks it). Make-before-break (issue 12 D5) over delta: the route to a new cluster
// waits until the cluster and its endpoints are warm on the caller.
const only = (subsets: string, to: string) => `kind: TrafficPolicy\nservice: details.default\nsubsets: { ${subsets} }\nroutes:\n  - backends: [{ subset: ${to} }]\n`;
const TO_V1 = only('v1: { version: v1 }', 'v1');
const TO_V2 = only('v1: { version: v1 }, v2: { version: v2 }', 'v2');

describe('Envoy namespace mesh: a delta caller', () => {
  const dmesh = useNetnsMesh({
    services: SERVICES,
    workloads: [
      { name: 'client', serviceAccount: 'client', labels: { app: 'client' }, delta: true },
      ...['1', '2'].map((n): WorkloadDef => ({ name: `details-${n}`, service: 'details', serviceAccount: 'details', labels: { app: 'details', version: `v${n}` } })),
    ],
    policy: { 'mesh.yaml': POLICY['mesh.yaml'], 'details.yaml': TO_V1 },
  });
  const dcalls = (count: number, o: { concurrency: number; intervalMs?: number }) => send(dmesh(), 'client', 'details-1', 'details', 9080, count, o);

  scenario('a delta sidecar is SYNCED again after a control-plane restart', async () => {
    await dmesh().restartWeft();
    // Every sidecar, not only the caller: Envoy's reconnect backoff grows to 30 s, and the health
    // check after the scenario requires each one connected.
    for (const w of dmesh().workloads.values()) if (w.envoy) await dmesh().converged(w.def.name, undefined, 60_000);
    expect(tally(await dcalls(10, { concurrency: 1 }))).toEqual({ 'details-1': 10 });
  }, 150_000);

  scenario('make-before-break over delta: a policy that adds a cluster and routes to it during traffic fails no request', async () => {
    const failed: Record<string, number>[] = [];
    for (let i = 0; i < 3; i++) {
      let done = false;
      const during = dcalls(4000, { concurrency: 2, intervalMs: 2 }).finally(() => (done = true));
      await dmesh().edit('details.yaml', TO_V2);
      expect(done).toBe(false); // the change landed while the traffic ran
      const { 'details-1': _v1, 'details-2': v2, ...rest } = tally(await during);
      expect(v2).toBeGreaterThan(0);
      failed.push(rest);
      await dmesh().edit('details.yaml', TO_V1);
    }
    expect(failed).toEqual([{}, {}, {}]);
    // Every route waited for its cluster to warm and none ran out of the bound (docs/metrics.md).
    const metrics = await (await fetch(`${dmesh().weft.admin.url}/metrics`)).text();
    expect(metrics).toContain('# TYPE weft_xds_warming_timeouts_total counter');
    expect(metrics.split('\n').filter((l) => /^weft_xds_warming_timeouts_total\{.*\} [1-9]/.test(l))).toEqual([]);
  }, 120_000);
});
