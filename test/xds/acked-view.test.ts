/**
 * What weft reports as ACKed per stream (status, CSDS) follows the client's subscription
 * (issue 12 D6): a resource the client unsubscribed from is no longer held by it.
 */
import { describe, expect, it } from 'vitest';
import { T, fakeNode, fakeServer, names } from './fake.js';
import { cluster, endpoints } from './resources.js';

const two = () => ({ [T.Cluster]: [cluster('a'), cluster('b')], [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])] });
const ackedEds = (s: { types(): readonly { typeUrl: string; acked: ReadonlyMap<string, string> }[] }) =>
  [...(s.types().find((t) => t.typeUrl === T.ClusterLoadAssignment)?.acked.keys() ?? [])].sort();

describe('ACKed view', () => {
  it('drops endpoints a SotW client no longer subscribes to, even when the shrinking request ACKs a response carrying them', async () => {
    const s = fakeServer();
    s.set('p', two());
    const c = s.open({ fixedType: T.ClusterLoadAssignment });
    c.send({ node: fakeNode('p'), resource_names: ['a', 'b'] });
    const r = await c.one();
    c.ack(r, ['a']);
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a']);
  });

  it('forgets endpoints a SotW client drops after ACKing them, and sends them again when it subscribes again', async () => {
    const s = fakeServer();
    s.set('p', two());
    const c = s.open({ fixedType: T.ClusterLoadAssignment });
    c.send({ node: fakeNode('p'), resource_names: ['a', 'b'] });
    const r = await c.one();
    c.ack(r, ['a', 'b']);
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a', 'b']);
    c.send({ resource_names: ['a'], version_info: r.version_info, response_nonce: r.nonce }); // as Envoy: same nonce, fewer names
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a']);
    c.send({ resource_names: ['a', 'b'], version_info: r.version_info, response_nonce: r.nonce });
    expect(names(await c.one())).toEqual(['b']);
  });

  it('does not record an ACK for a resource the client dropped before answering', async () => {
    const s = fakeServer();
    s.set('p', two());
    const c = s.open({ fixedType: T.ClusterLoadAssignment });
    c.send({ node: fakeNode('p'), resource_names: ['a', 'b'] });
    const r = await c.one();
    c.send({ resource_names: ['a'], response_nonce: 'not-yet' }); // shrinks first (stale nonce)
    c.ack(r, ['a']);
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a']);
  });

  it('drops endpoints a delta client unsubscribes from', async () => {
    const s = fakeServer();
    s.set('p', two());
    const c = s.open({ delta: true, fixedType: T.ClusterLoadAssignment });
    c.send({ node: fakeNode('p'), resource_names_subscribe: ['a', 'b'] });
    c.ack(await c.one());
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a', 'b']);
    c.send({ resource_names_unsubscribe: ['b'] });
    await c.none();
    expect(ackedEds(c.stream)).toEqual(['a']);
  });

  it('keeps every cluster of a wildcard subscriber', async () => {
    const s = fakeServer();
    s.set('p', two());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    c.ack(await c.one());
    await c.none();
    expect([...c.stream.types()[0]!.acked.keys()]).toEqual(['a', 'b']);
  });
});
