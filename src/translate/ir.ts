/**
 * The intermediate representation: everything weft decided for one proxy, with no Envoy types.
 *
 * Contract: plain, readonly, JSON-serialisable data (no Maps, no class instances); every list is
 * sorted deterministically (by `name` unless stated); names are the final xDS resource names from
 * names.ts. IR values may be shared between proxies and model versions through the
 * TranslationCache, so they are never mutated after construction. Cross-references are checked by
 * `validateIr` (ir-validate.ts). Durations are milliseconds, percentages 0–100.
 */
import type { LoadBalancer, MtlsMode, SourceRef, EndpointHealth } from '../model/index.js';

export type IrProtocol = 'http' | 'http2' | 'tcp';

export interface IrUpstreamTls {
  /** SNI sent to the destination: its hostname. */
  readonly sni: string;
  /** The destination's SPIFFE ID; the server certificate must carry exactly this URI SAN. */
  readonly san: string;
}

export interface IrCluster {
  readonly name: string;
  readonly service: string;
  readonly port: number;
  readonly subset?: string;
  readonly protocol: IrProtocol;
  readonly lb: LoadBalancer;
  readonly connectTimeoutMs: number;
  readonly circuitBreaker?: {
    readonly maxConnections?: number; readonly maxPendingRequests?: number;
    readonly maxRequests?: number; readonly maxRetries?: number;
    /** Thresholds `retry_budget` (Envoy only; it replaces `max_retries`). */
    readonly retryBudget?: { readonly percent: number; readonly minConcurrency: number };
  };
  readonly outlier?: {
    readonly consecutive5xx: number; readonly intervalMs: number;
    readonly baseEjectionTimeMs: number; readonly maxEjectionPercent: number;
  };
  /** Locality-weighted balancing (Envoy `locality_weighted_lb_config`): endpoints carry shares. */
  readonly localityWeighted?: true;
  /** Absent when mesh mTLS is disabled. */
  readonly tls?: IrUpstreamTls;
  readonly source?: SourceRef;
}

export interface IrEndpoint { readonly address: string; readonly port: number; readonly health: EndpointHealth }
/** One locality of a cluster's endpoints, as one caller sees it (build-locality.ts). */
export interface IrLocality {
  /** `''` when unset. */
  readonly region: string;
  readonly zone: string;
  /** 0 = tried first; contiguous from 0 within one cluster. */
  readonly priority: number;
  /** Relative weight within its priority, ≥ 1: a distribute share, else the endpoint count. */
  readonly weight: number;
  readonly endpoints: readonly IrEndpoint[];
}
/** Endpoints of one EDS cluster; `name` equals the cluster's name. Localities sorted by priority,
 * region and zone. */
export interface IrEndpoints { readonly name: string; readonly localities: readonly IrLocality[] }

export type IrStringMatch =
  | { readonly exact: string } | { readonly prefix: string }
  | { readonly regex: string } | { readonly present: boolean };

export interface IrRouteMatch {
  /** `segmentPrefix` (whole segments, Envoy `path_separated_prefix`) only for Envoy; proxyless gRPC
   * gets it as a regex. */
  readonly path: { readonly exact: string } | { readonly prefix: string } | { readonly regex: string } | { readonly segmentPrefix: string };
  /** Sorted by name; `:method` carries method matches. */
  readonly headers: readonly { readonly name: string; readonly match: IrStringMatch }[];
  readonly query: readonly { readonly name: string; readonly match: IrStringMatch }[];
}

/** `weight` > 0 (a route never carries an all-zero or zero-weight split). */
export interface IrWeightedCluster { readonly cluster: string; readonly weight: number }

export interface IrForward {
  readonly kind: 'forward';
  readonly clusters: readonly IrWeightedCluster[];
  /** Request timeout (Envoy route `timeout`): end of request to end of response; 0 = none. */
  readonly timeoutMs: number;
  /** Envoy route `idle_timeout`; absent = the HCM's stream idle timeout. Envoy only. */
  readonly idleTimeoutMs?: number;
  /** Route `max_stream_duration.max_stream_duration`; absent = no limit. Proxyless gRPC: the cap on
   * a call's deadline (gRFC A31), which carries its request timeout. */
  readonly maxStreamDurationMs?: number;
  /** Route `max_stream_duration.grpc_timeout_header_max`: the caller's `grpc-timeout` bounds the
   * stream, capped at this (0 = uncapped). Envoy on grpc/http2 ports only. */
  readonly grpcTimeoutHeaderMaxMs?: number;
  /** WebSocket upgrades allowed; absent for proxyless gRPC (no upgrades). */
  readonly websocket?: boolean;
  readonly retries?: {
    readonly attempts: number; readonly on: readonly string[]; readonly perTryTimeoutMs?: number;
    readonly backoff?: { readonly baseIntervalMs: number; readonly maxIntervalMs?: number };
    /** Route `per_try_idle_timeout` (Envoy only). */
    readonly perTryIdleTimeoutMs?: number;
    /** Route `hedge_policy.hedge_on_per_try_timeout` (Envoy only). */
    readonly hedgeOnPerTryTimeout?: true;
  };
  readonly mirror?: { readonly cluster: string; readonly percent: number };
  /** Rewrites before forwarding (Envoy only): the Host, and the path as a regex substitution on
   * the whole path (`pattern` is RE2, `substitution` may name `\\1`). */
  readonly rewrite?: { readonly host?: string; readonly path?: IrPathRewrite };
  /** Ring-hash key. `grpcChannel` (proxyless gRPC only) is the calling channel's id, gRPC's stand-in
   * for `sourceIp`: gRPC hashes headers and `filter_state` `io.grpc.channel_id` only (gRFC A42). */
  readonly hashOn?: { readonly header: string } | { readonly sourceIp: true } | { readonly grpcChannel: true };
}

/** A path rewrite as Envoy's `regex_rewrite`: RE2 `pattern` on the path, `substitution` for it. */
export interface IrPathRewrite { readonly pattern: string; readonly substitution: string }

export interface IrRedirect {
  readonly kind: 'redirect';
  readonly host?: string; readonly path?: string; readonly scheme?: 'http' | 'https';
  /** Replaces the matched prefix (`regex_rewrite`); never with `path`. */
  readonly rewrite?: IrPathRewrite;
  readonly port?: number;
  readonly code: 301 | 302 | 303 | 307 | 308;
}

/** Answer without forwarding: a route whose backends all dropped out or are all weighted 0, a
 * destination refused by registry-only (502) or by an external service's AccessPolicy (403).
 * `body`: plain text naming the reason. */
export interface IrDirectResponse { readonly kind: 'direct'; readonly status: number; readonly body?: string }

export interface IrHeaderRewrite {
  /** Set: replaces any existing value. */
  readonly add: readonly { readonly name: string; readonly value: string }[];
  /** Appended to existing values; absent when none (HTTPRoute `add`). */
  readonly append?: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export interface IrRoute {
  /** `<virtual host>/<index>`: unique within a route configuration, stable in match order. */
  readonly name: string;
  readonly match: IrRouteMatch;
  readonly action: IrForward | IrRedirect | IrDirectResponse;
  readonly fault?: {
    readonly delay?: { readonly fixedMs: number; readonly percent: number };
    readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number; readonly percent: number };
  };
  readonly requestHeaders?: IrHeaderRewrite;
  readonly responseHeaders?: IrHeaderRewrite;
  readonly source?: SourceRef;
}

/** Routes stay in match order (first match wins), not sorted. Domains sorted. */
export interface IrVirtualHost {
  readonly name: string;
  readonly service: string;
  readonly domains: readonly string[];
  readonly routes: readonly IrRoute[];
}

export interface IrRouteConfig {
  readonly name: string;
  readonly virtualHosts: readonly IrVirtualHost[];
  /** iptables: a last `*` virtual host sends any other Host to this cluster (the passthrough). */
  readonly fallbackCluster?: string;
  /** registry-only: a last `*` virtual host answers any other Host with this (a 502). */
  readonly fallbackBlock?: IrDirectResponse;
}

/**
 * One way through a TCP or TLS outbound listener: connections to `destinations` (iptables:
 * original destination IPs, sorted) and, on TLS ports, with one of `serverNames` as SNI (sorted),
 * go to `clusters` (weighted, weights > 0). Absent matchers match anything.
 */
export interface IrTcpRoute {
  readonly name: string;
  readonly service: string;
  readonly destinations?: readonly string[];
  readonly serverNames?: readonly string[];
  readonly clusters: readonly IrWeightedCluster[];
  readonly source?: SourceRef;
}

/**
 * A cluster whose endpoints travel inline rather than over EDS: an ExternalService port
 * (`dns`: STRICT_DNS on its host; `static`: its addresses) or the black hole (`none`: no endpoints,
 * so every connection to it fails and is counted, `cluster.BlackHoleCluster.upstream_cx_none_healthy`).
 */
export interface IrInlineCluster {
  readonly name: string;
  /** ExternalService key; absent for the black hole. */
  readonly service?: string;
  readonly protocol: IrProtocol;
  readonly resolution: 'dns' | 'static' | 'none';
  /** Sorted. */
  readonly targets: readonly { readonly address: string; readonly port: number }[];
  /** TLS the sidecar originates: SNI (also the DNS SAN required of the server) and CA file. */
  readonly tls?: { readonly sni: string; readonly caFile: string };
  readonly connectTimeoutMs: number;
  readonly source?: SourceRef;
}

export interface IrOutboundListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** false for iptables per-port listeners, which only receive hand-offs from the virtual listener. */
  readonly bind: boolean;
  readonly protocol: 'http' | 'tcp' | 'tls';
  /** HTTP: the RDS name. */
  readonly routeConfig?: string;
  /** TCP and TLS: the ways through, in match order; `passthrough` takes the rest (when set). */
  readonly tcpRoutes?: readonly IrTcpRoute[];
  /** gRPC API listener (no socket; `address` is the dialled hostname). */
  readonly api?: boolean;
  /**
   * iptables: the mesh destination addresses (sorted, unique) whose connections this listener's
   * mesh chain takes; any other original destination goes to `passthrough`. Absent: match all.
   */
  readonly destinations?: readonly string[];
  /** Where connections no chain takes go: the passthrough cluster, or (registry-only) the black hole. */
  readonly passthrough?: string;
}

/** Who a principal is: anyone, one SPIFFE ID, or the IDs under a prefix. */
export type IrIdentity =
  | { readonly any: true }
  | { readonly identityExact: string }
  | { readonly identityPrefix: string };

/** An address range of the connection's peer. */
export interface IrCidr { readonly address: string; readonly prefixLen: number }

/** An identity and, when `sourceIps` is set, a peer address in one of those ranges (AND). */
/** `claims`: of the request's verified JWT (jwt_authn's payload), all of them, sorted by name. */
export type IrPrincipal = IrIdentity & { readonly sourceIps?: readonly IrCidr[]; readonly claims?: readonly IrClaim[] };

/** A claim equal to `value`, or a list claim with an element equal to it. */
export interface IrClaim { readonly name: string; readonly value: string }

/**
 * A request header condition. A header sent several times is matched value by value (Envoy ≥ 1.38
 * `rbac_match_headers_individually`: any value matching matches) or joined with "," (older Envoy,
 * gRPC). `failing` (allow rules): RE2 regexes that together match exactly the values failing the
 * condition; a request with such a value does not match, so every value must satisfy it
 * (header-failing.ts). `ignoreCase` applies to exact/prefix/contains (a regex carries `(?i)`).
 */
export type IrHeaderMatch = { readonly name: string; readonly ignoreCase?: true; readonly failing?: readonly string[] } & (
  | { readonly exact: string }
  | { readonly prefix: string }
  | { readonly contains: string }
  | { readonly regex: string }
  | { readonly present: boolean });

/**
 * A URL path matcher (query excluded). `regex` is RE2, matched against the whole path;
 * `{ prefix, contains }` needs both.
 */
export type IrPathMatch =
  | { readonly exact: string }
  | { readonly prefix: string; readonly contains?: string }
  | { readonly regex: string };

/** Methods (any of), paths (any of) and headers (all of), ANDed. `ignoreCase` applies to methods
 * and to the exact/prefix/contains path matchers (a regex carries its own `(?i)`); headers carry
 * their own. */
export interface IrPermission {
  readonly methods: readonly string[];
  readonly paths: readonly IrPathMatch[];
  readonly ignoreCase: boolean;
  /** Absent when the rule names no headers. */
  readonly headers?: readonly IrHeaderMatch[];
}

/** One access rule: any principal (OR) and, when `permission` is set, that permission (AND). */
export interface IrAccessRule {
  readonly name: string;
  readonly principals: readonly IrPrincipal[];
  readonly permission?: IrPermission;
  readonly source?: SourceRef;
}

/** Where and how one external authorizer is called (a Mesh extAuthz provider, resolved). */
export interface IrAuthorizer {
  readonly provider: string;
  readonly protocol: 'http' | 'grpc';
  /** The outbound cluster of the registry service (mesh mTLS) or the ExternalService's cluster. */
  readonly cluster: string;
  /** HTTP: the URI of the authorizer (`http://host:port`); gRPC: its `:authority` (`host:port`). */
  readonly target: string;
  readonly timeoutMs: number;
  readonly failOpen: boolean;
  readonly pathPrefix?: string;
  readonly requestHeaders: readonly string[];
  /** Stripped from callers' requests; HTTP: also the answer headers copied upstream. */
  readonly upstreamHeaders: readonly string[];
}

/** External authorization of an HTTP chain: the requests `rules` match (deny-rule matching) are
 * decided by the authorizer, after the chain's deny and allow rules. */
export interface IrExtAuthz extends IrAuthorizer {
  readonly rules: readonly IrAccessRule[];
}

/**
 * Authorization of one inbound port. Deny rules are evaluated first; a request matching any
 * is refused. Then, if `allow` is defined, a request must match one of its rules; if it is
 * undefined (no allow policy for the service) every caller that passed mTLS is admitted.
 * `audit` rules (absent when none) refuse nothing: what they match is counted and logged.
 */
export interface IrAuthz {
  readonly deny: readonly IrAccessRule[];
  readonly allow?: readonly IrAccessRule[];
  readonly audit?: readonly IrAccessRule[];
}

/** One JWT issuer of an inbound chain: inline JWKS, or a JWKS Envoy fetches through an egress cluster. */
export interface IrJwtProvider {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks?: string;
  readonly remote?: { readonly uri: string; readonly cluster: string; readonly cacheDurationMs: number };
  readonly claimHeaders: readonly { readonly claim: string; readonly header: string }[];
}

/** End-user authentication of an HTTP chain: a token of any provider; `exempt` paths (as written,
 * case-sensitive) admit a request without one. */
export interface IrJwt {
  readonly providers: readonly IrJwtProvider[];
  readonly exempt: readonly ({ readonly exact: string } | { readonly prefix: string })[];
}

/** Token bucket: `burst` tokens at most, `tokensPerFill` every `fillIntervalMs`. */
export interface IrBucket { readonly requestsPerSecond: number; readonly burst: number; readonly tokensPerFill: number; readonly fillIntervalMs: number }

/** One caller's bucket: `key` is its descriptor value, `xfcc` matches the whole header value. */
export interface IrCallerLimit {
  readonly key: string;
  readonly xfcc: { readonly suffix: string } | { readonly regex: string };
  readonly bucket: IrBucket;
  readonly source?: SourceRef;
}

/** An inbound route: the match of a TrafficPolicy route, and its own bucket when it has one. */
export interface IrInboundRoute { readonly name: string; readonly match: IrRouteMatch; readonly bucket?: IrBucket; readonly source?: SourceRef }

export interface IrInboundChain {
  /** `inbound|<port>|<service>`; also the local cluster name. */
  readonly name: string;
  readonly service: string;
  /** The port callers dial (from EDS: the endpoint's own port): the connection's original
   * destination port with iptables, the bound port in explicit mode. */
  readonly port: number;
  readonly protocol: IrProtocol;
  readonly cluster: string;
  /** The port's inbound mTLS mode when an MtlsPolicy makes it differ from `IrInbound.mtls`
   * (mtls-modes.ts `chainMtls`). */
  readonly mtls?: MtlsMode;
  readonly authz: IrAuthz;
  /** JWT authentication (HTTP chains of Envoy only). */
  readonly jwt?: IrJwt;
  /** External authorization (HTTP chains of Envoy only). */
  readonly extAuthz?: IrExtAuthz;
  /** Token bucket shared by callers without one of their own. */
  readonly rateLimit?: IrBucket;
  /** Buckets of callers' own (Envoy local rate limit descriptors), keyed on the verified peer
   * identity as the inbound HCM writes it into `x-forwarded-client-cert` (build-inbound-limits.ts). */
  readonly callerLimits?: readonly IrCallerLimit[];
  /** The service's TrafficPolicy routes up to the last one with a bucket of its own, in match
   * order, ahead of the chain's catch-all route. */
  readonly routeLimits?: readonly IrInboundRoute[];
  /**
   * `explicit` interception: where this chain's own listener binds (the workload's registry
   * endpoint), because no redirect supplies an original destination. Absent with iptables.
   */
  readonly listen?: { readonly address: string; readonly port: number };
  /** Proxyless gRPC servers: the instance IPs (sorted) a server may bind instead of a wildcard;
   * each gets a server Listener of its own. */
  readonly serverAddresses?: readonly string[];
}

export interface IrInbound {
  /** The Mesh default; a chain whose effective mode differs carries its own `mtls`. */
  readonly mtls: MtlsMode;
  readonly trustDomain: string;
  readonly chains: readonly IrInboundChain[];
}

/**
 * The application behind an inbound chain: a fixed socket, or (iptables, forwarding to the
 * instance IP) the connection's original destination, which is the instance IP and the port the
 * caller dialled.
 */
export interface IrLocalCluster {
  readonly name: string;
  readonly protocol: IrProtocol;
  readonly target: { readonly address: string; readonly port: number } | { readonly originalDestination: true };
}

export interface IrObservability {
  readonly accessLog: boolean;
  /** `authority`: the collector's `host:port` as configured, sent as HTTP Host / gRPC `:authority`
   * (Envoy's default would be the cluster name, which holds `|` and is no host name). */
  readonly tracing?: { readonly provider: 'opentelemetry' | 'zipkin'; readonly cluster: string;
    readonly host: string; readonly port: number; readonly authority: string; readonly samplingPercent: number };
}

/**
 * One filter chain of an ingress gateway listener: connections with one of `serverNames` as SNI
 * (absent: any, or plaintext on HTTP ports), TLS terminated with `certificates` (SDS names; absent
 * on HTTP ports), requests routed by route configuration `routeConfig`.
 */
export interface IrGatewayChain {
  readonly name: string;
  readonly serverNames?: readonly string[];
  readonly certificates?: readonly string[];
  readonly routeConfig: string;
  readonly source?: SourceRef;
}

/** A gateway listener per port, bound on all addresses. Chains in Gateway listener order. */
export interface IrGatewayListener {
  readonly name: string;
  readonly port: number;
  readonly tls: boolean;
  readonly chains: readonly IrGatewayChain[];
}

/** An ingress gateway proxy's own side: the Gateway it is (`<namespace>/<name>`) and its listeners. */
export interface IrGateway {
  readonly key: string;
  readonly listeners: readonly IrGatewayListener[];
}

/** Everything one proxy receives, before it becomes Envoy messages. */
export interface ProxyIr {
  readonly proxy: { readonly id: string; readonly kind: 'envoy' | 'grpc'; readonly identity: string;
    readonly interception: 'iptables' | 'explicit'; readonly serverListenerTemplate?: string;
    /** Mesh `outboundTraffic`; decides the virtual listener's default (iptables). */
    readonly outboundTraffic: 'allow-any' | 'registry-only' };
  readonly clusters: readonly IrCluster[];
  /** ExternalService clusters and the black hole. */
  readonly inlineClusters: readonly IrInlineCluster[];
  readonly endpoints: readonly IrEndpoints[];
  readonly localClusters: readonly IrLocalCluster[];
  readonly routeConfigs: readonly IrRouteConfig[];
  readonly outbound: readonly IrOutboundListener[];
  readonly inbound: IrInbound;
  readonly observability: IrObservability;
  /** Connect timeout of the proxy-local static clusters (mesh default). */
  readonly connectTimeoutMs: number;
  /** SDS secret names the proxy needs (empty for gRPC, which uses certificate providers). */
  readonly secrets: readonly string[];
  /** Ingress gateway proxies only (`inbound` then has no chains and `outbound` is empty). */
  readonly gateway?: IrGateway;
}
