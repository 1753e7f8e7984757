/**
 * Locality-aware load balancing through real Envoy sidecars in the namespace mesh (docs/e2e.md,
 * docs/policy.md "Locality"). The caller runs in region r1, zone a (its bootstrap's --region and
 * --zone: it is no registry endpoint); the backends' registry endpoints carry their localities.
 *
 * details has outlier detection and no locality block, so the default applies: its zone-a
 * replicas are priority 0, zone b (same region) priority 1. Traffic stays in zone a; when zone a
 * answers 503, each replica is ejected after its consecutive 5xx and traffic moves to zone b with
 * no failure beyond those; when zone a recovers and the ejections end, traffic comes back.
 * ratings has an explicit failover order (r1 -> r3): when its only r1 replica fails, traffic goes
 * to r3, never to r2.
 */
import { describe, expect } from 'vitest';
import { until } from './http.js';
import { http as send, scenario, tally, type Outcome } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const http = (port: number) => [{ name: 'http', port, targetPort: port + 10_000, protocol: 'http' as const }];
const SERVICES: ServiceDef[] = [
  { name: 'details', serviceAccount: 'details', ports: http(9080) },
  { name: 'ratings', serviceAccount: 'ratings', ports: http(9081) },
];
const backend = (service: string, name: string, region: string, zone: string): WorkloadDef => ({ name, service, serviceAccount: service, labels: { app: service }, region, zone });
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' }, region: 'r1', zone: 'a' },
  backend('details', 'details-a1', 'r1', 'a'), backend('details', 'details-a2', 'r1', 'a'),
  backend('details', 'details-b1', 'r1', 'b'), backend('details', 'details-b2', 'r1', 'b'),
  backend('ratings', 'ratings-r1', 'r1', 'a'), backend('ratings', 'ratings-r2', 'r2', 'x'), backend('ratings', 'ratings-r3', 'r3', 'y'),
];
// Three consecutive 5xx eject a replica for 3 s; every replica may be ejected (max 100 %).
const OUTLIER = 'outlierDetection: { consecutive5xx: 3, interval: 1s, baseEjectionTime: 3s, maxEjectionPercent: 100 }';
const POLICY = {
  'mesh.yaml': 'kind: Mesh\nmtls: strict\n',
  'details.yaml': `kind: TrafficPolicy\nservice: details.default\n${OUTLIER}\n`,
  'ratings.yaml': `kind: TrafficPolicy\nservice: ratings.default\n${OUTLIER}\nlocality:\n  failover: [{ from: r1, to: [r3] }]\n`,
};
const ZONE_A = ['details-a1', 'details-a2'];
const ZONE_B = ['details-b1', 'details-b2'];
const CONSECUTIVE_5XX = 3;
/** Envoy's workers learn of an ejection a moment after the request that caused it: up to two
 * more requests may reach the replica (netns-resilience measures the same bound). */
const EJECTION_LAG = 2;

const sum = (t: Record<string, number>, names: readonly string[]) => names.reduce((n, k) => n + (t[k] ?? 0), 0);

describe('Envoy namespace mesh: locality-aware load balancing', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const calls = (service: string, port: number, count: number): Promise<Outcome[]> =>
    send(mesh(), 'client', `${service}-${service === 'details' ? 'a1' : 'r1'}`, service, port, count, { concurrency: 1 });

  scenario('traffic stays in the caller\'s zone, fails over to the next zone when it fails, and comes back when it recovers', async () => {
    const m = mesh();
    // Envoy has the priorities weft computed for this caller: zone a first, zone b next.
    const hosts = (await m.workload('client').envoy!.handle.get('/clusters')).text;
    for (const [name, priority] of [['details-a1', 0], ['details-a2', 0], ['details-b1', 1], ['details-b2', 1]] as const) {
      expect(hosts).toContain(`outbound|9080||details.default.svc.cluster.local::${m.workload(name).address}:19080::priority::${priority}`);
    }

    const steady = tally(await calls('details', 9080, 40));
    expect(sum(steady, ZONE_A)).toBe(40);
    expect(Math.min(steady['details-a1'] ?? 0, steady['details-a2'] ?? 0)).toBeGreaterThanOrEqual(10);

    for (const w of ZONE_A) await m.workload(w).app.send({ op: 'behave', behaviour: { status: 503 } });
    const failing = await calls('details', 9080, 60);
    const during = tally(failing);
    // Each zone-a replica fails only until it is ejected; every other request succeeds in zone b.
    expect(during['<503>'] ?? 0).toBeGreaterThanOrEqual(ZONE_A.length * CONSECUTIVE_5XX);
    expect(during['<503>'] ?? 0).toBeLessThanOrEqual(ZONE_A.length * (CONSECUTIVE_5XX + EJECTION_LAG));
    expect((during['<503>'] ?? 0) + sum(during, ZONE_B)).toBe(60);
    expect(failing.slice(-30).every((o) => o.status === 200 && ZONE_B.includes(o.backend ?? ''))).toBe(true);

    // Zone a recovers; once the ejections end (3 s), traffic returns to it, with no failed request.
    for (const w of ZONE_A) await m.workload(w).app.send({ op: 'behave', behaviour: {} });
    const recovering: Outcome[] = [];
    await until('traffic back in zone a', 30_000, async () => {
      const batch = await calls('details', 9080, 10);
      recovering.push(...batch);
      return sum(tally(batch), ZONE_A) === 10 ? true : undefined;
    });
    expect(recovering.filter((o) => o.status !== 200)).toEqual([]);
    const back = tally(await calls('details', 9080, 40));
    expect(sum(back, ZONE_A)).toBe(40);
  }, 120_000);

  scenario('an explicit failover order sends traffic to the region it names next, not to another one', async () => {
    const m = mesh();
    expect(tally(await calls('ratings', 9081, 20))).toEqual({ 'ratings-r1': 20 });
    await m.workload('ratings-r1').app.send({ op: 'behave', behaviour: { status: 503 } });
    const during = tally(await calls('ratings', 9081, 30));
    expect(during['<503>'] ?? 0).toBeGreaterThanOrEqual(CONSECUTIVE_5XX);
    expect(during['<503>'] ?? 0).toBeLessThanOrEqual(CONSECUTIVE_5XX + EJECTION_LAG);
    expect((during['<503>'] ?? 0) + (during['ratings-r3'] ?? 0)).toBe(30);
    expect(await m.workload('ratings-r2').app.send<number>({ op: 'count' })).toBe(0);
    await m.workload('ratings-r1').app.send({ op: 'behave', behaviour: {} });
    await until('traffic back in r1', 30_000, async () => (tally(await calls('ratings', 9081, 5))['ratings-r1'] === 5 ? true : undefined));
  }, 120_000);
});
