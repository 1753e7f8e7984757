/**
 * deploy/kubernetes/rbac.yaml on a real API server: weft runs under the `weft` ServiceAccount's
 * token (from the TokenRequest API, as a projected token would be) and can do its job (discovery
 * in every namespace, its leader-election Lease, the CA root Secret, Gateway API route status) and
 * nothing more: every other call is a 403.
 */
import path from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRootSecret } from '../../src/controlplane/root-secret.js';
import { KubernetesRegistrySource } from '../../src/discovery/kube-source.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { deployDir, loadObjects } from '../../test/deploy/manifests.js';
import { GATEWAY_GROUP, installGatewayApiCrds } from './crds.js';
import { endpointSlice, service } from './objects.js';

let kube: KubeApiServer;
let weft: KubeConfig;
let source: KubernetesRegistrySource | undefined;

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
  const { objects, problems } = loadObjects(path.join(deployDir, 'kubernetes', 'rbac.yaml'));
  expect(problems).toEqual([]);
  for (const { file: _file, ...obj } of objects) await kube.apply(obj as KubernetesObject);
  weft = kube.kubeConfigFor(await kube.tokenFor('weft-system', 'weft'), kube.url, 'weft');
  await installGatewayApiCrds(kube);
}, 240_000);

afterAll(async () => {
  await source?.stop();
  await kube?.stop();
}, 60_000);

/** The HTTP status a call fails with (the client throws ApiException with `code`). */
async function statusOf(call: () => Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

describe('weft under deploy/kubernetes/rbac.yaml on a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('discovers services and endpoints in every namespace with the weft ServiceAccount token', async () => {
    const ns = await kube.createNamespace('app');
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'api', [{ name: 'grpc', port: 9090 }]) });
    await kube.discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, 'api-1', 'api', [{ ip: '10.4.0.1' }], [{ name: 'grpc', port: 9090 }]) });
    source = new KubernetesRegistrySource({ kubeConfig: weft, debounceMs: 20, syncTimeoutMs: 30_000 });
    const errors: string[] = [];
    source.onError((d) => errors.push(...d.map((x) => x.message)));
    await source.start();
    expect(source.current().services.get(`api.${ns}`)?.endpoints.map((e) => e.address)).toEqual(['10.4.0.1']);
    expect(source.current().services.has('kubernetes.default')).toBe(true);
    expect(errors).toEqual([]);
  });

  kubeIt('holds its leader-election Lease in weft-system only', async () => {
    const leases = weft.makeApiClient(CoordinationV1Api);
    const body = { metadata: { name: 'weft-rbac-check' }, spec: { holderIdentity: 'weft-0', leaseDurationSeconds: 15 } };
    const created = await leases.createNamespacedLease({ namespace: 'weft-system', body });
    expect(created.spec?.holderIdentity).toBe('weft-0');
    const read = await leases.readNamespacedLease({ name: 'weft-rbac-check', namespace: 'weft-system' });
    await leases.replaceNamespacedLease({ name: 'weft-rbac-check', namespace: 'weft-system', body: { ...read, spec: { ...read.spec, holderIdentity: 'weft-1' } } });
    // Listing: the leader reads every replica's trust bundle ACK report (bundle-acks.ts).
    expect((await leases.listNamespacedLease({ namespace: 'weft-system' })).items.map((l) => l.metadata?.name)).toContain('weft-rbac-check');
    expect(await statusOf(() => leases.listLeaseForAllNamespaces())).toBe(403);
    expect(await statusOf(() => leases.deleteNamespacedLease({ name: 'weft-rbac-check', namespace: 'weft-system' }))).toBe(403);
    expect(await statusOf(() => leases.createNamespacedLease({ namespace: 'default', body }))).toBe(403);
  });

  kubeIt('creates, reads and updates the CA root Secret weft-ca in weft-system, and no other Secret', async () => {
    const core = weft.makeApiClient(CoreV1Api);
    const root = { trustDomain: 'cluster.local', now: Date.now() };
    const first = await ensureRootSecret({ api: core, namespace: 'weft-system', name: 'weft-ca', root });
    expect(first.created).toBe(true);
    expect(await ensureRootSecret({ api: core, namespace: 'weft-system', name: 'weft-ca', root })).toEqual({ ...first, created: false });
    const stored = await core.readNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system' });
    // The leader writes rotation steps into it (an update carrying the resourceVersion it read).
    const changed = { ...stored, metadata: { ...stored.metadata, annotations: { 'weft.dev/check': '1' } } };
    expect(await statusOf(() => core.replaceNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system', body: changed }))).toBe('ok');
    // A write carrying a resourceVersion that is no longer current loses (how racing steps are told apart).
    expect(await statusOf(() => core.replaceNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system', body: stored }))).toBe(409);
    expect(await statusOf(() => core.deleteNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system' }))).toBe(403);
    expect(await statusOf(() => core.listNamespacedSecret({ namespace: 'weft-system' }))).toBe(403);
    // Another name: ensureRootSecret cannot even read it (404 and 403 look alike to nobody).
    await expect(ensureRootSecret({ api: core, namespace: 'weft-system', name: 'weft-other', root })).rejects.toMatchObject({ code: 403 });
    expect(await statusOf(() => core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'weft-ca' }, data: {} } }))).toBe(403);
  });

  kubeIt('lists Gateway API routes and writes their status, never the routes themselves', async () => {
    const routes = weft.makeApiClient(CustomObjectsApi);
    const admin = kube.kubeConfig.makeApiClient(CustomObjectsApi);
    const ns = await kube.createNamespace('routes');
    for (const [plural, kind] of [['httproutes', 'HTTPRoute'], ['grpcroutes', 'GRPCRoute']] as const) {
      const at = { group: GATEWAY_GROUP, version: 'v1', namespace: ns, plural };
      const body = { apiVersion: `${GATEWAY_GROUP}/v1`, kind, metadata: { name: 'r', namespace: ns }, spec: { parentRefs: [{ group: '', kind: 'Service', name: 'api' }] } };
      expect(await statusOf(() => routes.createNamespacedCustomObject({ ...at, body }))).toBe(403);
      await admin.createNamespacedCustomObject({ ...at, body });
      expect(await statusOf(() => routes.listClusterCustomObject({ group: GATEWAY_GROUP, version: 'v1', plural }))).toBe('ok');
      const read = await routes.getNamespacedCustomObject({ ...at, name: 'r' }) as Record<string, unknown>;
      expect(await statusOf(() => routes.replaceNamespacedCustomObjectStatus({ ...at, name: 'r', body: { ...read, status: { parents: [] } } }))).toBe('ok');
      expect(await statusOf(() => routes.replaceNamespacedCustomObject({ ...at, name: 'r', body: read }))).toBe(403);
      expect(await statusOf(() => routes.deleteNamespacedCustomObject({ ...at, name: 'r' }))).toBe(403);
    }
  });

  kubeIt('is refused (403) everything else: secrets, writes to workloads, other kinds', async () => {
    const core = weft.makeApiClient(CoreV1Api);
    const discovery = weft.makeApiClient(DiscoveryV1Api);
    const ns = await kube.createNamespace('refused');
    expect(await statusOf(() => core.listSecretForAllNamespaces())).toBe(403);
    expect(await statusOf(() => core.readNamespacedSecret({ name: 'anything', namespace: 'weft-system' }))).toBe(403);
    expect(await statusOf(() => core.createNamespacedService({ namespace: ns, body: service(ns, 'intruder', [{ name: 'http', port: 80 }]) }))).toBe(403);
    expect(await statusOf(() => discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, 'x', 'x', [{ ip: '10.4.9.9' }], [{ name: 'http', port: 80 }]) }))).toBe(403);
    expect(await statusOf(() => core.deleteNamespacedPod({ name: 'anything', namespace: ns }))).toBe(403);
    expect(await statusOf(() => core.listConfigMapForAllNamespaces())).toBe(403);
    // Nodes are read for their locality labels only: listing works, changing one does not.
    expect(await statusOf(() => core.listNode())).toBe('ok');
    expect(await statusOf(() => core.deleteNode({ name: 'anything' }))).toBe(403);
    // The same calls succeed for the admin, so the 403s are RBAC's, not missing objects.
    expect(await statusOf(() => kube.core.listSecretForAllNamespaces())).toBe('ok');
  });
});
