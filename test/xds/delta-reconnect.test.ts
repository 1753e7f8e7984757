/**
 * A delta client reconnecting to a restarted weft (issue 12, the delta-reconnect defect): what it
 * claims to hold in `initial_resource_versions` counts as sent and ACKed where the version is the
 * current one, so status is SYNCED without a response; a claim that differs is sent and counts
 * only once ACKed. Differential where it can be: the reconnected stream must report what the
 * first stream reported after its ACKs.
 */
import { describe, expect, it } from 'vitest';
import { syncStatus } from '../../src/controlplane/status.js';
import type { TypeStatus } from '../../src/xds/index.js';
import { T, fakeNode, fakeServer, kind, names, type FakeClient } from './fake.js';
import { apiListener, cluster, endpoints, route } from './resources.js';

const mesh = (weight = 1) => ({
  [T.Cluster]: [cluster('a'), cluster('b')],
  [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])],
  [T.Listener]: [apiListener('l', 'r')],
  [T.RouteConfiguration]: [route('r', 'svc', [['a', weight], ['b', 1]])],
});
const SUB: Record<string, string[]> = { [T.ClusterLoadAssignment]: ['a', 'b'], [T.RouteConfiguration]: ['r'] };
const ORDER = [T.Cluster, T.ClusterLoadAssignment, T.Listener, T.RouteConfiguration];
type Held = Record<string, Record<string, string>>;

/** Subscribes like Envoy over ADS (wildcard CDS/LDS, EDS and RDS by name), with `held` as initial versions. */
function subscribe(c: FakeClient, held: Held = {}): void {
  c.send({ node: fakeNode('p'), type_url: T.Cluster, initial_resource_versions: held[T.Cluster] ?? {} });
  for (const t of ORDER.slice(1)) c.send({ type_url: t, resource_names_subscribe: SUB[t] ?? [], initial_resource_versions: held[t] ?? {} });
}

/** ACKs until nothing more comes; returns the versions the client then holds, by type and name. */
async function ackAll(c: FakeClient, held: Held = {}): Promise<Held> {
  for (let out = await c.take(); out.length > 0; out = await c.take()) {
    for (const r of out) {
      const mine = (held[r.type_url] ??= {});
      for (const x of r.resources) mine[x.name] = x.version!;
      for (const n of r.removed ?? []) delete mine[n];
      c.ack(r);
    }
  }
  return held;
}

const byType = (c: FakeClient) => new Map(c.stream.types().map((t) => [t.typeUrl, t] as [string, TypeStatus]));
const statuses = (c: FakeClient, s: ReturnType<typeof fakeServer>) =>
  ORDER.map((t) => syncStatus(byType(c).get(t)!, s.cache.get('p')));
const ackedOf = (c: FakeClient) => ORDER.map((t) => Object.fromEntries(byType(c).get(t)!.acked));

describe('delta reconnect to a restarted weft', () => {
  it('counts what the client holds at the current versions as ACKed: SYNCED, nothing sent, the same ACKed view', async () => {
    const s = fakeServer();
    s.set('p', mesh());
    const first = s.open({ delta: true });
    subscribe(first);
    const held = await ackAll(first);
    expect(statuses(first, s)).toEqual(['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED']);
    first.close();

    const restarted = fakeServer(); // a new weft: same content, so the same versions
    restarted.set('p', mesh());
    const again = restarted.open({ delta: true });
    subscribe(again, held);
    await again.none();
    expect(statuses(again, restarted)).toEqual(['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED']);
    expect(ackedOf(again)).toEqual(ackedOf(first));
    const cds = byType(again).get(T.Cluster)!;
    expect([cds.sentVersion, cds.ackedVersion]).toEqual([restarted.cache.get('p')!.get(T.Cluster).version, cds.sentVersion]);
  });

  it('sends a resource whose claimed version differs and counts it only once ACKed', async () => {
    const s = fakeServer();
    s.set('p', mesh());
    const first = s.open({ delta: true });
    subscribe(first);
    const held = await ackAll(first);
    first.close();

    s.set('p', mesh(3)); // the route changed while the client was away
    const again = s.open({ delta: true });
    subscribe(again, held);
    const out = await again.take();
    expect(out.map((r) => [kind(r), names(r)])).toEqual([['RouteConfiguration', ['r']]]);
    expect(statuses(again, s)).toEqual(['SYNCED', 'SYNCED', 'SYNCED', 'STALE']);
    expect(byType(again).get(T.RouteConfiguration)!.acked.has('r')).toBe(false);
    again.ack(out[0]!);
    await again.none();
    expect(statuses(again, s)).toEqual(['SYNCED', 'SYNCED', 'SYNCED', 'SYNCED']);
  });

  it('does not hold a route update for clusters the client already holds (no warming wait after reconnect)', async () => {
    const s = fakeServer({ warmingHoldMs: 5_000 });
    s.set('p', mesh());
    const first = s.open({ delta: true });
    subscribe(first);
    const held = await ackAll(first);
    first.close();

    s.set('p', mesh(3));
    const again = s.open({ delta: true });
    subscribe(again, held);
    expect((await again.take()).map(kind)).toEqual(['RouteConfiguration']);
    expect(again.stream.warming).toEqual({ held: 0, expired: 0 });
  });

  it('answers a claim for a resource that no longer exists with its removal and counts only the matching claims', async () => {
    const s = fakeServer();
    s.set('p', mesh());
    const again = s.open({ delta: true });
    const clusters = Object.fromEntries(s.cache.get('p')!.get(T.Cluster).list.map((r) => [r.name, r.version]));
    again.send({ node: fakeNode('p'), type_url: T.Cluster, initial_resource_versions: { ...clusters, gone: 'v0', b: 'old' } });
    const r = await again.one();
    expect([names(r), r.removed]).toEqual([['b'], ['gone']]);
    expect(Object.keys(Object.fromEntries(byType(again).get(T.Cluster)!.acked))).toEqual(['a']);
    again.ack(r);
    await again.none();
    expect(syncStatus(byType(again).get(T.Cluster)!, s.cache.get('p'))).toBe('SYNCED');
  });
});
