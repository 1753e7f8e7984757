/**
 * The reconciler's incremental path against a full rebuild: for seeded random sequences of
 * registry and policy changes, every connected proxy's snapshot after an incremental update (only
 * the proxies the change reaches are translated again; descriptions are kept unless the proxy's
 * identity's services changed) equals the snapshot a fresh reconciler publishes for the same model.
 */
import { describe, expect, it, vi } from 'vitest';
import { Reconciler, memoryLogger, type ReconcilerHooks } from '../../src/controlplane/index.js';
import type { MeshModel } from '../../src/model/index.js';
import { MemoryPolicySource, MemoryRegistrySource, NO_CERTIFICATES } from '../support/memory-sources.js';
import { ResourceEncoder, SnapshotCache, TypeUrl, type NodeInfo, type StreamInfo } from '../../src/xds/index.js';
import { baseModel, randomChange, rng } from '../translate/random-mesh.js';

/** Workloads as their nodes describe them (identity from metadata: the plaintext channel). */
const NODES: readonly [string, string, string, string, string][] = [
  ['productpage-v1', 'default', 'productpage', '127.0.0.1', 'iptables'],
  ['reviews-pod-1', 'default', 'reviews', '10.0.1.1', 'iptables'],
  ['reviews-v2', 'default', 'reviews', '127.0.0.2', 'explicit'],
  ['ratings-v1', 'default', 'ratings', '127.0.0.3,10.0.2.1', 'explicit'],
  ['web-1', 'frontend', 'web', '10.5.0.2', 'iptables'],
  ['client', 'backend', 'client', '', 'iptables'],
  ['grpc-client', 'default', 'productpage', '', ''],
];

async function started(model: MeshModel, hooks?: ReconcilerHooks) {
  const registry = new MemoryRegistrySource(model.registry);
  const policy = new MemoryPolicySource(model.policy);
  const cache = new SnapshotCache();
  const rec = new Reconciler({
    policy: policy.asSource, registry, cache: new SnapshotCache(), plaintextCache: cache, encoder: new ResourceEncoder(),
    certificates: NO_CERTIFICATES, trustDomain: model.policy.mesh.trustDomain, log: memoryLogger(), debounce: { quietMs: 0, maxMs: 5 },
    ...(hooks ? { debounce: { quietMs: 100, maxMs: 10_000 }, hooks } : {}),
  });
  await rec.start();
  const keys = NODES.map(([id, namespace, sa, ips, interception], i) => {
    const node: NodeInfo = { id, cluster: '', metadata: { namespace, service_account: sa, instance_ips: ips, ...(interception ? { interception } : {}) },
      userAgentName: interception ? 'envoy' : 'grpc-go', userAgentVersion: '' };
    const stream = { id: i + 1, service: 'ads', delta: false, peer: 'test', openedAt: 0, secure: false, node, types: () => [] } as unknown as StreamInfo & { key?: string; principal?: unknown };
    const auth = rec.authenticate({ stream, node }, 'plaintext');
    if (!auth.ok) throw new Error(auth.message);
    stream.key = auth.key;
    stream.principal = auth.principal;
    rec.streamBound(stream);
    return auth.key;
  });
  const view = () => keys.map((k) => {
    const snap = cache.get(k);
    return [k, [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration].map((t) => snap?.get(t).version)];
  });
  return { rec, registry, policy, view };
}

describe('incremental reconciliation', () => {
  it('publishes what a full rebuild publishes, after every change', async () => {
    for (const seed of [11, 12, 13]) {
      const r = rng(seed);
      let model = baseModel();
      const live = await started(model);
      for (let step = 0; step < 30; step++) {
        const next = randomChange(model, r);
        if (next.policy.mesh.trustDomain !== model.policy.mesh.trustDomain) continue;
        if (next.registry !== model.registry) live.registry.set(next.registry);
        if (next.policy !== model.policy) live.policy.set({ ...next.policy, version: `${seed}-${step}` });
        await live.rec.settled();
        const accepted = live.rec.policyError === undefined;
        if (accepted) model = next;
        else { live.policy.set(model.policy); await live.rec.settled(); }
        const fresh = await started(model);
        expect(live.view(), `seed ${seed} step ${step}`).toEqual(fresh.view());
        fresh.rec.stop();
      }
      live.rec.stop();
    }
  });

  it('applies registry changes that never stop within the registry window, not the policy one', async () => {
    let merged = 0;
    const live = await started(baseModel(), { onMerge: (n) => (merged += n) });
    const reviews = baseModel().registry.services.get('reviews.default')!;
    let sent = 0;
    // A change every 5 ms of fake time, without end: the policy window (100 ms quiet, 10 s cap)
    // would apply nothing for 10 s; the registry window's 100 ms cap applies the first batch.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      while (merged === 0 && sent < 1000) {
        live.registry.set({ version: `r${sent}`, services: new Map(live.registry.current().services).set(reviews.key, { ...reviews, endpoints: reviews.endpoints.slice(sent++ % 2) }) });
        await vi.advanceTimersByTimeAsync(5);
      }
    } finally {
      vi.useRealTimers();
    }
    expect(merged).toBeGreaterThan(0);
    expect(sent).toBe(100 / 5);
    live.rec.stop();
  });
});
