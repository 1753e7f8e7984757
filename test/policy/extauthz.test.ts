/** External authorization: Mesh extAuthz providers and AccessPolicies with action custom —
 * resolution with defaults, and every refusal with its code and file:line:col. */
import { describe, expect, it } from 'vitest';
import { checkPolicyAgainstRegistry } from '../../src/policy/index.js';
import { load, where, wheres, y } from './helpers.js';

const MESH = y(
  'kind: Mesh',
  'extAuthz:',
  '  - name: authz',
  '    http:',
  '      service: authz.security',
  '      port: 8000',
  '      pathPrefix: /check',
  '      requestHeaders: [X-User, authorization]',
  '      upstreamHeaders: [x-auth-user]',
  '    timeout: 250ms',
  '  - name: grpc-authz',
  '    grpc: { service: idp, port: 9000, upstreamHeaders: [X-Auth-User] }',
  '    failOpen: true',
);
const custom = (...lines: string[]) => y('kind: AccessPolicy', 'service: orders', 'action: custom', ...lines);

describe('Mesh extAuthz', () => {
  it('resolvesProvidersWithDefaults', () => {
    const r = load({ 'mesh.yaml': MESH });
    expect(r.diagnostics).toEqual([]);
    if (!r.ok) throw new Error('load failed');
    const p = r.policy.mesh.extAuthz!;
    expect([...p.keys()]).toEqual(['authz', 'grpc-authz']);
    expect(p.get('authz')).toMatchObject({ protocol: 'http', service: 'authz.security', port: 8000, timeoutMs: 250, failOpen: false,
      pathPrefix: '/check', requestHeaders: ['authorization', 'x-user'], upstreamHeaders: ['x-auth-user'] });
    expect(p.get('grpc-authz')).toMatchObject({ protocol: 'grpc', service: 'idp.default', port: 9000, timeoutMs: 200, failOpen: true, requestHeaders: [], upstreamHeaders: ['x-auth-user'] });
    expect(p.get('grpc-authz')!.pathPrefix).toBeUndefined();
  });

  it('refusesAProviderWithNeitherOrBothKindsAndADuplicateName', () => {
    expect(wheres(y('kind: Mesh', 'extAuthz:', '  - name: a', '    timeout: 1s'))).toEqual(['WEFT2090 extAuthz[0] @ p.yaml:3:5']);
    expect(wheres(y('kind: Mesh', 'extAuthz:', '  - name: a', '    http: { service: s, port: 80 }', '    grpc: { service: s, port: 81 }')))
      .toEqual(['WEFT2090 extAuthz[0] @ p.yaml:3:5']);
    const twice = load(y('kind: Mesh', 'extAuthz:', '  - { name: a, http: { service: s, port: 80 } }', '  - { name: a, grpc: { service: s, port: 81 } }'));
    expect(twice.diagnostics.map(where)).toEqual(['WEFT2090 extAuthz[1].name @ p.yaml:4:13']);
    expect(twice.diagnostics[0]!.message).toContain('the first is at p.yaml:3:13');
  });

  it('refusesAnHttpOnlyFieldOnAGrpcProvider', () => {
    expect(wheres(y('kind: Mesh', 'extAuthz:', '  - { name: a, grpc: { service: s, port: 81, pathPrefix: /x } }'))[0]).toMatch(/^WEFT1\d+ extAuthz\[0\]\.grpc\.pathPrefix @ p\.yaml:3:/);
  });
});

describe('AccessPolicy action custom', () => {
  it('resolvesTheProviderAndRules', () => {
    const r = load({ 'mesh.yaml': MESH, 'o.yaml': custom('provider: authz', 'rules:', '  - to: { paths: ["/api/*"] }') });
    expect(r.diagnostics).toEqual([]);
    if (!r.ok) throw new Error('load failed');
    const [p] = r.policy.access.get('orders.default')!;
    expect(p).toMatchObject({ action: 'custom', provider: 'authz', rules: [{ to: { paths: ['/api/*'] } }] });
  });

  it('refusesAMissingOrUnknownProviderAndOneOnAnotherAction', () => {
    expect(wheres({ 'mesh.yaml': MESH, 'o.yaml': custom('rules: [{}]') })).toEqual(['WEFT2091 action @ o.yaml:3:9']);
    const typo = load({ 'mesh.yaml': MESH, 'o.yaml': custom('provider: authx', 'rules: [{}]') });
    expect(typo.diagnostics.map(where)).toEqual(['WEFT2091 provider @ o.yaml:4:11']);
    expect(typo.diagnostics[0]!.message).toBe('unknown extAuthz provider "authx" (did you mean "authz"?); declared: authz, grpc-authz');
    expect(wheres(custom('provider: authz', 'rules: [{}]'))).toEqual(['WEFT2091 provider @ p.yaml:4:11']);
    expect(wheres({ 'mesh.yaml': MESH, 'o.yaml': y('kind: AccessPolicy', 'service: orders', 'action: deny', 'provider: authz', 'rules: [{}]') }))
      .toEqual(['WEFT2091 provider @ o.yaml:4:11']);
  });

  it('refusesACustomPolicyWithoutRulesOrOnAnExternalService', () => {
    expect(wheres({ 'mesh.yaml': MESH, 'o.yaml': custom('provider: authz') })).toEqual(['WEFT2091 action @ o.yaml:3:9']);
    const ext = y('kind: ExternalService', 'name: orders', 'hosts: [orders.example.com]', 'ports: [{ port: 80, protocol: http }]');
    expect(wheres({ 'mesh.yaml': MESH, 'e.yaml': ext, 'o.yaml': custom('provider: authz', 'rules: [{}]') })).toEqual(['WEFT2091 action @ o.yaml:3:9']);
  });

  it('refusesTwoProvidersForOneService', () => {
    const files = { 'mesh.yaml': MESH, 'a.yaml': custom('provider: authz', 'rules: [{}]'), 'b.yaml': custom('provider: grpc-authz', 'rules: [{}]') };
    const r = load(files);
    expect(r.diagnostics.map(where)).toEqual(['WEFT2094 provider @ b.yaml:4:11']);
    expect(r.diagnostics[0]!.message).toContain('already delegates to provider authz (at a.yaml:4:11)');
    expect(wheres({ ...files, 'b.yaml': custom('provider: authz', 'rules: [{ to: { methods: [POST] } }]') })).toEqual([]);
  });

  it('refusesAProviderOnAnExternalServicePortThatIsNotHttp', () => {
    const idp = (proto: string) => y('kind: ExternalService', 'name: idp', 'hosts: [idp.example.com]', `ports: [{ port: 9000, protocol: ${proto} }, { port: 8000, protocol: http }]`);
    const mesh = (kind: string, port: number) => y('kind: Mesh', 'extAuthz:', `  - { name: a, ${kind}: { service: idp, port: ${port} } }`);
    const use = custom('provider: a', 'rules: [{}]');
    expect(wheres({ 'm.yaml': mesh('grpc', 9000), 'e.yaml': idp('grpc'), 'o.yaml': use })).toEqual([]);
    expect(wheres({ 'm.yaml': mesh('grpc', 9000), 'e.yaml': idp('tls'), 'o.yaml': use })).toEqual(['WEFT2092 extAuthz[0].grpc.port @ m.yaml:3:44']);
    expect(wheres({ 'm.yaml': mesh('grpc', 8000), 'e.yaml': idp('grpc'), 'o.yaml': use })).toEqual(['WEFT2092 extAuthz[0].grpc.port @ m.yaml:3:44']);
    expect(wheres({ 'm.yaml': mesh('http', 7000), 'e.yaml': idp('grpc'), 'o.yaml': use })).toEqual(['WEFT2092 extAuthz[0].http.port @ m.yaml:3:44']);
  });

  it('refusesAProviderANamespaceUsingItMayNotReach', () => {
    const mesh = (reach: string) => `${MESH}reach: { default: [${reach}] }\n`;
    const use = custom('provider: authz', 'rules: [{}]');
    expect(wheres({ 'mesh.yaml': mesh('security'), 'o.yaml': use })).toEqual([]);
    const r = load({ 'mesh.yaml': mesh('shop'), 'o.yaml': use });
    expect(r.diagnostics.map(where)).toEqual(['WEFT2092 extAuthz[0].http.service @ mesh.yaml:5:16']);
    expect(r.diagnostics[0]!.message).toContain('Mesh reach does not let default reach security');
  });
});

describe('registry check', () => {
  const services = new Map([
    ['orders.default', { ports: [{ port: 8080, protocol: 'http' }, { port: 5432, protocol: 'tcp' }] }],
    ['authz.security', { ports: [{ port: 8000, protocol: 'http' }, { port: 9000, protocol: 'tcp' }] }],
    ['idp.default', { ports: [{ port: 9000, protocol: 'http' }] }],
  ]);
  const check = (rules: string, mesh = MESH) => {
    const r = load({ 'mesh.yaml': mesh, 'o.yaml': custom('provider: authz', rules) });
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    return checkPolicyAgainstRegistry(r.policy, services).map(where);
  };

  it('refusesACustomRuleOnATcpPort', () => {
    expect(check('rules: [{ to: { ports: [8080] } }]')).toEqual(['WEFT2092 extAuthz.grpc-authz @ mesh.yaml:11:5']);
    expect(check('rules: [{ to: { ports: [8080, 5432] } }]')).toEqual(['WEFT2093 rules[0].to.ports[1] @ o.yaml:5:9', 'WEFT2092 extAuthz.grpc-authz @ mesh.yaml:11:5']);
    expect(check('rules: [{}]')).toEqual(['WEFT2093 rules[0] @ o.yaml:5:9', 'WEFT2092 extAuthz.grpc-authz @ mesh.yaml:11:5']);
  });

  it('refusesAProviderOnAPortThatIsNotHttpOrMissing', () => {
    const mesh = (port: number) => y('kind: Mesh', 'extAuthz:', `  - { name: authz, http: { service: authz.security, port: ${port} } }`);
    expect(check('rules: [{ to: { ports: [8080] } }]', mesh(8000))).toEqual([]);
    expect(check('rules: [{ to: { ports: [8080] } }]', mesh(9000))).toEqual(['WEFT2092 extAuthz.authz @ mesh.yaml:3:5']);
    expect(check('rules: [{ to: { ports: [8080] } }]', mesh(7000))).toEqual(['WEFT2007 extAuthz.authz @ mesh.yaml:3:5']);
  });
});
