/** Policy paths that can never match a normalised request path are errors (WEFT1021). */
import { describe, expect, it } from 'vitest';
import { load, where, y } from './helpers.js';

const accessPath = (p: string) => load(y('kind: AccessPolicy', 'service: reviews', 'action: deny', 'rules:', `  - to: { paths: [${JSON.stringify(p)}] }`));
const routePath = (kind: 'exact' | 'prefix', p: string) => load(y('kind: TrafficPolicy', 'service: reviews', 'routes:', `  - match: { path: { ${kind}: ${JSON.stringify(p)} } }`));

describe('unmatchablePathIsRejected', () => {
  it.each([
    ['/api/../admin', 'has a ".." segment'],
    ['/admin/./*', 'has a "." segment'],
    ['/x/%2e%2E/admin', 'has a "%2e%2E" segment'],
    ['//admin', 'has "//"'],
    ['/admin\\\\x', 'has "\\"'],
    ['/a%2Fb', 'has an encoded "/"'],
    ['/admin?debug=1', 'has "?" or "#"'],
  ])('refuses the access rule path %s at its position', (p, why) => {
    const r = accessPath(p);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT1021 rules[0].to.paths[0] @ p.yaml:5:19']);
    expect(r.diagnostics[0]!.message).toContain(why);
  });

  it.each([['exact', '/reviews/../ratings'], ['exact', '/a?b'], ['prefix', '/a/../b/'], ['prefix', '/a//b']] as const)(
    'refuses the route %s path %s', (kind, p) => {
      const r = routePath(kind, p);
      expect(r.diagnostics.map((d) => `${d.code} ${d.path}`)).toEqual([`WEFT1021 routes[0].match.path.${kind}`]);
    },
  );

  it.each(['/', '/*', '/reviews/*', '/api/.well-known/*', '/a/.b', '/a/..b', '/admin/..*', '/a/b.c'])('accepts the access path %s', (p) => {
    const r = accessPath(p);
    if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
  });

  it('accepts a route prefix that includes a query, which prefix matching sees', () => {
    expect(routePath('prefix', '/search?q=').ok).toBe(true);
    expect(routePath('prefix', '/api/.').ok).toBe(true);
  });
});
