/**
 * The admission webhook without an API server: AdmissionReview handling (`reviewAdmission`
 * through the fastify app), bad input (a clear WEFT7101/WEFT7102, never a crash), and the same
 * pod as `weft inject` produces. e2e/kube/webhook.test.ts runs it against a real kube-apiserver.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:https';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CA_BUNDLE_ANNOTATION, applyPatch, injectManifests, planPod, type InjectOptions, type PatchOp, type PodObject } from '../../src/inject/index.js';
import { createRoot } from '../../src/ca/index.js';
import { readCaBundle } from '../../src/cli/inject-options.js';
import { reloadedBundle } from '../../src/cli/webhook.js';
import { TEST_OPTIONS } from './inject-options.js';
import { buildWebhookApp } from '../../src/cli/webhook-app.js';
import { serverCertificate } from '../support/tls-files.js';

const POD_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: { app: web }
spec:
  serviceAccountName: web
  containers:
    - name: app
      image: example/web:1
      ports: [{ name: http, containerPort: 8080 }]
      readinessProbe: { httpGet: { path: /ready, port: http } }
`;
const pod = (): PodObject => parse(POD_YAML) as PodObject;
const review = (object: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: { uid: 'u-1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation: 'CREATE', namespace: 'shop', object, ...extra },
});

const app = buildWebhookApp({ inject: TEST_OPTIONS });
afterAll(() => app.close());

async function post(body: unknown, contentType = 'application/json') {
  const res = await app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}
const patchOf = (response: Record<string, any>) => JSON.parse(Buffer.from(response.patch as string, 'base64').toString('utf8')) as PatchOp[];

describe('webhook: AdmissionReview v1', () => {
  it('answersAPodCreateWithTheJsonPatchThatWeftInjectApplies', async () => {
    const { status, body } = await post(review(pod()));
    expect(status).toBe(200);
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u-1', allowed: true, patchType: 'JSONPatch' } });
    const mutated = applyPatch(pod(), patchOf(body.response));
    expect(mutated).toEqual(parse(injectManifests(POD_YAML, 'pod.yaml', TEST_OPTIONS).text));
  });

  it('takesTheNamespaceFromTheRequestWhenThePodNamesNone', async () => {
    const p = pod();
    delete p.metadata!.namespace;
    const { body } = await post(review(p, { namespace: 'billing' }));
    const mutated = applyPatch(p, patchOf(body.response)) as Record<string, any>;
    expect(JSON.parse(mutated.metadata.annotations['weft.io/envoy-bootstrap']).node.cluster).toBe('web.billing');
  });

  it('allowsAnInjectedPodWithoutAPatch', async () => {
    const injected = applyPatch(pod(), planPod(pod(), 'Pod/web', 'shop', TEST_OPTIONS).ops);
    const { body } = await post(review(injected));
    expect(body.response).toEqual({ uid: 'u-1', allowed: true });
  });

  it('allowsOptedOutAndHostNetworkPodsUnchangedWithAWarningForTheLatter', async () => {
    const out = pod();
    out.metadata!.annotations = { 'weft.io/inject': 'false' };
    expect((await post(review(out))).body.response).toEqual({ uid: 'u-1', allowed: true });
    const host = pod();
    host.spec!.hostNetwork = true;
    const r = (await post(review(host))).body.response;
    expect(r).toMatchObject({ uid: 'u-1', allowed: true });
    expect(r.patch).toBeUndefined();
    expect(r.warnings[0]).toMatch(/^\[WEFT7003\] spec\.hostNetwork: Pod\/web uses the host network/);
  });

  it('deniesAPodItCannotInjectWithTheReason', async () => {
    const bad = pod();
    (bad.spec!.containers as any[])[0].ports.push({ containerPort: 15006 });
    const r = (await post(review(bad))).body.response;
    expect(r).toMatchObject({ uid: 'u-1', allowed: false, status: { code: 400 } });
    expect(r.status.message).toMatch(/^WEFT7102: not injected: spec\.containers\[0\]\.ports\[1\]: Pod\/web: container "app" uses port 15006.*\[WEFT7006\]$/);
    const none = (await post(review({ metadata: { generateName: 'job-' }, spec: { containers: [] } }))).body.response;
    expect(none.status.message).toContain('Pod/job-* has no pod spec with containers [WEFT7002]');
  });

  it('allowsWhatIsNotAPodCreateUnchanged', async () => {
    expect((await post(review(pod(), { operation: 'UPDATE' }))).body.response).toEqual({ uid: 'u-1', allowed: true });
    expect((await post(review({}, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }))).body.response).toEqual({ uid: 'u-1', allowed: true });
  });
});

describe('webhook: bad input', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"apiVersion": ', /^the body is not JSON/],
    ['a JSON array', '[1,2]', /^the body is not a JSON object/],
    ['AdmissionReview v1beta1', { ...review(pod()), apiVersion: 'admission.k8s.io/v1beta1' }, /^expected apiVersion admission\.k8s\.io\/v1, kind AdmissionReview; got "admission\.k8s\.io\/v1beta1"/],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request\.uid is missing/],
    ['an empty uid', { ...review(pod()), request: { ...review(pod()).request, uid: '' } }, /request\.uid is missing/],
    ['an empty body', '', /^the body is not JSON/],
  ];
  for (const [name, body, message] of cases) {
    it(`refuses ${name} with 400 WEFT7101`, async () => {
      const { status, body: out } = await post(body);
      expect(status).toBe(400);
      expect(out.code).toBe('WEFT7101');
      expect(out.message).toMatch(message);
    });
  }

  it('deniesAReviewWhoseObjectIsNoPodObject', async () => {
    for (const object of [null, 'pod', [1]]) {
      const r = (await post(review(object))).body.response;
      expect(r).toMatchObject({ uid: 'u-1', allowed: false, status: { message: 'WEFT7101: request.object is not a Pod object' } });
    }
  });

  it('handlesAnyContentTypeAsTheSameText', async () => {
    expect((await post(review(pod()), 'text/plain')).body.response.allowed).toBe(true);
  });

  it('refusesABodyOverTheLimitWith413', async () => {
    const res = await app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(3 * 1024 * 1024 + 1) });
    expect(res.statusCode).toBe(413);
  });

  it('neverFailsOnMangledReviews', async () => {
    const text = JSON.stringify(review(pod()));
    // Every prefix length class and type-swapped fields: each answer is a 200 review or a 400.
    const bodies = [...Array.from({ length: 40 }, (_, i) => text.slice(0, Math.floor((text.length * i) / 40))),
      JSON.stringify(review({ metadata: 7, spec: { containers: [{ name: 3, ports: 'x', readinessProbe: { httpGet: { port: {} } } }] } })),
      JSON.stringify(review({ metadata: { annotations: [] }, spec: { containers: [{}], initContainers: 'x', volumes: {} } })),
      JSON.stringify(review({ spec: { containers: [null] } }))];
    for (const b of bodies) {
      const { status, body } = await post(b);
      expect([200, 400]).toContain(status);
      if (status === 200) expect(body.response.uid).toBe('u-1');
    }
  });
});

describe('webhook: HTTPS', () => {
  describe('the CA bundle across a root rotation', () => {
    const root = (cn: string) => createRoot({ trustDomain: 'cluster.local', now: Date.now(), commonName: cn }).certPem;
    const [a, b] = [root('root A'), root('root B')];
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-ca-bundle-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (files: Record<string, string | undefined>) => {
      for (const [name, text] of Object.entries(files)) (text === undefined ? rmSync(path.join(dir, name), { force: true }) : writeFileSync(path.join(dir, name), text));
    };
    const count = (bundle: string) => bundle.split('-----BEGIN CERTIFICATE-----').length - 1;

    it('readsEveryRootOfTheMountedSecretOnceAndNoKey', () => {
      write({ 'tls.crt': a, 'ca-next.crt': b, 'tls.key': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' });
      const bundle = readCaBundle(dir);
      expect(count(bundle)).toBe(2);
      expect(bundle).toContain(a.trim());
      expect(bundle).toContain(b.trim());
      expect(bundle).not.toContain('PRIVATE KEY');
      // sign-with-new: B signs (tls.crt), A is the previous root; a root named twice is one entry.
      write({ 'tls.crt': b, 'ca-next.crt': undefined, 'ca-prev.crt': a, 'copy.crt': b });
      expect(count(readCaBundle(dir))).toBe(2);
      write({ 'copy.crt': undefined });
    });

    it('reachesNewPodsWithoutARestartAndKeepsTheLastGoodBundleWhenUnreadable', async () => {
      write({ 'tls.crt': a, 'ca-next.crt': undefined, 'ca-prev.crt': undefined });
      const flags = { caBundle: dir };
      let inject: InjectOptions = { ...TEST_OPTIONS, caBundle: readCaBundle(dir) };
      const said: string[] = [];
      const reload = () => (inject = reloadedBundle(flags, inject, (l) => said.push(l)));
      const server = buildWebhookApp({ inject: () => inject });
      const annotation = async () => {
        const res = await server.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review(pod())) });
        const mutated = applyPatch(pod(), patchOf(res.json().response)) as { metadata: { annotations: Record<string, string> } };
        return mutated.metadata.annotations[CA_BUNDLE_ANNOTATION]!;
      };
      try {
        expect(count(await annotation())).toBe(1);
        const before = inject;
        expect(reload()).toBe(before);
        expect(said).toEqual([]);
        // A rotation begins: the Secret gains ca-next.crt, and the next pod trusts both roots.
        write({ 'ca-next.crt': b });
        reload();
        expect(said).toEqual(['weft webhook: CA bundle reloaded (2 certificates)\n']);
        const both = await annotation();
        expect(both).toContain(a.trim());
        expect(both).toContain(b.trim());
        // An unreadable mount keeps the bundle it had.
        rmSync(dir, { recursive: true, force: true });
        reload();
        expect(said[1]).toMatch(/^weft webhook: keeping the current CA bundle: --ca-bundle .*ENOENT/);
        expect(await annotation()).toBe(both);
      } finally {
        await server.close();
      }
    });
  });

  it('servesTheReviewOverTlsWithTheGivenCertificate', async () => {
    const tls = serverCertificate('weft-webhook.weft-system.svc');
    const server = buildWebhookApp({ inject: TEST_OPTIONS, https: { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') } });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (server.server.address() as { port: number }).port;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', ca: tls.caPem, servername: 'weft-webhook.weft-system.svc', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString())).on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end(JSON.stringify(review(pod())));
      });
      expect(JSON.parse(body).response).toMatchObject({ uid: 'u-1', allowed: true, patchType: 'JSONPatch' });
    } finally {
      await server.close();
    }
  });
});
