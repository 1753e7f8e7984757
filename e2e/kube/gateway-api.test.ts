/**
 * Gateway API routes from a real kube-apiserver: the standard-channel CRDs of
 * sigs.k8s.io/gateway-api v1.6.3 (scripts/gateway-api-crds.sh) applied, HTTPRoutes and a
 * ReferenceGrant created, weft's KubernetesRouteSource picks them up through informers, the policy
 * loader resolves them into the TrafficPolicy route model, and route status (Accepted,
 * ResolvedRefs, observedGeneration = metadata.generation) is written through the status
 * subresource.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRouteSource, WEFT_CONTROLLER, type RouteObject } from '../../src/discovery/kube-routes.js';
import { loadPolicyDocuments } from '../../src/policy/index.js';
import { eventually } from '../../test/support/eventually.js';
import { installGatewayApiCrds } from './crds.js';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';

const GROUP = 'gateway.networking.k8s.io';
let kube: KubeApiServer;
let source: KubernetesRouteSource | undefined;

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
  await installGatewayApiCrds(kube);
}, 240_000);

afterAll(async () => {
  await source?.stop();
  await kube?.stop();
}, 60_000);

const httpRoute = (ns: string, name: string, backend: Record<string, unknown>) => ({
  apiVersion: `${GROUP}/v1`, kind: 'HTTPRoute', metadata: { name, namespace: ns },
  spec: {
    parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
    rules: [
      { matches: [{ headers: [{ name: 'x-user', value: 'tester' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
      { backendRefs: [{ name: 'reviews-v1', port: 9080, weight: 90 }, { ...backend, port: backend.port ?? 9080, weight: 10 }] },
    ],
  },
});

describe('Gateway API routes from a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('informers pick up HTTPRoutes, which resolve into routes; status says Accepted and ResolvedRefs at the route\'s generation, RefNotPermitted until a ReferenceGrant allows the backend', async () => {
    const ns = await kube.createNamespace('gamma');
    const other = await kube.createNamespace('ratings');
    const custom = kube.kubeConfig.makeApiClient(CustomObjectsApi);
    const create = (plural: string, version: string, namespace: string, body: object) => custom.createNamespacedCustomObject({ group: GROUP, version, namespace, plural, body });
    await create('httproutes', 'v1', ns, httpRoute(ns, 'canary', { name: 'reviews-v2' }));
    await create('httproutes', 'v1', ns, httpRoute(ns, 'elsewhere', { name: 'ratings', namespace: other, port: 8080 }));

    source = new KubernetesRouteSource(kube.kubeConfig);
    await source.start();
    const load = () => loadPolicyDocuments(source!.files());
    await eventually(() => expect(source!.files().map((f) => f.path).sort()).toEqual([`kubernetes/HTTPRoute/${ns}/canary.yaml`, `kubernetes/HTTPRoute/${ns}/elsewhere.yaml`]));

    const refused = load();
    expect(refused.ok).toBe(false);
    expect(refused.diagnostics.map((d) => `${d.code} ${d.source?.file} ${d.path}`)).toEqual([`WEFT2061 kubernetes/HTTPRoute/${ns}/elsewhere.yaml spec.rules[1].backendRefs[1]`]);
    await source.writeStatus(refused.diagnostics);
    const status = async (name: string) => {
      const o = await custom.getNamespacedCustomObjectStatus({ group: GROUP, version: 'v1', namespace: ns, plural: 'httproutes', name }) as RouteObject;
      const parent = o.status?.parents?.find((p) => p.controllerName === WEFT_CONTROLLER);
      return { generation: o.metadata?.generation, conditions: Object.fromEntries((parent?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}@${c.observedGeneration}`])) };
    };
    expect(await status('canary')).toEqual({ generation: 1, conditions: { Accepted: 'True/Accepted@1', ResolvedRefs: 'True/ResolvedRefs@1' } });
    expect(await status('elsewhere')).toEqual({ generation: 1, conditions: { Accepted: 'True/Accepted@1', ResolvedRefs: 'False/RefNotPermitted@1' } });

    await create('referencegrants', 'v1beta1', other, {
      apiVersion: `${GROUP}/v1beta1`, kind: 'ReferenceGrant', metadata: { name: 'from-gamma', namespace: other },
      spec: { from: [{ group: GROUP, kind: 'HTTPRoute', namespace: ns }], to: [{ group: '', kind: 'Service' }] },
    });
    await eventually(() => expect([...load().diagnostics.map((d) => `${d.code} ${d.source?.file} ${d.message}`)]).toEqual([]));
    const ok = load();
    if (!ok.ok) throw new Error('load failed');
    const routes = ok.policy.traffic.get(`reviews.${ns}`)!.routes;
    expect(routes.map((r) => [r.match?.headers ? 'x-user' : '*', r.port, (r.backends ?? []).map((b) => `${b.service}:${b.port}/${b.weight}`).join(' ')])).toEqual([
      ['x-user', 9080, `reviews-v2.${ns}:9080/1`],
      ['x-user', 9080, `reviews-v2.${ns}:9080/1`],
      ['*', 9080, `reviews-v1.${ns}:9080/90 reviews-v2.${ns}:9080/10`],
      ['*', 9080, `reviews-v1.${ns}:9080/90 ratings.${other}:8080/10`],
    ]);
    await source.writeStatus(ok.diagnostics);
    expect(await status('elsewhere')).toEqual({ generation: 1, conditions: { Accepted: 'True/Accepted@1', ResolvedRefs: 'True/ResolvedRefs@1' } });

    // A spec change bumps the generation; the next status carries it.
    await custom.patchNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'httproutes', name: 'canary',
      body: [{ op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 50 }] });
    await eventually(() => expect(source!.files().find((f) => f.path.endsWith('/canary.yaml'))?.text).toContain('weight: 50'));
    await source.writeStatus(load().diagnostics);
    expect(await status('canary')).toEqual({ generation: 2, conditions: { Accepted: 'True/Accepted@2', ResolvedRefs: 'True/ResolvedRefs@2' } });
  }, 180_000);

  kubeIt('a status write that meets a newer resourceVersion reads the route again and keeps what another controller wrote meanwhile; a newer generation is left to its own load', async () => {
    const ns = await kube.createNamespace('conflict');
    const custom = kube.kubeConfig.makeApiClient(CustomObjectsApi);
    const at = (name: string) => ({ group: GROUP, version: 'v1', namespace: ns, plural: 'httproutes', name });
    await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'httproutes', body: httpRoute(ns, 'canary', { name: 'reviews-v2' }) });
    await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural: 'httproutes', body: httpRoute(ns, 'respec', { name: 'reviews-v2' }) });
    // A source whose informers stop after their first sync: its copies stay at that resourceVersion.
    const stale = new KubernetesRouteSource(kube.kubeConfig);
    await stale.start();
    const mine = (f: { path: string }) => f.path.includes(`/${ns}/`);
    await eventually(() => expect(stale.files().filter(mine)).toHaveLength(2));
    await stale.stop();
    const diagnostics = loadPolicyDocuments(stale.files().filter(mine)).diagnostics;

    // Another controller writes its own parent entry to canary; respec's spec changes (generation 2).
    const other = { parentRef: { group: '', kind: 'Service', name: 'reviews', port: 9080 }, controllerName: 'example.com/other',
      conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', observedGeneration: 1, lastTransitionTime: new Date().toISOString() }] };
    const current = await custom.getNamespacedCustomObjectStatus(at('canary')) as RouteObject;
    await custom.replaceNamespacedCustomObjectStatus({ ...at('canary'), body: { ...current, status: { parents: [other] } } });
    await custom.patchNamespacedCustomObject({ ...at('respec'), body: [{ op: 'replace', path: '/spec/rules/1/backendRefs/1/weight', value: 50 }] });

    // Both copies are now behind: each write meets 409 Conflict first.
    await stale.writeStatus(diagnostics);
    const parents = async (name: string) => ((await custom.getNamespacedCustomObjectStatus(at(name))) as RouteObject).status?.parents ?? [];
    const canary = await parents('canary');
    expect(canary.map((p) => p.controllerName).sort()).toEqual(['example.com/other', WEFT_CONTROLLER]);
    expect(canary.find((p) => p.controllerName === 'example.com/other')!.conditions[0]!.message).toBe('theirs');
    expect(canary.find((p) => p.controllerName === WEFT_CONTROLLER)!.conditions.map((c) => `${c.type}=${c.status}@${c.observedGeneration}`)).toEqual(['Accepted=True@1', 'ResolvedRefs=True@1']);
    // The diagnostics are about generation 1: no status claims them for generation 2.
    expect(await parents('respec')).toEqual([]);
  }, 120_000);

  kubeIt('Gateways of class weft from the cluster are policy: their weft.dev annotations kept, routes attached; another class is not read', async () => {
    const ns = await kube.createNamespace('ingress');
    const custom = kube.kubeConfig.makeApiClient(CustomObjectsApi);
    const create = (plural: string, body: object) => custom.createNamespacedCustomObject({ group: GROUP, version: 'v1', namespace: ns, plural, body });
    const gateway = (name: string, className: string) => ({
      apiVersion: `${GROUP}/v1`, kind: 'Gateway',
      metadata: { name, namespace: ns, annotations: { 'weft.dev/service-account': 'edge-proxy', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: { gatewayClassName: className, listeners: [{ name: 'web', port: 8080, protocol: 'HTTP', hostname: 'shop.example.com' }] },
    });
    await create('gateways', gateway('edge', 'weft'));
    await create('gateways', gateway('theirs', 'istio'));
    await create('httproutes', { apiVersion: `${GROUP}/v1`, kind: 'HTTPRoute', metadata: { name: 'shop', namespace: ns },
      spec: { parentRefs: [{ name: 'edge', sectionName: 'web' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
    if (!source) {
      source = new KubernetesRouteSource(kube.kubeConfig);
      await source.start();
    }
    const mine = (f: { path: string }) => f.path.includes(`/${ns}/`);
    await eventually(() => expect(source!.files().filter(mine).map((f) => f.path).sort()).toEqual([`kubernetes/Gateway/${ns}/edge.yaml`, `kubernetes/HTTPRoute/${ns}/shop.yaml`]));
    const text = source.files().find((f) => f.path.endsWith('/edge.yaml'))!.text;
    expect(text).toContain('weft.dev/service-account: edge-proxy');
    expect(text).not.toContain('last-applied');
    const loaded = loadPolicyDocuments(source.files().filter(mine));
    if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
    const gw = loaded.policy.gateways!.get(`${ns}/edge`)!;
    expect([gw.serviceAccount, gw.listeners.map((l) => [l.name, l.hosts.map((h) => [h.hostname, h.routes.map((r) => r.backends![0]!.service)])])])
      .toEqual(['edge-proxy', [['web', [['shop.example.com', [`web.${ns}`]]]]]]);
    // weft writes no Gateway status (and the route's, with no Service parent, keeps no weft entry).
    await source.writeStatus(loaded.diagnostics);
    const read = await custom.getNamespacedCustomObjectStatus({ group: GROUP, version: 'v1', namespace: ns, plural: 'gateways', name: 'edge' }) as { status?: { listeners?: unknown } };
    expect(read.status?.listeners).toBeUndefined();
  }, 120_000);
});