import { describe, expect, it } from 'vitest';
import { checkPolicyAgainstRegistry } from '../../src/policy/index.js';
import { load, where, wheres, y } from './helpers.js';

const subsets = ['subsets:', '  v1: { version: v1 }', '  v2: { version: v2 }'];
const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: reviews', ...subsets, ...lines);

describe('semantic diagnostics (WEFT2xxx)', () => {
  it('reports weights that do not add up to 100', () => {
    const r = load(tp('routes:', '  - backends: [{ subset: v1, weight: 90 }, { subset: v2, weight: 20 }]'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT2001 routes[0].backends @ p.yaml:7:15']);
    expect(r.diagnostics[0]?.message).toContain('110');
  });

  it('reports weights set on some backends only', () => {
    expect(wheres(tp('routes:', '  - backends: [{ subset: v1, weight: 100 }, { subset: v2 }]')))
      .toEqual(['WEFT2001 routes[0].backends @ p.yaml:7:15']);
  });

  it('reports a subset that the destination TrafficPolicy does not define', () => {
    const r = load(tp('routes:', '  - backends:', '      - subset: v9'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT2002 routes[0].backends[0].subset @ p.yaml:8:17']);
    expect(r.diagnostics[0]?.message).toContain('defined subsets: v1, v2');
  });

  it('reports a subset of another service that has no TrafficPolicy', () => {
    expect(wheres(tp('routes:', '  - mirror: { service: ratings, subset: v1 }')))
      .toEqual(['WEFT2002 routes[0].mirror.subset @ p.yaml:7:41']);
  });

  it('reports two TrafficPolicies for one service, naming both locations', () => {
    const doc = y('kind: TrafficPolicy', 'service: reviews.default');
    const r = load({ 'a.yaml': doc, 'b.yaml': y('kind: TrafficPolicy', 'namespace: default', 'service: reviews') });
    expect(r.diagnostics.map(where)).toEqual(['WEFT2003 service @ b.yaml:3:10']);
    expect(r.diagnostics[0]?.message).toContain('a.yaml:2:10');
    expect(r.diagnostics[0]?.message).toContain('b.yaml:3:10');
  });

  it('reports a second Mesh document', () => {
    const r = load(y('kind: Mesh', '---', 'kind: Mesh', 'mtls: permissive'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT2004  @ p.yaml:3:1']);
    expect(r.diagnostics[0]?.message).toContain('p.yaml:1:1');
  });

  it('reports a route with both backends and redirect', () => {
    expect(wheres(tp('routes:', '  - backends: [{ subset: v1 }]', '    redirect: { path: /new }')))
      .toEqual(['WEFT2005 routes[0] @ p.yaml:7:5']);
  });

  it('reports a hashKey without ring-hash, and ring-hash without a hashKey', () => {
    expect(wheres(tp('hashKey: { header: x-user }'))).toEqual(['WEFT2008 hashKey @ p.yaml:6:10']);
    expect(wheres(tp('loadBalancer: ring-hash'))).toEqual(['WEFT2008 loadBalancer @ p.yaml:6:15']);
  });

  it('reports an abort with neither httpStatus nor grpcStatus', () => {
    expect(wheres(tp('routes:', '  - fault: { abort: { percent: 5 } }'))).toEqual(['WEFT2009 routes[0].fault.abort @ p.yaml:7:21']);
  });

  it('warns about routes after a catch-all route but still loads', () => {
    const r = load(tp('routes:', '  - timeout: 1s', '  - match: { methods: [GET] }'));
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => `${where(d)} ${d.severity}`)).toEqual(['WEFT2010 routes[1] @ p.yaml:8:5 warning']);
  });

  it('reports a retry backoff whose maximum is below its base', () => {
    expect(wheres(tp('routes:', '  - retries: { attempts: 2, backoff: { baseInterval: 1s, maxInterval: 10ms } }')))
      .toEqual(['WEFT2011 routes[0].retries.backoff.maxInterval @ p.yaml:7:71']);
  });

  it('reports an access rule caller with no fields', () => {
    expect(wheres(y('kind: AccessPolicy', 'service: reviews', 'rules:', '  - from: [{}]')))
      .toEqual(['WEFT1005 rules[0].from[0] @ p.yaml:4:12']);
  });
});

describe('checkPolicyAgainstRegistry', () => {
  const registry = new Map([['reviews.default', { ports: [{ port: 9080 }] }]]);

  it('reports unknown services and ports at the referencing route or policy', () => {
    const r = load({
      'reviews.yaml': y('kind: TrafficPolicy', 'service: reviews', 'routes:', '  - backends: [{ port: 9090 }]',
        '  - backends: [{ service: ratings }]'),
      'access.yaml': y('kind: AccessPolicy', 'service: details'),
    });
    if (!r.ok) throw new Error('fixture must load');
    const diags = checkPolicyAgainstRegistry(r.policy, registry);
    expect(diags.map(where)).toEqual([
      'WEFT2007 routes[0].backends[0] @ reviews.yaml:4:5',
      'WEFT2006 routes[1].backends[0] @ reviews.yaml:5:5',
      'WEFT2006 service @ access.yaml:1:1',
    ]);
  });

  it('accepts a policy whose references all exist', () => {
    const r = load(y('kind: TrafficPolicy', 'service: reviews', 'routes:', '  - backends: [{ port: 9080 }]'));
    if (!r.ok) throw new Error('fixture must load');
    expect(checkPolicyAgainstRegistry(r.policy, registry)).toEqual([]);
  });
});
