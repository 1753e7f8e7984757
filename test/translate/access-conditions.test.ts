/**
 * AccessPolicy header, source-address and port conditions and audit rules (issue 15 #5), as
 * requests through what a sidecar receives: policy YAML is loaded by the real loader, translated,
 * and each request evaluated against the generated RBAC filters (simulate.ts: RBAC principals and
 * permissions as Envoy 1.40 evaluates them, a header sent twice matched value by value).
 */
import { describe, expect, it } from 'vitest';
import { TranslationCache, translate, type TranslateResult } from '../../src/translate/index.js';
import { loadPolicyDocuments } from '../../src/policy/index.js';
import { buildModel } from './fixture.js';
import { inbound, type AuditLog, type Connection, type Request } from './simulate.js';
import { deniedServices } from '../../src/translate/scope.js';
import type { Service } from '../../src/model/index.js';

const CALLER = 'spiffe://cluster.local/ns/default/sa/caller';
const OTHER = 'spiffe://cluster.local/ns/default/sa/other';

function translated(yaml: string, protocol: 'http' | 'tcp' = 'http'): TranslateResult {
  const loaded = loadPolicyDocuments([{ path: 'p.yaml', text: yaml }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  const { model, proxy } = buildModel({
    registry: [{ name: 'app', namespace: 'default', ports: [{ name: 'p', port: 8080, protocol }], endpoints: [{ address: '10.0.0.1' }] }],
    proxy: { namespace: 'default', serviceAccount: 'app', services: ['app.default'] },
  });
  const policy = { ...model.policy, access: loaded.policy.access };
  return translate({ model: { ...model, policy }, proxy, cache: new TranslationCache() });
}

type Case = [name: string, conn: Partial<Connection>, req: Partial<Request>, expected: 'served' | 'denied'];

function verdict(r: TranslateResult, conn: Partial<Connection>, req: Partial<Request>, audit?: AuditLog): 'served' | 'denied' {
  const o = inbound(r, { port: 8080, tls: true, peer: CALLER, ...conn }, { path: '/', ...req }, audit);
  if (o.kind === 'denied') return 'denied';
  if (o.kind === 'cluster') return 'served';
  throw new Error(`unexpected outcome ${JSON.stringify(o)}`);
}

function table(r: TranslateResult, cases: readonly Case[]): void {
  for (const [name, conn, req, expected] of cases) expect(verdict(r, conn, req), name).toBe(expected);
}

const doc = (action: string, rules: string): string => `kind: AccessPolicy\nservice: app\naction: ${action}\nrules:\n${rules}`;

describe('header conditions', () => {
  it('allow requires every value to match as written: a second, different value is refused', () => {
    table(translated(doc('allow', '  - to: { headers: { x-tenant: { exact: acme } } }\n')), [
      ['exact value', {}, { headers: { 'x-tenant': 'acme' } }, 'served'],
      ['absent', {}, {}, 'denied'],
      ['other case', {}, { headers: { 'x-tenant': 'ACME' } }, 'denied'],
      ['sent twice', {}, { headers: { 'x-tenant': ['acme', 'acme'] } }, 'served'],
      ['with another value after', {}, { headers: { 'x-tenant': ['acme', 'evil'] } }, 'denied'],
      ['with another value before', {}, { headers: { 'x-tenant': ['evil', 'acme'] } }, 'denied'],
      ['a list holding it', {}, { headers: { 'x-tenant': 'other, acme' } }, 'denied'],
    ]);
  });

  it('allow prefix: every value must start with it', () => {
    table(translated(doc('allow', '  - to: { headers: { x-a: { prefix: ok } } }\n')), [
      ['one value', {}, { headers: { 'x-a': 'ok-1' } }, 'served'],
      ['two matching values', {}, { headers: { 'x-a': ['ok-1', 'ok'] } }, 'served'],
      ['a second value fails', {}, { headers: { 'x-a': ['ok-1', 'bad'] } }, 'denied'],
      ['a shorter second value', {}, { headers: { 'x-a': ['ok-1', 'o'] } }, 'denied'],
      ['an empty second value', {}, { headers: { 'x-a': ['ok-1', ''] } }, 'denied'],
    ]);
  });

  it('an allow value too long to check on every value leaves the rule out (WEFT4141): it admits nobody', () => {
    const long = 'v'.repeat(120);
    const r = translated(doc('allow', `  - to: { headers: { x-token: { exact: ${long} } } }\n`));
    expect(r.diagnostics.map((d) => d.code)).toContain('WEFT4141');
    expect(verdict(r, {}, { headers: { 'x-token': long } })).toBe('denied');
  });

  it('deny matches any element of a list, in any case: repeating the header does not bypass it', () => {
    table(translated(doc('deny', '  - to: { headers: { x-role: { exact: intruder } } }\n')), [
      ['exact', {}, { headers: { 'x-role': 'intruder' } }, 'denied'],
      ['other case', {}, { headers: { 'x-role': 'Intruder' } }, 'denied'],
      ['sent twice', {}, { headers: { 'x-role': ['user', 'intruder'] } }, 'denied'],
      ['in a list with spaces', {}, { headers: { 'x-role': 'user ,\tintruder , guest' } }, 'denied'],
      ['absent', {}, {}, 'served'],
      ['a longer value', {}, { headers: { 'x-role': 'intruders' } }, 'served'],
      ['a value containing it', {}, { headers: { 'x-role': 'not-intruder' } }, 'served'],
    ]);
  });

  it('deny prefix covers every element starting with it; present: false denies requests without it', () => {
    table(translated(doc('deny', '  - to: { headers: { x-trace: { prefix: evil } } }\n  - to: { headers: { x-auth: { present: false } } }\n')), [
      ['prefix', {}, { headers: { 'x-trace': 'evil-1', 'x-auth': 'y' } }, 'denied'],
      ['second element', {}, { headers: { 'x-trace': ['ok', 'EVIL-2'], 'x-auth': 'y' } }, 'denied'],
      ['no header x-auth', {}, { headers: { 'x-trace': 'ok' } }, 'denied'],
      ['both fine', {}, { headers: { 'x-trace': 'ok-evil', 'x-auth': 'y' } }, 'served'],
    ]);
  });

  it('a deny value too long for one regex is widened to "contains", still refusing every spelling', () => {
    const long = `revoked-${'0123456789'.repeat(8)}`;
    const r = translated(doc('deny', `  - to: { headers: { x-token: { exact: ${long} } } }\n`));
    expect(r.diagnostics.map((d) => d.code)).toContain('WEFT4140');
    table(r, [
      ['exact', {}, { headers: { 'x-token': long } }, 'denied'],
      ['upper case, in a list', {}, { headers: { 'x-token': ['a', long.toUpperCase()] } }, 'denied'],
      ['another token', {}, { headers: { 'x-token': 'fresh' } }, 'served'],
    ]);
  });
});

describe('source addresses', () => {
  it('ipBlocks alone match any caller from those ranges; with an identity both must hold', () => {
    const r = translated(doc('allow', '  - from: [{ ipBlocks: [10.20.0.0/16, "fd00::/8"] }]\n  - from: [{ serviceAccount: caller, ipBlocks: [10.30.0.5] }]\n'));
    table(r, [
      ['in the /16', { source: '10.20.3.4', peer: OTHER }, {}, 'served'],
      ['IPv6 range', { source: 'fd00::1', peer: OTHER }, {}, 'served'],
      ['outside', { source: '10.21.0.1', peer: OTHER }, {}, 'denied'],
      ['caller at its address', { source: '10.30.0.5' }, {}, 'served'],
      ['caller elsewhere', { source: '10.30.0.6' }, {}, 'denied'],
      ['another identity at that address', { source: '10.30.0.5', peer: OTHER }, {}, 'denied'],
    ]);
  });

  it('a deny by address applies whatever the identity', () => {
    table(translated(doc('deny', '  - from: [{ ipBlocks: [192.0.2.0/24] }]\n')), [
      ['denied range', { source: '192.0.2.77' }, {}, 'denied'],
      ['elsewhere', { source: '198.51.100.1' }, {}, 'served'],
    ]);
  });
});

describe('audit', () => {
  const yaml = doc('audit', '  - from: [{ serviceAccount: other }]\n  - to: { paths: ["/admin/*"] }\n');

  it('refuses nothing and records the rule a deny would have refused with', () => {
    const r = translated(yaml);
    const log: AuditLog = [];
    expect(verdict(r, { peer: OTHER }, { path: '/x' }, log)).toBe('served');
    expect(verdict(r, {}, { path: '/ADMIN/x' }, log)).toBe('served');
    expect(verdict(r, {}, { path: '/public' }, log)).toBe('served');
    expect(log).toEqual([
      { filter: 'envoy.filters.http.rbac.audit', policy: 'app.default/audit/0/0' },
      { filter: 'envoy.filters.http.rbac.audit', policy: 'app.default/audit/0/1' },
    ]);
  });

  it('is counted before a deny refuses, and leaves allow and deny as they were', () => {
    const r = translated(`${yaml}---\n${doc('deny', '  - to: { paths: ["/admin/*"] }\n')}`);
    const log: AuditLog = [];
    expect(verdict(r, {}, { path: '/admin/x' }, log)).toBe('denied');
    expect(log).toHaveLength(1);
  });

});

describe('scope (mtls strict: services refusing a caller outright are not sent to it)', () => {
  const caller = { namespace: 'default', serviceAccount: 'caller', identity: CALLER };
  const services = [{ key: 'app.default' }] as Service[];
  const denied = (yaml: string): string[] => {
    const loaded = loadPolicyDocuments([{ path: 'p.yaml', text: yaml }]);
    if (!loaded.ok) throw new Error('policy did not load');
    return deniedServices(services, loaded.policy.access, caller);
  };

  it('an audit rule matching the caller does not remove the service', () => {
    expect(denied(doc('audit', '  - from: [{ serviceAccount: caller }]\n'))).toEqual([]);
  });
  it('a deny naming the caller together with addresses does not (only some connections match)', () => {
    expect(denied(doc('deny', '  - from: [{ serviceAccount: caller, ipBlocks: [10.0.0.0/8] }]\n'))).toEqual([]);
    expect(denied(doc('deny', '  - from: [{ ipBlocks: [10.0.0.0/8] }]\n'))).toEqual([]);
  });
  it('a deny naming the caller alone still does', () => {
    expect(denied(doc('deny', '  - from: [{ serviceAccount: caller }]\n'))).toEqual(['app.default']);
  });
  it('an allow admitting the caller from some addresses keeps the service', () => {
    expect(denied(doc('allow', '  - from: [{ serviceAccount: caller, ipBlocks: [10.0.0.0/8] }]\n'))).toEqual([]);
    expect(denied(doc('allow', '  - from: [{ serviceAccount: other }]\n'))).toEqual(['app.default']);
  });
});
