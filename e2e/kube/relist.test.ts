/**
 * A resourceVersion compacted away while weft was cut off from the API server: the re-opened
 * watch gets 410 Gone, weft relists, and no registry it publishes on the way is smaller than the
 * truth before or after (a relist must never look like services or endpoints vanished).
 *
 * The API server runs with `--watch-cache=false`, so watches are served by etcd itself and the
 * compaction (POST /compact on the test program, a real etcd compaction) is what expires the
 * version; with the watch cache a 410 depends on its ring buffer's size instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryChange } from '../../src/discovery/index.js';
import { KubernetesRegistrySource } from '../../src/discovery/kube-source.js';
import { eventually } from '../../test/support/eventually.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { CutProxy } from './cut-proxy.js';
import { endpointSlice, pod, service } from './objects.js';

let kube: KubeApiServer;
let proxy: CutProxy;
let source: KubernetesRegistrySource | undefined;

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer({ audit: true, flags: ['--watch-cache=false'] });
  proxy = await CutProxy.start(kube.url);
}, 180_000);

afterAll(async () => {
  await source?.stop();
  await proxy?.close();
  await kube?.stop();
}, 60_000);

const HTTP = [{ name: 'http', port: 8080 }];
const addresses = (c: RegistryChange, key: string) => (c.registry.services.get(key)?.endpoints ?? []).map((e) => e.address).sort();

/** A watch from `resourceVersion` on the real server: the code of the ERROR event it ends with. */
async function watchErrorCode(path: string, resourceVersion: string): Promise<number | undefined> {
  const { Watch } = await import('@kubernetes/client-node');
  let code: number | undefined;
  await new Promise<void>((resolve) => {
    void new Watch(kube.kubeConfig).watch(path, { resourceVersion }, (phase, obj) => {
      if (phase === 'ERROR') code = obj?.code;
    }, () => resolve());
  });
  return code;
}

describe('relist after 410 Gone on a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('relists after its resourceVersion was compacted and never publishes a shrunken registry', async () => {
    const ns = await kube.createNamespace('relist');
    for (const p of ['stable-a', 'stable-b']) await kube.core.createNamespacedPod({ namespace: ns, body: pod(ns, p, { app: 'stable' }) });
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'stable', HTTP) });
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'gone', HTTP) });
    await kube.discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, 'gone-1', 'gone', [{ ip: '10.3.1.1' }], HTTP) });
    const slice = await kube.discovery.createNamespacedEndpointSlice({
      namespace: ns,
      body: endpointSlice(ns, 'stable-1', 'stable', [{ ip: '10.3.0.1', pod: 'stable-a' }, { ip: '10.3.0.2', pod: 'stable-b' }], HTTP),
    });
    const versionBeforeCut = slice.metadata!.resourceVersion!;

    source = new KubernetesRegistrySource({ kubeConfig: kube.kubeConfigFor(undefined, proxy.url), namespaces: [ns], debounceMs: 20, backoff: { initialMs: 100, maxMs: 400 }, syncTimeoutMs: 30_000 });
    const changes: RegistryChange[] = [];
    const errors: string[] = [];
    source.onChange((c) => changes.push(c));
    source.onError((d) => errors.push(...d.map((x) => `${x.code} ${x.message}`)));
    await source.start();
    expect(addresses(changes.at(-1)!, `stable.${ns}`)).toEqual(['10.3.0.1', '10.3.0.2']);
    const listsBefore = (await endpointSliceLists(ns)).length;
    const published = changes.length;

    // Partition: weft notices (its watches fail) and keeps its last registry meanwhile.
    proxy.cut();
    await eventually(() => expect(errors.filter((e) => e.includes('endpointslices')).length).toBeGreaterThan(0));
    await kube.core.createNamespacedPod({ namespace: ns, body: pod(ns, 'stable-c', { app: 'stable' }) });
    await kube.apply(endpointSlice(ns, 'stable-1', 'stable', [{ ip: '10.3.0.1', pod: 'stable-a' }, { ip: '10.3.0.2', pod: 'stable-b' }, { ip: '10.3.0.3', pod: 'stable-c' }], HTTP));
    await kube.discovery.deleteNamespacedEndpointSlice({ name: 'gone-1', namespace: ns });
    await kube.core.deleteNamespacedService({ name: 'gone', namespace: ns });
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'fresh', HTTP) });
    const compacted = await kube.compact();
    expect(await watchErrorCode(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, versionBeforeCut)).toBe(410);
    expect(changes.length).toBe(published);

    proxy.restore();
    await eventually(() => {
      const now = source!.current();
      expect(now.services.get(`stable.${ns}`)?.endpoints.map((e) => e.address)).toEqual(['10.3.0.1', '10.3.0.2', '10.3.0.3']);
      expect([...now.services.keys()].sort()).toEqual([`fresh.${ns}`, `stable.${ns}`]);
    }, 30_000);

    // The watch re-opened from a version before the compaction, then weft listed again.
    const watches = (await kube.auditEvents()).filter((e) => e.verb === 'watch' && e.objectRef?.resource === 'endpointslices' && e.objectRef.namespace === ns);
    expect(watches.some((e) => Number(new URL(e.requestURI, kube.url).searchParams.get('resourceVersion')) < compacted)).toBe(true);
    expect((await endpointSliceLists(ns)).length).toBeGreaterThan(listsBefore);
    // Every registry published since the cut holds the stable endpoints; only the final state
    // drops `gone` (which really was deleted).
    for (const c of changes.slice(published)) expect(addresses(c, `stable.${ns}`)).toEqual(expect.arrayContaining(['10.3.0.1', '10.3.0.2']));
  }, 90_000);
});

async function endpointSliceLists(ns: string) {
  return (await kube.auditEvents()).filter((e) => e.verb === 'list' && e.objectRef?.resource === 'endpointslices' && e.objectRef.namespace === ns);
}
