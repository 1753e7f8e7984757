/**
 * What two weft replicas share through a real API server: the CA root Secret created once (a
 * create race has exactly one winner, and both replicas end up with the winner's root), and the
 * leader-election Lease (one holder; renewal; takeover only after expiry or release; only the
 * holder runs once-only tasks). Each replica uses its own client, as separate processes would.
 */
import { X509Certificate } from 'node:crypto';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseElector } from '../../src/controlplane/lease.js';
import { ensureRootSecret } from '../../src/controlplane/root-secret.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';

let kube: KubeApiServer;
const electors: LeaseElector[] = [];

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
}, 180_000);

afterAll(async () => {
  await Promise.all(electors.map((e) => e.stop()));
  await kube?.stop();
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
