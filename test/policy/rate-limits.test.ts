import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const ap = (...lines: string[]) => y('kind: AccessPolicy', 'service: orders', 'action: deny', ...lines);
const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: orders', 'routes:', ...lines);
const messages = (text: string) => load(text).diagnostics.map((d) => `${where(d)} ${d.severity}: ${d.message}`);

function accessOf(text: string) {
  const r = load(text);
  if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
  return r.policy.access.get('orders.default')![0]!;
}

describe('rate limits per caller identity (issue 15 #6)', () => {
  it('resolvesCallersToExactBucketsWithQualifiedServiceAccounts', () => {
    const p = accessOf(ap('rateLimit:', '  callers:',
      '    - { from: { serviceAccount: web }, requestsPerSecond: 2.5 }',
      '    - { from: { identity: "spiffe://cluster.local/ns/ops/sa/auditor" }, requestsPerSecond: 1, burst: 5 }',
      '    - { from: { namespace: batch }, requestsPerSecond: 10 }'));
    expect(p.rateLimit).toBeUndefined();
    expect(p.callerLimits?.map((c) => [c.from, c.rateLimit])).toEqual([
      [{ serviceAccount: 'web.default' }, { requestsPerSecond: 2.5, burst: 3, tokensPerFill: 1, fillIntervalMs: 400 }],
      [{ identity: 'spiffe://cluster.local/ns/ops/sa/auditor' }, { requestsPerSecond: 1, burst: 5, tokensPerFill: 1, fillIntervalMs: 1000 }],
      [{ namespace: 'batch' }, { requestsPerSecond: 10, burst: 10, tokensPerFill: 10, fillIntervalMs: 1000 }],
    ]);
  });

  it('keepsTheSharedBucketBesideCallers', () => {
    const p = accessOf(ap('rateLimit: { requestsPerSecond: 50, burst: 100, callers: [{ from: { namespace: batch }, requestsPerSecond: 5 }] }'));
    expect(p.rateLimit).toMatchObject({ requestsPerSecond: 50, burst: 100 });
    expect(p.callerLimits).toHaveLength(1);
  });

  it('rejectsARateLimitWithNoBucketOrABurstWithoutRate', () => {
    expect(wheres(ap('rateLimit: {}'))).toEqual(['WEFT2089 rateLimit @ p.yaml:4:12']);
    expect(wheres(ap('rateLimit: { burst: 5, callers: [{ from: { namespace: batch }, requestsPerSecond: 5 }] }'))).toEqual(['WEFT2089 rateLimit.burst @ p.yaml:4:21']);
  });

  it('rejectsCallersOneCallerCanMatchTwiceNamingTheEarlierEntry', () => {
    expect(messages(ap('rateLimit:', '  callers:',
      '    - { from: { namespace: batch }, requestsPerSecond: 10 }',
      '    - { from: { serviceAccount: loader.batch }, requestsPerSecond: 1 }',
      '    - { from: { identity: "spiffe://cluster.local/ns/default/sa/web" }, requestsPerSecond: 1 }',
      '    - { from: { serviceAccount: web }, requestsPerSecond: 2 }'))).toEqual([
      'WEFT2089 rateLimit.callers[1].from @ p.yaml:7:15 error: callers[0] also matches namespace batch: Envoy takes a token from every bucket a request matches, so such a caller would be charged twice',
      'WEFT2089 rateLimit.callers[3].from @ p.yaml:9:15 error: callers[2] also matches web.default: Envoy takes a token from every bucket a request matches, so such a caller would be charged twice',
    ]);
  });

  it('acceptsDistinctCallersOfOneNamespace', () => {
    expect(wheres(ap('rateLimit:', '  callers:',
      '    - { from: { serviceAccount: a }, requestsPerSecond: 1 }', '    - { from: { serviceAccount: b }, requestsPerSecond: 1 }',
      '    - { from: { namespace: other }, requestsPerSecond: 1 }'))).toEqual([]);
  });

  it('rejectsACallerWithTwoKindsOfIdentityOrAnInexactRate', () => {
    expect(wheres(ap('rateLimit: { callers: [{ from: { namespace: a, serviceAccount: b }, requestsPerSecond: 1 }] }'))[0]).toMatch(/^WEFT10\d\d rateLimit\.callers\[0\]\.from/);
    expect(wheres(ap('rateLimit: { callers: [{ from: { namespace: a }, requestsPerSecond: 0.3 }] }'))).toEqual(['WEFT2051 rateLimit.callers[0].requestsPerSecond @ p.yaml:4:69']);
  });

  it('rejectsAnIdentityThatIsNoWorkloadId', () => {
    expect(wheres(ap('rateLimit: { callers: [{ from: { identity: "spiffe://td/some/path" }, requestsPerSecond: 1 }] }'))).toEqual(['WEFT1012 rateLimit.callers[0].from.identity @ p.yaml:4:44']);
  });
});

describe('one set of buckets per service', () => {
  it('rejectsASecondRateLimitForAServiceNamingTheFirst', () => {
    expect(load({ 'a.yaml': ap('rateLimit: { requestsPerSecond: 5 }'), 'b.yaml': ap('rateLimit: { callers: [{ from: { namespace: x }, requestsPerSecond: 1 }] }') })
      .diagnostics.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      'WEFT2089 rateLimit @ b.yaml:4:12: a second rateLimit for orders.default; the first is at a.yaml:4:12 (the inbound runs one set of buckets per service: put them in one rateLimit)',
    ]);
  });

  it('rejectsARateLimitForAnExternalService', () => {
    const external = y('kind: ExternalService', 'name: payments', 'hosts: [pay.example.com]', 'ports: [{ port: 443, protocol: tls }]');
    expect(load({ 'e.yaml': external, 'a.yaml': y('kind: AccessPolicy', 'service: payments', 'rules: [{}]', 'rateLimit: { requestsPerSecond: 5 }') }).diagnostics.map(where))
      .toEqual(['WEFT2089 rateLimit @ a.yaml:4:12']);
  });
});

describe('rate limits per route (issue 15 #6)', () => {
  it('resolvesARoutesOwnBucket', () => {
    const r = load(tp('  - match: { path: { prefix: /export } }', '    rateLimit: { requestsPerSecond: 0.5, burst: 1 }'));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.policy.traffic.get('orders.default')!.routes[0]!.rateLimit).toEqual({ requestsPerSecond: 0.5, burst: 1, tokensPerFill: 1, fillIntervalMs: 2000 });
  });

  it('rejectsALimitOnARedirectOrOnARouteToAnotherService', () => {
    expect(messages(tp('  - redirect: { path: /new }', '    rateLimit: { requestsPerSecond: 1 }'))).toEqual([
      'WEFT2088 routes[0].rateLimit @ p.yaml:5:16 error: a redirect route is answered by the caller\'s sidecar; no request reaches the service\'s inbound, where the limit runs',
    ]);
    expect(wheres(tp('  - backends: [{ service: billing }]', '    rateLimit: { requestsPerSecond: 1 }'))).toEqual(['WEFT2088 routes[0].rateLimit @ p.yaml:5:16']);
  });

  it('reportsAnInexactRouteRateAtTheRoute', () => {
    expect(wheres(tp('  - rateLimit: { requestsPerSecond: 0.3 }'))).toEqual(['WEFT2051 routes[0].rateLimit.requestsPerSecond @ p.yaml:4:37']);
  });
});
