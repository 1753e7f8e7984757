/**
 * Identity from ServiceAccount tokens against a real API server: weft's token exchange runs under
 * the `weft` ServiceAccount with deploy/kubernetes/rbac.yaml (its TokenReviews are real), and
 * `weft agent` fetches a pod's bootstrap certificate with a TokenRequest token, as a projected
 * token would be. A good token gets its own ns/sa identity; a token cannot get another
 * namespace's identity; an expired token, a token without weft's audience and a garbage token are
 * refused, with no certificate.
 */
import { X509Certificate, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { TokenExchange, kubeTokenReviewer } from '../../src/controlplane/index.js';
import { startExchangeServer, type RunningExchange } from '../../src/cli/token-exchange-server.js';
import { deployDir, loadObjects } from '../../test/deploy/manifests.js';
import { weft } from '../../test/cli/run-weft.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';

const TD = 'cluster.local';
let kube: KubeApiServer;
let ca: CertificateAuthority;
let exchange: TokenExchange;
let server: RunningExchange;
let shop: string;
let billing: string;
const dir = mkdtempSync(path.join(tmpdir(), 'weft-token-e2e-'));

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
  for (const { file: _f, ...obj } of loadObjects(path.join(deployDir, 'kubernetes', 'rbac.yaml')).objects) await kube.apply(obj as KubernetesObject);
  const asWeft = kube.kubeConfigFor(await kube.tokenFor('weft-system', 'weft'), kube.url, 'weft');
  const opened = await CertificateAuthority.open(path.join(dir, 'ca'), { trustDomain: TD });
  if (!opened.ok) throw new Error(opened.error.message);
  ca = opened.value;
  exchange = new TokenExchange({ review: await kubeTokenReviewer(asWeft), ca, trustDomain: TD, audience: 'weft', ttlMs: 3600_000 });
  server = await startExchangeServer({ exchange, ca, trustDomain: TD, host: '127.0.0.1', port: 0 });
  writeFileSync(path.join(dir, 'ca.pem'), ca.trustBundle().pems.join(''));
  shop = await kube.createNamespace('shop');
  billing = await kube.createNamespace('billing');
  for (const ns of [shop, billing]) await kube.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'web' } } });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await kube?.stop();
}, 60_000);

const exchangeToken = (token: string, extra: Record<string, string> = {}) => exchange.exchange(JSON.stringify({ token, ...extra }), `client-${Math.random()}`);

/** A ServiceAccount JWT signed with the API server's own signing key, expired an hour ago. */
async function expiredToken(ns: string, sa: string): Promise<string> {
  const account = await kube.core.readNamespacedServiceAccount({ namespace: ns, name: sa });
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = {
    iss: 'https://kubernetes.default.svc.cluster.local', sub: `system:serviceaccount:${ns}:${sa}`, aud: ['weft'],
    iat: now - 7200, nbf: now - 7200, exp: now - 3600,
    'kubernetes.io': { namespace: ns, serviceaccount: { name: sa, uid: account.metadata!.uid } },
  };
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}`;
  const key = createPrivateKey(readFileSync(path.join(kube.ready.dir, 'sa.key')));
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('token identity against a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('weftAgentGetsTheBootstrapCertificateOfItsOwnNamespaceAndServiceAccount', async () => {
    const token = await kube.tokenFor(shop, 'web', { audiences: ['weft'], seconds: 600 });
    writeFileSync(path.join(dir, 'token'), token);
    const out = path.join(dir, 'certs');
    const r = await weft('agent', '--token-file', path.join(dir, 'token'), '--ca-file', path.join(dir, 'ca.pem'), '--exchange-address', `127.0.0.1:${server.port}`,
      '--namespace', shop, '--service-account', 'web', '--out', out, '--timeout', '10s');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const cert = new X509Certificate(readFileSync(path.join(out, 'cert.pem')));
    expect(cert.subjectAltName).toBe(`URI:spiffe://${TD}/ns/${shop}/sa/web`);
    expect(cert.checkIssued(new X509Certificate(ca.trustBundle().pems[0]!))).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThanOrEqual(3600_000 + 60_000);
  });

  kubeIt('aTokenCannotGetAnotherNamespacesIdentity', async () => {
    const token = await kube.tokenFor(shop, 'web', { audiences: ['weft'], seconds: 600 });
    const asked = await exchangeToken(token, { namespace: billing, serviceAccount: 'web' });
    expect(asked).toMatchObject({ status: 403, body: { code: 'WEFT6104' } });
    expect(asked.body.message).toContain(`belongs to ${shop}/web, not ${billing}/web`);
    // Without naming one, the identity is the token's own namespace, never the other.
    const own = await exchangeToken(token);
    expect(own.body.spiffeId).toBe(`spiffe://${TD}/ns/${shop}/sa/web`);
    const other = await exchangeToken(await kube.tokenFor(billing, 'web', { audiences: ['weft'], seconds: 600 }));
    expect(other.body.spiffeId).toBe(`spiffe://${TD}/ns/${billing}/sa/web`);
  });

  kubeIt('refusesAnExpiredToken', async () => {
    const out = await exchangeToken(await expiredToken(shop, 'web'));
    expect(out).toMatchObject({ status: 401, body: { code: 'WEFT6102' } });
    expect(out.body.certPem).toBeUndefined();
  });

  kubeIt('refusesATokenWithoutWeftsAudience', async () => {
    const apiToken = await kube.tokenFor(shop, 'web', { seconds: 600 });
    const other = await kube.tokenFor(shop, 'web', { audiences: ['vault'], seconds: 600 });
    // The API server authenticates a token only for audiences it carries: asked for `weft`, it
    // answers unauthenticated (so WEFT6103, an authenticated review without weft's audience, is
    // the defence in depth the fake-reviewer test covers).
    for (const token of [apiToken, other]) {
      const out = await exchangeToken(token);
      expect(out, JSON.stringify(out.body)).toMatchObject({ status: 401, body: { code: 'WEFT6102' } });
      expect(out.body.message).toMatch(/audience/);
      expect(out.body.certPem).toBeUndefined();
    }
  });

  kubeIt('refusesAGarbageToken', async () => {
    expect(await exchangeToken('not-a-jwt')).toMatchObject({ status: 401, body: { code: 'WEFT6102' } });
  });

  kubeIt('refusesATokenOfADeletedServiceAccount', async () => {
    const ns = await kube.createNamespace('gone');
    await kube.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'temp' } } });
    const token = await kube.tokenFor(ns, 'temp', { audiences: ['weft'], seconds: 600 });
    expect((await exchangeToken(token)).status).toBe(200);
    await kube.core.deleteNamespacedServiceAccount({ namespace: ns, name: 'temp' });
    // The API server looks ServiceAccounts up through its informer: poll until it saw the delete.
    await vi.waitFor(async () => expect(await exchangeToken(token)).toMatchObject({ status: 401, body: { code: 'WEFT6102' } }), { timeout: 45_000, interval: 250 });
  });
});
