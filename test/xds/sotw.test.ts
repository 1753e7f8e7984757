/** State-of-the-world semantics on fake streams (fake.ts): no gRPC, no waits. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../src/xds/snapshot.js';
import { fakeServer } from './fake.js';
import { T, apiListener, cluster, endpoints, node, route } from './harness.js';

type Harness = ReturnType<typeof fakeServer>;
let h: Harness;
const events: string[] = [];

beforeEach(() => {
  events.length = 0;
  h = fakeServer({
    callbacks: {
      onNack: (_s, t, n) => events.push(`nack ${t.split('.').pop()} ${n.names.join(',')} ${n.message}`),
      onAck: (_s, t) => events.push(`ack ${t.split('.').pop()}`),
    },
  });
});
afterEach(() => h.stop());

const base = () => ({
  [T.Cluster]: [cluster('a'), cluster('b')],
  [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])],
});

describe('state of the world', () => {
  it('sends the complete cluster set to a wildcard subscriber and nothing after the ACK', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r = await c.next();
    expect(r.resources.map((x) => x.name)).toEqual(['a', 'b']);
    expect(r.version_info).toMatch(/^[\w-]{16}$/);
    c.ack(r);
    await c.none();
  });

  it('waits for a snapshot instead of sending an empty configuration', async () => {
    const c = h.open();
    c.send({ node: node('late'), type_url: T.Cluster });
    await c.none();
    h.set('late', base());
    expect((await c.next()).resources).toHaveLength(2);
  });

  it('sends a first, empty cluster response so Envoy can finish initialising', async () => {
    h.set('p1', { [T.Listener]: [] });
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r = await c.next();
    expect(r.resources).toEqual([]);
  });

  it('sends nothing when a new snapshot has identical content', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.ack(await c.next());
    h.set('p1', base()); // new objects, same content
    await c.none();
    expect(h.encoder.encodeCount).toBe(8); // 4 resources, encoded once per object instance
  });

  it('sends only named endpoints, and a named resource when it appears later', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['a', 'missing'] });
    const r = await c.next();
    expect(r.resources.map((x) => x.name)).toEqual(['a']);
    c.ack(r, ['a', 'missing']);
    await c.none();
    h.set('p1', { ...base(), [T.ClusterLoadAssignment]: [...base()[T.ClusterLoadAssignment], endpoints('missing', [['10.0.0.9', 80]])] });
    const r2 = await c.next();
    expect(r2.resources.map((x) => x.name)).toEqual(['missing']);
  });

  it('sends only the endpoints that changed among many held ones, push after push, and resends a dropped name re-added', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `svc${String(i).padStart(2, '0')}`);
    const eds = (moved: Record<string, string>) => names.map((n) => endpoints(n, [[moved[n] ?? '10.0.0.1', 80]]));
    h.set('p1', { [T.ClusterLoadAssignment]: eds({}) });
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: names });
    const r1 = await c.next();
    expect(r1.resources).toHaveLength(50);
    c.ack(r1, names);
    await c.none();
    h.set('p1', { [T.ClusterLoadAssignment]: eds({ svc07: '10.0.0.7' }) });
    const r2 = await c.next();
    expect(r2.resources.map((x) => x.name)).toEqual(['svc07']);
    c.ack(r2, names);
    h.set('p1', { [T.ClusterLoadAssignment]: eds({ svc07: '10.0.0.7', svc42: '10.0.0.42' }) });
    const r3 = await c.next();
    expect(r3.resources.map((x) => x.name)).toEqual(['svc42']);
    c.ack(r3, names);
    h.set('p1', { [T.ClusterLoadAssignment]: eds({ svc07: '10.0.0.7', svc42: '10.0.0.42' }) }); // same content, new objects
    await c.none();
    // Dropping a name forgets it as sent; naming it again brings it back even though unchanged.
    const fewer = names.filter((n) => n !== 'svc03');
    c.send({ type_url: T.ClusterLoadAssignment, version_info: r3.version_info, response_nonce: r3.nonce, resource_names: fewer });
    await c.none();
    c.send({ type_url: T.ClusterLoadAssignment, version_info: r3.version_info, response_nonce: r3.nonce, resource_names: names });
    expect((await c.next()).resources.map((x) => x.name)).toEqual(['svc03']);
  });

  it('answers streams sharing a snapshot by the list each holds, whichever answer was worked out first', async () => {
    // Responses for one move between shared lists are worked out once (sotw.ts `moves`); a
    // stream that holds another list must still get what differs from its own.
    const names = Array.from({ length: 50 }, (_, i) => `svc${String(i).padStart(2, '0')}`);
    const snap = (moved: Record<string, string>) => buildSnapshot(h.encoder, { [T.ClusterLoadAssignment]: names.map((n) => endpoints(n, [[moved[n] ?? '10.0.0.1', 80]])) });
    const [s0, s1, s2] = [snap({}), snap({ svc07: '10.0.0.7' }), snap({ svc07: '10.0.0.7', svc42: '10.0.0.42' })];
    const keys = ['p1', 'p2', 'p3'];
    for (const k of keys) h.cache.set(k, s0);
    const clients = keys.map((k) => {
      const c = h.open();
      c.send({ node: node(k), type_url: T.ClusterLoadAssignment, resource_names: names });
      return c;
    });
    for (const c of clients) c.ack(await c.next(), names);
    h.cache.set('p1', s1);
    h.cache.set('p3', s1);
    const [a1, c1] = [await clients[0]!.next(), await clients[2]!.next()];
    expect([a1, c1].map((r) => r.resources.map((x) => x.name))).toEqual([['svc07'], ['svc07']]);
    await clients[1]!.none();
    for (const k of keys) h.cache.set(k, s2);
    const [a2, b2, c2] = [await clients[0]!.next(), await clients[1]!.next(), await clients[2]!.next()];
    expect(a2.resources.map((x) => x.name)).toEqual(['svc42']);
    expect(b2.resources.map((x) => x.name)).toEqual(['svc07', 'svc42']); // held s0's list, not s1's
    const { nonce: _a, ...sameA } = a2;
    const { nonce: _c, ...sameC } = c2;
    expect(sameC).toEqual(sameA);
    expect(b2.version_info).toBe(a2.version_info);
  });

  it('honours legacy wildcard until the client names a resource, then an empty list means none', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r1 = await c.next();
    expect(r1.resources).toHaveLength(2);
    c.ack(r1); // empty names again: still wildcard
    await c.none();
    c.send({ type_url: T.Cluster, version_info: r1.version_info, response_nonce: r1.nonce, resource_names: ['a'] });
    const r2 = await c.next();
    expect(r2.resources.map((x) => x.name)).toEqual(['a']);
    c.send({ type_url: T.Cluster, version_info: r2.version_info, response_nonce: r2.nonce, resource_names: [] });
    const r3 = await c.next();
    expect(r3.resources).toEqual([]);
  });

  it('applies a subscription change carried by a request with a stale nonce', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
    const r1 = await c.next();
    c.ack(r1, ['a']);
    c.send({ type_url: T.ClusterLoadAssignment, version_info: '', response_nonce: 'stale-nonce', resource_names: ['a', 'b'] });
    expect((await c.next()).resources.map((x) => x.name)).toEqual(['b']);
  });

  it('does not resend a NACKed cluster, keeps others flowing, and resends when content changes', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r1 = await c.next();
    c.ack(r1);
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 2 } }), cluster('b')] });
    const r2 = await c.next();
    c.nack(r2, 'cluster a: bad timeout', [], r1.version_info);
    await c.none();
    expect(events).toContain(`nack Cluster a cluster a: bad timeout`);
    // An unrelated change: the rejected version of "a" is not sent; the client's accepted one is.
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 2 } }), cluster('b', { connect_timeout: { seconds: 3 } })] });
    const r3 = await c.next();
    expect(r3.resources.find((x) => x.name === 'a')!.value.connect_timeout).toEqual({ seconds: 1 });
    c.ack(r3);
    // A real change of "a" is delivered.
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 4 } }), cluster('b', { connect_timeout: { seconds: 3 } })] });
    const r4 = await c.next();
    expect(r4.resources.find((x) => x.name === 'a')!.value.connect_timeout).toEqual({ seconds: 4 });
  });

  it('sends new clusters and their endpoints first, and the listener and route naming them once both are ACKed', async () => {
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.send({ type_url: T.Listener });
    c.send({ type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
    c.send({ type_url: T.RouteConfiguration, resource_names: ['r'] });
    await c.none();
    h.set('p1', { ...base(), [T.Listener]: [apiListener('l', 'r')], [T.RouteConfiguration]: [route('r', 'svc', [['a', 1]])] });
    const cds = await c.next();
    const eds = await c.next();
    // The listener only names the route; the route names cluster "a", which is not warm yet.
    const lds = await c.next();
    expect([cds, eds, lds].map((r) => r.type_url)).toEqual([T.Cluster, T.ClusterLoadAssignment, T.Listener]);
    await c.none();
    c.ack(cds);
    await c.none();
    c.ack(eds, ['a']);
    expect((await c.next()).type_url).toBe(T.RouteConfiguration);
  });

  it('re-sends unchanged endpoints after a cluster changes, so the cluster can leave warming', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.ack(await c.next());
    c.send({ type_url: T.ClusterLoadAssignment, resource_names: ['a', 'b'] });
    const e1 = await c.next();
    c.ack(e1, ['a', 'b']);
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 9 } }), cluster('b')] });
    const cds = await c.next();
    expect(cds.type_url).toBe(T.Cluster);
    const eds = await c.next();
    expect(eds.type_url).toBe(T.ClusterLoadAssignment);
    expect(eds.resources.map((x) => x.name)).toEqual(['a']);
  });

  it('keeps a removed cluster until the routes that used it are acknowledged', async () => {
    h.set('p1', { ...base(), [T.RouteConfiguration]: [route('r', 'svc', [['a', 1]])] });
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.send({ type_url: T.RouteConfiguration, resource_names: ['r'] });
    const cds1 = await c.next();
    c.ack(cds1);
    const rds1 = await c.next();
    c.ack(rds1, ['r']);
    await c.none();
    h.set('p1', { [T.Cluster]: [cluster('c')], [T.ClusterLoadAssignment]: [endpoints('c', [['10.0.0.3', 80]])], [T.RouteConfiguration]: [route('r', 'svc', [['c', 1]])] });
    const cds2 = await c.next();
    expect(cds2.resources.map((x) => x.name)).toEqual(['a', 'b', 'c']); // "a" and "b" held
    c.ack(cds2);
    const rds2 = await c.next();
    expect(rds2.type_url).toBe(T.RouteConfiguration);
    c.ack(rds2, ['r']);
    const cds3 = await c.next();
    expect(cds3.resources.map((x) => x.name)).toEqual(['c']);
  });

  it('answers a reconnecting client that already holds the current version with nothing', async () => {
    h.set('p1', base());
    const c1 = h.open();
    c1.send({ node: node('p1'), type_url: T.Cluster });
    const r1 = await c1.next();
    c1.close();
    const c2 = h.open();
    c2.send({ node: node('p1'), type_url: T.Cluster, version_info: r1.version_info });
    await c2.none();
  });

  it('splits endpoint responses that exceed the message size limit', async () => {
    h = fakeServer({ maxBytes: 4_096 });
    const many = Array.from({ length: 40 }, (_, i) => endpoints(`c${i}`, Array.from({ length: 5 }, (_, j) => [`10.1.${i}.${j}`, 8080] as [string, number])));
    h.set('p1', { [T.ClusterLoadAssignment]: many });
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: many.map((m) => m.name) });
    const names: string[] = [];
    let responses = 0;
    for (; names.length < 40; responses++) names.push(...(await c.next()).resources.map((r) => r.name));
    expect(new Set(names).size).toBe(40);
    expect(responses).toBeGreaterThan(1);
  });
});
