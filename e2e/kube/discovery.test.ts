/**
 * weft's KubernetesRegistrySource against a real kube-apiserver (test/kube/apiserver): Services,
 * EndpointSlices with their ready/serving/terminating conditions, Pods, live watch events,
 * namespace filtering and watch bookmarks. The API server runs with its watch cache (the default),
 * as in a cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryChange } from '../../src/discovery/index.js';
import { KubernetesRegistrySource, type KubernetesSourceOptions } from '../../src/discovery/kube-source.js';
import { Backoff, BookmarkWatch } from '../../src/discovery/kube-watch.js';
import { eventually } from '../../test/support/eventually.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { endpointSlice, pod, service } from './objects.js';

let kube: KubeApiServer;
const sources: KubernetesRegistrySource[] = [];

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
}, 180_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await kube?.stop();
}, 60_000);

async function started(o: Partial<KubernetesSourceOptions> = {}): Promise<{ source: KubernetesRegistrySource; changes: RegistryChange[] }> {
  const source = new KubernetesRegistrySource({ kubeConfig: kube.kubeConfig, debounceMs: 20, backoff: { initialMs: 50, maxMs: 500 }, syncTimeoutMs: 30_000, ...o });
  sources.push(source);
  const changes: RegistryChange[] = [];
  source.onChange((c) => changes.push(c));
  await source.start();
  return { source, changes };
}

const health = (s: KubernetesRegistrySource, key: string) => Object.fromEntries((s.current().services.get(key)?.endpoints ?? []).map((e) => [e.address, e.health]));

describe('KubernetesRegistrySource on a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('maps Services, EndpointSlice conditions and Pods as listed at start', async () => {
    const ns = await kube.createNamespace('map');
    await kube.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reviews' } } });
    for (const name of ['reviews-a', 'reviews-b', 'reviews-c']) await kube.core.createNamespacedPod({ namespace: ns, body: pod(ns, name, { app: 'reviews', version: name.slice(-1) }, 'reviews') });
    const svc = await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'reviews', [{ name: 'http', port: 9080 }]) });
    await kube.discovery.createNamespacedEndpointSlice({
      namespace: ns,
      body: endpointSlice(ns, 'reviews-1', 'reviews', [
        { ip: '10.1.0.1', pod: 'reviews-a', zone: 'zone-a' },
        { ip: '10.1.0.2', pod: 'reviews-b', ready: false, serving: true, terminating: true },
        { ip: '10.1.0.3', pod: 'reviews-c', ready: false, serving: false },
        { ip: '10.1.0.4', pod: 'reviews-not-yet-known' },
      ], [{ name: 'http', port: 9080 }]),
    });

    const { source } = await started({ namespaces: [ns] });
    const reviews = source.current().services.get(`reviews.${ns}`);
    expect(reviews).toMatchObject({ hostname: `reviews.${ns}.svc.cluster.local`, serviceAccount: 'reviews', ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }] });
    expect(reviews?.addresses).toEqual(svc.spec?.clusterIPs);
    expect(reviews?.endpoints[0]).toEqual({ address: '10.1.0.1', labels: { app: 'reviews', version: 'a' }, zone: 'zone-a', health: 'healthy', serviceAccount: 'reviews', instance: 'reviews-a' });
    // The endpoint whose Pod does not exist is left out until the Pod arrives.
    expect(health(source, `reviews.${ns}`)).toEqual({ '10.1.0.1': 'healthy', '10.1.0.2': 'draining', '10.1.0.3': 'unhealthy' });
  });

  kubeIt('follows watch events: a Pod arriving, conditions changing, a slice and a Service deleted', async () => {
    const ns = await kube.createNamespace('watch');
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'ratings', [{ name: 'http', port: 8080 }]) });
    await kube.discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, 'ratings-1', 'ratings', [{ ip: '10.2.0.1', pod: 'ratings-a' }], [{ name: 'http', port: 8080 }]) });
    const { source } = await started({ namespaces: [ns] });
    expect(health(source, `ratings.${ns}`)).toEqual({});

    await kube.core.createNamespacedPod({ namespace: ns, body: pod(ns, 'ratings-a', { app: 'ratings' }) });
    await eventually(() => expect(health(source, `ratings.${ns}`)).toEqual({ '10.2.0.1': 'healthy' }));

    const terminating = endpointSlice(ns, 'ratings-1', 'ratings', [{ ip: '10.2.0.1', pod: 'ratings-a', ready: false, serving: true, terminating: true }], [{ name: 'http', port: 8080 }]);
    await kube.apply(terminating);
    await eventually(() => expect(health(source, `ratings.${ns}`)).toEqual({ '10.2.0.1': 'draining' }));

    await kube.discovery.deleteNamespacedEndpointSlice({ name: 'ratings-1', namespace: ns });
    await eventually(() => expect(health(source, `ratings.${ns}`)).toEqual({}));
    await kube.core.deleteNamespacedService({ name: 'ratings', namespace: ns });
    await eventually(() => expect(source.current().services.has(`ratings.${ns}`)).toBe(false));
  });

  kubeIt('takes endpoint regions from their Nodes\' topology labels, also when watching some namespaces, and follows a relabel', async () => {
    const ns = await kube.createNamespace('loc');
    const nodeName = `${ns}-node`;
    await kube.core.createNode({ body: { metadata: { name: nodeName, labels: { 'topology.kubernetes.io/region': 'eu-west', 'topology.kubernetes.io/zone': 'eu-west-1a' } } } });
    await kube.core.createNamespacedService({ namespace: ns, body: service(ns, 'api', [{ name: 'http', port: 80 }]) });
    await kube.discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, 'api-1', 'api', [{ ip: '10.5.0.1', zone: 'eu-west-1a', node: nodeName }], [{ name: 'http', port: 80 }]) });
    const { source } = await started({ namespaces: [ns] });
    const ep = () => source.current().services.get(`api.${ns}`)?.endpoints[0];
    expect(ep()).toMatchObject({ address: '10.5.0.1', region: 'eu-west', zone: 'eu-west-1a' });
    await kube.core.patchNode({ name: nodeName, body: [{ op: 'replace', path: '/metadata/labels/topology.kubernetes.io~1region', value: 'eu-central' }] });
    await eventually(() => expect(ep()?.region).toBe('eu-central'));
    await kube.core.deleteNode({ name: nodeName });
  });

  kubeIt('watches only the namespaces it is given', async () => {
    const [mine, other] = [await kube.createNamespace('mine'), await kube.createNamespace('other')];
    await kube.core.createNamespacedService({ namespace: other, body: service(other, 'before', [{ name: 'http', port: 80 }]) });
    const { source } = await started({ namespaces: [mine] });
    const all = (await started()).source;
    expect(source.current().services.has(`before.${other}`)).toBe(false);
    expect(all.current().services.has(`before.${other}`)).toBe(true);

    await kube.core.createNamespacedService({ namespace: other, body: service(other, 'after', [{ name: 'http', port: 80 }]) });
    await kube.core.createNamespacedService({ namespace: mine, body: service(mine, 'marker', [{ name: 'http', port: 80 }]) });
    // The all-namespaces source sees `after` and then `marker` (one watch, in order); once the
    // filtered source has `marker`, it had every chance to have seen `after`.
    await eventually(() => expect(all.current().services.has(`marker.${mine}`)).toBe(true));
    expect(all.current().services.has(`after.${other}`)).toBe(true);
    await eventually(() => expect(source.current().services.has(`marker.${mine}`)).toBe(true));
    expect([...source.current().services.keys()].filter((k) => k.endsWith(`.${other}`))).toEqual([]);
  });

  kubeIt('asks for bookmarks and gets them: a quiet namespace\'s watch resumes from a recent resourceVersion', async () => {
    const [quiet, busy] = [await kube.createNamespace('quiet'), await kube.createNamespace('busy')];
    // weft's watch on the quiet namespace: while other namespaces change, the server sends a
    // BOOKMARK carrying their newer resourceVersion (before the 4 s watch times out), though no
    // event there matched; a re-opened watch then starts from it, not from an old version.
    const phases: { phase: string; rv: number }[] = [];
    const watch = new BookmarkWatch(kube.kubeConfig, new Backoff(50, 500), 4, () => false);
    const list = await kube.core.listNamespacedService({ namespace: quiet });
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const ended = new Promise<unknown>((resolve) => {
      void watch.watch(`/api/v1/namespaces/${quiet}/services`, { resourceVersion: list.metadata?.resourceVersion }, (phase, obj) => phases.push({ phase, rv: Number(obj?.metadata?.resourceVersion) }), resolve).then(() => opened());
    });
    await open;
    let last = 0;
    for (let i = 0; i < 3; i++) {
      const created = await kube.core.createNamespacedService({ namespace: busy, body: service(busy, `svc-${i}`, [{ name: 'http', port: 80 }]) });
      last = Number(created.metadata?.resourceVersion);
    }
    expect(await ended).toBeNull();
    const bookmarks = phases.filter((p) => p.phase === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(bookmarks.at(-1)!.rv).toBeGreaterThanOrEqual(last);
    expect(phases.filter((p) => p.phase !== 'BOOKMARK')).toEqual([]);
  }, 30_000);
});
