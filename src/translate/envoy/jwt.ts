/**
 * IR JWT authentication → Envoy's `envoy.filters.http.jwt_authn`. Every provider verifies
 * `Authorization: Bearer <token>` (Envoy's default location) and, on success, writes the token's
 * payload into dynamic metadata under `jwt_payload` (`payload_in_metadata`) and the configured
 * claims into request headers (`claim_to_headers`; Envoy drops the token itself before forwarding,
 * `forward: false`). Rules, first match wins: each exempt path accepts a request without a token
 * (`allow_missing`: a token that is present must still verify), then every other path requires a
 * valid token of one of the providers. A failed requirement is answered 401 by Envoy.
 *
 * The headers claims are forwarded in are removed from every request first (`claimHeaderStrip`,
 * a header-mutation filter before jwt_authn): jwt_authn only writes them for a verified token, so
 * without this a caller could send `x-user: admin` itself on an exempt path.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter
 */
import type { IrJwt, IrJwtProvider } from '../ir.js';
import { ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, duration } from './common.js';
import type { Message, PackedAny } from './messages.js';

type JwtProvider = Message<'envoy.extensions.filters.http.jwt_authn.v3.JwtProvider'>;
type JwtRequirement = Message<'envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement'>;
type RequirementRule = Message<'envoy.extensions.filters.http.jwt_authn.v3.RequirementRule'>;

/** The dynamic-metadata key (in the filter's namespace) holding a verified token's payload. */
export const JWT_PAYLOAD_KEY = 'jwt_payload';
/** How long Envoy waits for a remote JWKS fetch. */
const JWKS_FETCH_TIMEOUT_MS = 5_000;

export function jwtAuthn(jwt: IrJwt): PackedAny {
  const providers: Record<string, JwtProvider> = {};
  for (const p of jwt.providers) providers[p.name] = provider(p);
  const required: JwtRequirement = jwt.providers.length === 1
    ? { provider_name: jwt.providers[0]!.name }
    : { requires_any: { requirements: jwt.providers.map((p) => ({ provider_name: p.name })) } };
  const rules: RequirementRule[] = [
    ...jwt.exempt.map((m): RequirementRule => ({ match: 'exact' in m ? { path: m.exact } : { prefix: m.prefix }, requires: { allow_missing: {} } })),
    { match: { prefix: '/' }, requires: required },
  ];
  return any(ExtensionTypeUrl.JwtAuthn, { providers, rules });
}

/** The header-mutation filter config removing every claim header a caller sent; undefined when
 * no claim is forwarded. */
export function claimHeaderStrip(jwt: IrJwt): PackedAny | undefined {
  const headers = [...new Set(jwt.providers.flatMap((p) => p.claimHeaders.map((c) => c.header)))].sort();
  if (!headers.length) return undefined;
  return any(ExtensionTypeUrl.HeaderMutation, { mutations: { request_mutations: headers.map((remove) => ({ remove })) } });
}

function provider(p: IrJwtProvider): JwtProvider {
  return {
    issuer: p.issuer,
    ...(p.audiences.length ? { audiences: [...p.audiences] } : {}),
    ...(p.remote
      ? { remote_jwks: { http_uri: { uri: p.remote.uri, cluster: p.remote.cluster, timeout: duration(JWKS_FETCH_TIMEOUT_MS) }, cache_duration: duration(p.remote.cacheDurationMs) } }
      : { local_jwks: { inline_string: p.jwks ?? '' } }),
    payload_in_metadata: JWT_PAYLOAD_KEY,
    ...(p.claimHeaders.length ? { claim_to_headers: p.claimHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim })) } : {}),
  };
}
