import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH, type PolicySet } from '../../src/policy/index.js';
import { load, where, y } from './helpers.js';

const input = y(
  'kind: Mesh',
  'trustDomain: example.org',
  'mtls: permissive',
  'defaults: { timeout: 1m30s, connectTimeout: 250ms }',
  'observability:',
  '  accessLog: false',
  '  tracing: { provider: zipkin, address: "zipkin.obs:9411" }',
  'reach: { shop: [payments, shop] }',
  '---',
  'kind: TrafficPolicy',
  'namespace: shop',
  'service: cart',
  'subsets: { blue: { track: blue }, green: { track: green } }',
  'loadBalancer: ring-hash',
  'hashKey: { header: X-Session }',
  'routes:',
  '  - match:',
  '      path: { prefix: /api }',
  '      headers: { X-Canary: { present: true } }',
  '      methods: [GET, POST]',
  '      query: { debug: { exact: "1" } }',
  '    backends: [{ subset: green, port: 8080 }]',
  '    fault: { abort: { grpcStatus: 14, percent: 0.5 } }',
  '    requestHeaders: { add: { X-Via: weft }, remove: [X-Debug] }',
  '  - match: { path: { exact: /old } }',
  '    redirect: { path: /new, scheme: https }',
  '  - backends: [{ subset: blue }, { subset: green }, { service: cart-legacy.shop }]',
  '    retries: { attempts: 2 }',
  '    mirror: { subset: green, percent: 5 }',
  'outlierDetection: { consecutive5xx: 3 }',
  '---',
  'kind: AccessPolicy',
  'namespace: shop',
  'service: cart',
  'action: deny',
  'rules:',
  '  - from: [{ serviceAccount: crawler }, { namespace: public }, { identity: "spiffe://example.org/ns/x/sa/y" }]',
  '    to: { ports: [8080], paths: [/admin/*] }',
  'rateLimit: { requestsPerSecond: 2.5 }',
);

function resolved(): PolicySet {
  const r = load({ 'shop.yaml': input });
  if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
  return r.policy;
}

describe('resolution of a representative policy', () => {
  it('resolves the Mesh document with durations in ms and tracing defaults', () => {
    const { mesh } = resolved();
    expect(mesh.trustDomain).toBe('example.org');
    expect(mesh.mtls).toBe('permissive');
    expect(mesh.defaults).toEqual({ timeoutMs: 90_000, connectTimeoutMs: 250 });
    expect(mesh.observability).toEqual({ accessLog: false, tracing: { provider: 'zipkin', address: 'zipkin.obs:9411', samplingPercent: 1 } });
    expect([...mesh.reach]).toEqual([['shop', ['payments', 'shop']]]);
    expect(mesh.source).toEqual({ file: 'shop.yaml', line: 1, col: 1 });
  });

  it('resolves the TrafficPolicy: service keys, lowercased headers, weights and defaults', () => {
    const cart = resolved().traffic.get('cart.shop');
    expect(cart?.service).toBe('cart.shop');
    expect([...(cart?.subsets ?? [])]).toEqual([['blue', { track: 'blue' }], ['green', { track: 'green' }]]);
    expect(cart?.loadBalancer).toBe('ring-hash');
    expect(cart?.hashKey).toEqual({ header: 'x-session' });
    expect(cart?.outlierDetection).toEqual({ consecutive5xx: 3, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 });
    expect(cart?.circuitBreaker).toBeUndefined();
    const [first, second, third] = cart?.routes ?? [];
    expect(first?.match).toEqual({
      path: { prefix: '/api' }, headers: { 'x-canary': { present: true } }, methods: ['GET', 'POST'], query: { debug: { exact: '1' } },
    });
    expect(first?.backends).toEqual([{ service: 'cart.shop', subset: 'green', weight: 100, port: 8080 }]);
    expect(first?.fault).toEqual({ abort: { grpcStatus: 14, percent: 0.5 } });
    expect(first?.requestHeaders).toEqual({ add: { 'x-via': 'weft' }, remove: ['x-debug'] });
    expect(first?.source).toEqual({ file: 'shop.yaml', line: 17, col: 5 });
    expect(second?.redirect).toEqual({ path: '/new', scheme: 'https', code: 301 });
    expect(second?.backends).toBeUndefined();
    expect(third?.backends?.map((b) => [b.service, b.subset, b.weight])).toEqual([
      ['cart.shop', 'blue', 34], ['cart.shop', 'green', 33], ['cart-legacy.shop', undefined, 33],
    ]);
    expect(third?.retries).toEqual({ attempts: 2, on: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'] });
    expect(third?.mirror).toEqual({ service: 'cart.shop', subset: 'green', percent: 5 });
    expect(third?.timeoutMs).toBeUndefined();
  });

  it('resolves the AccessPolicy: principals qualified by the policy namespace, burst defaulted', () => {
    const [deny, ...rest] = resolved().access.get('cart.shop') ?? [];
    expect(rest).toEqual([]);
    expect(deny?.action).toBe('deny');
    expect(deny?.rules[0]?.from).toEqual([
      { serviceAccount: 'crawler.shop' }, { namespace: 'public' }, { identity: 'spiffe://example.org/ns/x/sa/y' },
    ]);
    expect(deny?.rules[0]?.to).toEqual({ ports: [8080], paths: ['/admin/*'] });
    expect(deny?.rateLimit).toEqual({ requestsPerSecond: 2.5, burst: 3, tokensPerFill: 1, fillIntervalMs: 400 });
  });

  it('uses the default mesh when no Mesh document exists', () => {
    const r = load(y('kind: AccessPolicy', 'service: reviews'));
    if (!r.ok) throw new Error('fixture must load');
    expect(r.policy.mesh).toBe(DEFAULT_MESH);
    expect(r.policy.access.get('reviews.default')?.[0]).toMatchObject({ action: 'allow', rules: [] });
  });
});
