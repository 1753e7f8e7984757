/**
 * HTTPRoute, GRPCRoute and ReferenceGrant documents in the policy directory: resolution into the
 * TrafficPolicy route model, Gateway API precedence across routes, ReferenceGrant checks, and the
 * diagnostics (file:line:col, field path, stable code) for what is wrong or unsupported.
 */
import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const route = (name: string, parent: string, ...rules: string[]) => y(
  'apiVersion: gateway.networking.k8s.io/v1',
  'kind: HTTPRoute',
  `metadata: { name: ${name}, namespace: shop }`,
  'spec:',
  `  parentRefs: [${parent}]`,
  '  rules:',
  ...rules,
);
const svc = (name: string, port?: number) => `{ group: "", kind: Service, name: ${name}${port ? `, port: ${port}` : ''} }`;

describe('HTTPRoute with a Service parent', () => {
  it('resolves into the routes of the service, in Gateway API precedence across routes', () => {
    const out = load({
      'b.yaml': route('b-route', svc('reviews', 9080),
        '    - backendRefs: [{ name: reviews-v1, port: 9080, weight: 90 }, { name: reviews-v2, port: 9080, weight: 10 }]',
        '    - matches: [{ path: { value: /api } }]',
        '      backendRefs: [{ name: reviews-v2, port: 9080 }]'),
      'a.yaml': route('z-route', svc('reviews'),
        '    - matches: [{ path: { type: Exact, value: /health } }, { path: { value: /api/v1/ } }]',
        '      backendRefs: [{ name: reviews-v1, port: 9080 }]',
        '    - matches: [{ headers: [{ name: X-User, value: tester }] }]',
        '      backendRefs: [{ name: reviews-v2, port: 9080 }]'),
    });
    expect(out.diagnostics).toEqual([]);
    if (!out.ok) throw new Error('load failed');
    const tp = out.policy.traffic.get('reviews.shop')!;
    expect(tp.loadBalancer).toBe('round-robin');
    expect(tp.routes.map((r) => [r.match ?? {}, r.port, r.backends?.map((b) => `${b.service}:${b.port}/${b.weight}`), `${r.source?.file}:${r.source?.line}`])).toEqual([
      [{ path: { exact: '/health' } }, undefined, ['reviews-v1.shop:9080/1'], 'a.yaml:7'],
      [{ path: { segmentPrefix: '/api/v1' } }, undefined, ['reviews-v1.shop:9080/1'], 'a.yaml:7'],
      [{ path: { segmentPrefix: '/api' } }, 9080, ['reviews-v2.shop:9080/1'], 'b.yaml:8'],
      [{ headers: { 'x-user': { exact: 'tester' } } }, undefined, ['reviews-v2.shop:9080/1'], 'a.yaml:9'],
      [{}, 9080, ['reviews-v1.shop:9080/90', 'reviews-v2.shop:9080/10'], 'b.yaml:7'],
    ]);
  });

  it('combines with a TrafficPolicy without routes, and conflicts with one with routes, naming both', () => {
    const rt = route('r', svc('reviews'), '    - backendRefs: [{ name: reviews-v1, port: 9080 }]');
    const withLb = load({ 'r.yaml': rt, 't.yaml': y('kind: TrafficPolicy', 'service: reviews.shop', 'loadBalancer: least-request') });
    expect(withLb.ok && withLb.policy.traffic.get('reviews.shop')?.loadBalancer).toBe('least-request');
    expect(withLb.ok && withLb.policy.traffic.get('reviews.shop')?.routes).toHaveLength(1);
    const both = load({ 'r.yaml': rt, 't.yaml': y('kind: TrafficPolicy', 'service: reviews.shop', 'routes:', '  - backends: [{ subset: v1 }]', 'subsets: { v1: { version: v1 } }') });
    expect(both.ok).toBe(false);
    expect(both.diagnostics.map(where)).toEqual(['WEFT2065 spec.parentRefs[0] @ r.yaml:5:16']);
    expect(both.diagnostics[0]!.message).toContain('HTTPRoute shop/r (r.yaml:5:16) and the TrafficPolicy at t.yaml:4:3 both route reviews.shop');
  });

  it('refuses an HTTPRoute and a GRPCRoute on one service', () => {
    const grpc = y('apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: { name: g, namespace: shop }', 'spec:',
      `  parentRefs: [${svc('reviews')}]`, '  rules: [{ backendRefs: [{ name: reviews, port: 9080 }] }]');
    const out = wheres({ 'g.yaml': grpc, 'r.yaml': route('r', svc('reviews'), '    - backendRefs: [{ name: reviews, port: 9080 }]') });
    expect(out).toEqual(['WEFT2065 spec.parentRefs[0] @ r.yaml:5:16']);
  });

  it('needs a ReferenceGrant in the namespace of a backend elsewhere, naming that Service', () => {
    const rt = route('r', svc('reviews'), '    - backendRefs: [{ name: ratings, namespace: backend, port: 8080 }]');
    const grant = (name: string, kind = 'HTTPRoute') => y('apiVersion: gateway.networking.k8s.io/v1beta1', 'kind: ReferenceGrant', 'metadata: { name: g, namespace: backend }', 'spec:',
      `  from: [{ group: gateway.networking.k8s.io, kind: ${kind}, namespace: shop }]`, `  to: [{ group: "", kind: Service${name ? `, name: ${name}` : ''} }]`);
    expect(wheres({ 'r.yaml': rt })).toEqual(['WEFT2061 spec.rules[0].backendRefs[0] @ r.yaml:7:21']);
    expect(wheres({ 'r.yaml': rt, 'g.yaml': grant('details') })).toEqual(['WEFT2061 spec.rules[0].backendRefs[0] @ r.yaml:7:21']);
    expect(wheres({ 'r.yaml': rt, 'g.yaml': grant('ratings', 'GRPCRoute') })).toEqual(['WEFT2061 spec.rules[0].backendRefs[0] @ r.yaml:7:21']);
    expect(wheres({ 'r.yaml': rt, 'g.yaml': grant('ratings') })).toEqual([]);
    expect(wheres({ 'r.yaml': rt, 'g.yaml': grant('') })).toEqual([]);
  });

  it('resolves filters and timeouts into the route model', () => {
    const out = load(route('r', svc('reviews'),
      '    - matches: [{ path: { value: /api } }]',
      '      filters:',
      '        - { type: URLRewrite, urlRewrite: { hostname: internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: /v2 } } }',
      '        - { type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: a, value: "1" }], add: [{ name: b, value: "2" }], remove: [c] } }',
      '        - { type: RequestMirror, requestMirror: { backendRef: { name: shadow, port: 80 }, fraction: { numerator: 1, denominator: 4 } } }',
      '      backendRefs: [{ name: reviews, port: 9080 }]',
      '      timeouts: { request: 5s, backendRequest: 1s }',
      '    - filters: [{ type: RequestRedirect, requestRedirect: { scheme: https, port: 8443 } }]'));
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics));
    const [api, rest] = out.policy.traffic.get('reviews.shop')!.routes;
    expect(api).toMatchObject({
      rewrite: { host: 'internal', path: { prefix: '/v2' } },
      requestHeaders: { add: { a: '1' }, append: { b: '2' }, remove: ['c'] },
      mirror: { service: 'shadow.shop', port: 80, percent: 25 }, timeoutMs: 1000,
    });
    expect(rest).toMatchObject({ redirect: { scheme: 'https', port: 8443, code: 302 } });
    expect(rest!.backends).toBeUndefined();
  });

  it('reports what it cannot apply at the field, with a stable code', () => {
    const rules = (...r: string[]) => wheres(route('r', svc('reviews'), ...r));
    expect(rules('    - filters: [{ type: URLRewrite, requestHeaderModifier: { remove: [a] } }]'))
      .toEqual(['WEFT2062 spec.rules[0].filters[0] @ p.yaml:7:17']);
    expect(rules('    - matches: [{ path: { type: Exact, value: /a } }]',
      '      filters: [{ type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /b } } }]',
      '      backendRefs: [{ name: x, port: 1 }]')).toEqual(['WEFT2062 spec.rules[0].matches[0] @ p.yaml:7:17']);
    expect(rules('    - backendRefs: [{ name: x }]')).toEqual(['WEFT2060 spec.rules[0].backendRefs[0] @ p.yaml:7:21']);
    expect(rules('    - timeouts: { request: 1s, backendRequest: 2s }', '      backendRefs: [{ name: x, port: 1 }]'))
      .toEqual(['WEFT2064 spec.rules[0].timeouts.backendRequest @ p.yaml:7:48']);
    expect(rules('    - matches: [{ path: { value: /a/../b } }]')).toEqual(['WEFT2063 spec.rules[0].matches[0].path.value @ p.yaml:7:34']);
    expect(rules('    - filters: [{ type: ExtensionRef }]')).toEqual(['WEFT1009 spec.rules[0].filters[0].type @ p.yaml:7:25']);
    expect(rules('    - backendRef: []')).toEqual(['WEFT1003 spec.rules[0].backendRef @ p.yaml:7:7']);
    expect(wheres(route('r', '{ kind: Service, name: reviews }', '    - {}'))).toEqual(['WEFT2060 spec.parentRefs[0] @ p.yaml:5:16']);
    expect(wheres(route('r', '{ group: "", kind: Service, name: reviews, namespace: other }', '    - {}'))).toEqual(['WEFT2060 spec.parentRefs[0].namespace @ p.yaml:5:70']);
  });

  it('warns about what does not apply in the mesh, and still loads', () => {
    const out = load(y(
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', 'metadata: { name: r }', 'spec:',
      '  hostnames: [reviews.example.com]', '  parentRefs: [{ name: my-gateway }, { group: "", kind: Service, name: a }]', '  rules: [{ backendRefs: [{ name: a, port: 1 }] }]'));
    expect(out.ok).toBe(true);
    // The hostnames do not apply to the Service parent; the Gateway parent names no Gateway.
    expect(out.diagnostics.map(where)).toEqual(['WEFT2066 spec.hostnames @ p.yaml:5:14', 'WEFT2097 spec.parentRefs[0] @ p.yaml:6:16']);
    expect(out.ok && [...out.policy.traffic.keys()]).toEqual(['a.default']);
  });
});

describe('GRPCRoute with a Service parent', () => {
  it('matches methods on the request path, exact before service-wide', () => {
    const out = load(y('apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: { name: g, namespace: demo }', 'spec:',
      `  parentRefs: [${svc('greeter', 50051)}]`, '  rules:',
      '    - matches: [{ method: { service: helloworld.Greeter } }]', '      backendRefs: [{ name: greeter, port: 50051 }]',
      '    - matches: [{ method: { service: helloworld.Greeter, method: SayHello } }, { method: { type: RegularExpression, method: "Say.*" } }]',
      '      backendRefs: [{ name: greeter-v2, port: 50051 }]'));
    if (!out.ok) throw new Error(JSON.stringify(out.diagnostics));
    expect(out.policy.traffic.get('greeter.demo')!.routes.map((r) => r.match?.path)).toEqual([
      { exact: '/helloworld.Greeter/SayHello' }, { prefix: '/helloworld.Greeter/' }, { regex: '/[^/]+/Say.*' },
    ]);
    expect(wheres(y('apiVersion: gateway.networking.k8s.io/v1', 'kind: GRPCRoute', 'metadata: { name: g }', 'spec:',
      `  parentRefs: [${svc('greeter')}]`, '  rules: [{ matches: [{ method: { service: "bad name" } }], backendRefs: [{ name: g, port: 1 }] }]')))
      .toEqual(['WEFT2063 spec.rules[0].matches[0].method.service @ p.yaml:6:44']);
  });
});
