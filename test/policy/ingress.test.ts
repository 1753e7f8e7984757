/**
 * The Gateway kind (ingress): listeners resolved with their certificates, routes with a Gateway
 * parentRef attached per listener and hostname (Gateway API hostname intersection, precedence,
 * allowedRoutes), and the diagnostics (file:line:col, field path, stable code) for what weft
 * cannot serve.
 */
import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';
import { intersect } from '../../src/policy/ingress-attach.js';
import { checkPolicyAgainstRegistry } from '../../src/policy/index.js';

const gateway = (...listeners: string[]) => y(
  'apiVersion: gateway.networking.k8s.io/v1',
  'kind: Gateway',
  'metadata: { name: edge, namespace: ingress }',
  'spec:',
  '  gatewayClassName: weft',
  '  listeners:',
  ...listeners,
);
const https = (name: string, host: string, cert: string) =>
  `    - { name: ${name}, port: 8443, protocol: HTTPS, hostname: ${host}, tls: { certificateRefs: [${cert}] }, allowedRoutes: { namespaces: { from: All } } }`;
const file = (name: string) => `{ group: weft.dev, kind: CertificateFile, name: ${name} }`;
const route = (name: string, ns: string, parent: string, hosts: string, ...rules: string[]) => y(
  'apiVersion: gateway.networking.k8s.io/v1', 'kind: HTTPRoute', `metadata: { name: ${name}, namespace: ${ns} }`, 'spec:',
  `  parentRefs: [${parent}]`, `  hostnames: [${hosts}]`, '  rules:', ...rules);

describe('Gateway listeners', () => {
  it('resolves listeners, certificates and the identity of the gateway proxies', () => {
    const out = load({ 'gw.yaml': y(
      'apiVersion: gateway.networking.k8s.io/v1', 'kind: Gateway',
      'metadata: { name: edge, namespace: ingress, annotations: { weft.dev/service-account: edge-proxy } }', 'spec:', '  gatewayClassName: weft', '  listeners:',
      https('shop', 'shop.example.com', `${file('shop')}, { name: shop-ecdsa }`),
      '    - { name: plain, port: 8080, protocol: HTTP }') });
    expect(out.diagnostics).toEqual([]);
    if (!out.ok) throw new Error('load failed');
    const gw = out.policy.gateways!.get('ingress/edge')!;
    expect([gw.namespace, gw.name, gw.serviceAccount, `${gw.source?.file}:${gw.source?.line}`]).toEqual(['ingress', 'edge', 'edge-proxy', 'gw.yaml:1']);
    expect(gw.listeners.map((l) => [l.name, l.port, l.protocol, l.hostname, l.allowedNamespaces, l.allowedKinds, l.certificates])).toEqual([
      ['shop', 8443, 'HTTPS', 'shop.example.com', 'All', ['GRPCRoute', 'HTTPRoute'],
        [{ kind: 'CertificateFile', namespace: 'ingress', name: 'shop' }, { kind: 'Secret', namespace: 'ingress', name: 'shop-ecdsa' }]],
      ['plain', 8080, 'HTTP', undefined, 'Same', ['GRPCRoute', 'HTTPRoute'], []],
    ]);
  });

  it('refuses listeners it cannot serve, at their fields', () => {
    expect(wheres(gateway('    - { name: a, port: 443, protocol: HTTPS }'))).toEqual(['WEFT2095 spec.listeners[0] @ p.yaml:7:7']);
    expect(wheres(gateway('    - { name: a, port: 443, protocol: HTTPS, tls: { mode: Passthrough, certificateRefs: [{ name: c }] } }')))
      .toEqual(['WEFT2095 spec.listeners[0].tls.mode @ p.yaml:7:59']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP, tls: { certificateRefs: [{ name: c }] } }'))).toEqual(['WEFT2095 spec.listeners[0].tls @ p.yaml:7:49']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Selector } } }')))
      .toEqual(['WEFT2095 spec.listeners[0].allowedRoutes.namespaces.from @ p.yaml:7:81']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP }', '    - { name: a, port: 81, protocol: HTTP }'))).toEqual(['WEFT2095 spec.listeners[1].name @ p.yaml:8:15']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP, hostname: a.example.com }', '    - { name: b, port: 80, protocol: HTTP, hostname: a.example.com }')))
      .toEqual(['WEFT2095 spec.listeners[1].hostname @ p.yaml:8:54']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP }', https('b', 'b.example.com', file('b')).replace('8443', '80'))))
      .toEqual(['WEFT2095 spec.listeners[1].protocol @ p.yaml:8:38']);
    expect(wheres(gateway('    - { name: a, port: 80, protocol: HTTP, hostname: 10.0.0.1:80 }'))).toEqual(['WEFT1012 spec.listeners[0].hostname @ p.yaml:7:54']);
  });

  it('follows Secret and CertificateFile references, across namespaces only with a ReferenceGrant', () => {
    const other = https('a', 'a.example.com', '{ group: weft.dev, kind: CertificateFile, name: a, namespace: certs }');
    expect(wheres(gateway(https('a', 'a.example.com', '{ group: weft.dev, kind: Secret, name: a }')))).toEqual(['WEFT2096 spec.listeners[0].tls.certificateRefs[0] @ p.yaml:7:97']);
    expect(wheres(gateway(other))).toEqual(['WEFT2096 spec.listeners[0].tls.certificateRefs[0] @ p.yaml:7:97']);
    const grant = (kind: string, group: string) => y('apiVersion: gateway.networking.k8s.io/v1beta1', 'kind: ReferenceGrant', 'metadata: { name: g, namespace: certs }', 'spec:',
      '  from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: ingress }]', `  to: [{ group: "${group}", kind: ${kind} }]`);
    expect(wheres({ 'p.yaml': gateway(other), 'g.yaml': grant('CertificateFile', 'weft.dev') })).toEqual([]);
    expect(wheres({ 'p.yaml': gateway(other), 'g.yaml': grant('Secret', '') })).toEqual(['WEFT2096 spec.listeners[0].tls.certificateRefs[0] @ p.yaml:7:97']);
  });

  it('ignores another class\'s Gateway and refuses a second one of one name', () => {
    const theirs = load(gateway('    - { name: a, port: 80, protocol: HTTP }').replace('gatewayClassName: weft', 'gatewayClassName: istio'));
    expect(theirs.diagnostics.map(where)).toEqual(['WEFT2098 spec.gatewayClassName @ p.yaml:5:21']);
    expect(theirs.ok && theirs.policy.gateways).toBeUndefined();
    const twice = load({ 'a.yaml': gateway('    - { name: a, port: 80, protocol: HTTP }'), 'b.yaml': gateway('    - { name: a, port: 80, protocol: HTTP }') });
    expect(twice.diagnostics.map(where)).toEqual(['WEFT2099 metadata.name @ b.yaml:3:19']);
    expect(twice.diagnostics[0]!.message).toContain('the first is at a.yaml:3:19');
  });
});

describe('routes attached to a Gateway', () => {
  const gw = gateway(https('shop', 'shop.example.com', file('shop')), https('wild', '"*.example.com"', file('wild')),
    '    - { name: plain, port: 8080, protocol: HTTP }');
  const parent = (extra = '') => `{ name: edge, namespace: ingress${extra} }`;

  it('attaches per listener and effective hostname, in precedence order', () => {
    const out = load({
      'gw.yaml': gw,
      'a.yaml': route('a', 'shop', parent(', sectionName: shop'), 'shop.example.com, other.org',
        '    - backendRefs: [{ name: web, port: 80 }]',
        '    - matches: [{ path: { type: Exact, value: /health } }]',
        '      backendRefs: [{ name: health, port: 80 }]'),
      'b.yaml': route('b', 'shop', parent(), '"*.example.com"', '    - backendRefs: [{ name: any, port: 80 }]'),
    });
    expect(out.diagnostics).toEqual([]);
    if (!out.ok) throw new Error('load failed');
    const hosts = out.policy.gateways!.get('ingress/edge')!.listeners.map((l) => [l.name, l.hosts.map((h) => [h.hostname, h.routes.map((r) => r.backends![0]!.service)])]);
    expect(hosts).toEqual([
      // b's *.example.com narrows to the listener's host; a's other.org is not the listener's.
      ['shop', [['shop.example.com', ['health.shop', 'web.shop', 'any.shop']]]],
      ['wild', [['*.example.com', ['any.shop']]]],
      // The HTTP listener allows routes from its own namespace (ingress) only.
      ['plain', []],
    ]);
  });

  it('warns about a parentRef that attaches nowhere, and why', () => {
    const one = (p: string, hosts = 'shop.example.com') => load({ 'gw.yaml': gw, 'r.yaml': route('r', 'shop', p, hosts, '    - backendRefs: [{ name: web, port: 80 }]') });
    const cases = [
      [parent().replace('edge', 'nope'), 'no Gateway ingress/nope of class weft'],
      [parent(', sectionName: nope'), 'has no listener named nope'],
      [parent(', sectionName: plain'), 'allows routes from namespace ingress only'],
      [parent(', sectionName: shop'), 'which none of the route\'s hostnames (a.example.org) matches'],
    ] as const;
    for (const [p, message] of cases) {
      const out = one(p, message.includes('a.example.org') ? 'a.example.org' : 'shop.example.com');
      expect(out.ok).toBe(true);
      expect(out.diagnostics.map(where)).toEqual(['WEFT2097 spec.parentRefs[0] @ r.yaml:5:16']);
      expect(out.diagnostics[0]!.message).toContain(message);
    }
  });

  it('checks the backends of attached routes against the registry, once per route', () => {
    const out = load({ 'gw.yaml': gw, 'a.yaml': route('a', 'shop', parent(), '"*.example.com"', '    - backendRefs: [{ name: web, port: 80 }]') });
    if (!out.ok) throw new Error('load failed');
    const found = checkPolicyAgainstRegistry(out.policy, new Map([['web.shop', { ports: [{ port: 8080 }] }]]));
    expect(found.map(where)).toEqual(['WEFT2007 spec.rules.backends[0] @ a.yaml:8:7']);
    expect(checkPolicyAgainstRegistry(out.policy, new Map([['web.shop', { ports: [{ port: 80 }] }]]))).toEqual([]);
  });

  it('intersects hostnames as the Gateway API does', () => {
    expect(intersect(undefined, [])).toEqual(['*']);
    expect(intersect('a.example.com', [])).toEqual(['a.example.com']);
    expect(intersect(undefined, ['b.org', 'a.org'])).toEqual(['a.org', 'b.org']);
    expect(intersect('*.example.com', ['a.example.com', 'x.a.example.com', 'example.com', '*.a.example.com'])).toEqual(['*.a.example.com', 'a.example.com', 'x.a.example.com']);
    expect(intersect('a.example.com', ['*.example.com', '*.com', '*.other.com'])).toEqual(['a.example.com']);
  });
});
