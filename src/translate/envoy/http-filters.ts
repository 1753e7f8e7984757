/**
 * HTTP filter chains and the HTTP connection manager. The order of filters is fixed here, in one
 * commented place:
 *
 *   inbound:  claim-header strip → ext_authz header strip → JWT authentication → RBAC (audit → deny
 *             → allow, always the three, rules per route) → ext_authz marker → ext_authz → local rate limits
 *             (shared and callers' buckets, then routes' buckets: rate-limits.ts) → router
 *     The strips first: headers the sidecar itself sets from a verified token or an allowing
 *     authorizer are never taken from the caller (jwt.ts, ext-authz.ts).
 *     JWT first: a request with a bad token is refused (401) before anything else runs, and the
 *     verified payload is in dynamic metadata for what follows (jwt.ts).
 *     ext_authz after RBAC: a custom rule never admits what a deny or allow policy refuses, and
 *     a refused request never reaches the authorizer (nor costs it a check); it sees verified
 *     claims' headers. The marker (shadow rules of the custom rules) decides which requests it
 *     checks. Before the rate limit, like RBAC, so refused requests never consume the bucket.
 *     RBAC first so that denied requests never consume the bucket of legitimate callers; the
 *     audit stage (shadow rules only) first of all, so it counts every request (rbac.ts).
 *   outbound: fault → gRPC stats → router
 *     fault is always present (routes opt in with typed_per_filter_config), so adding a fault to
 *     one route never changes the listener. gRPC stats (Envoy only) counts gRPC calls by status
 *     per destination cluster (`cluster.<stat name>.grpc.<status>`, docs/metrics.md); it sees the
 *     status of faults the fault filter injects, as the caller does.
 *   router is last: Envoy requires a terminal filter, and gRPC NACKs any other order
 *   (grpc-js-xds listener-resource-type.js "router filter is before the end of the list").
 *
 * gRPC supports only fault, RBAC and router, so rate limiting is never sent to gRPC.
 */
import type { IrInboundChain, IrObservability } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { ADS, accessLogs, any } from './common.js';
import type { HcmTracing, HttpConnectionManager, HttpFilter, PackedAny, RouteConfiguration } from './messages.js';
import { INBOUND_RBAC_FILTERS } from './rbac.js';
import { claimHeaderStrip, jwtAuthn } from './jwt.js';
import { extAuthzFilters } from './ext-authz.js';
import { rateLimitFilters } from './rate-limits.js';

const router: HttpFilter = Object.freeze({ name: ExtensionName.Router, typed_config: any(ExtensionTypeUrl.Router, {}) });
const fault: HttpFilter = Object.freeze({ name: ExtensionName.Fault, typed_config: any(ExtensionTypeUrl.Fault, {}) });

/** Per status, not per method: method names are chosen by callers, so they would make the
 * number of stats unbounded. */
const grpcStats: HttpFilter = Object.freeze({ name: ExtensionName.GrpcStats, typed_config: any(ExtensionTypeUrl.GrpcStats, { stats_for_all_methods: { value: false } }) });

/** The outbound chain; `envoy` adds what only Envoy runs (gRPC clients accept only fault, RBAC, router). */
export function outboundFilters(kind: 'envoy' | 'grpc' = 'grpc'): HttpFilter[] {
  return kind === 'envoy' ? [fault, grpcStats, router] : [fault, router];
}

/** An Envoy sidecar's inbound chain; its RBAC stages are fixed, their rules per route (rbac.ts
 * `INBOUND_RBAC_FILTERS`). */
export function inboundFilters(c: Pick<IrInboundChain, 'rateLimit' | 'callerLimits' | 'routeLimits' | 'jwt' | 'extAuthz'>, statPrefix: string): HttpFilter[] {
  const { jwt } = c;
  const out: HttpFilter[] = [];
  const strip = jwt && claimHeaderStrip(jwt);
  if (strip) out.push({ name: ExtensionName.ClaimHeaderStrip, typed_config: strip });
  const ext = c.extAuthz && extAuthzFilters(c.extAuthz);
  if (ext?.strip) out.push(ext.strip);
  if (jwt) out.push({ name: ExtensionName.JwtAuthn, typed_config: jwtAuthn(jwt) });
  out.push(...INBOUND_RBAC_FILTERS);
  if (ext) out.push(...ext.check);
  out.push(...rateLimitFilters(c, statPrefix));
  out.push(router);
  return out;
}

export interface HcmOptions {
  readonly statPrefix: string;
  readonly filters: readonly HttpFilter[];
  readonly rds?: string;
  readonly routeConfig?: RouteConfiguration;
  readonly observability?: IrObservability;
  /** gRPC: only what the gRPC client reads. */
  readonly grpc?: boolean;
  /** The sidecar's inbound side: tell the application who called (XFCC). */
  readonly inbound?: boolean;
  /** The listener has audit rules: their verdict goes into the access log. */
  readonly audit?: boolean;
  /** An ingress gateway: the edge of the mesh, so `x-forwarded-for` gets the peer's address and
   * Envoy's internal-request headers from outside are not trusted (`use_remote_address`). */
  readonly edge?: boolean;
}

/**
 * The HCM. Path normalisation (docs/translation.md "Path normalisation"): RFC 3986 normalisation
 * (`%2e`, `.`/`..` segments), merged slashes, and REJECT_REQUEST for escaped slashes (`%2F`,
 * `%5C`) so RBAC and the application always see the same path (istio CVE-2021-31920).
 * WebSocket upgrades are allowed here, on every sidecar HCM (inbound too, or the server's sidecar
 * would answer 403); outbound routes that must not upgrade disable it per route (routes.ts).
 * Inbound, the application learns the caller's SPIFFE ID from `x-forwarded-client-cert`: Envoy
 * drops any XFCC the caller sent and sets its own with the peer certificate's URI SAN
 * (SANITIZE_SET); elsewhere Envoy's default (SANITIZE) strips it.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export function hcm(o: HcmOptions): PackedAny {
  const base: HttpConnectionManager = {
    stat_prefix: o.statPrefix,
    http_filters: [...o.filters],
    ...(o.rds ? { rds: { route_config_name: o.rds, config_source: ADS } } satisfies HttpConnectionManager : { route_config: o.routeConfig } satisfies HttpConnectionManager),
  };
  if (o.grpc) return any(ExtensionTypeUrl.HttpConnectionManager, base);
  return any(ExtensionTypeUrl.HttpConnectionManager, {
    ...base,
    codec_type: 'AUTO',
    normalize_path: { value: true },
    merge_slashes: true,
    path_with_escaped_slashes_action: 'REJECT_REQUEST',
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    ...(o.edge ? { use_remote_address: { value: true } } satisfies HttpConnectionManager : {}),
    ...(o.inbound ? { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } } satisfies HttpConnectionManager : {}),
    generate_request_id: { value: true },
    request_id_extension: { typed_config: any(ExtensionTypeUrl.UuidRequestId, { pack_trace_reason: { value: true } }) },
    access_log: accessLogs(o.observability?.accessLog ?? false, o.audit ?? false),
    ...(o.observability?.tracing ? { tracing: tracing(o.observability.tracing) } satisfies HttpConnectionManager : {}),
  });
}

/**
 * Tracing provider. Both name the collector explicitly: Envoy's defaults are the cluster name
 * (ZipkinConfig.collector_hostname "Defaults to collector_cluster"; EnvoyGrpc.authority "If this
 * field is not set, the authority header value will be cluster_name"), and ours contains `|`,
 * which a collector behind a virtual-host or authority check rejects.
 */
function tracing(t: NonNullable<IrObservability['tracing']>): HcmTracing {
  const provider = t.provider === 'opentelemetry'
    ? { name: ExtensionName.OpenTelemetry, typed_config: any(ExtensionTypeUrl.OpenTelemetry, { grpc_service: { envoy_grpc: { cluster_name: t.cluster, authority: t.authority } } }) }
    : { name: ExtensionName.Zipkin, typed_config: any(ExtensionTypeUrl.Zipkin, {
      collector_cluster: t.cluster, collector_endpoint: '/api/v2/spans', collector_endpoint_version: 'HTTP_JSON', collector_hostname: t.authority,
    }) };
  return { provider, random_sampling: { value: t.samplingPercent } };
}
