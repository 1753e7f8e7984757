/**
 * Bootstrap files for a proxy: an Envoy bootstrap (ADS over mTLS to weft) or a gRPC xDS bootstrap
 * JSON, plus the proxy's bootstrap client certificate.
 *
 * `bootstrapConfig` is pure (inputs in, JSON-ready object out) and its Envoy output is checked
 * against Envoy's Bootstrap proto and its validate rules by the tests. `writeBootstrap` writes the
 * files, keys with mode 0600.
 */
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { ExtensionName, ExtensionTypeUrl, HTTP_PROTOCOL_OPTIONS_KEY } from '../../proto/extension-urls.js';
import { probeResources, type AppProbe } from './probe-listener.js';
import { statsConfig } from './stats-config.js';

export interface BootstrapInput {
  readonly format: 'envoy' | 'grpc';
  readonly nodeId: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly trustDomain: string;
  /** weft's xDS address `host:port` (mTLS for Envoy; plaintext for gRPC, see DESIGN.md §3). */
  readonly xdsAddress: string;
  readonly delta: boolean;
  readonly interception: 'explicit' | 'iptables';
  readonly instanceIps: readonly string[];
  readonly services: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Envoy: forward inbound traffic to the instance IP (default) or to 127.0.0.1. */
  readonly inboundForward?: 'instance-ip' | 'loopback';
  /** Envoy, explicit mode: the loopback address outbound listeners bind (default 127.0.0.6). */
  readonly outboundAddress?: string;
  /** Directory the certificate files will be in, as the proxy sees it. */
  readonly certDir: string;
  readonly controlPlaneIdentity: string;
  /** Envoy: kubelet HTTP probes rewritten by `weft inject`, served by a static listener on 15020. */
  readonly appProbes?: readonly AppProbe[];
  /** Envoy: `golden` (default) creates only the stats docs/metrics.md lists; `all` every stat. */
  readonly stats?: 'golden' | 'all';
  /** Envoy: stream stats to weft's metrics service (default true; docs/metrics.md). */
  readonly metricsSink?: boolean;
  /** `node.locality`: where the proxy runs (weft prefers the registry's locality of its own endpoint). */
  readonly locality?: { readonly region?: string; readonly zone?: string };
  /** Envoy: an ingress gateway of this Gateway (`<namespace>/<name>`), node metadata `weft_kind:
   * gateway` and `gateway`; weft serves it only to the Gateway's identity (docs/gateway-api.md). */
  readonly gateway?: string;
}

/** How often Envoy flushes stats to its sinks (Envoy's default, stated so the docs can rely on it). */
export const STATS_FLUSH_INTERVAL = '5s';

/**
 * Command-line flags every weft sidecar runs with (they have no bootstrap field). A policy change
 * that touches a listener's filter chain (an AccessPolicy, JWT, ext_authz, a rate limit, the mTLS
 * mode) makes Envoy drain the connections of the old chain, which keep the old rules until they
 * close. Envoy's defaults (gradual over 600 s) let a revoked caller's pooled connections through
 * for minutes; `immediate` sends HTTP/2 GOAWAY and HTTP/1.1 `Connection: close` at once (at most
 * the request in flight on each connection is served by the old chain), and after 10 s what is
 * still open is closed, long streams included (docs/security.md "Revocation").
 */
export const ENVOY_SIDECAR_FLAGS: readonly string[] = ['--drain-strategy', 'immediate', '--drain-time-s', '10'];

/** The metrics service sink: every flush, cumulative values with the stats tags as labels and
 * histograms as buckets, over the mTLS `weft-xds` cluster (its identity is the certificate). */
function metricsSink(): Record<string, unknown> {
  return {
    name: ExtensionName.MetricsServiceSink,
    typed_config: {
      '@type': ExtensionTypeUrl.MetricsServiceConfig,
      transport_api_version: 'V3',
      grpc_service: { envoy_grpc: { cluster_name: 'weft-xds' } },
      report_counters_as_deltas: false,
      emit_tags_as_labels: true,
      histogram_emit_mode: 'HISTOGRAM',
    },
  };
}

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';
export const CA_FILE = 'ca.pem';
export const GRPC_SERVER_TEMPLATE = 'grpc/server?xds.resource.listening_address=%s';
/**
 * Envoy's process-wide cap on downstream connections. Without one Envoy warns at start and a
 * connection flood can exhaust the sidecar's file descriptors and memory; a sidecar serves one
 * workload, so 64 Ki connections is far above normal use and well below fd limits.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/operations/overload_manager/overload_manager#limiting-active-connections
 */
export const MAX_DOWNSTREAM_CONNECTIONS = 65_536;

function metadata(i: BootstrapInput): Record<string, unknown> {
  return {
    namespace: i.namespace,
    service_account: i.serviceAccount,
    interception: i.interception,
    ...(i.instanceIps.length ? { instance_ips: i.instanceIps.join(',') } : {}),
    ...(i.services.length ? { services: i.services.join(',') } : {}),
    ...(Object.keys(i.labels).length ? { labels: i.labels } : {}),
    ...(i.inboundForward ? { inbound_forward: i.inboundForward } : {}),
    ...(i.outboundAddress ? { outbound_address: i.outboundAddress } : {}),
    ...(i.format === 'grpc' ? { server_listener_resource_name_template: GRPC_SERVER_TEMPLATE } : {}),
    ...(i.gateway !== undefined ? { weft_kind: 'gateway', gateway: i.gateway } : {}),
  };
}

/** Envoy's and gRPC's `node.locality` (the same field names in both). */
function locality(i: BootstrapInput): Record<string, string> {
  return { ...(i.locality?.region ? { region: i.locality.region } : {}), ...(i.locality?.zone ? { zone: i.locality.zone } : {}) };
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) throw new Error(`xDS address "${address}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** The bootstrap object: Envoy's `Bootstrap` in proto3 JSON field names, or gRPC's JSON. */
export function bootstrapConfig(i: BootstrapInput): Record<string, unknown> {
  return i.format === 'envoy' ? envoyBootstrap(i) : grpcBootstrap(i);
}

function envoyBootstrap(i: BootstrapInput): Record<string, unknown> {
  const { host, port } = splitAddress(i.xdsAddress);
  const file = (f: string) => ({ filename: path.join(i.certDir, f) });
  const isIp = /^[\d.]+$|:/.test(host);
  const probes = i.appProbes?.length ? probeResources(i.appProbes) : undefined;
  return {
    node: { id: i.nodeId, cluster: `${i.serviceAccount}.${i.namespace}`, metadata: metadata(i), ...(i.locality?.region || i.locality?.zone ? { locality: locality(i) } : {}) },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
    stats_config: statsConfig({ workload: i.serviceAccount, namespace: i.namespace, scope: i.stats }),
    stats_flush_interval: STATS_FLUSH_INTERVAL,
    ...(i.metricsSink === false ? {} : { stats_sinks: [metricsSink()] }),
    overload_manager: {
      resource_monitors: [{
        name: ExtensionName.GlobalDownstreamMaxConnections,
        typed_config: {
          '@type': ExtensionTypeUrl.DownstreamConnections,
          max_active_downstream_connections: MAX_DOWNSTREAM_CONNECTIONS,
        },
      }],
    },
    dynamic_resources: {
      ads_config: {
        api_type: i.delta ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'weft-xds' } }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      ...(probes ? { listeners: [probes.listener] } : {}),
      clusters: [...(probes?.clusters ?? []), {
        name: 'weft-xds',
        type: isIp ? 'STATIC' : 'STRICT_DNS',
        connect_timeout: '5s',
        typed_extension_protocol_options: {
          [HTTP_PROTOCOL_OPTIONS_KEY]: {
            '@type': ExtensionTypeUrl.HttpProtocolOptions,
            explicit_http_config: { http2_protocol_options: { connection_keepalive: { interval: '30s', timeout: '10s' } } },
          },
        },
        load_assignment: { cluster_name: 'weft-xds', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }] },
        transport_socket: {
          name: ExtensionName.TlsTransportSocket,
          typed_config: {
            '@type': ExtensionTypeUrl.UpstreamTlsContext,
            common_tls_context: {
              tls_certificates: [{ certificate_chain: file(CERT_FILE), private_key: file(KEY_FILE) }],
              validation_context: {
                trusted_ca: file(CA_FILE),
                match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: i.controlPlaneIdentity } }],
              },
            },
          },
        },
      }],
    },
  };
}

/** gRPC's xDS client has no TLS channel credentials for the xDS server itself: it uses the
 * plaintext port; workload mTLS uses the certificate provider files. */
function grpcBootstrap(i: BootstrapInput): Record<string, unknown> {
  const file = (f: string) => path.join(i.certDir, f);
  return {
    xds_servers: [{ server_uri: i.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: i.nodeId, cluster: `${i.serviceAccount}.${i.namespace}`, metadata: metadata(i), locality: locality(i) },
    certificate_providers: {
      default: { plugin_name: 'file_watcher', config: { certificate_file: file(CERT_FILE), private_key_file: file(KEY_FILE), ca_certificate_file: file(CA_FILE), refresh_interval: '10s' } },
    },
    server_listener_resource_name_template: GRPC_SERVER_TEMPLATE,
  };
}

export interface BootstrapFiles {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

/** Writes the bootstrap and its certificate files into `dir` (created 0700); key and bootstrap 0600. */
export async function writeBootstrap(dir: string, config: Record<string, unknown>, format: 'envoy' | 'grpc', files: BootstrapFiles): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = format === 'envoy' ? 'envoy.json' : 'grpc-bootstrap.json';
  const out: [string, string, number][] = [
    [name, JSON.stringify(config, null, 2) + '\n', 0o600],
    [CERT_FILE, files.certPem, 0o644],
    [KEY_FILE, files.keyPem, 0o600],
    [CA_FILE, files.caPem, 0o644],
  ];
  for (const [f, text, mode] of out) {
    const p = path.join(dir, f);
    await writeFile(p, text, { mode });
    await chmod(p, mode);
  }
  return out.map(([f]) => path.join(dir, f));
}
