/**
 * The model translate works from: policy and registry merged, plus descriptions of proxies.
 * Immutable values; a new `MeshModel` is built for every accepted change.
 */
import type { PolicySet } from '../policy/index.js';
import type { ServiceRegistry } from '../discovery/index.js';

export interface MeshModel {
  /** `<policy version>/<registry version>`; content-derived. */
  readonly version: string;
  readonly policy: PolicySet;
  readonly registry: ServiceRegistry;
}

export type ProxyKind = 'envoy' | 'grpc';
export type InterceptionMode = 'iptables' | 'explicit';
/**
 * Where a sidecar's inbound side hands connections to the application: `instance-ip` (default,
 * as Istio since 1.10: the workload's own address, so an application bound only to localhost is
 * not exposed and one bound only to its pod IP works) or `loopback` (127.0.0.1, for applications
 * that listen only there).
 */
export type InboundForward = 'instance-ip' | 'loopback';

/**
 * Where a proxy runs: its region and zone (either may be unknown). It steers only the proxy's own
 * load balancing (which endpoints it prefers), never what it may reach or who it is, so it may come
 * from node data (docs/bootstrap.md).
 */
export interface ProxyLocality {
  readonly region?: string;
  readonly zone?: string;
}

/**
 * One connected proxy, derived from its xDS `node` and (for authenticated streams) its client
 * certificate. `namespace`/`serviceAccount` are the authenticated identity's, never only claims.
 */
export interface ProxyDescription {
  /** `node.id`, unique per instance. */
  readonly id: string;
  readonly kind: ProxyKind;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>` */
  readonly identity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ips: readonly string[];
  readonly interception: InterceptionMode;
  /**
   * Service keys this proxy serves (its inbound side): registry services run by its identity
   * with an endpoint at one of `ips`, narrowed (never widened) by node metadata `services`.
   */
  readonly services: readonly string[];
  /**
   * Where the proxy runs: the registry's region and zone of its own endpoint (an endpoint of a
   * service it serves, at one of `ips`) when the registry knows them, else the xDS node's
   * `locality`. Absent: unknown (every locality is equal to it).
   */
  readonly locality?: ProxyLocality;
  /**
   * Ingress gateway proxies only: the Gateway (`<namespace>/<name>`) the bootstrap names (node
   * metadata `weft_kind: gateway`, `gateway`). Its namespace is the stream's verified one
   * (auth.ts); translation serves the Gateway only when the service account is the Gateway's too.
   */
  readonly gateway?: string;
  /** gRPC only: the bootstrap's `server_listener_resource_name_template`, if any. */
  readonly serverListenerTemplate?: string;
  /** Envoy only; default `instance-ip`. Node metadata `inbound_forward`. */
  readonly inboundForward?: InboundForward;
  /**
   * Envoy in `explicit` mode only: the loopback address its outbound listeners bind (default
   * `127.0.0.6`, an address no application uses, so outbound listeners never take an application's
   * socket). Sidecars sharing one network namespace need one each. Node metadata `outbound_address`.
   */
  readonly outboundAddress?: string;
}
