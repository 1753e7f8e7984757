/**
 * The rotation gate across replicas (bundle-acks.ts) on an in-memory Lease API: each replica
 * reports the highest bundle sequence all its proxies ACKed; the leader sees who is behind, a
 * replica that still has laggards keeps its last fully-ACKed sequence, and a report that stopped
 * being renewed (a dead replica) stops counting.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { BundleAcks } from '../../src/controlplane/bundle-acks.js';
import { memoryLogger } from '../../src/controlplane/index.js';

function leases() {
  const store = new Map<string, V1Lease>();
  const api = {
    readNamespacedLease: async ({ name }: { name: string }) => {
      const l = store.get(name);
      if (!l) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(l);
    },
    createNamespacedLease: async ({ body }: { body: V1Lease }) => void store.set(body.metadata!.name!, JSON.parse(JSON.stringify(body)) as V1Lease),
    replaceNamespacedLease: async ({ body }: { body: V1Lease }) => void store.set(body.metadata!.name!, JSON.parse(JSON.stringify(body)) as V1Lease),
    listNamespacedLease: async ({ labelSelector }: { labelSelector: string }) => ({
      items: [...store.values()].filter((l) => `app.kubernetes.io/component=${l.metadata?.labels?.['app.kubernetes.io/component']}` === labelSelector),
    }),
  };
  return { store, api: api as unknown as CoordinationV1Api };
}

describe('trust bundle ACK reports of replicas', () => {
  it('the leader waits for every live replica whose proxies have not all ACKed the current bundle', async () => {
    const { store, api } = leases();
    let clock = 1_000_000;
    const acks = (identity: string) => new BundleAcks(api, { namespace: 'weft-system', name: 'weft-leader', identity, leaseDurationSeconds: 2 }, memoryLogger(), () => clock);
    const [a, b, c] = [acks('weft-a'), acks('weft-b'), acks('weft-c')];
    await a.report({ sequence: 2, laggards: 0 });
    await b.report({ sequence: 2, laggards: 0 });
    await c.report({ sequence: 2, laggards: 3 });
    expect([...store.keys()].sort()).toEqual(['weft-acks-weft-a', 'weft-acks-weft-b', 'weft-acks-weft-c']);
    expect(await a.behind(2)).toEqual(['replica weft-c (ACKed bundle 0)']);
    // c's proxies ACK; later a new bundle (sequence 3) reaches c, whose proxies lag again.
    await c.report({ sequence: 2, laggards: 0 });
    expect(await a.behind(2)).toEqual([]);
    await c.report({ sequence: 3, laggards: 1 });
    expect(await a.behind(3)).toEqual(['replica weft-b (ACKed bundle 2)', 'replica weft-c (ACKed bundle 2)']);
    await b.report({ sequence: 3, laggards: 0 });
    expect(await a.behind(3)).toEqual(['replica weft-c (ACKed bundle 2)']);
    // An unchanged report is not rewritten until a third of the stale time passed.
    const writes = () => JSON.stringify(store.get('weft-acks-weft-b')!.spec!.renewTime);
    const first = writes();
    clock += 1_000;
    await b.report({ sequence: 3, laggards: 0 });
    expect(writes()).toBe(first);
    // c dies: its report is not renewed; after 3 lease durations (6 s) it no longer counts, while b
    // renews its own (every 2 s).
    clock += 1_000;
    await b.report({ sequence: 3, laggards: 0 });
    expect(writes()).not.toBe(first);
    clock += 3_900;
    expect(await a.behind(3)).toEqual(['replica weft-c (ACKed bundle 2)']);
    clock += 200;
    expect(await a.behind(3)).toEqual([]);
    // The caller's own report never gates it (its own proxies are checked directly).
    await a.report({ sequence: 1, laggards: 5 });
    expect(await a.behind(3)).toEqual([]);
  });
});
