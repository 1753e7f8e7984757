/**
 * weft replicas on a real API server.
 *
 * The primitives they share: the CA root Secret created once (a create race has exactly one
 * winner, and every replica ends up with the winner's root), and the leader-election Lease (one
 * holder; renewal; takeover only after expiry or release; only the holder runs once-only tasks).
 * Each replica uses its own client, as separate processes would.
 *
 * The scenario (with a real Envoy): two `weft serve
 * --kubernetes --ca-secret weft-system/weft-ca --leader-election` processes, running under the
 * ServiceAccount of deploy/kubernetes/rbac.yaml, serve one mesh from the same API. Envoy's xDS
 * cluster has both as endpoints and it is connected to A, the leader. A is SIGKILLed (no release
 * of the Lease, no goodbye to the stream):
 *
 * - Envoy reconnects to B and is SYNCED there; the listeners and clusters it holds never shrink
 *   across the switch (sampled throughout, and Envoy's own listener_removed / cluster_removed
 *   counters do not move: a first push from B that lacked anything would have removed it). B's
 *   LDS and CDS are the full set at the very version A served (versions are content hashes, so
 *   the replicas built byte-identical configuration): B answers the reconnect with nothing new
 *   for them (sotw.ts) and with its own workload certificate over SDS;
 * - B leads once the Lease expires (3 s by B's clock): `weft_leader`, the Lease's holder, B
 *   writing the status of a route changed after A died, and B taking a root rotation step (into
 *   the Secret; the proxy then trusts both roots); before that B refused rotation (WEFT6110);
 * - both replicas issue workload certificates chained to the one root in the Secret: Envoy's
 *   certificate from A, then the one B issued, both verify against it.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseElector } from '../../src/controlplane/lease.js';
import { ensureRootSecret } from '../../src/controlplane/root-secret.js';
import { deployDir, loadObjects } from '../../test/deploy/manifests.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { envoyBin } from '../envoy/env.js';
import { until } from '../envoy/http.js';
import { freePort } from '../envoy/upstream.js';
import { GATEWAY_GROUP, installGatewayApiCrds } from './crds.js';
import { ReplicaProcess } from './replica-mesh.js';
import { NODE, ReplicaWorld } from './replica-scenario.js';

let kube: KubeApiServer;
let world: ReplicaWorld;
const electors: LeaseElector[] = [];
const replicas: ReplicaProcess[] = [];
const noEnvoy = envoyBin ? undefined : 'no Envoy binary (ENVOY_BIN)';

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
  world = new ReplicaWorld(kube, await mkdtemp(path.join(tmpdir(), 'weft-replicas-')));
  // The replica processes run under deploy/kubernetes/rbac.yaml's ServiceAccount.
  for (const { file: _f, ...obj } of loadObjects(path.join(deployDir, 'kubernetes', 'rbac.yaml')).objects) await kube.apply(obj as KubernetesObject);
  await writeFile(path.join(world.root, 'kubeconfig'), kube.kubeConfigFor(await kube.tokenFor('weft-system', 'weft'), kube.url, 'weft').exportConfig());
  await installGatewayApiCrds(kube);
}, 240_000);

afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  await world?.stop();
  await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
  await kube?.stop();
  if (world) await rm(world.root, { recursive: true, force: true });
}, 60_000);

function elector(namespace: string, identity: string, o: { now?: () => number } = {}): LeaseElector {
  const api = kube.kubeConfigFor().makeApiClient(CoordinationV1Api);
  const e = new LeaseElector({ api, namespace, name: 'weft-leader', identity, leaseDurationSeconds: 2, renewDeadlineMs: 1_500, retryMs: 200, ...o });
  electors.push(e);
  return e;
}

describe('weft replicas on a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('creates the CA root Secret once: of replicas racing, one create wins and all use its root', async () => {
    const ns = await kube.createNamespace('ca');
    const replicas = Array.from({ length: 4 }, () => kube.kubeConfigFor().makeApiClient(CoreV1Api));
    const results = await Promise.all(replicas.map((api) => ensureRootSecret({ api, namespace: ns, root: { trustDomain: 'cluster.local', now: Date.now() } })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.certPem)).size).toBe(1);
    expect(new Set(results.map((r) => r.keyPem)).size).toBe(1);
    const stored = await kube.core.readNamespacedSecret({ name: 'weft-ca-root', namespace: ns });
    expect(stored.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(stored.data!['tls.crt']!, 'base64').toString()).toBe(results[0]!.certPem);
    expect(new X509Certificate(results[0]!.certPem).ca).toBe(true);
    // A replica started later reads the same root and mints nothing.
    const later = await ensureRootSecret({ api: replicas[0]!, namespace: ns, root: { trustDomain: 'cluster.local', now: Date.now() } });
    expect(later).toEqual({ ...results[0]!, created: false });
  });

  kubeIt('elects exactly one holder of the Lease when replicas race for it', async () => {
    const ns = await kube.createNamespace('lease-race');
    const ids = ['weft-0', 'weft-1', 'weft-2'];
    const replicas = ids.map((id) => elector(ns, id));
    const won = await Promise.all(replicas.map((r) => r.tryAcquireOrRenew()));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = replicas[won.indexOf(true)]!;
    const lease = await kube.kubeConfigFor().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'weft-leader', namespace: ns });
    expect(lease.spec?.holderIdentity).toBe(ids[won.indexOf(true)]);
    // Renewing keeps it; the others still may not take it while it is fresh.
    expect(await holder.tryAcquireOrRenew()).toBe(true);
    for (const other of replicas.filter((r) => r !== holder)) expect(await other.tryAcquireOrRenew()).toBe(false);
    const ran = await Promise.all(replicas.map((r) => r.ifLeader(async () => 'status written')));
    expect(ran.filter((r) => r.ran)).toHaveLength(1);
  });

  kubeIt('hands over after the holder stops renewing (expiry by the follower\'s own clock) and at once on release', async () => {
    const ns = await kube.createNamespace('lease-expiry');
    let clock = 1_000_000;
    const a = elector(ns, 'weft-a', { now: () => clock });
    const b = elector(ns, 'weft-b', { now: () => clock });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock += 1_900; // a stopped renewing; b has seen the same record for 1.9 s < 2 s
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock += 200;
    expect(await b.tryAcquireOrRenew(), String((b.lastError as { body?: unknown })?.body ?? b.lastError)).toBe(true);
    const lease = await kube.kubeConfigFor().makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'weft-leader', namespace: ns });
    expect(lease.spec).toMatchObject({ holderIdentity: 'weft-b', leaseTransitions: 1 });
    // a comes back: its renewal finds b's record, so it stops leading.
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(changes).toEqual([false]);
    // b releases (a rolling update): a takes it on its next round, without waiting for expiry.
    await b.stop();
    expect(await a.tryAcquireOrRenew()).toBe(true);
  });
});

const verifies = (pem: string, rootPem: string) => new X509Certificate(pem).verify(new X509Certificate(rootPem).publicKey);
const sum = (stats: Map<string, number>, re: RegExp) => [...stats].filter(([k]) => re.test(k)).reduce((n, [, v]) => n + v, 0);

describe('weft replicas: the proxy survives the death of its replica', () => {
  if (!envoyBin && process.env.CI === 'true') it('has Envoy (CI=true: the replica scenario must run)', () => expect.fail('no Envoy binary'));

  it.skipIf(!!(needsKube ?? noEnvoy))(`SIGKILL of the replica Envoy is connected to: Envoy reconnects to the other, SYNCED, nothing shrinks; leadership and certificates follow${needsKube ?? noEnvoy ? ` (skipped: ${needsKube ?? noEnvoy})` : ''}`, async () => {
    const ns = await kube.createNamespace('mesh');
    await world.mesh(ns);
    const [portA, portB] = [await freePort(), await freePort()];
    const start = (identity: string, xdsPort: number) => ReplicaProcess.start({ identity, xdsPort, kubeconfig: path.join(world.root, 'kubeconfig'), policyDir: path.join(world.root, 'policy'), stateDir: path.join(world.root, identity), namespaces: [ns] });
    const a = await start('weft-a', portA);
    replicas.push(a);
    await until('A to lead', 20_000, async () => ((await a.metric('weft_leader')) === 1 ? true : undefined));
    await until(() => 'A to write the route status', 20_000, async () => ((await world.routeStatus(ns)) === 'generation 1, Accepted True@1' ? true : undefined));

    const proxy = await world.startEnvoy(ns, [portA, portB]);
    await until(() => `Envoy SYNCED on A\n${a.log()}`, 60_000, async () => ((await a.synced(NODE)) ? true : undefined));
    const b = await start('weft-b', portB);
    replicas.push(b);
    expect(await b.metric('weft_leader')).toBe(0);
    const refused = await b.json<{ error: { message: string } }>('/api/v1/ca/rotation', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"step":"begin"}' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/^WEFT6110: this replica does not lead/);

    const rootPem = Buffer.from((await kube.core.readNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system' })).data!['tls.crt']!, 'base64').toString();
    const before = await proxy.held();
    const statsBefore = await proxy.stats();
    const certA = (await proxy.secrets()).certificate;
    const onA = await a.proxyTypes(NODE);
    expect([onA.get('LDS')?.ackedVersion, onA.get('CDS')?.ackedVersion]).toEqual([before.lds, before.cds]);
    expect(before.listeners.length).toBeGreaterThan(0);
    expect(before.clusters.length).toBeGreaterThan(0);
    expect(certA && verifies(certA, rootPem)).toBe(true);

    // Kill A; sample what Envoy holds until B reports it SYNCED.
    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const samples: { listeners: number; clusters: number }[] = [];
    await until(() => `Envoy SYNCED on B\n${b.log()}`, 60_000, async () => {
      const h = await proxy.held();
      samples.push({ listeners: h.listeners.length, clusters: h.clusters.length });
      return (await b.synced(NODE)) ? true : undefined;
    });
    const switchMs = Date.now() - killedAt;
    const after = await proxy.held();
    const statsAfter = await proxy.stats();
    expect(after).toEqual(before);
    expect(Math.min(...samples.map((s) => s.listeners))).toBe(before.listeners.length);
    expect(Math.min(...samples.map((s) => s.clusters))).toBe(before.clusters.length);
    for (const c of ['listener_manager.listener_removed', 'cluster_manager.cluster_removed']) expect(statsAfter.get(c), c).toBe(statsBefore.get(c));
    expect(sum(statsAfter, /update_rejected$/)).toBe(sum(statsBefore, /update_rejected$/));
    const onB = await b.proxyTypes(NODE);
    expect([onB.get('LDS')?.ackedVersion, onB.get('CDS')?.ackedVersion]).toEqual([before.lds, before.cds]);
    expect(statsAfter.get('control_plane.connected_state')).toBe(1);

    // B issued its own workload certificate for the proxy, chained to the same root.
    const certB = await until('the certificate from B', 20_000, async () => {
      const c = (await proxy.secrets()).certificate;
      return c && c !== certA ? c : undefined;
    });
    expect(verifies(certB, rootPem)).toBe(true);
    expect(new X509Certificate(certB).serialNumber).not.toBe(new X509Certificate(certA!).serialNumber);

    // The Lease expires by B's clock; B leads and takes the once-only tasks.
    await until(() => `B to lead\n${b.log()}`, 20_000, async () => ((await b.metric('weft_leader')) === 1 ? true : undefined));
    const lease = await kube.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'weft-leader', namespace: 'weft-system' });
    expect(lease.spec).toMatchObject({ holderIdentity: 'weft-b', leaseTransitions: 1 });
    // A JSON patch (no resourceVersion): B may be writing the route's status at this moment.
    await kube.kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: ns, plural: 'httproutes', name: 'api',
      body: [{ op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 2 }] });
    await until(() => `B to write the route status\n${b.log()}`, 20_000, async () => ((await world.routeStatus(ns)) === 'generation 2, Accepted True@2' ? true : undefined));
    // ...and root rotation: B's step lands in the Secret and reaches the proxy (both roots trusted).
    const rotation = await b.json<{ phase: { phase: string } }>('/api/v1/ca/rotation', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"step":"begin"}' });
    expect([rotation.status, rotation.body.phase?.phase]).toEqual([200, 'trust-both']);
    const stored = (await kube.core.readNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system' })).data!;
    const next = Buffer.from(stored['ca-next.crt']!, 'base64').toString();
    await until('the two-root bundle on the proxy', 20_000, async () => {
      const bundle = (await proxy.secrets()).bundle ?? '';
      return bundle.includes(rootPem.trim()) && bundle.includes(next.trim()) ? true : undefined;
    });
    console.log(`replica failover: ${before.listeners.length} listeners, ${before.clusters.length} clusters held throughout; SYNCED on B ${switchMs} ms after SIGKILL (${samples.length} samples)`);
  }, 300_000);
});
