/**
 * The grpc-js transport (grpc-transport.ts, server.ts) with real gRPC: stream errors end only
 * their stream with the right status, per-type services, unary Fetch, and one full exchange.
 * Protocol semantics are tested on fake streams (sotw.test.ts, delta.test.ts, stream.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { T, cluster, endpoints, node, startServer } from './harness.js';

type Harness = Awaited<ReturnType<typeof startServer>>;
let h: Harness;

beforeEach(async () => {
  h = await startServer();
});
afterEach(() => h.stop());

const base = () => ({
  [T.Cluster]: [cluster('a'), cluster('b')],
  [T.ClusterLoadAssignment]: [endpoints('a', [['10.0.0.1', 80]]), endpoints('b', [['10.0.0.2', 80]])],
});

describe('over grpc-js', () => {
  it('sends the complete cluster set, nothing after the ACK, and the next change', async () => {
    h.set('p1', base());
    const c = h.open();
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r = await c.next();
    expect(r.resources.map((x) => x.name)).toEqual(['a', 'b']);
    c.ack(r);
    await c.none();
    h.set('p1', { ...base(), [T.Cluster]: [cluster('c')] });
    expect((await c.next()).resources.map((x) => x.name)).toEqual(['c']);
  });

  it('serves delta on ADS with removals by name', async () => {
    h.set('p1', base());
    const c = h.open({ delta: true });
    c.send({ node: node('p1'), type_url: T.Cluster });
    const r = await c.next();
    c.send({ type_url: T.Cluster, response_nonce: r.nonce });
    h.set('p1', { [T.Cluster]: [cluster('a')] });
    expect((await c.next()).removed).toEqual(['b']);
  });
});

describe('stream errors', () => {
  it('ends a stream whose first request has no node with INVALID_ARGUMENT, and only that stream', async () => {
    h.set('p1', base());
    const good = h.open();
    good.send({ node: node('p1'), type_url: T.Cluster });
    await good.next();
    const bad = h.open();
    bad.send({ type_url: T.Cluster });
    const s = await bad.ended();
    expect(s.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/node/);
    h.set('p1', { ...base(), [T.Cluster]: [cluster('c')] });
    expect((await good.next()).resources.map((r) => r.name)).toEqual(['c']);
  });

  it('rejects an unknown type URL and undecodable bytes with INVALID_ARGUMENT', async () => {
    const a = h.open();
    a.send({ node: node('p1'), type_url: 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig' });
    expect((await a.ended()).details).toMatch(/unsupported type_url/);
    const b = h.open();
    b.sendRaw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect((await b.ended()).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('refuses a type that a per-type service does not serve', async () => {
    const c = h.open({ service: 'cds' });
    c.send({ node: node('p1'), type_url: T.Listener });
    expect((await c.ended()).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('answers unary Fetch with UNIMPLEMENTED', async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      h.grpcClient.makeUnaryRequest('/envoy.service.cluster.v3.ClusterDiscoveryService/FetchClusters', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e) => resolve(e!));
    });
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('ends the stream with the code the authentication hook chose', async () => {
    await h.stop();
    h = await startServer({ authenticate: ({ node }) => (node.id === 'ok' ? { ok: true, key: 'ok' } : { ok: false, code: grpc.status.PERMISSION_DENIED, message: 'not you' }) });
    const c = h.open();
    c.send({ node: node('intruder'), type_url: T.Cluster });
    const s = await c.ended();
    expect([s.code, s.details]).toEqual([grpc.status.PERMISSION_DENIED, 'not you']);
  });
});

describe('per-type services', () => {
  it('serves clusters on the CDS service without a type URL in the request', async () => {
    h.set('p1', base());
    const c = h.open({ service: 'cds' });
    c.send({ node: node('p1') });
    expect((await c.next()).resources.map((r) => r.name)).toEqual(['a', 'b']);
  });
});
