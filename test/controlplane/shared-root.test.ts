/**
 * The CA root and rotation state shared through one Secret (shared-root.ts), on an in-memory
 * Secret API with the API server's optimistic concurrency (an update must carry the current
 * resourceVersion, else 409): replicas open the same root; a step on one is adopted by the other
 * on its next refresh (bundle, then signer); a step that lost a race is dropped whole and the
 * replica serves the Secret's state.
 */
import { X509Certificate } from 'node:crypto';
import type { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/controlplane/index.js';
import { SharedRoot } from '../../src/controlplane/shared-root.js';

class FakeSecrets {
  secret: V1Secret | undefined;
  private rv = 0;
  readonly api = {
    readNamespacedSecret: async () => {
      if (!this.secret) throw Object.assign(new Error('not found'), { code: 404 });
      return structuredClone(this.secret);
    },
    createNamespacedSecret: async ({ body }: { body: V1Secret }) => {
      if (this.secret) throw Object.assign(new Error('exists'), { code: 409 });
      return (this.secret = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++this.rv) } });
    },
    replaceNamespacedSecret: async ({ body }: { body: V1Secret }) => {
      if (body.metadata?.resourceVersion !== this.secret?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
      return (this.secret = { ...structuredClone(body), metadata: { ...body.metadata, resourceVersion: String(++this.rv) } });
    },
  };
  readonly kc = { makeApiClient: () => this.api as unknown as CoreV1Api } as unknown as KubeConfig;
}

const REF = { namespace: 'weft-system', name: 'weft-ca' };
const open = (s: FakeSecrets) => SharedRoot.open(s.kc, REF, 'cluster.local', memoryLogger());
const signs = (r: SharedRoot, rootPem: string) => {
  const svid = r.ca.issueSvid({ spiffeId: 'spiffe://cluster.local/ns/default/sa/app' });
  if (!svid.ok) throw new Error(svid.error.message);
  return new X509Certificate(svid.svid.certPem).verify(new X509Certificate(rootPem).publicKey);
};

describe('the CA root shared through a Secret', () => {
  it('the first replica creates it, the second reads the same root; a rotation step on one is adopted by the other', async () => {
    const s = new FakeSecrets();
    const a = await open(s);
    const b = await open(s);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    const rootA = a.shared.ca.trustBundle().pems[0]!;
    expect(b.shared.ca.trustBundle()).toEqual(a.shared.ca.trustBundle());
    expect(Object.keys(s.secret!.data!).sort()).toEqual(['tls.crt', 'tls.key']);

    const begun = await a.shared.step((ca) => ca.beginRootRotation());
    expect(begun).toMatchObject({ ok: true, value: { phase: 'trust-both' } });
    expect(Object.keys(s.secret!.data!).sort()).toEqual(['ca-next.crt', 'ca-next.key', 'state.json', 'tls.crt', 'tls.key']);
    expect(s.secret!.type).toBe('kubernetes.io/tls');
    expect(await b.shared.refresh()).toBe('bundle');
    expect(b.shared.ca.trustBundle()).toEqual(a.shared.ca.trustBundle());
    expect(b.shared.ca.trustBundle().pems).toHaveLength(2);
    expect(await b.shared.refresh()).toBe('nothing');

    expect(await a.shared.step((ca) => ca.advanceRootRotation(true))).toMatchObject({ ok: true, value: { phase: 'sign-with-new' } });
    expect(await b.shared.refresh()).toBe('signer');
    const rootB = b.shared.ca.trustBundle().pems[0]!;
    expect(rootB).not.toBe(rootA);
    expect(signs(b.shared, rootB)).toBe(true);
    expect(signs(b.shared, rootA)).toBe(false);
    // The Secret's tls.crt is the signing root in every phase.
    expect(Buffer.from(s.secret!.data!['tls.crt']!, 'base64').toString()).toBe(rootB);

    expect(await b.shared.step((ca) => ca.advanceRootRotation(true))).toMatchObject({ ok: true, value: { phase: 'stable' } });
    expect(await a.shared.refresh()).toBe('bundle');
    expect(a.shared.ca.trustBundle().pems).toEqual([rootB]);
    expect(a.shared.ca.rotationPhase()).toMatchObject({ phase: 'stable' });
  });

  it('a step that loses the race to another writer is dropped: WEFT6113, and the Secret\'s state is served', async () => {
    const s = new FakeSecrets();
    const a = (await open(s)).shared;
    const b = (await open(s)).shared;
    // b's step reads the Secret, then a writes its own step before b's update lands.
    const r = await b.step(async (ca) => {
      const mine = await ca.beginRootRotation();
      await a.step((other) => other.beginRootRotation());
      return mine;
    });
    expect(r).toMatchObject({ ok: false, conflict: expect.stringMatching(/^WEFT6113: the CA Secret weft-system\/weft-ca changed under this step/) });
    expect(b.ca.trustBundle()).toEqual(a.ca.trustBundle());
    expect(b.ca.trustBundle().pems[1]).toBe(Buffer.from(s.secret!.data!['ca-next.crt']!, 'base64').toString());
  });

  it('a poll that read the Secret before a step landed waits for the step and never moves the CA back a phase', async () => {
    const s = new FakeSecrets();
    const a = (await open(s)).shared;
    const read = s.api.readNamespacedSecret;
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    let poll: Promise<string> | undefined;
    const r = await a.step(async (ca) => {
      // The poll's read sees the Secret as it is now; its answer arrives after the step's update.
      s.api.readNamespacedSecret = async () => {
        const before = await read();
        await answered;
        return before;
      };
      poll = a.refresh();
      s.api.readNamespacedSecret = read;
      return ca.beginRootRotation();
    });
    expect(r).toMatchObject({ ok: true, value: { phase: 'trust-both' } });
    release();
    expect(await poll).toBe('nothing');
    expect(a.ca.rotationPhase()).toMatchObject({ phase: 'trust-both' });
    expect(a.ca.trustBundle().pems).toHaveLength(2);
  });

  it('a step when the Secret cannot be read changes nothing (WEFT6113)', async () => {
    const s = new FakeSecrets();
    const a = (await open(s)).shared;
    const before = a.ca.trustBundle();
    const read = s.api.readNamespacedSecret;
    s.api.readNamespacedSecret = async () => Promise.reject(Object.assign(new Error('unavailable'), { code: 503 }));
    let ran = false;
    const r = await a.step(async (ca) => ((ran = true), ca.beginRootRotation()));
    s.api.readNamespacedSecret = read;
    expect(r).toMatchObject({ ok: false, conflict: 'WEFT6113: cannot read the CA Secret weft-system/weft-ca (503); nothing changed: retry' });
    expect(ran).toBe(false);
    expect(a.ca.trustBundle()).toEqual(before);
  });

  it('keeps the labels an operator put on the Secret', async () => {
    const s = new FakeSecrets();
    const a = (await open(s)).shared;
    const labelled = structuredClone(s.secret!);
    labelled.metadata!.labels = { ...labelled.metadata!.labels, team: 'platform' };
    await s.api.replaceNamespacedSecret({ body: labelled });
    expect(await a.refresh()).toBe('nothing');
    await a.step((ca) => ca.beginRootRotation());
    expect(s.secret!.metadata!.labels).toMatchObject({ team: 'platform' });
  });
});
