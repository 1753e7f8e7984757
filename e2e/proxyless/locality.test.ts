/**
 * Locality-aware load balancing on a real proxyless gRPC client (grpc-js-xds): weft sends it the
 * same EDS priorities as Envoy (docs/policy.md "Locality"), and gRPC's priority policy does the
 * rest. The client runs in r1/a (its bootstrap's node locality); details has two replicas in zone a
 * and two in zone b (registry localities) and outlier detection, so the default applies: calls stay
 * in zone a, move to zone b when zone a's process stops, and come back when it serves again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failures } from '../../scripts/mesh/driver.js';
import { Children, type Child } from '../../scripts/mesh/children.js';
import { Driver } from '../../scripts/mesh/driver.js';
import { freePorts, target, writeMeshDir, type MeshDir } from '../../scripts/mesh/mesh-files.js';
import { converged, nodeBootstrap, startMeshWeft } from '../../scripts/mesh/weft.js';
import { tally } from '../../scripts/mesh/wire.js';
import { until } from '../envoy/http.js';
import type { RunningWeft } from '../../src/cli/run.js';

const DETAILS = target('details');
const POLICY = { 'mesh.yaml': 'kind: Mesh\nmtls: disabled\n', 'details.yaml': 'kind: TrafficPolicy\nservice: details.default\noutlierDetection: { consecutive5xx: 3, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100 }\n' };

let dir: MeshDir;
let source: string;
/** A policy source with nothing in it (the example mesh's files name services not in this registry). */
const emptyDir = async () => (source = await mkdtemp(path.join(tmpdir(), 'weft-locality-policy-')));
let weft: RunningWeft;
let driver: Driver;
let ports: number[];
const children = new Children();
let zoneA: Child<unknown>;

const inZone = (t: Record<string, number>, zone: 'a' | 'b') => Object.entries(t).filter(([k]) => k.startsWith(`details-${zone}`)).reduce((n, [, v]) => n + v, 0);

beforeAll(async () => {
  ports = await freePorts(5);
  dir = await writeMeshDir([{ name: 'details', endpoints: [
    { port: ports[0]!, instance: 'details-a', region: 'r1', zone: 'a' }, { port: ports[1]!, instance: 'details-a-1', region: 'r1', zone: 'a' },
    { port: ports[2]!, instance: 'details-b', region: 'r1', zone: 'b' }, { port: ports[3]!, instance: 'details-b-1', region: 'r1', zone: 'b' },
  ] }], POLICY, await emptyDir());
  weft = await startMeshWeft(dir, { insecurePort: ports[4]! });
  const env = (await nodeBootstrap(weft, dir.root, { id: 'frontend', serviceAccount: 'frontend', locality: { region: 'r1', zone: 'a' } })).env;
  const [fe] = await Promise.all([
    children.start<{ port: number }>('frontend', 'frontend', {}, env),
    children.start('details-a', 'service', { name: 'details-a', ports: [ports[0]!, ports[1]!] }).then((c) => (zoneA = c)),
    children.start('details-b', 'service', { name: 'details-b', ports: [ports[2]!, ports[3]!] }),
  ]);
  driver = new Driver(fe!.info.port);
  // Channels are lazy: the frontend asks weft for config on its first call.
  await driver.run({ target: DETAILS, calls: 20, concurrency: 2 });
  await converged(weft, ['frontend']);
}, 90_000);

afterEach((ctx) => {
  const logs = ctx.task.result?.state === 'fail' ? children.stderrs() : '';
  if (logs) console.error(logs);
});

afterAll(async () => {
  driver?.close();
  await children.stopAll();
  await weft?.close();
  await dir?.remove();
  if (source) await rm(source, { recursive: true, force: true });
});

describe('proxyless gRPC: locality-aware load balancing', () => {
  it('keeps calls in the client\'s zone, fails over to the next zone when it stops, and comes back when it serves again', async () => {
    const steady = tally(await driver.run({ target: DETAILS, calls: 200, concurrency: 4 }));
    expect(inZone(steady, 'a')).toBe(200);
    expect(Math.min(steady['details-a'] ?? 0, steady['details-a-1'] ?? 0)).toBeGreaterThan(50);

    await zoneA.stop();
    // gRPC sees zone a's connections fail (TRANSIENT_FAILURE) and switches to the next priority.
    const moved = await until('calls in zone b', 30_000, async () => {
      const t = tally(await driver.run({ target: DETAILS, calls: 50, concurrency: 2 }));
      return inZone(t, 'b') === 50 ? t : undefined;
    });
    expect(inZone(moved, 'b')).toBe(50);
    expect(failures(await driver.run({ target: DETAILS, calls: 200, concurrency: 4 }))).toEqual([]);

    zoneA = await children.start('details-a', 'service', { name: 'details-a', ports: [ports[0]!, ports[1]!] });
    // Once zone a is READY again the priority policy prefers it (gRFC A56 priority: highest READY child).
    await until('calls back in zone a', 60_000, async () => (inZone(tally(await driver.run({ target: DETAILS, calls: 50, concurrency: 2 })), 'a') === 50 ? true : undefined));
    const back = await driver.run({ target: DETAILS, calls: 200, concurrency: 4 });
    expect(failures(back)).toEqual([]);
    expect(inZone(tally(back), 'a')).toBe(200);
  }, 150_000);
});
