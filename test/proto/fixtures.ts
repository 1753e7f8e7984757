/**
 * Typical, valid Envoy resources as weft emits them (keepCase plain objects). Each call returns a
 * fresh object, so a test may mutate its copy.
 */
const tlsSecretConfig = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });
const router = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

export const types = {
  listener: 'envoy.config.listener.v3.Listener',
  route: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export function hcm(): Record<string, unknown> {
  return {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'inbound_9080',
    codec_type: 'AUTO',
    rds: { route_config_name: 'inbound|9080', config_source: { ads: {}, resource_api_version: 'V3' } },
    http_filters: [
      {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
          stat_prefix: 'rate_limit',
          token_bucket: { max_tokens: 200, tokens_per_fill: { value: 100 }, fill_interval: { seconds: 1 } },
        },
      },
      structuredClone(router),
    ],
    request_headers_timeout: { seconds: 10 },
    use_remote_address: { value: false },
  };
}

export function listener(): Record<string, any> {
  return {
    name: 'inbound|15006',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    listener_filters: [{
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
    }],
    filter_chains: [{
      filter_chain_match: { destination_port: { value: 9080 }, transport_protocol: 'tls' },
      filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm() }],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
          require_client_certificate: { value: true },
          common_tls_context: {
            tls_certificate_sds_secret_configs: [tlsSecretConfig('spiffe://cluster.local/ns/default/sa/reviews')],
            validation_context_sds_secret_config: tlsSecretConfig('trust-bundle'),
          },
        },
      },
    }],
    traffic_direction: 'INBOUND',
  };
}

export function routeConfiguration(): Record<string, any> {
  return {
    name: 'outbound|9080',
    virtual_hosts: [{
      name: 'reviews.default.svc.cluster.local:9080',
      domains: ['reviews.default.svc.cluster.local', 'reviews:9080'],
      routes: [
        {
          match: { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'tester' } }] },
          route: { cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local' },
        },
        {
          match: { prefix: '/' },
          route: {
            weighted_clusters: { clusters: [
              { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: { value: 90 } },
              { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: { value: 10 } },
            ] },
            timeout: { seconds: 3 },
            retry_policy: { retry_on: '5xx,reset,connect-failure', num_retries: { value: 3 }, per_try_timeout: { seconds: 1 } },
          },
          request_headers_to_add: [{ header: { key: 'x-weft-route', value: 'default' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        },
      ],
    }],
    validate_clusters: { value: false },
  };
}

export function cluster(name = 'outbound|9080|v1|reviews.default.svc.cluster.local'): Record<string, any> {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: { seconds: 5 },
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: { thresholds: [{
      max_connections: { value: 100 }, max_pending_requests: { value: 10 }, max_requests: { value: 1000 }, max_retries: { value: 3 },
    }] },
    outlier_detection: {
      consecutive_5xx: { value: 5 }, interval: { seconds: 10 }, base_ejection_time: { seconds: 30 }, max_ejection_percent: { value: 50 },
    },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'outbound_.9080_.v1_.reviews.default.svc.cluster.local',
        common_tls_context: {
          tls_certificate_sds_secret_configs: [tlsSecretConfig('spiffe://cluster.local/ns/default/sa/productpage')],
          combined_validation_context: {
            default_validation_context: {
              match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/reviews' } }],
            },
            validation_context_sds_secret_config: tlsSecretConfig('trust-bundle'),
          },
        },
      },
    },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    metadata: { filter_metadata: { weft: { fields: { service: { stringValue: 'reviews.default' } } } } },
  };
}

export function clusterLoadAssignment(): Record<string, any> {
  return {
    cluster_name: 'outbound|9080|v1|reviews.default.svc.cluster.local',
    endpoints: [{
      locality: { zone: 'zone-a' },
      lb_endpoints: [
        { endpoint: { address: { socket_address: { address: '10.0.0.7', port_value: 9080 } } }, health_status: 'HEALTHY', load_balancing_weight: { value: 1 } },
        { endpoint: { address: { socket_address: { address: '10.0.0.8', port_value: 9080 } } }, health_status: 'DRAINING' },
      ],
    }],
    policy: { overprovisioning_factor: { value: 140 } },
  };
}

export function secret(): Record<string, any> {
  return {
    name: 'spiffe://cluster.local/ns/default/sa/reviews',
    tls_certificate: {
      certificate_chain: { inline_string: '-----BEGIN CERTIFICATE-----\nREDACTED\n-----END CERTIFICATE-----\n' },
      private_key: { inline_string: '-----BEGIN PRIVATE KEY-----\nREDACTED\n-----END PRIVATE KEY-----\n' },
    },
  };
}

export function trustBundle(): Record<string, any> {
  return {
    name: 'trust-bundle',
    validation_context: { trusted_ca: { inline_string: '-----BEGIN CERTIFICATE-----\nREDACTED\n-----END CERTIFICATE-----\n' } },
  };
}

/** One typical instance of each resource type weft sends: [label, message type, builder]. */
export const typicalResources = [
  ['Listener', types.listener, listener],
  ['RouteConfiguration', types.route, routeConfiguration],
  ['Cluster', types.cluster, () => cluster()],
  ['ClusterLoadAssignment', types.endpoints, clusterLoadAssignment],
  ['Secret (certificate)', types.secret, secret],
  ['Secret (trust bundle)', types.secret, trustBundle],
] as const;
