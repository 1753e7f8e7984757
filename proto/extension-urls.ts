/**
 * Envoy extensions weft configures: the type URL of each extension's config message (what an
 * `Any` carries as `@type`) and the names extensions are listed under (filters, transport
 * sockets, access loggers, tracers, resource monitors). The one place these strings are written,
 * beside the resource type URLs (type-urls.ts); translate, controlplane and cli import them.
 *
 * Every type URL here is a root of the generated Envoy types (scripts/gen-envoy-types.mjs): an
 * `Any` may carry only a type URL listed here or in type-urls.ts, so a new extension starts here.
 */

const url = <N extends string>(fullName: N) => `type.googleapis.com/${fullName}` as const;

/** Config messages packed in an `Any` (`typed_config`, `typed_extension_protocol_options`, ...). */
export const ExtensionTypeUrl = {
  HttpConnectionManager: url('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
  TcpProxy: url('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'),
  NetworkRbac: url('envoy.extensions.filters.network.rbac.v3.RBAC'),
  HttpRbac: url('envoy.extensions.filters.http.rbac.v3.RBAC'),
  HttpRbacPerRoute: url('envoy.extensions.filters.http.rbac.v3.RBACPerRoute'),
  Router: url('envoy.extensions.filters.http.router.v3.Router'),
  Fault: url('envoy.extensions.filters.http.fault.v3.HTTPFault'),
  GrpcStats: url('envoy.extensions.filters.http.grpc_stats.v3.FilterConfig'),
  MetricsServiceConfig: url('envoy.config.metrics.v3.MetricsServiceConfig'),
  LocalRateLimit: url('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'),
  JwtAuthn: url('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication'),
  ExtAuthz: url('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'),
  HeaderMutation: url('envoy.extensions.filters.http.header_mutation.v3.HeaderMutation'),
  OriginalDst: url('envoy.extensions.filters.listener.original_dst.v3.OriginalDst'),
  TlsInspector: url('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'),
  UpstreamTlsContext: url('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
  DownstreamTlsContext: url('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
  StdoutAccessLog: url('envoy.extensions.access_loggers.stream.v3.StdoutAccessLog'),
  HttpProtocolOptions: url('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
  UuidRequestId: url('envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig'),
  OpenTelemetry: url('envoy.config.trace.v3.OpenTelemetryConfig'),
  Zipkin: url('envoy.config.trace.v3.ZipkinConfig'),
  DownstreamConnections: url('envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig'),
} as const;

export type ExtensionTypeUrl = (typeof ExtensionTypeUrl)[keyof typeof ExtensionTypeUrl];

/** The names extensions are listed under in Envoy's config (`name` beside `typed_config`). */
export const ExtensionName = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  /** The network RBAC filters are this plus `.deny` / `.allow` (one per stage). */
  NetworkRbac: 'envoy.filters.network.rbac',
  /** The HTTP RBAC filters are this plus `.deny` / `.allow` (one per stage). */
  HttpRbac: 'envoy.filters.http.rbac',
  Router: 'envoy.filters.http.router',
  /** Also the key of a route's `typed_per_filter_config` for its fault. */
  Fault: 'envoy.filters.http.fault',
  GrpcStats: 'envoy.filters.http.grpc_stats',
  MetricsServiceSink: 'envoy.stat_sinks.metrics_service',
  LocalRateLimit: 'envoy.filters.http.local_ratelimit',
  /** Also the dynamic-metadata namespace of the verified payload (`payload_in_metadata`). */
  JwtAuthn: 'envoy.filters.http.jwt_authn',
  /** Strips the headers verified claims are forwarded in, before jwt_authn sets them. */
  ClaimHeaderStrip: 'envoy.filters.http.header_mutation.jwt_claims',
  /** Removes the headers an ext_authz answer may set upstream from what callers sent. */
  ExtAuthzHeaderStrip: 'envoy.filters.http.header_mutation.ext_authz',
  ExtAuthz: 'envoy.filters.http.ext_authz',
  OriginalDst: 'envoy.filters.listener.original_dst',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
  TlsTransportSocket: 'envoy.transport_sockets.tls',
  StdoutAccessLog: 'envoy.access_loggers.stdout',
  OpenTelemetry: 'envoy.tracers.opentelemetry',
  Zipkin: 'envoy.tracers.zipkin',
  GlobalDownstreamMaxConnections: 'envoy.resource_monitors.global_downstream_max_connections',
} as const;

/** `typed_extension_protocol_options` is keyed by the options message's full name. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
