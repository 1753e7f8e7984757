/**
 * The `jwt` block of an AccessPolicy -> `JwtAuthentication`. Inline JWKS are parsed here, key by
 * key, with node:crypto, so a key Envoy could not use is a load error with its position, not a
 * rejected listener (Envoy NACKs a provider whose local JWKS does not parse).
 */
import { createPublicKey } from 'node:crypto';
import { PolicyCodes } from './codes.js';
import type { JwtAuthentication, JwtProvider } from './types.js';
import type { AccessDoc } from './schema.js';
import { type DocReporter, qualify } from './resolve-util.js';
import { compareText } from '../common/index.js';

type JwtDoc = NonNullable<AccessDoc['jwt']>;
type ProviderDoc = JwtDoc['providers'][number];

/** Envoy's default JWKS cache lifetime is 5 minutes too. */
const DEFAULT_CACHE_MS = 5 * 60_000;

export function resolveJwt(doc: JwtDoc, ns: string, r: DocReporter): JwtAuthentication {
  return {
    providers: doc.providers.map((p, i) => resolveProvider(p, i, ns, r)),
    exemptPaths: [...new Set(doc.exemptPaths ?? [])].sort(compareText),
  };
}

function resolveProvider(p: ProviderDoc, i: number, ns: string, r: DocReporter): JwtProvider {
  const path = `jwt.providers[${i}]`;
  if ((p.jwks === undefined) === (p.remoteJwks === undefined)) {
    r.error(PolicyCodes.jwtKeySource.code, path, `provider ${p.issuer} needs exactly one of "jwks" and "remoteJwks"`);
  }
  if (p.jwks !== undefined) checkJwks(p.jwks, `${path}.jwks`, r);
  const remote = p.remoteJwks;
  return {
    name: `jwt-${i}`,
    issuer: p.issuer,
    audiences: [...(p.audiences ?? [])].sort(compareText),
    ...(p.jwks !== undefined && { jwks: p.jwks }),
    ...(remote && { remoteJwks: {
      externalService: qualify(remote.externalService, ns),
      ...(remote.port !== undefined && { port: remote.port }),
      path: remote.path,
      cacheDurationMs: remote.cacheDuration ?? DEFAULT_CACHE_MS,
    } }),
    forwardClaims: Object.entries(p.forwardClaims ?? {}).map(([claim, header]) => [claim, header] as const)
      .sort(([, a], [, b]) => compareText(a, b)),
  };
}

/** A JWKS document whose every key is a public key node:crypto (and so Envoy's BoringSSL) parses. */
function checkJwks(text: string, path: string, r: DocReporter): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return r.error(PolicyCodes.jwtBadJwks.code, path, `not JSON: ${(err as Error).message}`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return r.error(PolicyCodes.jwtBadJwks.code, path, 'a JWKS is an object with a non-empty "keys" list');
  keys.forEach((key: unknown, k) => {
    const jwk = key as Record<string, unknown>;
    const problem = keyProblem(jwk);
    if (problem) r.error(PolicyCodes.jwtBadJwks.code, path, `keys[${k}]${typeof jwk?.kid === 'string' ? ` (kid ${jwk.kid})` : ''}: ${problem}`);
  });
}

function keyProblem(jwk: Record<string, unknown>): string | undefined {
  if (typeof jwk !== 'object' || jwk === null) return 'not a JSON object';
  if ('d' in jwk || 'k' in jwk) return 'holds private or symmetric key material; publish only public keys';
  try {
    createPublicKey({ key: jwk as never, format: 'jwk' });
    return undefined;
  } catch (err) {
    return `not a usable public key (${(err as Error).message})`;
  }
}
