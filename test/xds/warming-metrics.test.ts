/**
 * `weft_xds_warming_timeouts_total{type}` counts the warming holds that ran out (issue 12): the
 * control plane's metrics callbacks on a fake stream whose client never ACKs a new cluster.
 */
import { describe, expect, it } from 'vitest';
import { ControlPlaneMetrics } from '../../src/controlplane/metrics.js';
import { T, fakeNode, fakeServer, kind, names, type FakeClient } from './fake.js';
import { apiListener, cluster, endpoints, route } from './resources.js';

const A = endpoints('a', [['10.0.0.1', 80]]);
const B = endpoints('b', [['10.0.0.2', 80]]);
const routeTo = (...to: string[]) => ({
  [T.Cluster]: to.map((n) => cluster(n)),
  [T.ClusterLoadAssignment]: to.map((n) => (n === 'a' ? A : B)),
  [T.Listener]: [apiListener('l', 'r')],
  [T.RouteConfiguration]: [route('r', 'svc', to.map((n) => [n, 1] as [string, number]))],
});

/** Delta ADS like Envoy: wildcard CDS/LDS, EDS and RDS by name; ACKs until nothing more comes. */
async function synced(c: FakeClient): Promise<void> {
  c.send({ node: fakeNode('p'), type_url: T.Cluster });
  c.send({ type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
  c.send({ type_url: T.Listener });
  c.send({ type_url: T.RouteConfiguration, resource_names_subscribe: ['r'] });
  for (let out = await c.take(); out.length > 0; out = await c.take()) for (const r of out) c.ack(r);
}

const timeouts = async (m: ControlPlaneMetrics) => (await m.registry.metrics()).split('\n').filter((l) => l.startsWith('weft_xds_warming_timeouts_total'));

describe('weft_xds_warming_timeouts_total', () => {
  it('counts a route sent after the warming bound ran out, by type, and nothing for a hold that ended in time', async () => {
    const metrics = new ControlPlaneMetrics(Date.now, { defaultMetrics: false });
    const s = fakeServer({ warmingHoldMs: 5_000, callbacks: metrics.xdsCallbacks() });
    s.set('p', routeTo('a'));
    const c = s.open({ delta: true });
    await synced(c);
    expect(c.stream.warming).toEqual({ held: 1, expired: 0 }); // connecting held the first route, until the ACKs
    expect(await timeouts(metrics)).toEqual([]);

    s.set('p', routeTo('a', 'b'));
    expect(kind(await c.one())).toBe('Cluster'); // never ACKed: the route waits for it
    s.clock.advance(5_000);
    expect(names(await c.one())).toEqual(['r']);
    expect(await timeouts(metrics)).toEqual(['weft_xds_warming_timeouts_total{type="RDS"} 1']);
  });
});
