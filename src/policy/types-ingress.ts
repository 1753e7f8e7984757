/**
 * The resolved ingress gateway model (docs/gateway-api.md "Ingress"): each Gateway API `Gateway`
 * of class `weft` with its listeners, and the HTTPRoute/GRPCRoute routes attached to each listener
 * grouped by effective hostname (the route's hostnames intersected with the listener's), in the
 * same route model TrafficPolicy routes resolve to. Deeply readonly, like the rest of a PolicySet.
 */
import type { SourceRef } from './diagnostics.js';
import type { RoutePolicy } from './types.js';

/** A certificate a listener serves: a Kubernetes Secret (type kubernetes.io/tls) or weft's
 * `CertificateFile` (`<dir>/<namespace>/<name>/tls.crt` and `tls.key`, `weft serve --gateway-certs`). */
export interface GatewayCertificateRef {
  readonly kind: 'Secret' | 'CertificateFile';
  readonly namespace: string;
  readonly name: string;
}

/** The routes of one effective hostname of a listener (`*`: any host), in Gateway API precedence. */
export interface GatewayHost {
  readonly hostname: string;
  readonly routes: readonly RoutePolicy[];
  /** How many of `routes`, from the start, come from GRPCRoutes (their calls are gRPC streams). */
  readonly grpcRoutes: number;
}

export type GatewayRouteKind = 'HTTPRoute' | 'GRPCRoute';

export interface GatewayListener {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** Absent: any host. */
  readonly hostname?: string;
  /** HTTPS: at least one; HTTP: none. */
  readonly certificates: readonly GatewayCertificateRef[];
  /** `Same`: routes in the Gateway's namespace; `All`: any namespace. */
  readonly allowedNamespaces: 'Same' | 'All';
  readonly allowedKinds: readonly GatewayRouteKind[];
  /** Sorted by hostname; empty when no route attaches. */
  readonly hosts: readonly GatewayHost[];
  readonly source?: SourceRef;
}

/**
 * One Gateway. Its proxies are those whose verified identity is `serviceAccount` in `namespace`
 * and whose bootstrap names it (`weft bootstrap --kind gateway --gateway <namespace>/<name>`).
 */
export interface IngressGateway {
  /** `<namespace>/<name>`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** In document order. */
  readonly listeners: readonly GatewayListener[];
  readonly source?: SourceRef;
}
