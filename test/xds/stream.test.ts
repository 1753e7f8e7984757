/**
 * The stream lifecycle and the SotW/delta state machines over a fake transport: no gRPC, no
 * timing. "Nothing was sent" is checked once the stream has settled.
 */
import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { Subscription } from '../../src/xds/subscription.js';
import { T, fakeNode, fakeServer, kind, names } from './fake.js';
import { cluster, endpoints } from './resources.js';

const base = () => ({ [T.Cluster]: [cluster('a'), cluster('b')], [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])] });

describe('SotW state machine', () => {
  it('sends the complete cluster set once and nothing after the ACK', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    const r = await c.one();
    expect(names(r)).toEqual(['a', 'b']);
    c.ack(r);
    await c.none();
  });

  it('sends nothing for a new snapshot with identical content', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    c.ack(await c.one());
    s.set('p', base());
    await c.none();
  });

  it('waits for a snapshot instead of sending an empty configuration', async () => {
    const s = fakeServer();
    const c = s.open();
    c.send({ node: fakeNode('late'), type_url: T.Cluster });
    await c.none();
    s.set('late', base());
    expect(names(await c.one())).toEqual(['a', 'b']);
  });

  it('answers a reconnecting client that already holds the current version with nothing', async () => {
    const s = fakeServer();
    s.set('p', base());
    const first = s.open();
    first.send({ node: fakeNode('p'), type_url: T.Cluster });
    const r = await first.one();
    const again = s.open();
    again.send({ node: fakeNode('p'), type_url: T.Cluster, version_info: r.version_info });
    await again.none();
  });

  it('does not resend endpoints after a NACK until their content changes', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
    c.nack(await c.one(), 'bad endpoints', ['a']);
    s.set('p', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 3 } })] });
    await c.none();
    s.set('p', { ...base(), [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.9', 80]])] });
    expect(names(await c.one())).toEqual(['a']);
  });
});

describe('delta state machine', () => {
  it('sends only what changed, and removals by name, each once', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open({ delta: true });
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    c.ack(await c.one());
    s.set('p', { ...base(), [T.Cluster]: [cluster('a', { connect_timeout: { seconds: 7 } })] });
    const r = await c.one();
    expect([names(r), r.removed]).toEqual([['a'], ['b']]);
    c.ack(r);
    await c.none();
  });

  it('announces a subscribed name that does not exist once', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open({ delta: true, fixedType: T.ClusterLoadAssignment });
    c.send({ node: fakeNode('p'), resource_names_subscribe: ['a', 'nope'] });
    const r = await c.one();
    expect([names(r), r.removed]).toEqual([['a'], ['nope']]);
    c.ack(r);
    await c.none();
  });
});

describe('stream lifecycle over the transport seam', () => {
  it('coalesces snapshot changes made in one turn into one response carrying the last', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    c.ack(await c.one());
    for (const n of ['c', 'd', 'e']) s.set('p', { [T.Cluster]: [cluster(n)] });
    const out = await c.take();
    expect(out.map(names)).toEqual([['e']]);
  });

  it('writes nothing while the transport buffer is full and sends the latest state on drain', async () => {
    const s = fakeServer();
    s.set('p', base());
    const c = s.open();
    c.room = false;
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    const r = await c.one();
    s.set('p', { [T.Cluster]: [cluster('c')] });
    s.set('p', { [T.Cluster]: [cluster('d')] });
    c.ack(r);
    await c.none();
    c.room = true;
    c.drain();
    expect(names(await c.one())).toEqual(['d']); // not the stale intermediate "c"
  });

  it('queues requests sent while authentication is pending and applies them in order once bound', async () => {
    let asked!: (admit: () => void) => void;
    const hookCalled = new Promise<() => void>((r) => (asked = r));
    const s = fakeServer({ authenticate: ({ node }) => new Promise((resolve) => asked(() => resolve({ ok: true, key: node.id }))) });
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    c.send({ type_url: T.ClusterLoadAssignment, resource_names: ['b'] });
    const admit = await hookCalled;
    expect(c.stream.key).toBeUndefined();
    admit();
    const out = await c.take();
    expect(out.map((r) => [kind(r), names(r)])).toEqual([['Cluster', ['a', 'b']], ['ClusterLoadAssignment', ['b']]]);
  });

  it('ends with the code the authentication hook chose, and sends nothing', async () => {
    const s = fakeServer({ authenticate: () => ({ ok: false, code: status.PERMISSION_DENIED, message: 'not you' }) });
    s.set('p', base());
    const c = s.open();
    c.send({ node: fakeNode('p'), type_url: T.Cluster });
    await c.none();
    expect(c.ended).toEqual({ code: status.PERMISSION_DENIED, message: 'not you' });
  });

  it('ends a stream whose first request carries no node with INVALID_ARGUMENT', async () => {
    const c = fakeServer().open();
    c.send({ type_url: T.Cluster });
    expect(c.ended?.code).toBe(status.INVALID_ARGUMENT);
  });

  it('ends a request over a limit with RESOURCE_EXHAUSTED before applying it', async () => {
    const c = fakeServer({ limits: { maxNamesPerRequest: 2 } }).open();
    c.send({ node: fakeNode('p'), type_url: T.ClusterLoadAssignment, resource_names: ['a', 'b', 'c'] });
    expect(c.ended?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(c.stream.types()).toEqual([]);
  });
});

describe('subscription', () => {
  const cases: [string, string[][], boolean[]][] = [
    ['legacy wildcard stays on empty lists', [[], []], [false, false]],
    ['naming a resource after wildcard shrinks it', [[], ['a']], [false, true]],
    ['dropping a name shrinks it', [['a', 'b'], ['a']], [false, true]],
    ['adding a name does not', [['a'], ['a', 'b']], [false, false]],
    ['replacing a name does', [['a'], ['b']], [false, true]],
  ];
  it.each(cases)('%s', (_name, requests, shrank) => {
    const sub = new Subscription(T.Cluster);
    expect(requests.map((names) => sub.applySotw(names))).toEqual(shrank);
  });
});
