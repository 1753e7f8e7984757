/**
 * LeaseElector's failure rules on a scripted API (the protocol itself runs against a real API
 * server in e2e/kube/replicas.test.ts): a leader rides out API errors until its renew deadline, but
 * stops at once when another replica wrote the lease (409).
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LeaseElector } from '../../src/controlplane/lease.js';

/** An in-memory Lease store with optimistic concurrency, a switch that makes calls fail, and a
 * gate that holds the next replace back (replaces land in the order they were called). */
function scriptedApi() {
  let stored: V1Lease | undefined;
  let version = 0;
  let replaces: Promise<unknown> = Promise.resolve();
  const state = { failWith: undefined as number | undefined, gate: undefined as { readonly open: Promise<void>; reached(): void } | undefined, stored: () => stored };
  const guard = () => {
    if (state.failWith !== undefined) throw Object.assign(new Error(`HTTP ${state.failWith}`), { code: state.failWith });
  };
  const api = {
    async readNamespacedLease() {
      guard();
      if (!stored) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(stored);
    },
    async createNamespacedLease({ body }: { body: V1Lease }) {
      guard();
      if (stored) throw Object.assign(new Error('exists'), { code: 409 });
      stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
      return stored;
    },
    async replaceNamespacedLease({ body }: { body: V1Lease }) {
      guard();
      const gate = state.gate;
      state.gate = undefined;
      gate?.reached();
      const write = replaces.then(() => gate?.open).then(() => {
        if (body.metadata?.resourceVersion !== stored?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
        stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++version) } };
        return stored;
      });
      replaces = write.catch(() => undefined);
      return write;
    },
  };
  return { api: api as unknown as CoordinationV1Api, state, steal: () => (stored = { ...stored!, spec: { ...stored!.spec, holderIdentity: 'other' }, metadata: { ...stored!.metadata, resourceVersion: String(++version) } }) };
}

describe('LeaseElector failures', () => {
  it('keeps leading through API errors until the renew deadline, then stops', async () => {
    let now = 0;
    const { api, state } = scriptedApi();
    const e = new LeaseElector({ api, namespace: 'weft-system', name: 'l', identity: 'me', renewDeadlineMs: 10_000, now: () => now });
    const seen: boolean[] = [];
    e.onChange((l) => seen.push(l));
    expect(await e.tryAcquireOrRenew()).toBe(true);
    state.failWith = 503;
    now = 9_000;
    expect(await e.tryAcquireOrRenew()).toBe(true);
    now = 10_001;
    expect(await e.tryAcquireOrRenew()).toBe(false);
    expect(seen).toEqual([true, false]);
    expect((e.lastError as { code: number }).code).toBe(503);
  });

  it('stops leading at once when another replica wrote the lease', async () => {
    let now = 0;
    const { api, steal } = scriptedApi();
    const e = new LeaseElector({ api, namespace: 'weft-system', name: 'l', identity: 'me', now: () => now });
    expect(await e.tryAcquireOrRenew()).toBe(true);
    steal();
    now = 1_000;
    expect(await e.tryAcquireOrRenew()).toBe(false);
    expect(e.isLeader).toBe(false);
    expect((await e.ifLeader(async () => 'written')).ran).toBe(false);
  });

  it('releases the lease on stop even while a renew is in flight (the renew lands first)', async () => {
    let now = 0;
    const { api, state } = scriptedApi();
    const e = new LeaseElector({ api, namespace: 'weft-system', name: 'l', identity: 'me', now: () => now });
    expect(await e.tryAcquireOrRenew()).toBe(true);
    let open!: () => void;
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    state.gate = { open: new Promise((resolve) => (open = resolve)), reached };
    now = 1_000;
    const renew = e.tryAcquireOrRenew();
    await atGate; // the renew has read the lease; its replace waits at the gate
    const stopped = e.stop(); // a release that read now would be overtaken by the renew's write
    open();
    expect(await renew).toBe(true);
    await stopped;
    expect(state.stored()?.spec?.holderIdentity).toBe('');
    expect(e.isLeader).toBe(false);
  });
});
