/**
 * Issue 11 #11: a NACK of a state-of-the-world LDS/CDS response. Every response is the complete
 * set; after a NACK nothing is sent until something changes; only a resource the NACK can be told
 * to be about is quarantined (sotw.ts, rejected.ts).
 *
 * "Nothing was sent" is shown without waiting: a request for a type pushed later in the same
 * stream (LDS after CDS, RDS after LDS) is answered, and a response the NACK had caused would have
 * come before that answer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NackInfo } from '../../src/xds/index.js';
import { fakeServer } from './fake.js';
import { T, apiListener, cluster, endpoints, node, route } from './harness.js';

type Harness = ReturnType<typeof fakeServer>;
let h: Harness;
const nacks: NackInfo[] = [];

beforeEach(async () => {
  nacks.length = 0;
  h = fakeServer({ callbacks: { onNack: (_s, _t, n) => nacks.push(n) } });
});
afterEach(() => h.stop());

const names = (r: { resources: { name: string }[] }) => r.resources.map((x) => x.name);
const timeout = (s: number) => ({ connect_timeout: { seconds: s } });

function clusters(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}, more: ReturnType<typeof cluster>[] = []) {
  return {
    [T.Cluster]: [cluster('a', a), cluster('b', b), ...more],
    [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])],
    [T.Listener]: [apiListener('l1', 'r'), apiListener('l2', 'r')],
    [T.RouteConfiguration]: [route('r', 'svc', [['a', 1]])],
  };
}

/** Opens a CDS stream on `clusters()`, gets the first response and NACKs it with `message`. */
async function nackFirstClusters(message: string) {
  h.set('p1', clusters());
  const c = h.open();
  c.send({ node: node('p1'), type_url: T.Cluster });
  const r1 = await c.next();
  expect(names(r1)).toEqual(['a', 'b']);
  c.nack(r1, message);
  c.send({ type_url: T.Listener });
  expect((await c.next()).type_url).toBe(T.Listener); // no CDS response came first
  return c;
}

describe('NACK of a first state-of-the-world response', () => {
  it('sends no empty or partial cluster set, then the full set once a cluster changes', async () => {
    const c = await nackFirstClusters('Error adding/updating cluster(s): something is wrong');
    expect([nacks[0]!.names, nacks[0]!.quarantined]).toEqual([['a', 'b'], []]);
    h.set('p1', clusters({}, timeout(5)));
    const r2 = await c.next();
    expect(r2.type_url).toBe(T.Cluster);
    expect(names(r2)).toEqual(['a', 'b']);
    expect(r2.resources[1]!.value.connect_timeout).toEqual({ seconds: 5 });
  });

  it('sends no empty or partial listener set, then the full set once a listener changes', async () => {
    h.set('p1', clusters());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Listener });
    const r1 = await c.next();
    expect(names(r1)).toEqual(['l1', 'l2']);
    c.nack(r1, 'listener rejected');
    c.send({ type_url: T.RouteConfiguration, resource_names: ['r'] });
    expect((await c.next()).type_url).toBe(T.RouteConfiguration);
    h.set('p1', { ...clusters(), [T.Listener]: [apiListener('l1', 'r'), apiListener('l2', 'r2')] });
    const r2 = await c.next();
    expect([r2.type_url, names(r2)]).toEqual([T.Listener, ['l1', 'l2']]);
  });

  it('quarantines only the cluster an Envoy NACK names, and leaves it out until it changes', async () => {
    const c = await nackFirstClusters('Error adding/updating cluster(s) a: invalid connect_timeout');
    expect(nacks[0]!.quarantined).toEqual(['a']);
    h.set('p1', clusters({}, timeout(5)));
    const r2 = await c.next();
    expect(names(r2)).toEqual(['b']); // the client never held "a": leaving it out deletes nothing
    c.ack(r2);
    h.set('p1', clusters(timeout(7), timeout(5)));
    const r3 = await c.next();
    expect(names(r3)).toEqual(['a', 'b']);
    expect(r3.resources[0]!.value.connect_timeout).toEqual({ seconds: 7 });
  });

  it('quarantines the resource a gRPC NACK points at by its index in the response', async () => {
    const c = await nackFirstClusters('xDS response validation errors: [resource index 1: bad lb_policy]');
    expect(nacks[0]!.quarantined).toEqual(['b']);
    h.set('p1', clusters(timeout(3)));
    expect(names(await c.next())).toEqual(['a']);
  });
});

describe('NACK of a later state-of-the-world response', () => {
  it('keeps serving the rejected set when the NACK cannot be told apart, resending it only on a change', async () => {
    h.set('p1', clusters());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.ack(await c.next());
    h.set('p1', clusters(timeout(2), timeout(3)));
    const r2 = await c.next();
    c.nack(r2, 'something is wrong');
    c.send({ type_url: T.Listener });
    expect((await c.next()).type_url).toBe(T.Listener);
    h.set('p1', clusters(timeout(2), timeout(3), [cluster('c')]));
    const r3 = await c.next();
    expect(names(r3)).toEqual(['a', 'b', 'c']);
    expect(r3.resources.map((x) => x.value.connect_timeout)).toEqual([{ seconds: 2 }, { seconds: 3 }, { seconds: 1 }]);
  });

  it('serves the accepted version of the named cluster and the new version of the others', async () => {
    h.set('p1', clusters());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    c.ack(await c.next());
    h.set('p1', clusters(timeout(2), timeout(3)));
    c.nack(await c.next(), 'Error adding/updating cluster(s) b: bad, z: also bad');
    c.send({ type_url: T.Listener });
    expect((await c.next()).type_url).toBe(T.Listener);
    h.set('p1', clusters(timeout(2), timeout(3), [cluster('c')]));
    const r3 = await c.next();
    expect(r3.resources.map((x) => [x.name, x.value.connect_timeout])).toEqual([['a', { seconds: 2 }], ['b', { seconds: 1 }], ['c', { seconds: 1 }]]);
  });
});
