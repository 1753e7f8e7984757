/**
 * Issue 10 #4: what one stream can make the server keep or do is bounded. Hostile clients are real
 * grpc-js streams against a real XdsServer; each test also shows an honest stream still served.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { PLAINTEXT_XDS_LIMITS, ResourceEncoder, ResourceSet, SUBSET_MEMO_MAX_ENTRIES, SUBSET_MEMO_MAX_WEIGHT, XdsServer, type NackInfo, type XdsServerOptions } from '../../src/xds/index.js';
import { Signals, T, endpoints, node, startServer } from './harness.js';
import { checkRequestNames, resolveLimits } from '../../src/xds/limits.js';

type Harness = Awaited<ReturnType<typeof startServer>>;
let h: Harness | undefined;
afterEach(() => h?.stop());

const closed: { id: number; code: number }[] = [];
/** Notified when a stream closes, so tests wait on the event, not on time. */
const signals = new Signals();
async function serve(opts: XdsServerOptions = {}): Promise<Harness> {
  closed.length = 0;
  h = await startServer({ ...opts, callbacks: { ...opts.callbacks, onStreamClose: (s, r) => (closed.push({ id: s.id, code: r.code }), signals.notify()) } });
  return h;
}

const Req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const raw = (b: Buffer) => b;

/** A client that sends one EDS request and counts responses without decoding them (cheap). */
function attack(hh: Harness, names: string[]): Promise<void> {
  const call = hh.grpcClient.makeBidiStreamRequest('/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources', raw, raw);
  const req = Req.fromObject({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: names });
  return new Promise((resolve, reject) => {
    call.on('data', () => (call.end(), resolve()));
    call.on('error', () => undefined);
    call.on('status', (s) => reject(new Error(`attack stream ended: ${s.code} ${s.details}`)));
    call.write(Buffer.from(Req.encode(req).finish()));
  });
}

/** An honest EDS subscriber of `a`: gets it now and again after it changes. */
async function honest(hh: Harness) {
  const c = hh.open();
  c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
  const r = await c.next();
  c.ack(r, ['a']);
  return {
    async stillServed(): Promise<void> {
      hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.9.9.9', 80]])] });
      const r2 = await c.next();
      expect(r2.resources.map((x) => x.name)).toEqual(['a']);
    },
  };
}

const memoOf = (hh: Harness) => hh.server.cache.get('p1')!.get(T.ClusterLoadAssignment).memoStats;

describe('the shared subset memo', () => {
  it('keeps only resources that exist, whatever the names sent: 101 streams of 10k names', async () => {
    const hh = await serve();
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    for (let i = 0; i < 101; i++) await attack(hh, ['a', ...Array.from({ length: 10_000 }, (_, j) => `junk-${i}-${j}`)]);
    // One entry per distinct list, each holding one resource: the names sent are not kept.
    expect(memoOf(hh)).toEqual({ entries: 101, weight: 202 });
  });

  it('stays under its weight bound when every distinct list names thousands of real resources', async () => {
    const hh = await serve();
    const real = Array.from({ length: 3_000 }, (_, i) => endpoints(`c${i}`, []));
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), ...real] });
    const check = await honest(hh);
    for (let i = 0; i < 101; i++) await attack(hh, [...real.map((r) => r.name), ...Array.from({ length: 7_000 }, (_, j) => `junk-${i}-${j}`)]);
    const { entries, weight } = memoOf(hh);
    expect(weight).toBeLessThanOrEqual(SUBSET_MEMO_MAX_WEIGHT);
    expect(entries).toBeLessThan(101);
    expect(entries).toBeLessThanOrEqual(SUBSET_MEMO_MAX_ENTRIES);
    await check.stillServed();
  });

  it('evicts the least recently used subset past its entry bound', () => {
    const set = new ResourceSet(T.ClusterLoadAssignment, [new ResourceEncoder().encode(T.ClusterLoadAssignment, 'a', endpoints('a', []).message)]);
    const first = set.subset('key-0', ['a']);
    const second = set.subset('key-1', ['a', 'x1']);
    for (let i = 2; i <= SUBSET_MEMO_MAX_ENTRIES + 10; i++) {
      set.subset(`key-${i}`, ['a', `x${i}`]);
      expect(set.subset('key-0', ['a'])).toBe(first); // used again: never the oldest
    }
    expect(set.memoStats).toEqual({ entries: SUBSET_MEMO_MAX_ENTRIES, weight: 2 * SUBSET_MEMO_MAX_ENTRIES });
    expect(set.subset('key-1', ['a', 'x1'])).not.toBe(second); // evicted, computed again
  });
});

describe('per-stream limits', () => {
  it('ends a request over the plaintext name limit with RESOURCE_EXHAUSTED and keeps serving others', async () => {
    const hh = await serve({ limits: PLAINTEXT_XDS_LIMITS });
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const check = await honest(hh);
    const bad = hh.open();
    bad.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: Array.from({ length: PLAINTEXT_XDS_LIMITS.maxNamesPerRequest + 1 }, (_, i) => `n${i}`) });
    const s = await bad.ended();
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.details).toBe('a EDS request carried 4097 resource names; this port accepts at most 4096 per request (limits.maxNamesPerRequest)');
    await check.stillServed();
    expect(hh.server.streams()).toHaveLength(1);
  });

  it('refuses a request over maxRequestBytes before reading it, and forgets its stream', async () => {
    const hh = await serve({ limits: { maxRequestBytes: 64 * 1024 } });
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const check = await honest(hh);
    const bad = hh.open();
    bad.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['x'.repeat(100 * 1024)] });
    const s = await bad.ended();
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.details).toMatch(/larger than max \(\d+ vs\.? 65536\)/);
    await check.stillServed();
    await signals.until(() => hh.server.streams().length === 1, 'the refused stream to be released');
    expect(closed).toHaveLength(1);
  });

  it('finishes the call of a client that half-closes, so its stream state is released', async () => {
    const hh = await serve();
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const c = hh.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
    await c.next();
    c.close();
    expect((await c.ended()).code).toBe(grpc.status.OK);
    expect(hh.server.streams()).toEqual([]);
  });

  it('ends a delta stream whose subscriptions accumulate past maxSubscribedNames', async () => {
    const hh = await serve({ limits: { maxSubscribedNames: 10 } });
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const c = hh.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names_subscribe: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const r = await c.next();
    c.send({ type_url: T.ClusterLoadAssignment, response_nonce: r.nonce, resource_names_subscribe: ['g', 'h', 'i', 'j', 'k'] });
    const s = await c.ended();
    expect([s.code, s.details]).toEqual([grpc.status.RESOURCE_EXHAUSTED, 'this stream subscribes to 11 EDS names; this port allows at most 10 per type (limits.maxSubscribedNames)']);
  });

  it('refuses a resource name longer than maxNameBytes', async () => {
    const hh = await serve({ limits: { maxNameBytes: 100 } });
    const c = hh.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['é'.repeat(51)] });
    const s = await c.ended();
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(s.details).toMatch(/^a EDS resource name of 102 bytes exceeds 100 \(limits.maxNameBytes\)/);
  });

  it('walks a frozen name list once per limits: another port\'s smaller limit still refuses it', () => {
    const list = Object.freeze(['é'.repeat(51)]);
    const roomy = resolveLimits({ maxNameBytes: 200 });
    checkRequestNames(T.ClusterLoadAssignment, [list], roomy);
    checkRequestNames(T.ClusterLoadAssignment, [list], roomy);
    expect(() => checkRequestNames(T.ClusterLoadAssignment, [list], resolveLimits({ maxNameBytes: 100 }))).toThrow(/resource name of 102 bytes exceeds 100/);
  });

  it('ends a stream that floods requests while its authentication is pending', async () => {
    const hh = await serve({ authenticate: () => new Promise(() => undefined) });
    const c = hh.open();
    for (let i = 0; i < 66; i++) c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: [`n${i}`] });
    const s = await c.ended();
    expect([s.code, s.details]).toEqual([grpc.status.RESOURCE_EXHAUSTED, 'more than 64 requests arrived before the stream was authenticated']);
  });

  it('stores a NACK message truncated to maxErrorDetailBytes, whole characters only, with its length', async () => {
    const nacks: NackInfo[] = [];
    const hh = await serve({ callbacks: { onNack: (_s, _t, n) => nacks.push(n) } });
    hh.set('p1', { [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]])] });
    const c = hh.open();
    c.send({ node: node('p1'), type_url: T.ClusterLoadAssignment, resource_names: ['a'] });
    c.nack(await c.next(), '€'.repeat(1_000_000), ['a']);
    await hh.settled(); // the server handled the NACK
    const n = nacks[0]!;
    expect([n.message.length, Buffer.byteLength(n.message), n.messageBytes, n.truncated]).toEqual([1365, 4095, 3_000_000, true]);
    expect(hh.server.streams()[0]!.types()[0]!.lastNack!.message).toBe(n.message);
  });

  it('rejects limits that are not positive integers when the server is built', () => {
    expect(() => new XdsServer({ limits: { maxNamesPerRequest: 0 } })).toThrow('XdsServerOptions.limits.maxNamesPerRequest must be a positive integer, got 0');
  });
});
