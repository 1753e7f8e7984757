/**
 * Traffic management through weft as grpc-go's own xDS client sees it (e2e/grpc-go/policy):
 * weighted split, header routing, retries, timeouts, fault injection, ring hash, outlier
 * detection and a live policy edit. One grpc-go client node (`frontend`) makes every call; the
 * test only reads the summaries it prints. Backends are plain grpc-go servers, except `flaky`,
 * an xDS server (`xds.NewGRPCServer`) on its plaintext server Listener.
 *
 * Tolerances: the split picks a cluster at random per call, so the share of a backend with
 * weight p over n calls is binomial, sd = sqrt(p(1-p)/n); every share is asserted within 4 sd
 * (a false failure in about 1 in 16,000 assertions), the bound printed in the test name.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts, target, type ServiceSpec } from '../../scripts/mesh/mesh-files.js';
import { failed, share, type GoClient, type Summary } from './client.js';
import { MODULE_DIR, goMissingInCi, needsGo, scenario } from './go-binary.js';
import { GoMesh, guardRejections } from './mesh.js';

const ECHO = target('echo');
const tol = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);
const within = (s: Summary, backend: string, p: number) => expect(Math.abs(share(s, backend) - p)).toBeLessThanOrEqual(tol(p, s.calls));

function split(v1: number, v2: number): string {
  return `kind: TrafficPolicy
service: echo.default
subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }
routes:
  - match: { headers: { x-user: { exact: tester } } }
    backends: [{ subset: v3 }]
  - backends: [{ subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} }]
`;
}

function services(p: number[]): ServiceSpec[] {
  const replicas = (name: string, from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ port: p[from + i]!, instance: `${name}-${i}` }));
  return [
    { name: 'echo', endpoints: ['v1', 'v2', 'v3'].map((v, i) => ({ port: p[i]!, version: v, instance: `echo-${v}` })) },
    { name: 'flaky', targetPort: p[3], endpoints: [{ port: p[3]!, instance: 'flaky' }] },
    { name: 'slow', endpoints: [{ port: p[4]!, instance: 'slow' }] },
    { name: 'sticky', endpoints: replicas('sticky', 5, 4) },
    { name: 'details', endpoints: replicas('details', 9, 5) },
    { name: 'dual', targetPort: p[14], endpoints: [{ port: p[14]!, instance: 'dual' }] },
    { name: 'pinned', targetPort: p[15], endpoints: [{ port: p[15]!, instance: 'pinned' }] },
  ];
}

let mesh: GoMesh | undefined;
let fe: GoClient;
let ports: number[];

async function startMesh(): Promise<void> {
  const p = (ports = await freePorts(16));
  mesh = await GoMesh.start(services(p), path.join(MODULE_DIR, 'policy'));
  const m = mesh;
  await Promise.all([
    ...['v1', 'v2', 'v3'].map((v, i) => m.server({ name: `echo-${v}`, port: p[i]! })),
    m.server({ name: 'flaky', port: p[3]!, failRate: 0.3, xds: { serviceAccount: 'flaky', service: 'flaky.default' } }),
    m.server({ name: 'slow', port: p[4]!, delay: '300ms' }),
    ...[0, 1, 2, 3].map((i) => m.server({ name: `sticky-${i}`, port: p[5 + i]! })),
    ...[0, 1, 2, 3, 4].map((i) => m.server({ name: `details-${i}`, port: p[9 + i]!, failRate: i === 0 ? 1 : 0 })),
  ]);
  fe = await m.client('frontend', 'frontend');
  // A channel asks for its config on the first call: one call per target, then every node ACKs.
  for (const t of ['echo', 'flaky', 'slow', 'sticky', 'details']) await fe.run({ target: target(t), calls: 1 });
  await m.converged();
}

beforeAll(async () => {
  if (!needsGo) await startMesh();
}, 600_000);

afterAll(async () => {
  await mesh?.stop();
});

guardRejections(() => mesh);

describe('grpc-go traffic management through weft', () => {
  if (goMissingInCi) it('has a Go toolchain (CI=true: grpc-go interop must run)', () => expect.fail('no `go` on PATH'));

  scenario(`splits 80/20 over 2,000 calls within 4 sd (±${(tol(0.2, 2000) * 100).toFixed(1)} %)`, async () => {
    const s = await fe.run({ target: ECHO, calls: 2000, concurrency: 20 });
    expect(failed(s)).toBe(0);
    within(s, 'echo-v1', 0.8);
    within(s, 'echo-v2', 0.2);
    expect(s.backends['echo-v3']).toBeUndefined();
  });

  scenario('sends x-user: tester to v3 only, and the server sees the header', async () => {
    const marked = await fe.run({ target: ECHO, calls: 200, concurrency: 10, metadata: { 'x-user': 'tester' } });
    expect(marked.backends).toEqual({ 'echo-v3': 200 });
    expect(marked.echoed).toBe(200);
    const plain = await fe.run({ target: ECHO, calls: 200, concurrency: 10 });
    expect(plain.backends['echo-v3']).toBeUndefined();
  });

  scenario('turns a backend failing 30 % of calls into ≥ 99 % success with retries, about 70 % without', async () => {
    const retried = await fe.run({ target: target('flaky'), calls: 500, concurrency: 10, metadata: { 'x-retry': 'yes' } });
    expect(share(retried, 'flaky')).toBeGreaterThanOrEqual(0.99);
    expect(retried.retried).toBeGreaterThan(50); // about 0.3 × 500 calls were answered on a retry
    const bare = await fe.run({ target: target('flaky'), calls: 500, concurrency: 10 });
    expect(Math.abs(share(bare, 'flaky') - 0.7)).toBeLessThanOrEqual(tol(0.7, 500));
    expect(Object.keys(bare.codes).sort()).toEqual(['OK', 'Unavailable']);
    expect(bare.retried).toBe(0);
  });

  scenario('ends calls at the 100 ms route timeout on a 300 ms backend; other calls wait for it', async () => {
    const short = await fe.run({ target: target('slow'), calls: 20, concurrency: 20, metadata: { 'x-deadline': 'short' } });
    expect(short.codes).toEqual({ DeadlineExceeded: 20 });
    expect(short.latencyMs.max).toBeLessThan(280);
    const normal = await fe.run({ target: target('slow'), calls: 20, concurrency: 20 });
    expect(normal.codes).toEqual({ OK: 20 });
    expect(normal.latencyMs.p50).toBeGreaterThanOrEqual(300);
  });

  scenario(`delays about 50 % and aborts about 20 % of calls (400 calls, within 4 sd)`, async () => {
    const s = await fe.run({ target: ECHO, calls: 400, concurrency: 50, metadata: { 'x-fault': 'on' }, slowMs: 295 });
    expect(Object.keys(s.codes).sort()).toEqual(['Aborted', 'OK']);
    expect(Math.abs(s.codes.Aborted! / s.calls - 0.2)).toBeLessThanOrEqual(tol(0.2, 400));
    // The delay comes before the abort decision, so aborted calls are delayed at the same rate.
    expect(Math.abs(s.slow / s.calls - 0.5)).toBeLessThanOrEqual(tol(0.5, 400));
    expect(Object.keys(s.backends)).toEqual(['echo-v1']);
  });

  scenario('keeps every call of one hash key on one replica, and spreads eight keys over several', async () => {
    const seen = new Set<string>();
    for (const user of ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal']) {
      const s = await fe.run({ target: target('sticky'), calls: 40, concurrency: 4, metadata: { 'x-user': user } });
      expect(s.codes).toEqual({ OK: 40 });
      expect(Object.keys(s.backends)).toHaveLength(1);
      seen.add(Object.keys(s.backends)[0]!);
    }
    expect(seen.size).toBeGreaterThan(1); // all eight on one of four replicas: p = 4^-7
  });

  scenario('ejects the replica failing every call and moves its traffic to the healthy four', async () => {
    const DETAILS = target('details');
    let s = await fe.run({ target: DETAILS, calls: 200, concurrency: 10 });
    expect(failed(s)).toBeGreaterThan(0);
    // grpc-go ejects on its 1 s interval timer: batches until one sees no failure, for at most 20 s.
    const deadline = Date.now() + 20_000;
    while (failed(s) > 0 && Date.now() < deadline) s = await fe.run({ target: DETAILS, calls: 100, concurrency: 5, paceMs: 2 });
    expect(failed(s)).toBe(0);
    expect(Object.keys(s.backends).sort()).toEqual(['details-1', 'details-2', 'details-3', 'details-4']);
  });

  scenario(`follows a live edit from 80/20 to 20/80 with no failed call (±${(tol(0.2, 2000) * 100).toFixed(1)} % after)`, async () => {
    // Runs until stopped: 400 calls before the edit, and 400 more after every node ACKed it.
    const during = fe.run({ target: ECHO, calls: 1_000_000, concurrency: 10, paceMs: 1, progressEvery: 100 });
    await fe.progress(400);
    await mesh!.editPolicy('echo.yaml', split(20, 80));
    await fe.progress(fe.completed + 400);
    fe.stop();
    const s = await during;
    expect(failed(s)).toBe(0);
    expect(share(s, 'echo-v2')).toBeGreaterThan(0.2 + tol(0.2, s.calls)); // the new weights took over mid-batch
    const after = await fe.run({ target: ECHO, calls: 2000, concurrency: 20 });
    expect(failed(after)).toBe(0);
    within(after, 'echo-v1', 0.2);
    within(after, 'echo-v2', 0.8);
  });

  // grpc-go asks for the Listener of the address it listens on, and net.Listen("tcp", ":port")
  // (grpc-go's own examples) listens on [::]:port: weft names server Listeners for 0.0.0.0 and ::.
  scenario('gives an xDS server listening on [::]:<port> its Listener', async () => {
    const dual = await mesh!.server({ name: 'dual', port: ports[14]!, host: '[::]', xds: { serviceAccount: 'dual', service: 'dual.default' } });
    expect(await dual.first('MODE')).toEqual({ mode: 'SERVING' });
    const s = await fe.run({ target: target('dual'), calls: 10 });
    expect(s.backends).toEqual({ dual: 10 });
  });

  // A server bound to its instance IP (not a wildcard) asks for the Listener of that address.
  scenario('gives an xDS server listening on its instance IP its Listener', async () => {
    const pinned = await mesh!.server({ name: 'pinned', port: ports[15]!, host: '127.0.0.1', xds: { serviceAccount: 'pinned', service: 'pinned.default' } });
    expect(await pinned.first('MODE')).toEqual({ mode: 'SERVING' });
    const s = await fe.run({ target: target('pinned'), calls: 10 });
    expect(s.backends).toEqual({ pinned: 10 });
  });

  // gRPC hashes only headers and the channel id (gRFC A42), not connection_properties.source_ip:
  // for gRPC clients weft sends hashKey sourceIp as filter_state io.grpc.channel_id.
  scenario('keeps every call of one client on one replica with hashKey sourceIp', async () => {
    await mesh!.editPolicy('sticky.yaml', 'kind: TrafficPolicy\nservice: sticky.default\nloadBalancer: ring-hash\nhashKey: { sourceIp: true }\n');
    const s = await fe.run({ target: target('sticky'), calls: 40, concurrency: 4 });
    expect(s.codes).toEqual({ OK: 40 });
    expect(Object.keys(s.backends)).toHaveLength(1);
  });
});
