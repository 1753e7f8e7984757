/**
 * The sidecar's `stats_config` (bootstrap): the golden metrics per edge, labelled from the names
 * weft forms (translate/names.ts), and an inclusion list that keeps every other stat uncreated.
 * The series, their labels and what each counts are documented in docs/metrics.md; the real-Envoy
 * scenario e2e/envoy/netns-metrics.test.ts checks them against the traffic it sends.
 *
 * Envoy applies every tag regex to the full stat name: the first capture group is cut out of the
 * name, the second is the tag's value. Envoy's default tags are off (`use_all_default_tags:
 * false`): they would cut the same names differently (`envoy.cluster_name` takes the cluster name
 * whole). https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/metrics/v3/stats.proto
 *
 * Pure: inputs in, proto3-JSON-ready object out.
 */

export interface StatsInput {
  /** The proxy's workload identity (its service account): the `source_workload` of its calls. */
  readonly workload: string;
  readonly namespace: string;
  /** `golden` (default): the inclusion list below. `all`: every stat Envoy has (more memory). */
  readonly scope?: 'golden' | 'all';
}

/** Outbound cluster stats are `cluster.outbound|<port>|<subset>|<hostname>|.<stat>`
 * (`clusterStatName`); route stats `vhost.<hostname>:<port>.route.<hostname>:<port>/<i>.<stat>`. */
const CLUSTER = String.raw`^cluster\.outbound`;
const VHOST = String.raw`^vhost`;

/** The tags, in the order Envoy applies them. */
const TAGS: readonly { readonly tag_name: string; readonly regex: string }[] = [
  { tag_name: 'destination_port', regex: String.raw`${CLUSTER}(\|(\d+))\|` },
  { tag_name: 'destination_subset', regex: String.raw`${CLUSTER}\|\d+(\|([^|]*))\|` },
  { tag_name: 'destination_service', regex: String.raw`${CLUSTER}\|\d+\|[^|]*(\|([^|]+)\|)\.` },
  { tag_name: 'destination_service', regex: String.raw`${VHOST}(\.([^|:]+)):\d+\.route\.` },
  { tag_name: 'destination_port', regex: String.raw`${VHOST}\.[^|:]+(:(\d+))\.route\.` },
  { tag_name: 'route', regex: String.raw`${VHOST}\.[^|:]+:\d+\.route(\.([^|:]+:\d+/\d+))\.[a-z0-9_]+$` },
  { tag_name: 'response_code_class', regex: String.raw`_rq(_(\dxx))$` },
  { tag_name: 'grpc_status', regex: String.raw`\.grpc(\.(\d+))$` },
];

/** Per edge (outbound cluster): requests by class, latency, gRPC status, TCP connections and
 * bytes, and the resilience counters an operator reads when an edge fails. */
const EDGE_STATS = [
  String.raw`upstream_rq_[1-5]xx`, 'upstream_rq_total', 'upstream_rq_time', 'upstream_rq_timeout',
  String.raw`grpc\.\d+`, String.raw`grpc\.total`,
  'upstream_cx_total', 'upstream_cx_connect_fail', 'upstream_cx_rx_bytes_total', 'upstream_cx_tx_bytes_total',
  'upstream_rq_pending_overflow', 'upstream_rq_retry', 'upstream_rq_retry_overflow', 'upstream_cx_overflow',
  String.raw`outlier_detection\.ejections_(active|enforced_total)`, 'membership_healthy', 'membership_total',
  'update_rejected', 'update_success', 'update_attempt', 'version',
];
const ROUTE_STATS = [String.raw`upstream_rq_[1-5]xx`, 'upstream_rq_total', 'upstream_rq_time', 'upstream_rq_timeout'];

/** Regexes (RE2) of the stats a sidecar creates; each must match a whole stat name (Envoy's
 * `safe_regex` string matcher is a full match). Besides the edges and routes: Envoy's own health
 * (`server.*`), its xDS connection and subscriptions (what `weft status` and the e2e health guard
 * read), denials by RBAC and the local rate limit, and what the black hole and direct responses
 * refuse (registry-only, external AccessPolicies). */
export const STATS_INCLUSION: readonly string[] = [
  String.raw`cluster\.outbound\|\d+\|[^|]*\|[^|]+\|\.(${EDGE_STATS.join('|')})`,
  String.raw`vhost\.[^|:]+:\d+\.route\.[^|:]+:\d+/\d+\.(${ROUTE_STATS.join('|')})`,
  String.raw`(server|control_plane|cluster_manager|listener_manager|sds|runtime)\..*`,
  String.raw`cluster\.[^.]+\.(update_rejected|update_success|update_attempt|version)`,
  String.raw`cluster\.weft-xds\..*`,
  String.raw`http\..*\.rds\..*\.(update_rejected|update_success|update_attempt|version)`,
  String.raw`.*\.rbac\.(.*\.)?(allowed|denied|shadow_allowed|shadow_denied)`,
  String.raw`.*\.http_local_rate_limit\.(rate_limited|ok)`,
  // External authorization outcomes, under the inbound chain's local cluster (docs/policy.md).
  String.raw`cluster\.inbound\|\d+\|[^|]+\.ext_authz\.(ok|denied|error|failure_mode_allowed)`,
  // What registry-only and external AccessPolicies refuse (docs/policy.md "Egress").
  String.raw`cluster\.BlackHoleCluster\.upstream_cx_none_healthy`,
  String.raw`tcp\..*\|blackhole\.downstream_cx_total`,
  String.raw`http\..*\.rq_direct_response`,
  // TLS a sidecar originates to an ExternalService that fails its checks.
  String.raw`cluster\.external\|.*\.ssl\.(fail_verify_san|fail_verify_error|connection_error)`,
  // An ingress gateway's requests per chain, and the connections no chain takes (an unknown SNI
  // host, plaintext on an HTTPS port) (docs/gateway-api.md "Ingress gateway").
  String.raw`http\.gateway\|\d+(\|[^.|]+)?\.downstream_rq_([1-5]xx|total)`,
  String.raw`listener\.[^|]+_\d+\.no_filter_chain_match`,
];

/** The bootstrap's `stats_config`. */
export function statsConfig(i: StatsInput): Record<string, unknown> {
  return {
    use_all_default_tags: false,
    stats_tags: [
      { tag_name: 'source_workload', fixed_value: i.workload },
      { tag_name: 'source_namespace', fixed_value: i.namespace },
      ...TAGS,
    ],
    ...(i.scope === 'all' ? {} : { stats_matcher: { inclusion_list: { patterns: STATS_INCLUSION.map((regex) => ({ safe_regex: { regex } })) } } }),
  };
}
