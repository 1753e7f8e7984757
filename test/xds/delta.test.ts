import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeServer } from './fake.js';
import { T, cluster, endpoints, node } from './harness.js';

type Harness = ReturnType<typeof fakeServer>;
let h: Harness;
const nacks: string[] = [];

beforeEach(async () => {
  nacks.length = 0;
  h = fakeServer({ callbacks: { onNack: (_s, _t, n) => nacks.push(n.names.join(',')) } });
});
afterEach(() => h.stop());

const base = () => ({
  [T.Cluster]: [cluster('a'), cluster('b')],
  [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])],
});
const ack = (c: ReturnType<Harness['open']>, r: { type_url: string; nonce: string }) => c.send({ type_url: r.type_url, response_nonce: r.nonce });

describe('delta xDS', () => {
  it('sends every cluster to a wildcard subscriber, then only what changed, and removals by name', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r1 = await c.next();
    expect(r1.resources.map((r) => r.name)).toEqual(['a', 'b']);
    expect(r1.resources[0]!.version).toMatch(/^[\w-]{16}$/);
    ack(c, r1);
    await c.none();
    h.set('p1', { [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 5 } })] });
    const r2 = await c.next();
    expect(r2.resources.map((r) => r.name)).toEqual(['a']);
    expect(r2.removed).toEqual(['b']);
  });

  it('sends only resources whose versions differ from initial_resource_versions on reconnect', async () => {
    h.set('p1', base());
    const c1 = h.open({ delta: true });
    c1.send({ node: node('p1'), type_url: T.Cluster });
    const r1 = await c1.next();
    c1.close();
    const versions = Object.fromEntries(r1.resources.map((r) => [r.name, r.version!]));
    versions['gone'] = 'old';
    versions['b'] = 'stale';
    const c2 = h.open({ delta: true });
    c2.send({ node: node('p1'), type_url: T.Cluster, initial_resource_versions: versions });
    const r2 = await c2.next();
    expect(r2.resources.map((r) => r.name)).toEqual(['b']);
    expect(r2.removed).toEqual(['gone']);
  });

  it('reports a subscribed name that does not exist in removed_resources, once', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a', 'nope'] });
    const r = await c.next();
    expect(r.resources.map((x) => x.name)).toEqual(['a']);
    expect(r.removed).toEqual(['nope']);
    ack(c, r);
    await c.none();
  });

  it('stops sending a resource after unsubscribe and sends a new subscription even with a stale nonce', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
    ack(c, await c.next());
    c.send({ type_url: T.ClusterLoadAssignment, response_nonce: 'stale', resource_names_subscribe: ['b'], resource_names_unsubscribe: ['a'] });
    const r = await c.next();
    expect(r.resources.map((x) => x.name)).toEqual(['b']);
    ack(c, r);
    h.set('p1', { ...base(), [T.ClusterLoadAssignment]: [endpoints('a', [['10.9.9.9', 80]]), endpoints('b', [['10.0.0.2', 80]])] });
    await c.none();
  });

  it('quarantines a NACKed resource until its content changes', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.Cluster });
    ack(c, await c.next());
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 7 } }), cluster('b')] });
    const r = await c.next();
    c.send({ type_url: T.Cluster, response_nonce: r.nonce, error_detail: { code: 3, message: 'no' } });
    await c.none();
    expect(nacks).toEqual(['a']);
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 7 } }), cluster('b', { connect_timeout: { seconds: 2 } })] });
    const r2 = await c.next();
    expect(r2.resources.map((x) => x.name)).toEqual(['b']);
    ack(c, r2);
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 8 } }), cluster('b', { connect_timeout: { seconds: 2 } })] });
    expect((await c.next()).resources.map((x) => x.name)).toEqual(['a']);
  });

  it('announces the removal of a subscribed resource once, not again after the ACK', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['b'] });
    ack(c, await c.next());
    h.set('p1', { ...base(), [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const r = await c.next();
    expect([r.resources, r.removed]).toEqual([[], ['b']]);
    ack(c, r);
    // The next response answers a new subscription; a repeated removal would come first or with it.
    c.send({ type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
    const r2 = await c.next();
    expect([r2.resources.map((x) => x.name), r2.removed]).toEqual([['a'], []]);
  });

  it('announces a removal once even when the response carrying it is NACKed', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.Cluster });
    ack(c, await c.next());
    h.set('p1', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 4 } })] });
    const r = await c.next();
    expect([r.resources.map((x) => x.name), r.removed]).toEqual([['a'], ['b']]);
    c.send({ type_url: T.Cluster, response_nonce: r.nonce, error_detail: { code: 3, message: 'a: bad' } });
    c.send({ type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a'] });
    const r2 = await c.next();
    expect([r2.type_url, r2.removed]).toEqual([T.ClusterLoadAssignment, []]);
  });

  it('serves delta on the per-type endpoint service', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true, service: 'eds' });
    c.send({ node: node('p1'), resource_names_subscribe: ['b'] });
    expect((await c.next()).resources.map((x) => x.name)).toEqual(['b']);
  });
});

describe('encode once', () => {
  it('encodes each resource version once however many streams receive it', async () => {
    const snapshot = base();
    for (let i = 0; i < 30; i++) h.set(`p${i}`, snapshot);
    const clients = Array.from({ length: 30 }, (_, i) => {
      const c = h.open({ delta: i % 2 === 0 });
      c.send({ node: node(`p${i}`), type_url: T.Cluster });
      return c;
    });
    for (const c of clients) expect((await c.next()).resources).toHaveLength(2);
    expect(h.encoder.encodeCount).toBe(4);
  });
});
