import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryChange } from '../../src/discovery/index.js';
import { KubernetesRegistrySource } from '../../src/discovery/kube-source.js';
import { FakeKubeServer } from './fake-kube-server.js';
import { node, pod, service, slice } from './kube-fixtures.js';
import { record, waitFor } from './helpers.js';

let server: FakeKubeServer;
let source: KubernetesRegistrySource;

function seedReviews(): void {
  server.apply('services', service('reviews', [{ name: 'http', port: 9080, targetPort: 9080 }]));
  server.apply('pods', pod('reviews-v1-a', { app: 'reviews', version: 'v1' }, 'bookinfo-reviews'));
  server.apply('pods', pod('reviews-v2-a', { app: 'reviews', version: 'v2' }, 'bookinfo-reviews'));
  server.apply('endpointslices', slice('reviews-abc', 'reviews', [
    { ip: '10.1.0.1', pod: 'reviews-v1-a', zone: 'zone-a' },
    { ip: '10.1.0.2', pod: 'reviews-v2-a', zone: 'zone-b' },
  ], [{ name: 'http', port: 9080 }]));
}

function newSource(extra: Partial<ConstructorParameters<typeof KubernetesRegistrySource>[0]> = {}): KubernetesRegistrySource {
  source = new KubernetesRegistrySource({ kubeConfig: server.kubeConfig(), debounceMs: 20, backoff: { initialMs: 20, maxMs: 200 }, syncTimeoutMs: 10_000, ...extra });
  return source;
}

const addresses = (c: RegistryChange | undefined, key = 'reviews.default') => c?.registry.services.get(key)?.endpoints.map((e) => e.address) ?? [];
const endpointCount = (c: RegistryChange) => [...c.registry.services.values()].reduce((n, s) => n + s.endpoints.length, 0);

describe('KubernetesRegistrySource against the fake API server', () => {
  beforeEach(async () => {
    server = await FakeKubeServer.start();
  });
  afterEach(async () => {
    await source?.stop();
    await server.close();
  });

  it('syncs services, merged endpoints, pod labels, service accounts and zones before start() resolves', async () => {
    seedReviews();
    newSource();
    const rec = record(source);
    expect(source.synced).toBe(false);
    await source.start();
    expect(source.synced).toBe(true);
    expect(rec.changes).toHaveLength(1);
    const svc = source.current().services.get('reviews.default')!;
    expect(svc).toMatchObject({ hostname: 'reviews.default.svc.cluster.local', serviceAccount: 'bookinfo-reviews', ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }] });
    expect(svc.endpoints).toEqual([
      { address: '10.1.0.1', labels: { app: 'reviews', version: 'v1' }, zone: 'zone-a', health: 'healthy', serviceAccount: 'bookinfo-reviews', instance: 'reviews-v1-a' },
      { address: '10.1.0.2', labels: { app: 'reviews', version: 'v2' }, zone: 'zone-b', health: 'healthy', serviceAccount: 'bookinfo-reviews', instance: 'reviews-v2-a' },
    ]);
  });

  it('watches Nodes (cluster-wide, also with namespaces) for the endpoints\' region, and follows a relabelled node', async () => {
    server.apply('services', service('reviews', [{ name: 'http', port: 9080, targetPort: 9080 }]));
    server.apply('endpointslices', slice('reviews-abc', 'reviews', [{ ip: '10.1.0.1', zone: 'zone-a', node: 'n1' }], [{ name: 'http', port: 9080 }]));
    server.apply('nodes', node('n1', 'eu-west', 'zone-a'));
    newSource({ namespaces: ['default'] });
    await source.start();
    const ep = () => source.current().services.get('reviews.default')?.endpoints[0];
    expect(ep()).toMatchObject({ address: '10.1.0.1', region: 'eu-west', zone: 'zone-a' });
    expect(server.requests.filter((r) => r.kind === 'nodes' && !r.watch)).toHaveLength(1);
    server.apply('nodes', node('n1', 'eu-central', 'zone-a'));
    await waitFor('the new region', () => ep()?.region === 'eu-central');
  });

  it('publishes one debounced change per burst as endpoints are added, modified and deleted', async () => {
    seedReviews();
    server.apply('services', service('ratings', [{ name: 'http', port: 9080 }]));
    newSource();
    const rec = record(source);
    await source.start();
    const ratings = source.current().services.get('ratings.default');
    server.apply('pods', pod('reviews-v3-a', { app: 'reviews', version: 'v3' }, 'bookinfo-reviews'));
    server.apply('endpointslices', slice('reviews-def', 'reviews', [{ ip: '10.1.0.3', pod: 'reviews-v3-a' }], [{ name: 'http', port: 9080 }]));
    await waitFor('the merged second slice', () => addresses(rec.changes.at(-1)).length === 3);
    expect(rec.changes).toHaveLength(2);
    expect([...rec.changes[1]!.changed]).toEqual(['reviews.default']);
    expect(rec.changes[1]!.registry.services.get('ratings.default')).toBe(ratings);
    server.apply('endpointslices', slice('reviews-abc', 'reviews', [{ ip: '10.1.0.1', pod: 'reviews-v1-a', ready: false, serving: true, terminating: true }, { ip: '10.1.0.2', pod: 'reviews-v2-a', ready: false, serving: false }], [{ name: 'http', port: 9080 }]));
    await waitFor('the condition change', () => rec.changes.length === 3);
    expect(source.current().services.get('reviews.default')!.endpoints.map((e) => e.health)).toEqual(['draining', 'unhealthy', 'healthy']);
    server.delete('endpointslices', 'default', 'reviews-def');
    await waitFor('the slice deletion', () => rec.changes.length === 4);
    expect(addresses(rec.changes[3])).toEqual(['10.1.0.1', '10.1.0.2']);
  });

  it('holds back an endpoint until its pod is known, then publishes it with the pod labels', async () => {
    seedReviews();
    newSource();
    const rec = record(source);
    await source.start();
    const evaluated = source.evaluations;
    server.apply('endpointslices', slice('reviews-new', 'reviews', [{ ip: '10.1.0.9', pod: 'reviews-v9' }], [{ name: 'http', port: 19080 }]));
    await waitFor('the rebuild after the new slice', () => source.evaluations > evaluated);
    expect(rec.changes).toHaveLength(1);
    server.apply('pods', pod('reviews-v9', { app: 'reviews', version: 'v9' }, 'reviews-canary'));
    await waitFor('the endpoint with its pod', () => addresses(rec.changes.at(-1)).includes('10.1.0.9'));
    const ep = source.current().services.get('reviews.default')!.endpoints.find((e) => e.address === '10.1.0.9')!;
    expect(ep).toMatchObject({ labels: { version: 'v9' }, serviceAccount: 'reviews-canary', ports: { http: 19080 } });
  });

  it('asks for bookmarks and resumes from the bookmarked resourceVersion after a dropped connection', async () => {
    seedReviews();
    newSource();
    await source.start();
    await waitFor('four open watches (nodes too)', () => server.openWatches === 4);
    expect(server.requests.filter((r) => r.watch).every((r) => r.allowWatchBookmarks === 'true')).toBe(true);
    server.apply('services', service('unrelated', [{ name: 'tcp', port: 5432 }], 'other'));
    server.bookmark();
    const bookmarked = String(server.resourceVersion);
    // No pod changed since the list: only the bookmark can move the pods informer to this version.
    await waitFor('the bookmark applied', () => source.resumeVersions().pods === bookmarked);
    const before = server.requests.length;
    server.dropConnections();
    await waitFor('re-opened watches', () => server.openWatches === 4);
    const resumed = server.requests.slice(before);
    expect(resumed.filter((r) => !r.watch)).toEqual([]);
    expect(resumed.filter((r) => r.kind === 'pods').map((r) => r.resourceVersion)).toEqual([bookmarked]);
  });

  for (const goneAsHttpStatus of [false, true]) {
    it(`relists after 410 Gone (${goneAsHttpStatus ? 'HTTP 410' : 'ERROR event'}) without ever publishing a shrunk registry`, async () => {
      server.goneAsHttpStatus = goneAsHttpStatus;
      seedReviews();
      newSource();
      const rec = record(source);
      await source.start();
      server.refuse(true);
      server.dropConnections();
      server.apply('pods', pod('reviews-v3-a', { app: 'reviews', version: 'v3' }, 'bookinfo-reviews'));
      server.apply('endpointslices', slice('reviews-abc', 'reviews', [{ ip: '10.1.0.1', pod: 'reviews-v1-a', zone: 'zone-a' }, { ip: '10.1.0.2', pod: 'reviews-v2-a', zone: 'zone-b' }, { ip: '10.1.0.3', pod: 'reviews-v3-a' }], [{ name: 'http', port: 9080 }]));
      server.compact();
      // Every feed retries into the refusal (and keeps the last good registry) before it lifts.
      await waitFor('a refused retry of every feed', () => server.refusedRequests >= 3);
      server.refuse(false);
      await waitFor('the relisted state', () => addresses(rec.changes.at(-1)).length === 3);
      const lists = server.requests.filter((r) => !r.watch && r.kind === 'endpointslices');
      expect(lists.length).toBeGreaterThanOrEqual(2);
      // Feeds relist independently, so the new endpoint may wait for its pod; nothing ever shrinks.
      expect(rec.changes.map(endpointCount).every((n) => n >= 2)).toBe(true);
      const listsBefore = server.requests.filter((r) => !r.watch).length;
      server.expireWatches();
      server.apply('services', service('details', [{ name: 'http', port: 9080 }]));
      await waitFor('the change after a live expiry', () => rec.changes.at(-1)!.registry.services.has('details.default'));
      await waitFor('a relist of every kind', () => server.requests.filter((r) => !r.watch).length >= listsBefore + 3);
      expect(rec.changes.every((c) => endpointCount(c) >= 2 && c.registry.services.has('reviews.default'))).toBe(true);
      expect(rec.errors.flat().every((d) => d.code === 'WEFT3101')).toBe(true);
    });
  }

  it('reconnects with backoff while the API server refuses, then converges', async () => {
    seedReviews();
    newSource();
    const rec = record(source);
    await source.start();
    server.refuse(true);
    server.dropConnections();
    await waitFor('reported failures', () => rec.errors.length >= 3);
    expect(source.current().services.get('reviews.default')!.endpoints).toHaveLength(2);
    server.delete('endpointslices', 'default', 'reviews-abc');
    server.refuse(false);
    await waitFor('convergence', () => addresses(rec.changes.at(-1)).length === 0 && rec.changes.length === 2);
    expect(rec.errors[0]![0]).toMatchObject({ code: 'WEFT3101', severity: 'error' });
  });

  it('does not sync, or publish, until every initial list succeeded', async () => {
    seedReviews();
    server.refuse(true);
    newSource();
    const rec = record(source);
    let started = false;
    const starting = source.start().then(() => (started = true));
    await waitFor('failed initial lists', () => rec.errors.length >= 3);
    expect(started).toBe(false);
    expect(source.synced).toBe(false);
    expect(rec.changes).toHaveLength(0);
    server.refuse(false);
    await starting;
    expect(rec.changes).toHaveLength(1);
    expect(addresses(rec.changes[0])).toHaveLength(2);
  });

  it('rejects start() with the last error when the sync times out', async () => {
    server.refuse(true);
    newSource({ syncTimeoutMs: 300 });
    await expect(source.start()).rejects.toThrow(/did not sync within 300 ms: \w+: HTTP 503; retrying$/);
  });

  it('watches only the configured namespaces', async () => {
    seedReviews();
    server.apply('services', service('db', [{ name: 'tcp-pg', port: 5432 }], 'data'));
    newSource({ namespaces: ['data'] });
    await source.start();
    expect([...source.current().services.keys()]).toEqual(['db.data']);
    expect(source.current().services.get('db.data')!.ports[0]!.protocol).toBe('tcp');
  });

  it('publishes nothing after stop()', async () => {
    seedReviews();
    newSource();
    const rec = record(source);
    await source.start();
    await source.stop();
    await waitFor('the stopped source\'s watches closed', () => server.openWatches === 0);
    const evaluated = source.evaluations;
    // A second source sees the deletion: the signal that it was published to every open watch.
    const witness = new KubernetesRegistrySource({ kubeConfig: server.kubeConfig(), debounceMs: 20, syncTimeoutMs: 10_000 });
    try {
      const seen = record(witness);
      await witness.start();
      await waitFor('the witness\'s watches', () => server.openWatches === 4);
      server.delete('endpointslices', 'default', 'reviews-abc');
      await waitFor('the witness to publish the deletion', () => addresses(seen.changes.at(-1)).length === 0);
    } finally {
      await witness.stop();
    }
    expect(rec.changes).toHaveLength(1);
    expect(source.evaluations).toBe(evaluated);
  });
});
