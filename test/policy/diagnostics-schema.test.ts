import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: reviews', ...lines);

describe('schema diagnostics (WEFT1xxx)', () => {
  it('reports a YAML syntax error with its position', () => {
    const r = load(y('kind: Mesh', 'mtls: [strict', 'trustDomain: x'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)[0]).toMatch(/^WEFT1001 {2}@ p\.yaml:\d+:\d+$/);
    expect(r.diagnostics[0]?.source?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports a duplicate key at the second occurrence', () => {
    expect(wheres(y('kind: Mesh', 'mtls: strict', 'mtls: permissive'))).toEqual(['WEFT1002 mtls @ p.yaml:3:1']);
  });

  it('reports an unknown field and suggests the nearest valid name', () => {
    const r = load(y('kind: Mesh', 'trustDomian: cluster.local'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT1003 trustDomian @ p.yaml:2:1']);
    expect(r.diagnostics[0]?.message).toContain('did you mean "trustDomain"?');
  });

  it('reports an unknown field deep in a route with its full path', () => {
    expect(wheres(tp('routes:', '  - backends: [{ subset: v1, wieght: 100 }]')))
      .toEqual(['WEFT1003 routes[0].backends[0].wieght @ p.yaml:4:30']);
  });

  it('reports a wrong type', () => {
    expect(wheres(tp('routes: { a: 1 }'))).toEqual(['WEFT1004 routes @ p.yaml:3:9']);
  });

  it('reports a missing required field at the object that lacks it', () => {
    expect(wheres(y('kind: TrafficPolicy', 'routes: []'))).toEqual(['WEFT1005 service @ p.yaml:1:1']);
  });

  it('reports an unknown kind with a suggestion', () => {
    const r = load(y('kind: TraficPolicy', 'service: reviews'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT1006 kind @ p.yaml:1:7']);
    expect(r.diagnostics[0]?.message).toContain('"TrafficPolicy"');
  });

  it('reports a missing kind', () => {
    expect(wheres(y('service: reviews'))).toEqual(['WEFT1006 kind @ p.yaml:1:1']);
  });

  it('reports an invalid duration', () => {
    expect(wheres(tp('routes:', '  - timeout: 3sec'))).toEqual(['WEFT1007 routes[0].timeout @ p.yaml:4:14']);
  });

  it('reports a duration without a unit', () => {
    const r = load(tp('routes:', '  - timeout: 3'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT1007 routes[0].timeout @ p.yaml:4:14']);
    expect(r.diagnostics[0]?.message).toContain('"3s"');
  });

  it('reports a percentage outside 0–100', () => {
    expect(wheres(tp('routes:', '  - fault: { delay: { fixed: 1s, percent: 150 } }')))
      .toEqual(['WEFT1008 routes[0].fault.delay.percent @ p.yaml:4:43']);
  });

  it('reports an invalid enum value with a suggestion', () => {
    const r = load(y('kind: Mesh', 'mtls: strcit'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT1009 mtls @ p.yaml:2:7']);
    expect(r.diagnostics[0]?.message).toContain('did you mean "strict"?');
  });

  it('refuses an oversized file before parsing it', () => {
    const r = load({ 'big.yaml': `kind: Mesh\n#${'x'.repeat(2000)}\n` }, 1000);
    expect(r.diagnostics.map(where)).toEqual(['WEFT1010  @ big.yaml:1:1']);
  });

  it('refuses YAML anchors and aliases', () => {
    expect(wheres(tp('routes:', '  - &r { timeout: 1s }', '  - *r'))).toEqual(['WEFT1011  @ p.yaml:4:8']);
  });

  it('reports a malformed service reference', () => {
    expect(wheres(y('kind: TrafficPolicy', 'service: Reviews_Svc'))).toEqual(['WEFT1012 service @ p.yaml:2:10']);
  });

  it.each([
    ['lookahead', '"^/a(?=b)"'],
    ['lookbehind', '"(?<=a)b"'],
    ['a backreference', '"(a)\\\\1"'],
    ['an unclosed class', '"[a-"'],
  ])('reports an invalid regex: %s', (_, re) => {
    expect(wheres(tp('routes:', `  - match: { path: { regex: ${re} } }`)))
      .toEqual(['WEFT1013 routes[0].match.path.regex @ p.yaml:4:29']);
  });

  it('reports an invalid header name at its key', () => {
    expect(wheres(tp('routes:', '  - match:', '      headers:', '        "x user": { exact: a }')))
      .toEqual(['WEFT1014 routes[0].match.headers["x user"] @ p.yaml:6:9']);
  });

  it('reports an invalid HTTP status', () => {
    expect(wheres(tp('routes:', '  - fault: { abort: { httpStatus: 700, percent: 1 } }')))
      .toEqual(['WEFT1015 routes[0].fault.abort.httpStatus @ p.yaml:4:35']);
  });

  it('reports a match with two alternatives where exactly one is allowed', () => {
    expect(wheres(tp('routes:', '  - match: { path: { exact: /a, prefix: /b } }')))
      .toEqual(['WEFT1018 routes[0].match.path @ p.yaml:4:20']);
  });

  it('warns when there are no policy files at all but still loads the defaults', () => {
    const r = load({});
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['WEFT1017', 'warning']]);
  });
});
