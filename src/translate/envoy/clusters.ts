/**
 * IR → Envoy `Cluster` and `ClusterLoadAssignment`. Mechanical; one function per message.
 * gRPC differences (forced by grpc-js-xds' validator, xds-resource-type/cluster-resource-type.js):
 * only ROUND_ROBIN and RING_HASH are accepted as `lb_policy`, and TLS must use certificate
 * providers. LEAST_REQUEST/RANDOM therefore become ROUND_ROBIN for gRPC; the IR keeps the
 * operator's choice and build-ir reports the degradation (WEFT4104).
 */
import type { IrCluster, IrEndpoints, IrInlineCluster, IrLocalCluster, IrObservability } from '../ir.js';
import { ADMIN_CLUSTER, ADMIN_PORT, PASSTHROUGH_CLUSTER, clusterStatName } from '../names.js';
import { ExtensionName, ExtensionTypeUrl, HTTP_PROTOCOL_OPTIONS_KEY } from '../../../proto/extension-urls.js';
import { ADS, any, duration, ownCertificate, socketAddress, spiffeSanMatcher, validation } from './common.js';
import type { Cluster, ClusterLoadAssignment, Enum, Message, Named, PackedAny, TransportSocket } from './messages.js';

type LbPolicy = Enum<'envoy.config.cluster.v3.Cluster.LbPolicy'>;
type Thresholds = Message<'envoy.config.cluster.v3.CircuitBreakers.Thresholds'>;
type OutlierDetection = Message<'envoy.config.cluster.v3.OutlierDetection'>;

const LB: Record<IrCluster['lb'], LbPolicy> = {
  'round-robin': 'ROUND_ROBIN', 'least-request': 'LEAST_REQUEST', random: 'RANDOM', 'ring-hash': 'RING_HASH',
};

export function edsCluster(c: IrCluster, kind: 'envoy' | 'grpc', identity: string): Named<Cluster> {
  const lb: LbPolicy = kind === 'grpc' && (c.lb === 'least-request' || c.lb === 'random') ? 'ROUND_ROBIN' : LB[c.lb];
  return {
    name: c.name,
    ...(kind === 'envoy' ? { alt_stat_name: clusterStatName(c.name) } satisfies Cluster : {}),
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS, service_name: c.name },
    connect_timeout: duration(c.connectTimeoutMs),
    lb_policy: lb,
    ...(limitsOf(c, kind) || kind === 'envoy' ? { circuit_breakers: circuitBreakers(limitsOf(c, kind) ?? {}) } satisfies Cluster : {}),
    ...(c.outlier ? { outlier_detection: kind === 'grpc' ? grpcOutlier(c.outlier) : outlier(c.outlier) } satisfies Cluster : {}),
    ...(kind === 'envoy' && (c.localityWeighted || c.outlier) ? { common_lb_config: commonLb(c) } satisfies Cluster : {}),
    ...(c.protocol === 'http2' ? { typed_extension_protocol_options: http2Options() } satisfies Cluster : {}),
    ...(c.tls ? { transport_socket: upstreamTls(c.tls, kind, identity) } satisfies Cluster : {}),
  };
}

/**
 * Locality-weighted balancing when endpoints carry shares (gRPC weighs localities always and reads
 * no common_lb_config). With outlier detection, health changes apply at once: by default Envoy
 * merges them within a 1 s `update_merge_window`, so only the first ejection of a burst reaches the
 * load balancer at once; when a whole zone fails, its second replica kept its traffic share (and
 * failed it) for up to a second instead of failing over (real-Envoy mesh, netns-locality).
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/cluster.proto (update_merge_window)
 */
function commonLb(c: IrCluster): NonNullable<Cluster['common_lb_config']> {
  return {
    ...(c.localityWeighted ? { locality_weighted_lb_config: {} } : {}),
    ...(c.outlier ? { update_merge_window: duration(0) } : {}),
  };
}

/**
 * Envoy's default `max_retries` is 3 concurrent retries per cluster, far below what route retry
 * policies ask for under load: a pool failing 30 % with 4 callers overflowed it on 19 of 20
 * failures in the real-Envoy mesh. Unless policy sets `maxRetries`, retries are bounded only by
 * each route's `attempts` (as Istio does).
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto
 */
const UNBOUNDED_RETRIES = 4_294_967_295;

/** gRPC clients read `max_requests` only (gRFC A32); a retry budget is never sent to them. */
function limitsOf(c: IrCluster, kind: 'envoy' | 'grpc'): IrCluster['circuitBreaker'] {
  if (kind === 'envoy' || !c.circuitBreaker?.retryBudget) return c.circuitBreaker;
  const { retryBudget: _, ...rest } = c.circuitBreaker;
  return Object.keys(rest).length ? rest : undefined;
}

function circuitBreakers(cb: NonNullable<IrCluster['circuitBreaker']>): Cluster['circuit_breakers'] {
  const t: Thresholds = { priority: 'DEFAULT', max_retries: { value: UNBOUNDED_RETRIES } };
  if (cb.maxConnections !== undefined) t.max_connections = { value: cb.maxConnections };
  if (cb.maxPendingRequests !== undefined) t.max_pending_requests = { value: cb.maxPendingRequests };
  if (cb.maxRequests !== undefined) t.max_requests = { value: cb.maxRequests };
  if (cb.maxRetries !== undefined) t.max_retries = { value: cb.maxRetries };
  // With a budget Envoy ignores max_retries (circuit_breaker.proto, Thresholds.retry_budget).
  if (cb.retryBudget) t.retry_budget = { budget_percent: { value: cb.retryBudget.percent }, min_retry_concurrency: { value: cb.retryBudget.minConcurrency } };
  return { thresholds: [t] };
}

function outlier(o: NonNullable<IrCluster['outlier']>): OutlierDetection {
  return {
    consecutive_5xx: { value: o.consecutive5xx },
    interval: duration(o.intervalMs),
    base_ejection_time: duration(o.baseEjectionTimeMs),
    max_ejection_percent: { value: o.maxEjectionPercent },
  };
}

/**
 * gRPC implements only success-rate and failure-percentage ejection (gRFC A50), not
 * `consecutive_5xx`, and its success-rate check is on by default. So a proxyless client gets the
 * failure-percentage equivalent of the policy: eject an endpoint when at least half of its calls
 * in an interval failed, once it has seen `consecutive5xx` calls; success-rate ejection is off.
 */
function grpcOutlier(o: NonNullable<IrCluster['outlier']>): OutlierDetection {
  return {
    interval: duration(o.intervalMs),
    base_ejection_time: duration(o.baseEjectionTimeMs),
    max_ejection_percent: { value: o.maxEjectionPercent },
    enforcing_success_rate: { value: 0 },
    failure_percentage_threshold: { value: 50 },
    enforcing_failure_percentage: { value: 100 },
    failure_percentage_minimum_hosts: { value: 1 },
    failure_percentage_request_volume: { value: Math.max(1, o.consecutive5xx) },
  };
}

function http2Options(): Record<string, PackedAny> {
  return {
    [HTTP_PROTOCOL_OPTIONS_KEY]: any(ExtensionTypeUrl.HttpProtocolOptions, {
      explicit_http_config: { http2_protocol_options: {} },
    }),
  };
}

/** Upstream mTLS: present our identity, accept only the destination's exact SPIFFE ID (the SAN
 * check whose absence was consul CVE-2021-32574). */
function upstreamTls(tls: NonNullable<IrCluster['tls']>, kind: 'envoy' | 'grpc', identity: string): TransportSocket {
  return {
    name: ExtensionName.TlsTransportSocket,
    typed_config: any(ExtensionTypeUrl.UpstreamTlsContext, {
      sni: tls.sni,
      common_tls_context: { ...ownCertificate(kind, identity), ...validation(kind, [spiffeSanMatcher({ exact: tls.san })]) },
    }),
  };
}

const HEALTH = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', draining: 'DRAINING' } as const;

export function loadAssignment(e: IrEndpoints): ClusterLoadAssignment {
  return {
    cluster_name: e.name,
    endpoints: e.localities.map((l) => ({
      // Always present: gRPC rejects an unset locality, Envoy treats {} as the default locality.
      locality: { ...(l.region ? { region: l.region } : {}), ...(l.zone ? { zone: l.zone } : {}) },
      ...(l.priority > 0 ? { priority: l.priority } : {}),
      lb_endpoints: l.endpoints.map((ep) => ({
        endpoint: { address: socketAddress(ep.address, ep.port) },
        health_status: HEALTH[ep.health],
      })),
      // gRPC requires a locality weight and always picks a locality by it (gRFC A27); Envoy
      // reads it only with locality-weighted balancing (the cluster's `localityWeighted`).
      load_balancing_weight: { value: l.weight },
    })),
  };
}

function staticCluster(name: string, address: string, port: number, http2: boolean, timeoutMs: number): Named<Cluster> {
  return {
    name, type: 'STATIC', connect_timeout: duration(timeoutMs),
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
    ...(http2 ? { typed_extension_protocol_options: http2Options() } satisfies Cluster : {}),
  };
}

/** The application: STATIC at its socket, or ORIGINAL_DST (the address and port the redirected
 * connection was sent to, restored by the inbound listener's `original_dst` filter). */
export function localCluster(c: IrLocalCluster, timeoutMs: number): Named<Cluster> {
  const http2 = c.protocol === 'http2';
  if ('address' in c.target) return staticCluster(c.name, c.target.address, c.target.port, http2, timeoutMs);
  return {
    name: c.name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: duration(timeoutMs),
    ...(http2 ? { typed_extension_protocol_options: http2Options() } satisfies Cluster : {}),
  };
}

export function adminCluster(timeoutMs: number): Named<Cluster> {
  return staticCluster(ADMIN_CLUSTER, '127.0.0.1', ADMIN_PORT, false, timeoutMs);
}

/** Connections to destinations outside the mesh keep their original destination address. */
export function passthroughCluster(timeoutMs: number): Named<Cluster> {
  return { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: duration(timeoutMs) };
}

/**
 * An ExternalService port (STRICT_DNS on its host, or STATIC on its addresses) or the black hole
 * (STATIC, no endpoints). Originated TLS sends the SNI and requires the server certificate to
 * chain to the CA file and carry that name as a DNS SAN; HTTP/2 ports offer `h2` by ALPN.
 */
export function inlineCluster(c: IrInlineCluster): Named<Cluster> {
  const http2 = c.protocol === 'http2';
  return {
    name: c.name,
    type: c.resolution === 'dns' ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: duration(c.connectTimeoutMs),
    ...(c.resolution === 'dns' ? { dns_lookup_family: 'V4_PREFERRED' } satisfies Cluster : {}),
    load_assignment: { cluster_name: c.name, endpoints: c.targets.length ? [{ lb_endpoints: c.targets.map((t) => ({ endpoint: { address: socketAddress(t.address, t.port) } })) }] : [] },
    ...(http2 ? { typed_extension_protocol_options: http2Options() } satisfies Cluster : {}),
    ...(c.tls ? { transport_socket: originatedTls(c.tls, http2) } satisfies Cluster : {}),
  };
}

function originatedTls(tls: NonNullable<IrInlineCluster['tls']>, http2: boolean): TransportSocket {
  return {
    name: ExtensionName.TlsTransportSocket,
    typed_config: any(ExtensionTypeUrl.UpstreamTlsContext, {
      sni: tls.sni,
      common_tls_context: {
        validation_context: { trusted_ca: { filename: tls.caFile }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: tls.sni } }] },
        ...(http2 ? { alpn_protocols: ['h2'] } : {}),
      },
    }),
  };
}

/** Tracing collector: STRICT_DNS so a hostname resolves; the collector speaks HTTP/2 for OTLP gRPC. */
export function tracingCluster(t: NonNullable<IrObservability['tracing']>, timeoutMs: number): Named<Cluster> {
  return {
    name: t.cluster, type: 'STRICT_DNS', connect_timeout: duration(timeoutMs),
    load_assignment: { cluster_name: t.cluster, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(t.host, t.port) } }] }] },
    ...(t.provider === 'opentelemetry' ? { typed_extension_protocol_options: http2Options() } satisfies Cluster : {}),
  };
}
