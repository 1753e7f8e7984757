/** Small, valid Envoy resources for xDS tests (keepCase messages, `Any` as `{ '@type', ... }`). */

export function cluster(name: string, extra: Record<string, unknown> = {}) {
  return { name, message: { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, connect_timeout: { seconds: 1 }, ...extra } };
}

export function endpoints(name: string, addrs: [string, number][]) {
  return {
    name,
    message: {
      cluster_name: name,
      endpoints: [{
        // gRPC ignores localities without a weight (gRFC A27).
        locality: { zone: 'zone-a' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: addrs.map(([address, port_value]) => ({ endpoint: { address: { socket_address: { address, port_value } } }, health_status: 'HEALTHY' })),
      }],
    },
  };
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** A gRPC API listener (proxyless) using RDS. */
export function apiListener(name: string, routeName: string) {
  return {
    name,
    message: {
      name,
      api_listener: {
        api_listener: {
          '@type': HCM,
          stat_prefix: name,
          rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      },
    },
  };
}

/** A route configuration sending everything for `domain` to weighted clusters. */
export function route(name: string, domain: string, weights: [string, number][]) {
  const action = weights.length === 1
    ? { cluster: weights[0]![0] }
    : { weighted_clusters: { clusters: weights.map(([n, w]) => ({ name: n, weight: { value: w } })) } };
  return {
    name,
    message: { name, virtual_hosts: [{ name: domain, domains: [domain, '*'], routes: [{ match: { prefix: '' }, route: action }] }] },
  };
}

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** A listener on `port` proxying TCP to `clusterName`. */
export function tcpListener(name: string, port: number, clusterName: string) {
  return {
    name,
    message: {
      name,
      address: { socket_address: { address: '127.0.0.1', port_value: port } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: name, cluster: clusterName } }] }],
    },
  };
}
