/**
 * Deny paths against bypass spellings (issue 11 #8). Each rule is translated, and requests are
 * evaluated against what the sidecar receives: simulate.ts applies the HCM's own normalisation as
 * far as its settings ask (query dropped for `url_path`; `normalize_path`: `%2e`, `%61`, `.` and
 * `..` segments; `merge_slashes`: `//`; `REJECT_REQUEST`: `%2F`/`%5C` → 400), then evaluates the
 * generated RBAC StringMatchers (exact/prefix/contains with `ignore_case`, `safe_regex` with RE2
 * full-string matching, as Envoy does) and the inbound route that rejects `..;` segments.
 * Assumed of the application server behind: it drops `;parameters` from segments and treats a
 * trailing slash as the same resource (Tomcat, Jetty, Spring); it does not decode `%3B` into a
 * parameter separator, and Envoy rejects a raw `#` before any of this.
 */
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, translate, type TranslateResult } from '../../src/translate/index.js';
import { buildModel } from './fixture.js';
import { inbound } from './simulate.js';

const peer = 'spiffe://cluster.local/ns/default/sa/caller';

function withRule(action: 'deny' | 'allow', path: string): TranslateResult {
  const { model, proxy } = buildModel({
    registry: [{ name: 'app', namespace: 'default', ports: [{ name: 'http', port: 8080, protocol: 'http' }], endpoints: [{ address: '10.0.0.1' }] }],
    access: [{ service: 'app.default', action, rules: [{ to: { paths: [path] } }] }],
    proxy: { namespace: 'default', serviceAccount: 'app', services: ['app.default'] },
  });
  return translate({ model, proxy, cache: new TranslationCache() });
}

type Verdict = 'denied' | 'rejected' | 'passes';
function verdict(r: TranslateResult, path: string): Verdict {
  const o = inbound(r, { port: 8080, tls: true, peer }, { path });
  return o.kind === 'denied' ? 'denied' : o.kind === 'rejected' ? 'rejected' : 'passes';
}

const table: Record<string, Record<Verdict, readonly string[]>> = {
  '/admin': {
    denied: ['/admin', '/admin/', '/admin;x=y', '/admin;x=y/', '/admin/;x', '/admin;a;b', '//admin', '/admin//', '/%61dmin', '/ADMIN',
      '/Admin/', '/x/../admin', '/./admin', '/%2e/admin', '/x/%2e%2e/admin', '/admin?x=1', '/admin;jsessionid=A1?x=/ok'],
    rejected: ['/admin%2F', '/%2Fadmin', '/admin%5c', '/public/..;/admin', '/public/.;/admin', '/public/%2e%2e;/admin'],
    passes: ['/administrator', '/admin2', '/ad/min', '/public', '/admin/x', '/x/admin', '/admin%3Bx'],
  },
  '/admin/*': {
    denied: ['/admin', '/admin/', '/admin/users', '/admin;x/users', '/ADMIN/Users', '//admin//users', '/admin;jsessionid=1', '/admin/../admin/x'],
    rejected: ['/admin%2Fusers', '/x/..;/admin/users'],
    passes: ['/administrator', '/adminx/y', '/x/admin/y', '/'],
  },
  '/api/admin': {
    denied: ['/api;x/admin', '/api/admin;y', '/API/admin/', '/api//admin', '/api;v=1/admin;s=2/'],
    rejected: [],
    passes: ['/api/admin/x', '/api/administrator', '/api', '/apix/admin'],
  },
  '/adm*': {
    denied: ['/adm', '/admin', '/administrator/x', '/ADMIN', '/adm;x'],
    rejected: [],
    passes: ['/ad', '/x/adm', '/'],
  },
  '/*': { denied: ['/', '/x', '/x/y;z'], rejected: [], passes: [] },
  '/': { denied: ['/', '/;x', '//'], rejected: [], passes: ['/x'] },
};

describe('deny paths cover every spelling of the denied resource', () => {
  for (const [rule, expected] of Object.entries(table)) {
    it(`deny ${rule}`, () => {
      const r = withRule('deny', rule);
      const got = Object.fromEntries((['denied', 'rejected', 'passes'] as const).map((v) => [v, [...expected[v]].filter((p) => verdict(r, p) === v)]));
      expect(got).toEqual(expected);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }

  it('relies on the HCM normalising before RBAC (normalize_path, merge_slashes, REJECT_REQUEST for %2F/%5C)', () => {
    const l = withRule('deny', '/admin').resources.get(TypeUrl.Listener)!.find((x) => x.name === 'inbound|15006')!;
    const hcm = (l.message as any).filter_chains[0].filters[0].typed_config;
    expect(hcm).toMatchObject({ normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'REJECT_REQUEST' });
  });

  it('widens a path too long for one regex to a regex-free set that still covers it (WEFT4112)', () => {
    const long = '/a/b/c/d/e/f/g/h/i/jjjjjjjjjjjjjjjjjjjjjjjjjjjjjj';
    const r = withRule('deny', long);
    expect(r.diagnostics.map((d) => d.code)).toContain('WEFT4112');
    for (const p of [long, `${long}/`, `${long};x`, `/a;x${long.slice(2)}`, `/A${long.slice(2)}`]) expect(verdict(r, p), p).toBe('denied');
    expect(verdict(r, '/a/z;q')).toBe('denied');
    expect(verdict(r, '/a/b')).toBe('passes');
  });
});

describe('allow paths admit exactly what was written', () => {
  it('is case-sensitive and literal: /reviews admits /reviews only', () => {
    const r = withRule('allow', '/reviews');
    expect(verdict(r, '/reviews')).toBe('passes');
    for (const p of ['/Reviews', '/reviews/', '/reviews;x', '/reviews/1']) expect(verdict(r, p), p).toBe('denied');
  });
  it('treats /reviews/* as the literal prefix /reviews/', () => {
    const r = withRule('allow', '/reviews/*');
    for (const p of ['/reviews/1', '/reviews/', '//reviews/1']) expect(verdict(r, p), p).toBe('passes');
    for (const p of ['/reviews', '/REVIEWS/1', '/reviewsx']) expect(verdict(r, p), p).toBe('denied');
    expect(verdict(r, '/reviews/..;/admin')).toBe('rejected');
  });
});
