/** AccessPolicy `jwt` blocks: key sources, inline JWKS checked key by key at load, remote JWKS
 * through a declared ExternalService's http port, one block per service. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { load, wheres, y } from './helpers.js';

const jwk = (kid: string) => ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid });
const JWKS = JSON.stringify({ keys: [jwk('k1')] });
const policy = (...provider: string[]) => y('kind: AccessPolicy', 'service: api', 'jwt:', '  providers:', '    - issuer: https://issuer.example.com', ...provider.map((l) => `      ${l}`));
const IDP = y('kind: ExternalService', 'name: idp', 'hosts: [idp.example.com]', 'ports: [{ port: 80, protocol: http }, { port: 443, protocol: tls }]');

describe('AccessPolicy jwt', () => {
  it('resolvesInlineAndRemoteProviders', () => {
    const r = load({ 'a.yaml': y(`${policy(`jwks: '${JWKS}'`, 'forwardClaims: { sub: x-user }').trimEnd()}`,
      '    - issuer: https://idp.example.com', '      remoteJwks: { externalService: idp, path: /jwks }', '  exemptPaths: ["/public/*", /healthz]'), 'idp.yaml': IDP });
    expect(r.diagnostics).toEqual([]);
    if (!r.ok) throw new Error('load failed');
    const jwt = r.policy.access.get('api.default')![0]!.jwt!;
    expect(jwt.exemptPaths).toEqual(['/healthz', '/public/*']);
    expect(jwt.providers.map((p) => [p.name, p.audiences, p.forwardClaims, p.remoteJwks])).toEqual([
      ['jwt-0', [], [['sub', 'x-user']], undefined],
      ['jwt-1', [], [], { externalService: 'idp.default', path: '/jwks', cacheDurationMs: 300_000 }],
    ]);
  });

  it('refusesAProviderWithoutOrWithBothKeySources', () => {
    expect(wheres(policy('audiences: [api]'))).toEqual(['WEFT2052 jwt.providers[0] @ p.yaml:5:7']);
    expect(wheres({ 'a.yaml': policy(`jwks: '${JWKS}'`, 'remoteJwks: { externalService: idp, path: /jwks }'), 'idp.yaml': IDP }))
      .toEqual(['WEFT2052 jwt.providers[0] @ a.yaml:5:7']);
  });

  it('refusesAnInlineJwksThatIsNotOneOrHoldsABadKey', () => {
    expect(wheres(policy("jwks: 'not json'"))).toEqual(['WEFT2053 jwt.providers[0].jwks @ p.yaml:6:13']);
    expect(wheres(policy(`jwks: '{"keys":[]}'`))).toEqual(['WEFT2053 jwt.providers[0].jwks @ p.yaml:6:13']);
    const broken = JSON.stringify({ keys: [jwk('good'), { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'bad' }] });
    const r = load(policy(`jwks: '${broken}'`));
    expect(r.diagnostics.map((d) => [d.code, d.message.startsWith('keys[1] (kid bad): not a usable public key')])).toEqual([['WEFT2053', true]]);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const secret = JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] });
    expect(load(policy(`jwks: '${secret}'`)).diagnostics.map((d) => d.message)).toEqual(['keys[0]: holds private or symmetric key material; publish only public keys']);
  });

  it('refusesARemoteJwksOutsideADeclaredHttpPort', () => {
    expect(wheres(policy('remoteJwks: { externalService: idp, path: /jwks }'))).toEqual(['WEFT2054 jwt.providers[0].remoteJwks.externalService @ p.yaml:6:38']);
    expect(wheres({ 'a.yaml': policy('remoteJwks: { externalService: idp, port: 443, path: /jwks }'), 'idp.yaml': IDP }))
      .toEqual(['WEFT2054 jwt.providers[0].remoteJwks.port @ a.yaml:6:49']);
  });

  it('refusesClaimsInRulesOfAServiceWithoutJwt', () => {
    const deny = y('kind: AccessPolicy', 'service: api', 'action: deny', 'rules:', '  - from: [{ claims: { sub: mallory } }]');
    expect(wheres(deny)).toEqual(['WEFT2056 rules[0].from[0].claims @ p.yaml:5:22']);
    expect(wheres({ 'a.yaml': deny, 'b.yaml': policy(`jwks: '${JWKS}'`) })).toEqual([]);
  });

  it('refusesASecondJwtBlockForOneService', () => {
    const one = policy(`jwks: '${JWKS}'`);
    expect(wheres({ 'a.yaml': one, 'b.yaml': one })).toEqual(['WEFT2055 jwt @ b.yaml:4:3']);
  });
});
