/**
 * The resolved policy model: what `loadPolicy` produces from a directory of YAML after parsing,
 * schema checks and resolution. Durations are milliseconds, percentages are 0–100 numbers, service
 * references are resolved keys `<name>.<namespace>`.
 *
 * Every object that came from a document carries `source` (file:line:col of the object in YAML) so
 * that a translated Envoy resource can name the policy line that produced it.
 *
 * All values are deeply readonly; a `PolicySet` is immutable and shared.
 */
import type { SourceRef } from './diagnostics.js';
import type { IngressGateway } from './types-ingress.js';

export type * from './types-ingress.js';

export type MtlsMode = 'strict' | 'permissive' | 'disabled';
export type LoadBalancer = 'round-robin' | 'least-request' | 'random' | 'ring-hash';

export interface TracingConfig {
  readonly provider: 'opentelemetry' | 'zipkin';
  /** Collector `host:port`. */
  readonly address: string;
  readonly samplingPercent: number;
}

export interface MeshPolicy {
  readonly trustDomain: string;
  readonly mtls: MtlsMode;
  readonly defaults: {
    /** Route timeout when a route names none. */
    readonly timeoutMs: number;
    /** Connect timeout for clusters. */
    readonly connectTimeoutMs: number;
  };
  readonly observability: {
    /** JSON access logs to stdout on every sidecar listener. */
    readonly accessLog: boolean;
    readonly tracing?: TracingConfig;
  };
  /**
   * Scoping: namespace -> the namespaces its proxies may reach. A namespace absent from the map
   * reaches every namespace. The proxy's own namespace is always reachable.
   */
  readonly reach: ReadonlyMap<string, readonly string[]>;
  /**
   * Where sidecars send traffic to destinations that are neither registry services nor
   * ExternalServices: `allow-any` (absent) forwards it unchanged, `registry-only` refuses it
   * (TCP: connection closed; HTTP: 502 naming the reason).
   */
  readonly outboundTraffic?: OutboundTraffic;
  /** The default locality block of services whose TrafficPolicy has none. */
  readonly locality?: LocalityPolicy;
  /** External authorizers by name (absent: none declared). */
  readonly extAuthz?: ReadonlyMap<string, ExtAuthzProvider>;
  readonly source?: SourceRef;
}

/**
 * One external authorizer (Envoy ext_authz) of the Mesh. `service` is a key `<name>.<namespace>`
 * of a registry service (called with mesh mTLS) or of a declared ExternalService (called as its
 * egress cluster); which one is decided against the policy's ExternalServices.
 */
export interface ExtAuthzProvider {
  readonly name: string;
  readonly protocol: 'http' | 'grpc';
  readonly service: string;
  /** The port callers dial. */
  readonly port: number;
  readonly timeoutMs: number;
  /** A failed check (authorizer down, timed out, 5xx) admits the request; default false. */
  readonly failOpen: boolean;
  /** HTTP only: prefixed to the checked request's path. */
  readonly pathPrefix?: string;
  /** HTTP only: request headers sent to the authorizer (lowercase, sorted). */
  readonly requestHeaders: readonly string[];
  /** Headers an allowing answer sets upstream (HTTP: copied from its answer; gRPC: its
   * OkHttpResponse headers), removed from what callers send (lowercase, sorted). */
  readonly upstreamHeaders: readonly string[];
  readonly source?: SourceRef;
}

export type OutboundTraffic = 'allow-any' | 'registry-only';

/** Per-port protocols of the policy language (ExternalService ports, registry ports). */
export type PortProtocol = 'http' | 'http2' | 'grpc' | 'tcp' | 'tls';

export interface ExternalPort {
  /** The port callers dial. */
  readonly port: number;
  readonly protocol: PortProtocol;
  /** The port the sidecar connects to (differs from `port` for TLS origination, e.g. 80 -> 443). */
  readonly targetPort: number;
}

/**
 * A destination outside the mesh (no sidecar): the hosts callers name, its ports, how the sidecar
 * finds its addresses, and optional TLS the sidecar originates. Key `<name>.<namespace>`, like a
 * service, so AccessPolicies name it the same way (enforced at the caller's sidecar).
 */
export interface ExternalService {
  readonly key: string;
  readonly name: string;
  readonly namespace: string;
  /** Host names callers use (HTTP Host, TLS SNI), lowercase, sorted. */
  readonly hosts: readonly string[];
  readonly ports: readonly ExternalPort[];
  /** `dns`: the sidecar resolves `hosts[0]`; `static`: it connects to `addresses`. */
  readonly resolution: 'dns' | 'static';
  /** IP literals: the upstream endpoints (static) and the destinations callers dial. Sorted. */
  readonly addresses: readonly string[];
  /** TLS the sidecar originates on non-`tls` ports: SNI (absent: the host connected to), which is
   * also the DNS SAN the server certificate must carry, and the CA file (on the proxy's host) it
   * must chain to. */
  readonly tls?: { readonly sni?: string; readonly caFile: string };
  readonly source?: SourceRef;
}

export type StringMatch =
  | { readonly exact: string }
  | { readonly prefix: string }
  | { readonly regex: string }
  | { readonly present: boolean };

/**
 * `segmentPrefix` (Gateway API `PathPrefix`) matches whole path segments: `/api` matches `/api`
 * and `/api/x`, never `/apix`. It never ends in `/` (except `/` itself, which is `prefix: /`).
 */
export type PathMatch =
  | { readonly exact: string } | { readonly prefix: string } | { readonly regex: string } | { readonly segmentPrefix: string };

export interface RouteMatch {
  readonly path?: PathMatch;
  /** Header name (lowercase) -> match. */
  readonly headers?: Readonly<Record<string, StringMatch>>;
  /** HTTP methods, uppercase. */
  readonly methods?: readonly string[];
  /** Query parameter -> match (`present`, `exact`, `prefix`, `regex`). */
  readonly query?: Readonly<Record<string, StringMatch>>;
}

export interface Backend {
  /** Destination service key; defaults to the policy's own service. */
  readonly service: string;
  /** Subset name defined in the destination's TrafficPolicy, or undefined for all endpoints. */
  readonly subset?: string;
  /** Relative weight: a TrafficPolicy route's add up to 100; an HTTPRoute's are any relative
   * weights (Gateway API), which Envoy and gRPC divide by their sum. */
  readonly weight: number;
  /** Destination port; undefined = the port the caller dialled. */
  readonly port?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  /** Each try's timeout until its response starts (Envoy stops it at the response headers). */
  readonly perTryTimeoutMs?: number;
  /** Longest a try may go without a byte, before and while its response streams (Envoy only). */
  readonly perTryIdleTimeoutMs?: number;
  /** The service's cluster retry budget, as this route wrote it (`TrafficPolicy.retryBudget` is
   * the one the clusters get). */
  readonly budget?: RetryBudget;
  /** Envoy `hedge_on_per_try_timeout`: a try at its per-try timeout is not cancelled. */
  readonly hedgeOnPerTryTimeout?: boolean;
  /** Envoy/gRPC retry conditions: `5xx`, `reset`, `connect-failure`, `gateway-error`,
   * `retriable-4xx`, `refused-stream`, `unavailable`, `cancelled`, `deadline-exceeded`,
   * `resource-exhausted`, `internal`. */
  readonly on: readonly string[];
  readonly backoff?: { readonly baseIntervalMs: number; readonly maxIntervalMs?: number };
}

/** Envoy `retry_budget`: concurrent retries at most `percent` of the active and pending requests
 * of a cluster, never fewer than `minConcurrency`. */
export interface RetryBudget { readonly percent: number; readonly minConcurrency: number }

export interface FaultPolicy {
  readonly delay?: { readonly fixedMs: number; readonly percent: number };
  readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: number; readonly percent: number };
}

export interface HeaderRewrite {
  /** Set: replaces any existing value (Gateway API `set`). */
  readonly add?: Readonly<Record<string, string>>;
  /** Appended to any existing values (Gateway API `add`); only HTTPRoute and GRPCRoute set it. */
  readonly append?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

/** Gateway API path replacement: the whole path, or the part a `segmentPrefix` match matched. */
export type PathReplace = { readonly full: string } | { readonly prefix: string };

export interface RoutePolicy {
  readonly match?: RouteMatch;
  /** Exactly one of `backends` and `redirect` is set. */
  readonly backends?: readonly Backend[];
  readonly redirect?: {
    readonly host?: string;
    /** The whole replacement path. */
    readonly path?: string;
    /** Replaces the matched `segmentPrefix` (Gateway API `ReplacePrefixMatch`); never with `path`. */
    readonly prefix?: string;
    readonly port?: number;
    readonly scheme?: 'http' | 'https';
    readonly code: 301 | 302 | 303 | 307 | 308;
  };
  /** Rewrites before forwarding (Gateway API `URLRewrite`): the Host (authority) and the path. */
  readonly rewrite?: { readonly host?: string; readonly path?: PathReplace };
  /** Only on this port of the service (an HTTPRoute parentRef with `port`); absent = every port. */
  readonly port?: number;
  /** Request timeout (end of request to end of response); 0 = none; absent = the port's default
   * (Mesh `defaults.timeoutMs` on http ports, none on grpc/http2 ports). */
  readonly timeoutMs?: number;
  /** Longest time without activity on a request or stream; 0 = none; absent = the proxy's default. */
  readonly idleTimeoutMs?: number;
  /** Longest a request or stream may last from its start; absent or 0 = no limit. */
  readonly maxStreamDurationMs?: number;
  /** WebSocket upgrades on http ports; absent = allowed. */
  readonly websocket?: boolean;
  readonly retries?: RetryPolicy;
  readonly fault?: FaultPolicy;
  /** `port`: the destination port (absent: the port the caller dialled). */
  readonly mirror?: { readonly service: string; readonly subset?: string; readonly port?: number; readonly percent: number };
  readonly requestHeaders?: HeaderRewrite;
  readonly responseHeaders?: HeaderRewrite;
  /** The route's own bucket at the inbound of the service's workloads (TrafficPolicy only). */
  readonly rateLimit?: RateLimit;
  readonly source?: SourceRef;
}

export interface CircuitBreaker {
  readonly maxConnections?: number;
  readonly maxPendingRequests?: number;
  readonly maxRequests?: number;
  readonly maxRetries?: number;
}

export interface OutlierDetection {
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

/**
 * Localities a locality rule names: `*` for a part matches any value, an unset one included.
 * A text value matches that text only (an unset region or zone is `''`).
 */
export interface LocalityMatch {
  readonly region: string;
  readonly zone: string;
}

/** A `locality` block (Mesh default or a service's own), docs/policy.md "Locality". */
export interface LocalityPolicy {
  readonly enabled: boolean;
  /** Per caller locality (first match): the localities tried after its zone and region, in order. */
  readonly failover: readonly { readonly from: LocalityMatch; readonly to: readonly LocalityMatch[] }[];
  /** Per caller locality (first match): the share of its requests each locality gets (sums to 100). */
  readonly distribute: readonly { readonly from: LocalityMatch; readonly to: readonly { readonly locality: LocalityMatch; readonly percent: number }[] }[];
  readonly source?: SourceRef;
}

/** How callers reach one service. At most one TrafficPolicy per service. */
export interface TrafficPolicy {
  /** Service key `<name>.<namespace>`. */
  readonly service: string;
  /** Routes in match order; the last one usually has no match (catch-all). Empty = default route. */
  readonly routes: readonly RoutePolicy[];
  /** Subset name -> endpoint label selector. */
  readonly subsets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly loadBalancer: LoadBalancer;
  /** For ring-hash: what to hash on. */
  readonly hashKey?: { readonly header: string } | { readonly sourceIp: true };
  readonly circuitBreaker?: CircuitBreaker;
  /** The retry budget of the service's clusters: the one every budgeted route sets (WEFT2085). */
  readonly retryBudget?: RetryBudget;
  readonly outlierDetection?: OutlierDetection;
  /** The service's own locality block; absent: the Mesh's (docs/policy.md "Locality"). */
  readonly locality?: LocalityPolicy;
  readonly source?: SourceRef;
}

/** One source principal of an access rule; each set field must match (AND). */
export interface Principal {
  /** Service account key `<sa>.<namespace>`. */
  readonly serviceAccount?: string;
  readonly namespace?: string;
  /** A full SPIFFE ID. */
  readonly identity?: string;
  /** Source address ranges `<address>/<length>` (any of them): the connection's peer address. */
  readonly ipBlocks?: readonly string[];
  /** Claim -> value of the request's verified JWT (a list claim: one element equals it). */
  readonly claims?: Readonly<Record<string, string>>;
}

export interface AccessRule {
  /** Any of these principals (OR). Empty/absent = any authenticated caller. */
  readonly from?: readonly Principal[];
  readonly to?: {
    readonly methods?: readonly string[];
    /** Exact paths, or prefixes written with a trailing `*` (e.g. `/reviews/*`). */
    readonly paths?: readonly string[];
    readonly ports?: readonly number[];
    /** Request header name (lowercase) -> match; all must match (HTTP ports only). */
    readonly headers?: Readonly<Record<string, StringMatch>>;
  };
  readonly source?: SourceRef;
}

/**
 * `allow` and `deny` enforce; `audit` never refuses anything: its rules are evaluated as deny
 * rules would be and what they match is counted and logged (Envoy RBAC shadow rules). `custom`:
 * the requests its rules match (matched as deny rules would be) are decided by the external
 * authorizer `provider`, after the deny and allow policies; it restricts no caller by itself.
 */
export type AccessAction = 'allow' | 'deny' | 'audit' | 'custom';

/**
 * A local rate limit per inbound proxy (one bucket), with the exact token bucket that runs it (rate.ts):
 * `burst` tokens at most, `tokensPerFill` added every `fillIntervalMs`.
 */
export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly burst: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

/** The verified caller a rate-limit bucket is for (its mTLS certificate's URI SAN). */
export type RateCaller = { readonly serviceAccount: string } | { readonly namespace: string } | { readonly identity: string };

/** A bucket of one caller's own at the service's inbound (`serviceAccount` is `sa.namespace`). */
export interface CallerRateLimit { readonly from: RateCaller; readonly rateLimit: RateLimit; readonly source?: SourceRef }

/** One JWT issuer: exactly one of `jwks` (inline JSON, keys checked at load) and `remoteJwks`. */
export interface JwtProvider {
  /** `jwt-<index>`: Envoy's provider name. */
  readonly name: string;
  readonly issuer: string;
  /** Empty: any audience. */
  readonly audiences: readonly string[];
  readonly jwks?: string;
  /** Fetched through the ExternalService's egress cluster. */
  readonly remoteJwks?: { readonly externalService: string; readonly port?: number; readonly path: string; readonly cacheDurationMs: number };
  /** [claim, header] pairs, sorted by header. */
  readonly forwardClaims: readonly (readonly [string, string])[];
}

/** End-user authentication of one service (HTTP ports of its inbound). */
export interface JwtAuthentication {
  readonly providers: readonly JwtProvider[];
  /** Exact paths or prefixes written with a trailing `*` where a missing token is admitted. */
  readonly exemptPaths: readonly string[];
}

/** Who may call one service; enforced at that service's inbound listener. */
export interface AccessPolicy {
  readonly service: string;
  readonly action: AccessAction;
  readonly rules: readonly AccessRule[];
  /** `custom` only: the Mesh extAuthz provider deciding the requests the rules match. */
  readonly provider?: string;
  /** At most one AccessPolicy of a service carries it. */
  readonly jwt?: JwtAuthentication;
  /** The bucket shared by callers without one of their own. */
  readonly rateLimit?: RateLimit;
  /** Callers with a bucket of their own, in policy order; no caller matches two (WEFT2089). */
  readonly callerLimits?: readonly CallerRateLimit[];
  readonly source?: SourceRef;
}

/**
 * Whether an AccessPolicy restricts who may call: every `allow` policy does (one without rules
 * admits nobody), except one that only authenticates end users (a `jwt` block and no rules).
 */
export function restrictsCallers(p: AccessPolicy): boolean {
  return p.action === 'allow' && !(p.jwt && p.rules.length === 0);
}

/**
 * One MtlsPolicy document: the inbound mTLS mode of a namespace's workloads (no `service`), of one
 * service's workloads, or of some of their ports. Precedence, most specific first: `ports`, the
 * service's `mode`, the namespace's `mode`, `Mesh.mtls` (mtls.ts `effectiveMtls`).
 */
export interface MtlsPolicy {
  readonly namespace: string;
  /** Service key `<name>.<namespace>`; absent = the namespace level. */
  readonly service?: string;
  /** Absent = inherited from the level above (a service policy that sets only ports). */
  readonly mode?: MtlsMode;
  /** Service port (the port callers dial) -> mode, ascending ports. */
  readonly ports: ReadonlyMap<number, MtlsMode>;
  readonly source?: SourceRef;
}

/** MtlsPolicies by level: namespace name -> its namespace-level policy, service key -> its own. */
export interface MtlsPolicies {
  readonly namespaces: ReadonlyMap<string, MtlsPolicy>;
  readonly services: ReadonlyMap<string, MtlsPolicy>;
}

/** Everything one successful policy load produced. */
export interface PolicySet {
  /** Content hash of the source files (plus the git commit when known, set by the caller). */
  readonly version: string;
  readonly mesh: MeshPolicy;
  /** By service key. */
  readonly traffic: ReadonlyMap<string, TrafficPolicy>;
  /** By service key; allow and deny policies may both exist for one service. */
  readonly access: ReadonlyMap<string, readonly AccessPolicy[]>;
  /** ExternalServices by key, in key order; absent = none. */
  readonly external?: ReadonlyMap<string, ExternalService>;
  /** MtlsPolicies; absent = none (every workload has `mesh.mtls`). */
  readonly mtls?: MtlsPolicies;
  /** Gateway API Gateways of class weft by `<namespace>/<name>`, in key order; absent = none. */
  readonly gateways?: ReadonlyMap<string, IngressGateway>;
  /** The files the set was loaded from, relative to the policy directory, sorted. */
  readonly files: readonly string[];
}

export const DEFAULT_MESH: MeshPolicy = Object.freeze({
  trustDomain: 'cluster.local',
  mtls: 'strict',
  defaults: Object.freeze({ timeoutMs: 15_000, connectTimeoutMs: 5_000 }),
  observability: Object.freeze({ accessLog: true }),
  reach: new Map<string, readonly string[]>(),
});
