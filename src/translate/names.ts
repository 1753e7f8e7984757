/**
 * Every xDS resource name weft emits is formed here, and nowhere else (DESIGN.md §4).
 * The scheme is documented in docs/translation.md; tests and the admin API rely on it.
 *
 * Names are plain strings with `|` separators; `|` never occurs in hostnames, subset names
 * (DNS labels) or service keys, so names can be split back into parts (`parseClusterName`).
 */

/** EDS cluster of (service port, subset): `outbound|9080|v2|reviews.default.svc.cluster.local`.
 * The whole service (no subset) has an empty subset segment: `outbound|9080||reviews...`. */
export function outboundClusterName(port: number, subset: string | undefined, hostname: string): string {
  return `outbound|${port}|${subset ?? ''}|${hostname}`;
}

/**
 * The name an outbound cluster's stats are emitted under (`alt_stat_name`): the cluster name and a
 * closing `|`, `cluster.outbound|9080|v2|reviews.default.svc.cluster.local|.upstream_rq_2xx`. The
 * closing `|` ends the hostname unambiguously, so the stats tags (controlplane/stats-config.ts)
 * split a hostname ending in `.internal` from Envoy's `internal.` stats (docs/metrics.md).
 */
export function clusterStatName(clusterName: string): string {
  return `${clusterName}|`;
}

/** Splits an outbound cluster name; undefined when the name is not one. */
export function parseClusterName(name: string): { port: number; subset?: string; hostname: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || parts[0] !== 'outbound') return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port)) return undefined;
  return parts[2] ? { port, subset: parts[2], hostname: parts[3]! } : { port, hostname: parts[3]! };
}

/** The local (application) cluster behind an inbound filter chain, by the port callers dial:
 * `inbound|9080|reviews.default`. */
export function inboundClusterName(port: number, serviceKey: string): string {
  return `inbound|${port}|${serviceKey}`;
}

/** Route configuration shared by every HTTP service on one outbound port: `outbound|9080`. */
export function outboundRouteName(port: number): string {
  return `outbound|${port}`;
}

/** Route configuration (RDS) of one inbound HTTP filter chain: `inbound|9080|reviews.default`. */
export function inboundRouteName(port: number, serviceKey: string): string {
  return `inbound|${port}|${serviceKey}`;
}

/** The route of an inbound chain's route configuration that rejects unsafe paths: `<chain>/reject`. */
export function inboundRejectRouteName(chain: string): string {
  return `${chain}/reject`;
}

/** Per-port outbound listener: `0.0.0.0_9080` (iptables, not bound) or `127.0.0.6_9080` (explicit). */
export function outboundListenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

/** The iptables catch-all listener that hands connections to per-port listeners. */
export const VIRTUAL_OUTBOUND_LISTENER = 'outbound|15001';
export const VIRTUAL_OUTBOUND_PORT = 15001;
/** The inbound (server side) listener. */
export const INBOUND_LISTENER = 'inbound|15006';

/** `explicit` mode inbound listener of one served port: `inbound|127.0.0.2:19081`. */
export function explicitInboundListenerName(address: string, port: number): string {
  return `inbound|${address.includes(':') ? `[${address}]` : address}:${port}`;
}
export const INBOUND_PORT = 15006;
/** Where `explicit` outbound listeners bind unless the proxy names another loopback address. */
export const EXPLICIT_OUTBOUND_ADDRESS = '127.0.0.6';
/** The Prometheus scrape listener and its route configuration. */
export const STATS_LISTENER = 'prometheus|15090';
export const STATS_PORT = 15090;
/** The static listener injected pods' bootstraps carry for rewritten kubelet HTTP probes
 * (plaintext, forwarded to the application on loopback; docs/deploy.md "Probes"). */
export const PROBE_LISTENER = 'probes|15020';
export const PROBE_PORT = 15020;
/** Static cluster pointing at Envoy's own admin interface (bootstrap: 127.0.0.1:15000). */
export const ADMIN_CLUSTER = 'envoy-admin';
export const ADMIN_PORT = 15000;
/** ORIGINAL_DST cluster for traffic to destinations outside the mesh. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
/** STATIC cluster with no endpoints: registry-only's destination for what the mesh does not know,
 * and where refused ExternalService TCP/TLS connections go; each is closed and counted. */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';

/** Cluster of one ExternalService port: `external|443|api.example.com` (dns: one per host) or
 * `external|5432|db.default` (static: one per service key). */
export function externalClusterName(port: number, hostOrKey: string): string {
  return `external|${port}|${hostOrKey}`;
}

/** Secret name of the trust bundle (DESIGN.md §4). */
export const TRUST_BUNDLE_SECRET = 'trust-bundle';
/**
 * Secret name of the proxy's own certificate, the same for every proxy (as Istio's SDS does): SDS
 * is per stream, so the name need not carry the identity, and clusters that reference it are
 * shared across identities (a per-identity name made translation 25x slower).
 */
export const OWN_CERT_SECRET = 'default';
/** gRPC certificate-provider instance name expected in the gRPC bootstrap. */
export const GRPC_CERT_PROVIDER = 'default';

/** Cluster for the tracing collector: `tracing|zipkin|collector.observability:9411`. */
export function tracingClusterName(provider: string, address: string): string {
  return `tracing|${provider}|${address}`;
}

/** Virtual host of one service in a route configuration: `reviews.default.svc.cluster.local:9080`. */
export function virtualHostName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** gRPC API listener: exactly the target a client dials, `xds:///<hostname>:<port>` minus scheme. */
export function grpcApiListenerName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** gRPC server listener: the bootstrap template with `%s` replaced by `<address>:<port>`
 * (`0.0.0.0:50051`, `[::]:50051`). */
export function grpcServerListenerName(template: string, port: number, address = '0.0.0.0'): string {
  return template.replaceAll('%s', `${address.includes(':') ? `[${address}]` : address}:${port}`);
}

/** An ingress gateway's listener of one port: `gateway|8443`. */
export function gatewayListenerName(port: number): string {
  return `gateway|${port}`;
}

/** The route configuration of a gateway port's HTTP listeners (`gateway|8080`), or of one HTTPS
 * listener's filter chain (`gateway|8443|shop`, the Gateway listener's name). */
export function gatewayRouteName(port: number, listener?: string): string {
  return listener === undefined ? `gateway|${port}` : `gateway|${port}|${listener}`;
}

/** Virtual host of one effective hostname of a gateway route configuration: `shop.example.com`
 * (`*`: any host). */
export function gatewayVirtualHostName(hostname: string): string {
  return hostname;
}

/** SDS name of a certificate a gateway listener serves: `gateway-cert|Secret|ingress/shop-tls` or
 * `gateway-cert|CertificateFile|ingress/shop`. Only a stream of that gateway's identity gets it. */
export function gatewayCertSecretName(kind: string, namespace: string, name: string): string {
  return `gateway-cert|${kind}|${namespace}/${name}`;
}

/** Splits a gateway certificate's SDS name; undefined when the name is not one. */
export function parseGatewayCertSecretName(name: string): { kind: string; namespace: string; name: string } | undefined {
  const m = /^gateway-cert\|([A-Za-z]+)\|([^/|]+)\/([^/|]+)$/.exec(name);
  return m ? { kind: m[1]!, namespace: m[2]!, name: m[3]! } : undefined;
}
