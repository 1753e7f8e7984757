/**
 * IR external authorization → Envoy filters, three of them (their place in the chain is fixed in
 * http-filters.ts):
 * - a header-mutation filter first of all removing the headers an allowing answer may set
 *   upstream (`upstreamHeaders`; an HTTP authorizer's are copied from its answer, a gRPC one sets
 *   them itself), so that the application can trust them: a caller could send `x-auth-user`
 *   itself on a request the authorizer never sees (not matched, or failOpen);
 * - an RBAC filter holding the custom rules as shadow rules only: it refuses nothing and marks in
 *   dynamic metadata whether the request matches one of them. On an Envoy sidecar the rules come
 *   per route from the chain's route configuration over RDS (`extAuthzPerRoute`), like the RBAC
 *   stages', so a change to them reaches open connections without replacing the chain; the
 *   marker's own configuration marks every request (rbac.ts `inboundShadowMarker`);
 * - `envoy.filters.http.ext_authz`, enabled only for marked requests (`filter_enabled_metadata`),
 *   so the authorizer sees exactly what the custom rules match, with the provider's timeout and
 *   `failure_mode_allow` = failOpen. A failed check without failOpen is answered 403 (Envoy's
 *   default `status_on_error`); an HTTP authorizer's non-200, non-5xx answer is passed to the caller.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/ext_authz_filter
 */
import type { IrExtAuthz } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, duration } from './common.js';
import type { HttpFilter, Message, PackedAny } from './messages.js';
import { inboundShadowMarker, markerPerRoute } from './rbac.js';

type ExtAuthz = Message<'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'>;
type ListStringMatcher = Message<'envoy.type.matcher.v3.ListStringMatcher'>;

/** Stat and metadata prefix of the marker: `http.<chain>.rbac.extauthz.shadow_denied` counts the
 * requests sent to the authorizer. */
export const EXT_AUTHZ_MARK_PREFIX = 'extauthz.';

/** The filters of one chain's external authorization, in chain order, split where the
 * strip must go (before everything) and where the check goes (after RBAC). */
export function extAuthzFilters(x: IrExtAuthz): { strip?: HttpFilter; check: HttpFilter[] } {
  const strip = x.upstreamHeaders.length
    ? { name: ExtensionName.ExtAuthzHeaderStrip, typed_config: any(ExtensionTypeUrl.HeaderMutation, { mutations: { request_mutations: x.upstreamHeaders.map((remove) => ({ remove })) } }) }
    : undefined;
  const check: HttpFilter[] = [
    { name: EXT_AUTHZ_MARKER, typed_config: inboundShadowMarker(EXT_AUTHZ_MARK_PREFIX) },
    { name: ExtensionName.ExtAuthz, typed_config: extAuthz(x) },
  ];
  return { ...(strip ? { strip } : {}), check };
}

const EXT_AUTHZ_MARKER = `${ExtensionName.HttpRbac}.extauthz`;

/** The custom rules of one chain, as entries of its virtual host's `typed_per_filter_config`. */
export function extAuthzPerRoute(x: IrExtAuthz | undefined): Record<string, PackedAny> {
  return x ? { [EXT_AUTHZ_MARKER]: markerPerRoute(x.rules, EXT_AUTHZ_MARK_PREFIX) } : {};
}

const exact = (names: readonly string[]): ListStringMatcher => ({ patterns: names.map((n) => ({ exact: n })) });

function extAuthz(x: IrExtAuthz): PackedAny {
  const timeout = duration(x.timeoutMs);
  const service: ExtAuthz = x.protocol === 'grpc'
    ? { grpc_service: { envoy_grpc: { cluster_name: x.cluster, authority: x.target }, timeout } }
    : { http_service: {
      server_uri: { uri: x.target, cluster: x.cluster, timeout },
      ...(x.pathPrefix !== undefined ? { path_prefix: x.pathPrefix } : {}),
      ...(x.upstreamHeaders.length ? { authorization_response: { allowed_upstream_headers: exact(x.upstreamHeaders) } } : {}),
    } };
  return any(ExtensionTypeUrl.ExtAuthz, {
    ...service,
    transport_api_version: 'V3',
    failure_mode_allow: x.failOpen,
    filter_enabled_metadata: {
      filter: ExtensionName.HttpRbac,
      path: [{ key: `${EXT_AUTHZ_MARK_PREFIX}shadow_engine_result` }],
      value: { string_match: { exact: 'denied' } },
    },
    ...(x.protocol === 'http' && x.requestHeaders.length ? { allowed_headers: exact(x.requestHeaders) } : {}),
  } satisfies ExtAuthz);
}
