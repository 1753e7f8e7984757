/**
 * GAMMA in the namespace mesh (iptables mode, mTLS strict): an HTTPRoute with a Service parent,
 * not a TrafficPolicy, routes the client's calls to `reviews` to the Services `reviews-v1` and
 * `reviews-v2` (the Gateway API splits between Services, not subsets). Assertions are on which
 * application served each request; the route file is edited live to move the canary.
 */
import { describe, expect } from 'vitest';
import { http as send, scenario, tally, type HttpCall } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const port = (p: number) => [{ name: 'http', port: p, targetPort: p + 10_000, protocol: 'http' as const }];
const SERVICES: ServiceDef[] = [
  { name: 'reviews', serviceAccount: 'reviews', ports: port(9080) },
  { name: 'reviews-v1', serviceAccount: 'reviews', ports: port(9080) },
  { name: 'reviews-v2', serviceAccount: 'reviews', ports: port(9080) },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'reviews-main', service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews' } },
  { name: 'reviews-v1', service: 'reviews-v1', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v1' } },
  { name: 'reviews-v2', service: 'reviews-v2', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v2' } },
];

const route = (v1: number, v2: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: default }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews, port: 9080 }]
  rules:
    - matches: [{ headers: [{ name: x-user, value: tester }] }]
      backendRefs: [{ name: reviews-v2, port: 9080 }]
    - matches: [{ path: { type: PathPrefix, value: /v1 } }]
      backendRefs: [{ name: reviews-v1, port: 9080 }]
    - matches: [{ path: { value: /api/ } }]
      filters:
        - type: URLRewrite
          urlRewrite: { hostname: reviews-internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
        - type: RequestHeaderModifier
          requestHeaderModifier: { set: [{ name: x-route, value: api }], add: [{ name: x-trace, value: gamma }], remove: [x-secret] }
        - type: ResponseHeaderModifier
          responseHeaderModifier: { add: [{ name: x-served-by, value: httproute }] }
      backendRefs: [{ name: reviews-v1, port: 9080 }]
    - matches: [{ path: { value: /old } }]
      filters:
        - type: RequestRedirect
          requestRedirect: { scheme: https, hostname: web.example, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new }, statusCode: 301 }
    - backendRefs:
        - { name: reviews-v1, port: 9080, weight: ${v1} }
        - { name: reviews-v2, port: 9080, weight: ${v2} }
`;

describe('Envoy namespace mesh: Gateway API HTTPRoute (GAMMA)', () => {
  const mesh = useNetnsMesh({
    services: SERVICES, workloads: WORKLOADS,
    policy: { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n', 'reviews-route.yaml': route(90, 10) },
  });
  const reviewsCall = (count: number, o: HttpCall = {}) => send(mesh(), 'client', 'reviews-main', 'reviews', 9080, count, o);
  const share = (t: Record<string, number>, k: string, n: number) => (t[k] ?? 0) / n;

  scenario('an HTTPRoute canary 90/10 within ±3 %, then 50/50 within ±3 % after a live edit; reviews itself serves nothing', async () => {
    const t = tally(await reviewsCall(2000, { concurrency: 8 }));
    expect(Math.abs(share(t, 'reviews-v2', 2000) - 0.1)).toBeLessThanOrEqual(0.03);
    expect((t['reviews-v1'] ?? 0) + (t['reviews-v2'] ?? 0)).toBe(2000);
    await mesh().edit('reviews-route.yaml', route(50, 50));
    const after = tally(await reviewsCall(2000, { concurrency: 8 }));
    expect(Math.abs(share(after, 'reviews-v2', 2000) - 0.5)).toBeLessThanOrEqual(0.03);
    expect(after['reviews-main'] ?? 0).toBe(0);
    await mesh().edit('reviews-route.yaml', route(90, 10));
  }, 120_000);

  scenario('header and whole-segment path matches of an HTTPRoute pick their Service', async () => {
    expect(tally(await reviewsCall(20, { headers: { 'x-user': 'tester' } }))).toEqual({ 'reviews-v2': 20 });
    expect(tally(await reviewsCall(20, { path: '/v1/items' }))).toEqual({ 'reviews-v1': 20 });
    expect(tally(await reviewsCall(20, { path: '/v1' }))).toEqual({ 'reviews-v1': 20 });
    // PathPrefix /v1 matches whole segments: /v10 falls through to the 90/10 split.
    expect(tally(await reviewsCall(200, { path: '/v10', concurrency: 8 }))['reviews-v2'] ?? 0).toBeGreaterThan(0);
  }, 60_000);

  scenario('URLRewrite and header modifiers: the app sees the rewritten path and host, set, appended and removed headers', async () => {
    const [r] = await reviewsCall(1, { path: '/api/items?page=2', headers: { 'x-trace': 'caller', 'x-route': 'mine', 'x-secret': 's3cr3t' }, detail: true });
    expect(r?.backend).toBe('reviews-v1');
    expect((JSON.parse(r?.body ?? '{}') as { path?: string }).path).toBe('/items?page=2');
    expect(r?.seen?.host).toBe('reviews-internal');
    expect(r?.seen?.['x-route']).toBe('api');
    expect(r?.seen?.['x-trace']).toBe('caller, gamma');
    expect(r?.seen?.['x-secret']).toBeUndefined();
    expect(r?.response?.['x-served-by']).toBe('httproute');
  });

  scenario('RequestRedirect with ReplacePrefixMatch answers 301 with the replaced prefix and reaches no app', async () => {
    const [r] = await reviewsCall(1, { path: '/old/page', detail: true });
    expect(r?.status).toBe(301);
    expect(r?.response?.location).toBe('https://web.example/new/page');
  });
});
