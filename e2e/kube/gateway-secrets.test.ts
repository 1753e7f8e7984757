/**
 * Ingress gateway certificates from Kubernetes TLS Secrets, against the real kube-apiserver:
 * discovery's informer lists and watches Secrets of type kubernetes.io/tls only (an Opaque Secret
 * of the same name is never seen), the control plane's adapter serves a pair whose key matches its
 * certificate, refuses one whose key does not (WEFT6116, logged without key material), follows an
 * update (listeners told, the new certificate served) and a delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesTlsSecrets } from '../../src/discovery/kube-secrets.js';
import { SecretGatewayCertificates } from '../../src/controlplane/gateway-certs.js';
import { memoryLogger } from '../../src/controlplane/index.js';
import { until } from '../envoy/http.js';
import { serverCertificate, type TlsFiles } from '../../test/support/tls-files.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { readFileSync, rmSync } from 'node:fs';

let kube: KubeApiServer;
let secrets: KubernetesTlsSecrets | undefined;
const shop = serverCertificate('shop.example.com');
const other = serverCertificate('other.example.com');

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
}, 240_000);

afterAll(async () => {
  await secrets?.stop();
  await kube?.stop();
  for (const t of [shop, other]) rmSync(t.dir, { recursive: true, force: true });
}, 60_000);

const b64 = (file: string) => readFileSync(file).toString('base64');
const tls = (name: string, crt: TlsFiles, key: TlsFiles) => ({ metadata: { name }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(crt.certFile), 'tls.key': b64(key.keyFile) } });

describe('gateway certificates from TLS Secrets (real API server)', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('serves a TLS Secret\'s pair, never an Opaque Secret, refuses a mismatched key, follows an update and a delete', async () => {
    const ns = await kube.createNamespace('ingress');
    const opaque = await kube.createNamespace('apps');
    await kube.core.createNamespacedSecret({ namespace: ns, body: tls('shop-tls', shop, shop) });
    await kube.core.createNamespacedSecret({ namespace: ns, body: tls('mixed', shop, other) });
    await kube.core.createNamespacedSecret({ namespace: opaque, body: { metadata: { name: 'shop-tls' }, type: 'Opaque', data: { 'tls.crt': b64(shop.certFile), 'tls.key': b64(shop.keyFile) } } });
    const log = memoryLogger();
    secrets = new KubernetesTlsSecrets(kube.kubeConfig);
    const certs = new SecretGatewayCertificates(secrets, log);
    let changes = 0;
    certs.onChange(() => changes++);
    // The first request starts the informer (a mesh without a Secret reference never lists Secrets).
    expect(certs.certificate('Secret', ns, 'shop-tls')).toBeUndefined();
    const first = await until('the TLS Secret served', 15_000, async () => certs.certificate('Secret', ns, 'shop-tls'));
    expect(first.certPem).toBe(readFileSync(shop.certFile, 'utf8'));
    expect(certs.certificate('CertificateFile', ns, 'shop-tls')).toBeUndefined();
    expect(certs.certificate('Secret', opaque, 'shop-tls')).toBeUndefined();
    expect(secrets.tlsPair(opaque, 'shop-tls')).toBeUndefined();
    // The watch is filtered too: an Opaque Secret created before a TLS one never reaches the cache.
    await kube.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'late' }, type: 'Opaque', data: { x: 'eA==' } } });
    await kube.core.createNamespacedSecret({ namespace: ns, body: tls('late-tls', shop, shop) });
    await until('the TLS Secret created after the start', 15_000, async () => certs.certificate('Secret', ns, 'late-tls'));
    expect(secrets.tlsPair(ns, 'late')).toBeUndefined();
    expect(certs.certificate('Secret', ns, 'mixed')).toBeUndefined();
    const text = log.lines.join('\n');
    expect(text).toContain(`Secret ${ns}/mixed`);
    expect(text).toContain('tls.key is not the key of the certificate in tls.crt');
    expect(text).toContain(`no Secret ${opaque}/shop-tls of type kubernetes.io/tls`);
    expect(text).not.toMatch(/PRIVATE KEY|BEGIN/);
    const before = changes;
    await kube.core.replaceNamespacedSecret({ name: 'shop-tls', namespace: ns, body: tls('shop-tls', other, other) });
    const renewed = await until('the updated Secret served', 15_000, async () => {
      const c = certs.certificate('Secret', ns, 'shop-tls');
      return c && c.certPem !== first.certPem ? c : undefined;
    });
    expect(renewed.certPem).toBe(readFileSync(other.certFile, 'utf8'));
    expect(changes).toBeGreaterThan(before);
    await kube.core.deleteNamespacedSecret({ name: 'shop-tls', namespace: ns });
    await until('the deleted Secret gone', 15_000, async () => (certs.certificate('Secret', ns, 'shop-tls') === undefined ? true : undefined));
  }, 120_000);
});
