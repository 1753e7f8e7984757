/**
 * JWT end-user authentication in the namespace mesh (issue 17 #3), through real Envoy: tokens are
 * signed here with node:crypto (ES256) and verified by the server's sidecar against the inline
 * JWKS of api's AccessPolicy. A valid token reaches the application with its `sub` claim in
 * `x-user` and without the token itself; an expired token, a token of another issuer or a bad
 * signature is answered 401 by Envoy (a valid token for another audience 403: Envoy's
 * JwtAudienceNotAllowed), and so is a request without a token outside the exempt paths. On an
 * exempt path a request without a token is admitted, one with a bad token is not; a claim header
 * the caller sends itself is removed, so only a verified claim reaches the application. A deny
 * rule on claims (RBAC on jwt_authn's payload in dynamic metadata) refuses matching tokens.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect } from 'vitest';
import { http as send, scenario, type HttpCall } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [{ name: 'api', serviceAccount: 'api', ports: [{ name: 'http', port: 8080, targetPort: 18080, protocol: 'http' }] }];
const WORKLOADS: WorkloadDef[] = [{ name: 'client', serviceAccount: 'client' }, { name: 'api-1', service: 'api', serviceAccount: 'api' }];
const ISSUER = 'https://issuer.weft.test';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const JWKS = JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] });

const POLICY = {
  'mesh.yaml': 'kind: Mesh\nmtls: strict\n',
  'api.yaml': `kind: AccessPolicy
service: api
jwt:
  providers:
    - issuer: ${ISSUER}
      audiences: [api]
      jwks: '${JWKS}'
      forwardClaims: { sub: x-user }
  exemptPaths: ["/public/*"]
---
kind: AccessPolicy
service: api
action: deny
rules:
  - from: [{ claims: { sub: mallory } }, { claims: { groups: suspended } }]
`,
};

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** A compact ES256 JWS (signature as r||s, RFC 7518 §3.4). */
function token(claims: Record<string, unknown>, signer: KeyObject = key.privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid: 'k1' })}.${b64({ iss: ISSUER, aud: 'api', sub: 'alice', iat: now, exp: now + 600, ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: signer, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
const call = async (path: string, bearer?: string, o: HttpCall = {}) =>
  (await send(mesh(), 'client', 'api-1', 'api', 8080, 1, { concurrency: 1, path, detail: true, ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}), ...o }))[0]!;

describe('Envoy namespace mesh: JWT end-user authentication', () => {
  scenario('a valid token is admitted with its claim forwarded; expired, foreign, wrongly signed and missing tokens are answered 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const valid = await call('/orders', token({}));
    expect(valid.status).toBe(200);
    expect(valid.seen?.['x-user']).toBe('alice');
    expect(valid.seen?.authorization).toBeUndefined();
    const results = {
      expired: (await call('/orders', token({ iat: now - 7200, exp: now - 3600 }))).status,
      wrongIssuer: (await call('/orders', token({ iss: 'https://evil.weft.test' }))).status,
      wrongAudience: (await call('/orders', token({ aud: 'billing' }))).status,
      wrongKey: (await call('/orders', token({}, stranger.privateKey))).status,
      missing: (await call('/orders')).status,
      missingExempt: (await call('/public/status')).status,
      badOnExempt: (await call('/public/status', token({ exp: now - 3600 }))).status,
      exemptIsExact: (await call('/PUBLIC/status')).status,
    };
    expect(results).toEqual({ expired: 401, wrongIssuer: 401, wrongAudience: 403, wrongKey: 401, missing: 401, missingExempt: 200, badOnExempt: 401, exemptIsExact: 401 });
    // A claim header sent by the caller never passes for a verified claim.
    const forged = await call('/public/status', undefined, { headers: { 'x-user': 'mallory' } });
    expect(forged.status).toBe(200);
    expect(forged.seen?.['x-user']).toBeUndefined();
    const overridden = await call('/orders', token({}), { headers: { authorization: `Bearer ${token({})}`, 'x-user': 'mallory' } });
    expect([overridden.status, overridden.seen?.['x-user']]).toEqual([200, 'alice']);
  }, 60_000);

  scenario('a deny rule on claims refuses a verified token by a string claim or an element of a list claim', async () => {
    const results = {
      alice: (await call('/orders', token({ groups: ['staff'] }))).status,
      mallory: (await call('/orders', token({ sub: 'mallory' }))).status,
      suspended: (await call('/orders', token({ groups: ['staff', 'suspended'] }))).status,
      suspendedString: (await call('/orders', token({ groups: 'suspended' }))).status,
      notAnElement: (await call('/orders', token({ groups: ['suspended-not'] }))).status,
      // Without a token there are no claims: the deny does not match, the exempt path admits.
      noToken: (await call('/public/x')).status,
    };
    expect(results).toEqual({ alice: 200, mallory: 403, suspended: 403, suspendedString: 403, notAnElement: 200, noToken: 200 });
  }, 60_000);
});
