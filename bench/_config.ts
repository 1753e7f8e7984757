/**
 * A realistic sidecar configuration for the fan-out benchmark, built as real Envoy v3 messages in
 * protobufjs keepCase form (snake_case fields, `Any` as `{ "@type": ... }`, Durations as
 * `{ seconds, nanos }`): EDS clusters with upstream mTLS, circuit breakers and outlier detection,
 * their ClusterLoadAssignments, two outbound HTTP listeners using RDS, and their two route
 * configurations with one virtual host per service.
 *
 * Contract: the returned objects are shared by every proxy and must not be mutated; a round's
 * change is a NEW route-configuration object (`changedRoute`), so an encoder memoised by object
 * identity encodes exactly one new resource per round.
 */
import { messageType, typeUrlOf } from '../proto/index.js';
import { TypeUrl, messageNameOf, type ResourceTypeUrl } from '../proto/type-urls.js';

export interface NamedMessage {
  name: string;
  message: object;
}

export type ResourceSet = Partial<Record<ResourceTypeUrl, readonly NamedMessage[]>>;

export interface MeshConfig {
  resources: ResourceSet;
  /** Encoded size of all resources one proxy receives, in bytes. */
  bytesPerProxy: number;
  /** The route configuration a round changes (a weight), as a fresh object per round. */
  changedRoute(round: number): NamedMessage;
}

const PORTS = [9080, 8080] as const;
/** Endpoints per service; the service count is what `configKb` scales. */
const ENDPOINTS = 3;
const ads = { ads: {}, resource_api_version: 'V3' };
const secs = (seconds: number) => ({ seconds, nanos: 0 });

function serviceName(i: number): string {
  return `svc-${String(i).padStart(2, '0')}.default.svc.cluster.local`;
}

function clusterName(i: number): string {
  return `outbound|${PORTS[i % 2]}||${serviceName(i)}`;
}

function cluster(i: number): NamedMessage {
  const name = clusterName(i);
  const tls = {
    '@type': typeUrlOf('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
    sni: `outbound_.${PORTS[i % 2]}_._.${serviceName(i)}`,
    common_tls_context: {
      tls_certificate_sds_secret_configs: [{ name: 'spiffe://cluster.local/ns/default/sa/bench', sds_config: ads }],
      validation_context_sds_secret_config: { name: 'trust-bundle', sds_config: ads },
    },
  };
  const message = {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ads, service_name: name },
    connect_timeout: secs(10),
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: {
      thresholds: [{ max_connections: { value: 100 }, max_pending_requests: { value: 10 }, max_requests: { value: 1000 }, max_retries: { value: 3 } }],
    },
    outlier_detection: { consecutive_5xx: { value: 5 }, interval: secs(10), base_ejection_time: secs(30), max_ejection_percent: { value: 50 } },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: tls },
  };
  return { name, message };
}

function loadAssignment(i: number, endpoints: number): NamedMessage {
  const lbEndpoints = Array.from({ length: endpoints }, (_, e) => ({
    endpoint: { address: { socket_address: { address: `10.${i}.${e >> 8}.${e & 255}`, port_value: PORTS[i % 2] } } },
    health_status: 'HEALTHY',
    load_balancing_weight: { value: 1 },
  }));
  const name = clusterName(i);
  const locality = { region: 'eu-west-1', zone: `eu-west-1${'abc'[i % 3]}` };
  return { name, message: { cluster_name: name, endpoints: [{ locality, lb_endpoints: lbEndpoints }] } };
}

function listener(port: number): NamedMessage {
  const hcm = {
    '@type': typeUrlOf('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
    stat_prefix: `outbound_0.0.0.0_${port}`,
    codec_type: 'AUTO',
    rds: { route_config_name: String(port), config_source: ads },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': typeUrlOf('envoy.extensions.filters.http.router.v3.Router') } }],
    use_remote_address: { value: false },
  };
  const name = `0.0.0.0_${port}`;
  const message = {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
  };
  return { name, message };
}

/** One virtual host per service on `port`; the first one's split moves with `round`. */
function routeConfig(services: number, port: number, round: number): NamedMessage {
  const ids = Array.from({ length: services }, (_, i) => i).filter((i) => PORTS[i % 2] === port);
  const virtualHosts = ids.map((i, v) => {
    const canary = v === 0 ? 10 + (round % 80) : 10;
    const route = {
      weighted_clusters: { clusters: [{ name: clusterName(i), weight: { value: 100 - canary } }, { name: clusterName(i), weight: { value: canary } }] },
      timeout: secs(3),
      retry_policy: { retry_on: '5xx,reset,connect-failure', num_retries: { value: 3 }, per_try_timeout: secs(1) },
    };
    const short = serviceName(i).split('.')[0]!;
    return {
      name: `${short}:${port}`,
      domains: [serviceName(i), short],
      routes: [{ match: { prefix: '/' }, route }],
    };
  });
  return { name: String(port), message: { name: String(port), virtual_hosts: virtualHosts, validate_clusters: { value: false } } };
}

function encodedSize(resources: ResourceSet): number {
  let total = 0;
  for (const [url, list] of Object.entries(resources)) {
    const type = messageType(messageNameOf(url));
    for (const r of list ?? []) total += type.encode(type.fromObject(r.message)).finish().length;
  }
  return total;
}

function build(services: number): ResourceSet {
  const ids = Array.from({ length: services }, (_, i) => i);
  return {
    [TypeUrl.Cluster]: ids.map(cluster),
    [TypeUrl.ClusterLoadAssignment]: ids.map((i) => loadAssignment(i, ENDPOINTS)),
    [TypeUrl.Listener]: PORTS.map(listener),
    [TypeUrl.RouteConfiguration]: PORTS.map((p) => routeConfig(services, p, 0)),
  };
}

/**
 * Builds the shared configuration, adding services (a cluster, its endpoints and a virtual host
 * each) until one proxy's resources reach `configKb` KiB; at 10 KiB that is 14 services.
 */
export function buildMeshConfig(configKb: number): MeshConfig {
  let services = 2;
  let resources = build(services);
  while (encodedSize(resources) < configKb * 1024 && services < 10_000) {
    services += 2;
    resources = build(services);
  }
  return {
    resources,
    bytesPerProxy: encodedSize(resources),
    changedRoute: (round) => routeConfig(services, PORTS[0], round),
  };
}
