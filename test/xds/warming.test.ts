/**
 * ADS make-before-break for additions (issue 12 D5), on fake streams with a manual clock: a
 * listener or route update that names a cluster the client has not got warm waits until the
 * cluster and its endpoints are ACKed, at most `warmingHoldMs`.
 */
import { describe, expect, it } from 'vitest';
import { T, fakeNode, fakeServer, kind, names, type FakeClient } from './fake.js';
import { apiListener, cluster, endpoints, route, tcpListener } from './resources.js';

const A = endpoints('a', [['10.0.0.1', 80]]);
const B = endpoints('b', [['10.0.0.2', 80]]);
const onlyA = () => ({ [T.Cluster]: [cluster('a')], [T.ClusterLoadAssignment]: [A], [T.Listener]: [apiListener('l', 'r')], [T.RouteConfiguration]: [route('r', 'svc', [['a', 1]])] });
const toB = (keepA = true) => ({
  [T.Cluster]: keepA ? [cluster('a'), cluster('b')] : [cluster('b')],
  [T.ClusterLoadAssignment]: keepA ? [A, B] : [B],
  [T.Listener]: [apiListener('l', 'r')],
  [T.RouteConfiguration]: [route('r', 'svc', [['b', 1]])],
});

/** Subscribes like Envoy (wildcard CDS/LDS, EDS and RDS by name) and ACKs until nothing more comes. */
async function synced(c: FakeClient, eds: string[]): Promise<void> {
  const sub = { [T.ClusterLoadAssignment]: eds, [T.RouteConfiguration]: ['r'] } as Record<string, string[]>;
  c.send({ node: fakeNode('p'), type_url: T.Cluster, ...(c.delta ? {} : {}) });
  for (const t of [T.ClusterLoadAssignment, T.Listener, T.RouteConfiguration]) {
    c.send(c.delta ? { type_url: t, resource_names_subscribe: sub[t] ?? [] } : { type_url: t, resource_names: sub[t] ?? [] });
  }
  for (let out = await c.take(); out.length > 0; out = await c.take()) for (const r of out) c.ack(r, sub[r.type_url] ?? []);
}

/** Envoy asks for the endpoints of a cluster it just got (SotW: the whole list; delta: the new name). */
function askEndpoints(c: FakeClient, all: string[], added: string[], ackOf?: string): void {
  if (c.delta) c.send({ type_url: T.ClusterLoadAssignment, resource_names_subscribe: added });
  else c.send({ type_url: T.ClusterLoadAssignment, resource_names: all, response_nonce: ackOf ?? '' });
}

describe.each([false, true])('make-before-break for additions (delta: %s)', (delta) => {
  it('holds a route naming a new cluster until the cluster and its endpoints are ACKed', async () => {
    const s = fakeServer();
    s.set('p', onlyA());
    const c = s.open({ delta });
    await synced(c, ['a']);
    const before = c.stream.warming!.held; // connecting held the first route too
    s.set('p', toB());
    const cds = await c.one();
    expect([kind(cds), names(cds)]).toEqual(['Cluster', delta ? ['b'] : ['a', 'b']]);
    c.ack(cds);
    await c.none(); // the cluster is in, its endpoints are not: the route still waits
    askEndpoints(c, ['a', 'b'], ['b']);
    const eds = await c.one();
    expect([kind(eds), names(eds)]).toEqual(['ClusterLoadAssignment', ['b']]);
    await c.none();
    c.ack(eds, ['a', 'b']);
    const rds = await c.one();
    expect([kind(rds), names(rds)]).toEqual(['RouteConfiguration', ['r']]);
    expect(c.stream.warming).toEqual({ held: before + 1, expired: 0 });
    expect(s.clock.pending).toBe(0); // the bound's timer went with the hold
  });

  it('sends the route anyway once the hold bound runs out, and counts it', async () => {
    const timeouts: string[][] = [];
    const s = fakeServer({ warmingHoldMs: 5_000, callbacks: { onWarmingTimeout: (_s, _t, cold) => timeouts.push([...cold]) } });
    s.set('p', onlyA());
    const c = s.open({ delta });
    await synced(c, ['a']);
    const before = c.stream.warming!.held;
    s.set('p', toB());
    expect(kind(await c.one())).toBe('Cluster'); // never ACKed
    s.clock.advance(4_999);
    await c.none();
    s.clock.advance(1);
    expect(names(await c.one())).toEqual(['r']);
    expect(timeouts).toEqual([['b']]);
    expect(c.stream.warming).toEqual({ held: before + 1, expired: 1 });
    expect(s.clock.pending).toBe(0);
  });

  it('does not hold a route for a cluster the client rejected', async () => {
    const s = fakeServer();
    s.set('p', onlyA());
    const c = s.open({ delta });
    await synced(c, ['a']);
    s.set('p', toB());
    c.nack(await c.one(), 'b: bad cluster');
    expect(names(await c.one())).toEqual(['r']);
  });

  it('sends a route change that names only warm clusters in the same push', async () => {
    const s = fakeServer();
    s.set('p', toB());
    const c = s.open({ delta });
    await synced(c, ['a', 'b']);
    const before = c.stream.warming!.held;
    s.set('p', { ...toB(), [T.RouteConfiguration]: [route('r', 'svc', [['a', 1], ['b', 3]])] });
    expect(kind(await c.one())).toBe('RouteConfiguration');
    expect(c.stream.warming).toEqual({ held: before, expired: 0 });
  });

  it('moves a route to a new cluster and only then removes the old one', async () => {
    const s = fakeServer();
    s.set('p', onlyA());
    const c = s.open({ delta });
    await synced(c, ['a']);
    s.set('p', toB(false));
    const cds1 = await c.one(); // delta: nor are the endpoints of "a" removed yet
    expect(names(cds1)).toEqual(delta ? ['b'] : ['a', 'b']); // "a" stays while the route uses it
    c.ack(cds1);
    askEndpoints(c, ['a', 'b'], ['b']);
    const eds = await c.one();
    c.ack(eds, ['a', 'b']);
    const rds = await c.one();
    expect(kind(rds)).toBe('RouteConfiguration');
    c.ack(rds, ['r']);
    const last = await c.take();
    // SotW: the complete set without "a"; delta: "a" removed, and its endpoints after it.
    if (delta) expect(last.map((r) => [kind(r), r.removed])).toEqual([['Cluster', ['a']], ['ClusterLoadAssignment', ['a']]]);
    else expect(last.map((r) => [kind(r), names(r)])).toEqual([['Cluster', ['b']]]);
  });
});

describe('make-before-break for additions: listeners', () => {
  it('holds a TCP listener naming a new cluster with the route, and sends both when the bound runs out', async () => {
    const s = fakeServer({ warmingHoldMs: 1_000 });
    s.set('p', onlyA());
    const c = s.open();
    await synced(c, ['a']);
    s.set('p', { ...toB(), [T.Listener]: [apiListener('l', 'r'), tcpListener('t', 9000, 'b')] });
    expect(kind(await c.one())).toBe('Cluster');
    s.clock.advance(1_000);
    const out = await c.take();
    expect(out.map((r) => [kind(r), names(r)])).toEqual([['Listener', ['l', 't']], ['RouteConfiguration', ['r']]]);
    expect(c.stream.warming!.expired).toBe(2); // one per update sent while "b" was cold
  });
});

describe('make-before-break for additions: delta removals in a held update', () => {
  it('announces a missing route name with the held update, not lost while it waited', async () => {
    const s = fakeServer();
    s.set('p', onlyA());
    const c = s.open({ delta: true });
    await synced(c, ['a']);
    s.set('p', toB());
    c.send({ type_url: T.RouteConfiguration, resource_names_subscribe: ['nope'] }); // asked while "b" is cold
    expect(kind(await c.one())).toBe('Cluster');
    s.clock.advance(5_000);
    const rds = await c.one();
    expect([kind(rds), names(rds), rds.removed]).toEqual(['RouteConfiguration', ['r'], ['nope']]);
  });
});

describe('make-before-break for additions: what is not held', () => {
  it('does not hold a route for a cluster the client does not subscribe to (proxyless gRPC asks for clusters after routes)', async () => {
    const s = fakeServer();
    s.set('p', onlyA());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster, resource_names: ['a'] });
    c.send({ type_url: T.RouteConfiguration, resource_names: ['r'] });
    for (let out = await c.take(); out.length > 0; out = await c.take()) for (const r of out) c.ack(r, kind(r) === 'Cluster' ? ['a'] : ['r']);
    s.set('p', toB());
    expect(names(await c.one())).toEqual(['r']);
  });

  it('cannot order per-type streams: a route stream sends at once', async () => {
    const s = fakeServer();
    s.set('p', toB());
    const c = s.open({ fixedType: T.RouteConfiguration });
    c.send({ node: fakeNode('p'), resource_names: ['r'] });
    expect(kind(await c.one())).toBe('RouteConfiguration');
  });

  it('holds a route for a re-added cluster until its endpoints are ACKed again', async () => {
    const s = fakeServer();
    s.set('p', toB());
    const c = s.open();
    await synced(c, ['a', 'b']);
    s.set('p', onlyA()); // route back to "a", then "b" goes
    const rds = await c.one();
    c.ack(rds, ['r']);
    const cds = await c.one();
    expect(names(cds)).toEqual(['a']);
    c.ack(cds);
    askEndpoints(c, ['a'], [], undefined); // Envoy drops "b" from its EDS subscription
    await c.none();
    s.set('p', toB());
    const cds2 = await c.one();
    c.ack(cds2);
    await c.none(); // endpoints of "b" were dropped with it: the route waits for them again
    askEndpoints(c, ['a', 'b'], ['b']);
    const eds = await c.one();
    expect(names(eds)).toEqual(['b']);
    c.ack(eds, ['a', 'b']);
    expect(kind(await c.one())).toBe('RouteConfiguration');
  });
});
