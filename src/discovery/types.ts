/**
 * The service registry contract shared by every discovery source (static file, Kubernetes).
 *
 * Invariants:
 * - Values are immutable (frozen or never mutated after publication) and may be shared freely.
 * - A `Service` keeps object identity across registry versions when its content did not change,
 *   so downstream caches can key on identity; `ServiceRegistry.changed` names what did change.
 * - Service keys are `<name>.<namespace>`; hostnames are `<name>.<namespace>.svc.<clusterDomain>`.
 * - Endpoint order is deterministic (sorted by address, then port).
 */
import type { Diagnostic } from '../policy/index.js';

/** `tls`: TLS the application speaks end to end (the sidecar routes it by SNI, never terminates it). */
export type Protocol = 'http' | 'http2' | 'grpc' | 'tcp' | 'tls';

export interface ServicePort {
  /** DNS-label name, unique within the service (e.g. `http`, `grpc`). */
  readonly name: string;
  /** The port callers dial. */
  readonly port: number;
  /** The port the workload listens on (defaults to `port`). */
  readonly targetPort: number;
  readonly protocol: Protocol;
}

export type EndpointHealth = 'healthy' | 'unhealthy' | 'draining';

export interface Endpoint {
  /** IPv4 or IPv6 literal. */
  readonly address: string;
  /**
   * Port per service port name, when it differs from that port's `targetPort`
   * (Kubernetes EndpointSlices carry their own port numbers).
   */
  readonly ports?: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Locality region, e.g. `us-east-1` (Kubernetes: the node's `topology.kubernetes.io/region`). */
  readonly region?: string;
  /** Locality zone, e.g. `us-east-1a`. */
  readonly zone?: string;
  readonly health: EndpointHealth;
  /** Service account of the workload behind this endpoint, when known (Kubernetes pods). */
  readonly serviceAccount?: string;
  /** Pod or VM name, for display. */
  readonly instance?: string;
}

export interface Service {
  /** `<name>.<namespace>` */
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  /** `<name>.<namespace>.svc.<clusterDomain>` */
  readonly hostname: string;
  /** The service account the workloads run as: it determines their SPIFFE identity. */
  readonly serviceAccount: string;
  readonly ports: readonly ServicePort[];
  /**
   * The service's own addresses (virtual IPs: a Kubernetes clusterIP, a static `addresses`
   * entry), IPv4 or IPv6 literals in order. Absent or empty: callers dial endpoint addresses.
   */
  readonly addresses?: readonly string[];
  readonly endpoints: readonly Endpoint[];
}

export interface ServiceRegistry {
  /** Content hash of the whole registry. */
  readonly version: string;
  /** Services by key, in key order. */
  readonly services: ReadonlyMap<string, Service>;
}

/** What a source publishes on every accepted change. */
export interface RegistryChange {
  readonly registry: ServiceRegistry;
  /** Keys of services added, removed or changed since the previous published registry. */
  readonly changed: ReadonlySet<string>;
}

/**
 * A discovery source. `start()` resolves once the source has completed its initial sync (or
 * rejects with a clear error); until then `synced` is false and nothing that shrinks config may be
 * published from it. Rejected input (invalid file, failed list) is reported through `onError` and
 * the last good registry stays current.
 */
export interface RegistrySource {
  readonly kind: 'static' | 'kubernetes';
  readonly synced: boolean;
  current(): ServiceRegistry;
  start(): Promise<void>;
  stop(): Promise<void>;
  onChange(listener: (change: RegistryChange) => void): () => void;
  onError(listener: (diagnostics: readonly Diagnostic[]) => void): () => void;
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
