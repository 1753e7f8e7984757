import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicySource, Reconciler, memoryLogger, type CertificateSource } from '../../src/controlplane/index.js';
import type { Diagnostic } from '../../src/policy/index.js';
import type { RegistryChange, RegistrySource, ServiceRegistry } from '../../src/discovery/index.js';
import { ResourceEncoder, SnapshotCache, TypeUrl, type NodeInfo, type StreamInfo } from '../../src/xds/index.js';
import { canaryYaml, meshYaml } from './mesh.js';

/** A registry source the test drives by hand. */
class FakeRegistry implements RegistrySource {
  readonly kind = 'static' as const;
  synced = false;
  private registry: ServiceRegistry = { version: 'empty', services: new Map() };
  private readonly changeListeners: ((c: RegistryChange) => void)[] = [];
  private readonly errorListeners: ((d: readonly Diagnostic[]) => void)[] = [];
  private release!: () => void;
  private readonly started = new Promise<void>((r) => (this.release = r));
  private markAsked!: () => void;
  /** Resolves when the reconciler has called `start()` (and so waits for the initial sync). */
  readonly asked = new Promise<void>((r) => (this.markAsked = r));
  current() { return this.registry; }
  start() { this.markAsked(); return this.started; }
  async stop() {}
  onChange(l: (c: RegistryChange) => void) { this.changeListeners.push(l); return () => undefined; }
  onError(l: (d: readonly Diagnostic[]) => void) { this.errorListeners.push(l); return () => undefined; }
  sync(endpoints: string[]) { this.set(endpoints); this.synced = true; this.release(); }
  /** `endpoints` are addresses, each optionally `@<zone>`. */
  set(endpoints: string[]) {
    const echo = Object.freeze({
      key: 'echo.default', name: 'echo', namespace: 'default', hostname: 'echo.default.svc.cluster.local', serviceAccount: 'echo',
      ports: [{ name: 'grpc', port: 50051, targetPort: 50051, protocol: 'grpc' as const }],
      endpoints: endpoints.map((e, i) => {
        const [address, zone] = e.split('@') as [string, string | undefined];
        return { address, labels: { version: i % 2 ? 'v2' : 'v1' }, health: 'healthy' as const, ...(zone ? { zone } : {}) };
      }),
    });
    this.registry = { version: endpoints.join(','), services: new Map([['echo.default', echo]]) };
    for (const l of this.changeListeners) l({ registry: this.registry, changed: new Set(['echo.default']) });
  }
  fail() { for (const l of this.errorListeners) l([{ code: 'WEFT1001', severity: 'error', message: 'truncated', path: 'services[0]', source: { file: 'registry.yaml', line: 3, col: 5 } }]); }
}

const noCerts: CertificateSource = { certificate: () => undefined, bundle: () => ({ pems: [], sequence: 1 }), onRotate: () => undefined, release: () => undefined };

async function setup() {
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-rec-'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'mesh.yaml'), meshYaml());
  await writeFile(path.join(dir, 'echo.yaml'), canaryYaml(90, 10));
  const registry = new FakeRegistry();
  const cache = new SnapshotCache();
  const merges: number[] = [];
  const policyLoads: ((ok: boolean) => void)[] = [];
  /** Resolves with the outcome of the next policy load (the watch saw a file change and it was read). */
  const nextPolicyLoad = () => new Promise<boolean>((r) => policyLoads.push(r));
  const log = memoryLogger();
  const rec = new Reconciler({
    policy: new PolicySource(dir), registry, cache: new SnapshotCache(), plaintextCache: cache, encoder: new ResourceEncoder(), certificates: noCerts,
    trustDomain: 'cluster.local', log, debounce: { quietMs: 30, maxMs: 300 }, hooks: { onMerge: (n) => merges.push(n), onPolicyLoad: (ok) => policyLoads.splice(0).forEach((l) => l(ok)) },
  });
  const node: NodeInfo = { id: 'client-1', cluster: '', metadata: { namespace: 'default', service_account: 'client' }, userAgentName: 'gRPC Node Pure JS', userAgentVersion: '' };
  const stream = { id: 1, service: 'ads', delta: false, peer: 'test', openedAt: 0, secure: false, node, types: () => [] } as unknown as StreamInfo & { key?: string; principal?: unknown };
  const auth = rec.authenticate({ stream, node }, 'plaintext');
  if (!auth.ok) throw new Error(auth.message);
  stream.key = auth.key;
  stream.principal = auth.principal;
  rec.streamBound(stream);
  const endpointsOf = () => [...new Set(cache.get(auth.key)?.get(TypeUrl.ClusterLoadAssignment).list.flatMap((r) => JSON.stringify(r.message).match(/10\.0\.0\.\d+/g) ?? []) ?? [])];
  return { dir, rec, registry, cache, key: auth.key, merges, log, endpointsOf, nextPolicyLoad };
}

describe('reconciler', () => {
  it('publishes nothing until the registry has synced, then the full configuration', async () => {
    const t = await setup();
    const started = t.rec.start();
    await t.registry.asked;
    expect(t.cache.get(t.key)).toBeUndefined();
    expect(t.rec.ready).toBe(false);
    t.registry.sync(['10.0.0.1', '10.0.0.2']);
    await started;
    expect(t.rec.ready).toBe(true);
    expect(t.endpointsOf().sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    t.rec.stop();
  });

  it('merges a burst of registry changes into one rebuild', async () => {
    const t = await setup();
    t.registry.sync(['10.0.0.1']);
    await t.rec.start();
    for (let i = 2; i <= 6; i++) t.registry.set(['10.0.0.1', `10.0.0.${i}`]);
    await t.rec.settled();
    expect(t.merges).toEqual([5]);
    expect(t.endpointsOf()).toContain('10.0.0.6');
    t.rec.stop();
  });

  it('keeps serving the last good policy when a change is invalid, and reports it with its location', async () => {
    const t = await setup();
    t.registry.sync(['10.0.0.1', '10.0.0.2']);
    await t.rec.start();
    const before = t.cache.get(t.key);
    const loaded = t.nextPolicyLoad();
    await writeFile(path.join(t.dir, 'echo.yaml'), canaryYaml(90, 10).replace('subset: v2', 'subset: v9'));
    expect(await loaded).toBe(false);
    await t.rec.settled();
    expect(t.cache.get(t.key)).toBe(before);
    const d = t.rec.policyError!.diagnostics[0]!;
    expect(d.source?.file).toMatch(/echo\.yaml$/);
    expect(d.source?.line).toBe(7);
    expect(t.log.lines.some((l) => l.includes('serving the last good policy'))).toBe(true);
    t.rec.stop();
  });

  it('does not shrink the configuration when the registry source reports a failure', async () => {
    const t = await setup();
    t.registry.sync(['10.0.0.1', '10.0.0.2']);
    await t.rec.start();
    const before = t.cache.get(t.key);
    t.registry.fail();
    await t.rec.settled();
    expect(t.cache.get(t.key)).toBe(before);
    expect(t.endpointsOf().sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(t.log.lines.find((l) => l.includes('registry change rejected'))).toContain('registry.yaml:3:5 services[0]: error: truncated [WEFT1001]');
    t.rec.stop();
  });

  it('refuses a policy that changes the trust domain at runtime', async () => {
    const t = await setup();
    t.registry.sync(['10.0.0.1']);
    await t.rec.start();
    const loaded = t.nextPolicyLoad();
    await writeFile(path.join(t.dir, 'mesh.yaml'), meshYaml().replace('cluster.local', 'other.example'));
    expect(await loaded).toBe(false);
    await t.rec.settled();
    expect(t.rec.policyError?.diagnostics[0]?.code).toBe('WEFT6001');
    t.rec.stop();
  });

  it('logs each accepted policy\'s warnings, its load\'s and those against the registry, and keeps them for the admin API', async () => {
    const t = await setup();
    // A Mesh locality block over echo, whose endpoints are in two zones and which (no
    // TrafficPolicy) has no outlier detection: a warning found against the registry.
    await writeFile(path.join(t.dir, 'mesh.yaml'), `${meshYaml()}locality: { enabled: true }\n`);
    await rm(path.join(t.dir, 'echo.yaml'));
    t.registry.sync(['10.0.0.1@a', '10.0.0.2@b']);
    await t.rec.start();
    const where = (d: Diagnostic) => `${d.code} ${path.basename(d.source!.file)}:${d.source!.line}:${d.source!.col}`;
    expect(t.rec.policyWarnings.map(where)).toEqual(['WEFT2083 mesh.yaml:4:11']);
    expect(t.rec.policyWarnings[0]!.severity).toBe('warning');
    const logged = () => t.log.lines.filter((l) => l.includes('policy warning'));
    expect(logged()).toHaveLength(1);
    expect(logged()[0]).toContain('mesh.yaml:4:11');
    // echo gets a TrafficPolicy without outlier detection: now the load itself warns, at its document.
    const loaded = t.nextPolicyLoad();
    await writeFile(path.join(t.dir, 'echo.yaml'), canaryYaml(90, 10));
    expect(await loaded).toBe(true);
    expect(t.rec.policyWarnings.map(where)).toEqual(['WEFT2083 echo.yaml:1:1']);
    expect(logged()).toHaveLength(2);
    expect(logged()[1]).toContain('echo.yaml:1:1');
    expect(t.rec.policyLoadedAt).toBeGreaterThan(0);
    t.rec.stop();
  });
});

describe('plaintext identity claims', () => {
  it('refuses node metadata that does not form a workload identity', async () => {
    const t = await setup();
    const node: NodeInfo = { id: 'odd', cluster: '', metadata: { namespace: 'a/b', service_account: 'x' }, userAgentName: 'envoy', userAgentVersion: '' };
    const stream = { id: 2, service: 'ads', delta: false, peer: 'test', openedAt: 0, secure: false, node, types: () => [] } as unknown as StreamInfo;
    const r = t.rec.authenticate({ stream, node }, 'plaintext');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/not a workload identity/);
  });
});
