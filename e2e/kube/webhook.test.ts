/**
 * The admission webhook against a real API server: deploy/kubernetes/webhook.yaml's
 * MutatingWebhookConfiguration is registered (its clientConfig pointed at `weft webhook`'s app on
 * loopback, with the caBundle of its serving certificate). A Pod created in a labelled namespace
 * reads back mutated, equal to the same Pod injected by `weft inject` and created there; pods
 * without the label (or opted out) are untouched; with the webhook down, failurePolicy Fail
 * rejects the creation and Ignore admits the pod unmutated.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1MutatingWebhookConfiguration, V1Pod } from '@kubernetes/client-node';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { injectManifests } from '../../src/inject/index.js';
import { buildWebhookApp } from '../../src/cli/webhook-app.js';
import { TEST_OPTIONS } from '../../test/deploy/inject-options.js';
import { deployDir, loadObjects } from '../../test/deploy/manifests.js';
import { serverCertificate } from '../../test/support/tls-files.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';

let kube: KubeApiServer;
let admission: AdmissionregistrationV1Api;
const tls = serverCertificate('weft-webhook.weft-system.svc');
const app = buildWebhookApp({ inject: TEST_OPTIONS, https: { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') } });
let url = '';
let labelled: string;

const manifest = loadObjects(path.join(deployDir, 'kubernetes', 'webhook.yaml')).objects.find((o) => o.kind === 'MutatingWebhookConfiguration')! as unknown as V1MutatingWebhookConfiguration & { file?: string };

/** The manifest's configuration, renamed, with every webhook pointed at `target` (and overrides). */
function configuration(name: string, target: string, edit: (h: NonNullable<V1MutatingWebhookConfiguration['webhooks']>[number]) => object = () => ({})): V1MutatingWebhookConfiguration {
  const { file: _f, ...c } = structuredClone(manifest);
  return {
    ...c, metadata: { ...c.metadata, name },
    webhooks: c.webhooks!.map((h) => ({ ...h, clientConfig: { url: target, caBundle: Buffer.from(tls.caPem).toString('base64') }, ...edit(h) })),
  };
}

const POD = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: web${Object.entries(labels).map(([k, v]) => `, ${k}: ${v}`).join('')} }
spec:
  containers:
    - name: app
      image: registry.example/web:1
      ports: [{ name: http, containerPort: 8080 }]
      readinessProbe: { httpGet: { path: /ready, port: http } }
`;
const podObject = (yaml: string, namespace: string) => ({ ...(parse(yaml) as V1Pod), metadata: { ...(parse(yaml) as V1Pod).metadata, namespace } });
const names = (p: V1Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => c.name);

/** A pod as read back, without what differs by name or instance (uid, times, the random token volume's suffix). */
function comparable(p: V1Pod): unknown {
  const json = JSON.parse(JSON.stringify(p)) as Record<string, any>;
  const { name: _n, uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, ...metadata } = json.metadata;
  delete metadata.annotations['weft.io/inject'];
  const strip = (list?: { name: string }[]) => list?.filter((v) => !v.name.startsWith('kube-api-access-'));
  for (const c of [...(json.spec.initContainers ?? []), ...json.spec.containers]) c.volumeMounts = strip(c.volumeMounts);
  json.spec.volumes = strip(json.spec.volumes);
  return { metadata, spec: json.spec };
}

beforeAll(async () => {
  if (needsKube) return;
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${(app.server.address() as { port: number }).port}/inject`;
  kube = await startKubeApiServer();
  admission = kube.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  await admission.createMutatingWebhookConfiguration({ body: configuration('weft-sidecar-injector', url) });
  labelled = await kube.createNamespace('shop', { 'weft.io/inject': 'enabled' });
  // The API server loads webhook configurations asynchronously: wait until a dry-run is mutated.
  await vi.waitFor(async () => {
    const p = await kube.core.createNamespacedPod({ namespace: labelled, body: podObject(POD('probe'), labelled), dryRun: 'All' });
    expect(names(p)).toContain('weft-proxy');
  }, { timeout: 30_000, interval: 250 });
}, 180_000);

afterAll(async () => {
  await kube?.stop();
  await app.close();
}, 60_000);

describe('the admission webhook against a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('aPodInALabelledNamespaceReadsBackAsWeftInjectWritesIt', async () => {
    const mutated = await kube.core.createNamespacedPod({ namespace: labelled, body: podObject(POD('web-a'), labelled) });
    const injected = injectManifests(POD('web-b'), 'pod.yaml', { ...TEST_OPTIONS, namespace: labelled });
    expect(injected.diagnostics).toEqual([]);
    // Annotated weft.io/inject: "false" after weft inject wrote it, so the webhook leaves it as
    // written (else it would re-plan it with its own options and the comparison would prove nothing).
    const written = podObject(injected.text, labelled);
    written.metadata!.annotations = { ...written.metadata!.annotations, 'weft.io/inject': 'false' };
    const viaInject = await kube.core.createNamespacedPod({ namespace: labelled, body: written });
    expect(names(mutated)).toEqual(['weft-init', 'weft-agent', 'weft-proxy', 'app']);
    expect(mutated.spec!.initContainers![2]!.restartPolicy).toBe('Always');
    expect(mutated.spec!.containers[0]!.readinessProbe!.httpGet).toMatchObject({ path: '/app-health/app/readyz', port: 15020 });
    const read = await kube.core.readNamespacedPod({ namespace: labelled, name: 'web-a' });
    expect(comparable(read)).toEqual(comparable(viaInject));
  });

  kubeIt('leavesPodsWithoutTheLabelOrOptedOutUntouched', async () => {
    const plain = await kube.createNamespace('plain');
    expect(names(await kube.core.createNamespacedPod({ namespace: plain, body: podObject(POD('plain'), plain) }))).toEqual(['app']);
    const optedOut = await kube.core.createNamespacedPod({ namespace: labelled, body: podObject(POD('out', { 'weft.io/inject': 'disabled' }), labelled) });
    expect(names(optedOut)).toEqual(['app']);
    const byPodLabel = await kube.core.createNamespacedPod({ namespace: plain, body: podObject(POD('in', { 'weft.io/inject': 'enabled' }), plain) });
    expect(names(byPodLabel)).toEqual(['weft-init', 'weft-agent', 'weft-proxy', 'app']);
  });

  kubeIt('deniesAPodItCannotInjectWithTheReason', async () => {
    const bad = podObject(POD('bad'), labelled);
    bad.spec!.containers[0]!.ports!.push({ containerPort: 15006 });
    await expect(kube.core.createNamespacedPod({ namespace: labelled, body: bad })).rejects.toMatchObject({ code: 400, body: expect.stringContaining('WEFT7102') });
  });

  kubeIt('withTheWebhookDownFailRejectsAndIgnoreAdmitsUnmutated', async () => {
    const dead = 'https://127.0.0.1:1/inject'; // nothing listens on port 1
    const only = (label: string) => () => ({ namespaceSelector: { matchLabels: { 'weft-test': label } }, objectSelector: {} });
    // Ignore first: once the later Fail configuration is in effect, the earlier one is too (the
    // API server's informer delivers them in order), so the admitted pod below is no race.
    await admission.createMutatingWebhookConfiguration({ body: configuration('weft-down-ignore', dead, (h) => ({ ...only('down-ignore')(), failurePolicy: 'Ignore', name: `ignore.${h.name}` })) });
    await admission.createMutatingWebhookConfiguration({ body: configuration('weft-down-fail', dead, (h) => ({ ...only('down-fail')(), name: `fail.${h.name}` })) });
    const failNs = await kube.createNamespace('down-fail', { 'weft-test': 'down-fail' });
    const ignoreNs = await kube.createNamespace('down-ignore', { 'weft-test': 'down-ignore' });
    await vi.waitFor(async () => {
      await expect(kube.core.createNamespacedPod({ namespace: failNs, body: podObject(POD('rejected'), failNs) }))
        .rejects.toMatchObject({ code: 500, body: expect.stringContaining('failed calling webhook') });
    }, { timeout: 30_000, interval: 250 });
    const admitted = await kube.core.createNamespacedPod({ namespace: ignoreNs, body: podObject(POD('admitted'), ignoreNs) });
    expect(names(admitted)).toEqual(['app']);
    expect(admitted.metadata!.annotations ?? {}).not.toHaveProperty(['weft.io/envoy-bootstrap']);
  });
});
