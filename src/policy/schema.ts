/**
 * THE schema of the policy language: the single source of truth from which both
 * `schema/policy.schema.json` (src/policy/write-schema.ts) and the runtime validation derive.
 * Defaults and cross-field rules (weights, subsets, conflicts) live in the resolver; docs/policy.md
 * is the prose reference.
 */
import { list, map, report, type Infer } from './schema-dsl.js';
import { PolicyCodes } from './codes.js';
import { byKind, obj, oneKey, opt, req } from './schema-object.js';
import { bool, duration, headerName, httpStatus, int, oneOf, percent, regex, rewritableHeaderName, str } from './schema-scalars.js';
import { matchPath } from './schema-paths.js';
import { cidr } from './schema-cidr.js';
import { HTTP_METHODS } from './schema-methods.js';
import { grpcRouteSchema, httpRouteSchema, referenceGrantSchema } from './schema-gateway.js';
import { gatewaySchema } from './schema-ingress.js';
import { RETRY_ON, retries } from './schema-retries.js';
import { localitySchema } from './schema-locality.js';
import { accessRateLimit, routeRateLimit } from './schema-rate.js';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const serviceRef = (doc: string) =>
  str({ pattern: new RegExp(`^${LABEL}(\\.${LABEL})?$`), format: 'a service like "reviews" or "reviews.default"', doc });
const namespaceName = (doc?: string) =>
  str({ pattern: new RegExp(`^${LABEL}$`), format: 'a namespace name (DNS label)', doc });
const path = (doc: string) => str({ pattern: /^\/\S*$/, format: 'an absolute path starting with "/"', doc });

export { HTTP_METHODS };
export { RETRY_ON };

const stringMatch = oneKey({
  exact: str(), prefix: str(), regex: regex('RE2 syntax (no lookaround, no backreferences).'),
  present: bool('true: the header/parameter must be present; false: absent.'),
}, 'How to match a value: exactly one of exact, prefix, regex, present.');

const match = obj({
  path: opt(oneKey({ exact: matchPath('exact', 'Exact path.'), prefix: matchPath('prefix', 'Path prefix.'), regex: regex('RE2 regex on the path.') })),
  headers: opt(map(stringMatch, { key: headerName(true), doc: 'Header name -> match; all must match.' })),
  methods: opt(list(oneOf(HTTP_METHODS), { minItems: 1, unique: true, doc: 'Any of these methods.' })),
  query: opt(map(stringMatch, { key: str(), doc: 'Query parameter -> match; all must match.' })),
}, 'All given conditions must hold. A route without match catches everything.');

const backend = obj({
  service: opt(serviceRef('Destination service; default: the policy\'s own service.')),
  subset: opt(str({ doc: 'A subset defined in the destination service\'s TrafficPolicy.' })),
  weight: opt(int({ min: 0, max: 100, doc: 'Share of traffic, percent; the weights of a route add up to 100.' })),
  port: opt(int({ min: 1, max: 65535, doc: 'Destination port; default: the port the caller dialled.' })),
});

const headerValue = str({ pattern: /^[^\0\r\n]*$/, format: 'a header value (Envoy refuses CR, LF and NUL)', doc: 'A literal value: "%" is a percent sign, never an Envoy format command.' });

const headerRewrite = obj({
  add: opt(map(headerValue, { key: rewritableHeaderName(), doc: 'Headers to set (replacing any existing value); not host or pseudo-headers.' })),
  remove: opt(list(rewritableHeaderName(), { doc: 'Headers to remove; not host or pseudo-headers.' })),
});

const fault = obj({
  delay: opt(obj({ fixed: req(duration('Delay to inject.')), percent: req(percent('Share of requests delayed.')) })),
  abort: opt(obj({
    httpStatus: opt(httpStatus(200, 599, 'HTTP status to answer with.')),
    grpcStatus: opt(int({ min: 0, max: 16, doc: 'gRPC status code to answer with.' })),
    percent: req(percent('Share of requests aborted.')),
  })),
}, 'Fault injection, for testing resilience.');

const route = obj({
  match: opt(match),
  backends: opt(list(backend, { minItems: 1, doc: 'Where to send matching requests.' })),
  redirect: opt(obj({
    host: opt(str()), path: opt(path('Replacement path.')), scheme: opt(oneOf(['http', 'https'])),
    code: opt(oneOf([301, 302, 303, 307, 308], 'Redirect status; default 301.')),
  }, 'Answer with a redirect instead of forwarding.')),
  timeout: opt(duration('Request timeout: from the end of the request to the end of the response (a whole stream for streaming calls); 0s: none. Default: Mesh defaults.timeout on http ports, none on grpc and http2 ports.')),
  idleTimeout: opt(duration('Longest time a request or stream may go without activity; 0s: none. Default: Envoy\'s stream idle timeout (5m).')),
  maxStreamDuration: opt(duration('Longest a request or stream may last, from its start; 0s or absent: no limit.')),
  websocket: opt(bool('Allow WebSocket upgrades (HTTP/1.1 Upgrade) on http ports; default true.')),
  retries: opt(retries),
  fault: opt(fault),
  mirror: opt(obj({
    service: opt(serviceRef('Service to mirror to; default: the policy\'s own service.')),
    subset: opt(str()), percent: opt(percent('Share mirrored; default 100.')),
  }, 'Send a copy of requests elsewhere; responses are discarded.')),
  requestHeaders: opt(headerRewrite),
  responseHeaders: opt(headerRewrite),
  rateLimit: opt(routeRateLimit),
});

const serviceFields = {
  service: req(serviceRef('The service this policy is about: "name" or "name.namespace".')),
  namespace: opt(namespaceName('Namespace for service names without one; default "default".')),
};

/** An external authorizer (Envoy ext_authz) AccessPolicies with `action: custom` delegate to. */
const authorizerTarget = (extra: string) => ({
  service: req(serviceRef(`The service implementing it: a registry service or a declared ExternalService, "name" or "name.namespace" (default namespace "default")${extra}.`)),
  port: req(int({ min: 1, max: 65535, doc: 'Its port (the port callers dial).' })),
});

const upstreamHeaders = (doc: string) => list(rewritableHeaderName(), { minItems: 1, unique: true, doc });

const extAuthzProvider = obj({
  name: req(str({ pattern: new RegExp(`^${LABEL}$`), format: 'a provider name (DNS label)', doc: 'The name AccessPolicies give as `provider`.' })),
  http: opt(obj({
    ...authorizerTarget('; an http, http2 or grpc port'),
    pathPrefix: opt(path('Prefixed to the request\'s path in the check request (e.g. /check + /orders/1).')),
    requestHeaders: opt(list(headerName(false), { minItems: 1, unique: true, doc: 'Request headers sent to the authorizer, besides the ones Envoy always sends (Host, Method, Path, Content-Length, Authorization).' })),
    upstreamHeaders: opt(upstreamHeaders('Headers of an allowing answer (200) copied onto the request the application receives; a caller\'s own values of them are removed first.')),
  }, 'An HTTP authorizer: it receives the request\'s method, path (after pathPrefix) and headers without body; 200 allows, any other status is the answer the caller gets (5xx counts as a failure).')),
  grpc: opt(obj({
    ...authorizerTarget('; a grpc or http2 port'),
    upstreamHeaders: opt(upstreamHeaders('Headers the authorizer sets on allowed requests (OkHttpResponse.headers); a caller\'s own values of them are removed first, so the application can trust them.')),
  }, 'A gRPC authorizer: envoy.service.auth.v3.Authorization/Check.')),
  timeout: opt(duration('How long a check may take before it counts as a failure; default 200ms.')),
  failOpen: opt(bool('true: a check that fails (authorizer down, timed out, 5xx) admits the request; false (default): it is refused with 403.')),
}, 'One external authorizer: exactly one of http and grpc.');

export const meshSchema = obj({
  kind: req(oneOf(['Mesh'])),
  trustDomain: opt(str({ pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, format: 'a SPIFFE trust domain', doc: 'Default cluster.local.' })),
  mtls: opt(oneOf(['strict', 'permissive', 'disabled'], 'Inbound mTLS mode of the mesh; default strict. MtlsPolicy documents override it per namespace, service and port.')),
  defaults: opt(obj({
    timeout: opt(duration('Route timeout when a route names none; default 15s.')),
    connectTimeout: opt(duration('Upstream connect timeout; default 5s.')),
  })),
  observability: opt(obj({
    accessLog: opt(bool('JSON access logs on every sidecar listener; default true.')),
    tracing: opt(obj({
      provider: req(oneOf(['opentelemetry', 'zipkin'])),
      address: req(str({ pattern: /^[^\s:]+:[0-9]{1,5}$/, format: 'a host:port' })),
      samplingPercent: opt(percent('Share of requests traced; default 1.')),
    })),
  })),
  reach: opt(map(list(namespaceName()), { key: namespaceName(), doc: 'Namespace -> namespaces its proxies may reach.' })),
  locality: opt(localitySchema),
  extAuthz: opt(list(extAuthzProvider, { minItems: 1, doc: 'External authorizers AccessPolicies with `action: custom` delegate to.' })),
  outboundTraffic: opt(oneOf(['allow-any', 'registry-only'], 'Traffic to destinations neither in the registry nor declared as ExternalService: allow-any (default) forwards it, registry-only refuses it (TCP closed, HTTP 502).')),
}, 'Mesh-wide settings; at most one Mesh document.');

export const trafficSchema = obj({
  kind: req(oneOf(['TrafficPolicy'])),
  ...serviceFields,
  routes: opt(list(route, { doc: 'Routes in match order; first match wins.' })),
  subsets: opt(map(map(str(), { minProperties: 1 }), { key: str({ pattern: new RegExp(`^${LABEL}$`), format: 'a subset name (DNS label)' }), doc: 'Subset name -> endpoint label selector.' })),
  loadBalancer: opt(oneOf(['round-robin', 'least-request', 'random', 'ring-hash'], 'Default round-robin.')),
  hashKey: opt(oneKey({ header: headerName(false), sourceIp: oneOf([true as const]) }, 'ring-hash only: what to hash.')),
  circuitBreaker: opt(obj({
    maxConnections: opt(int({ min: 1 })), maxPendingRequests: opt(int({ min: 1 })),
    maxRequests: opt(int({ min: 1 })), maxRetries: opt(int({ min: 0 })),
  })),
  outlierDetection: opt(obj({
    consecutive5xx: opt(int({ min: 1, doc: 'Default 5.' })), interval: opt(duration('Default 10s.')),
    baseEjectionTime: opt(duration('Default 30s.')), maxEjectionPercent: opt(percent('Default 10.')),
  })),
  locality: opt(localitySchema),
}, 'How callers reach one service; at most one per service.');

/** A header an access rule may match: not a pseudo-header (methods and paths have their own
 * fields) and not binary gRPC metadata (`-bin`: base64 on the wire, never matched by gRPC's RBAC). */
const textHeaderName = () => {
  const name = headerName(false);
  return { ...name, check: (node: Parameters<typeof name.check>[0], cx: Parameters<typeof name.check>[1], path: string) => {
    const v = name.check(node, cx, path);
    if (typeof v === 'string' && v.endsWith('-bin')) return report(cx, PolicyCodes.invalidHeaderName.code, path, node, `"${v}" is binary gRPC metadata (base64 on the wire), which access rules cannot match`);
    return v;
  } };
};

const principal = obj({
  serviceAccount: opt(serviceRef('"sa" or "sa.namespace".')),
  namespace: opt(namespaceName()),
  identity: opt(str({ pattern: /^spiffe:\/\/[^/\s]+\/\S+$/, format: 'a SPIFFE ID' })),
  ipBlocks: opt(list(cidr(), { minItems: 1, doc: 'Source address ranges (CIDR, or one address); any of them. The connection\'s peer address.' })),
  claims: opt(map(str(), { key: str({ pattern: /^[A-Za-z0-9_.:-]+$/, format: 'a claim name' }), minProperties: 1, doc: 'Claims of the request\'s verified JWT (the service\'s jwt block) -> value: the claim equals it, or (a list claim) contains it. HTTP ports only.' })),
}, 'All given fields must match.');

const jwtProvider = obj({
  issuer: req(str({ doc: 'The `iss` claim a token must carry.' })),
  audiences: opt(list(str(), { minItems: 1, unique: true, doc: 'The token\'s `aud` must name one of these; absent: any audience.' })),
  jwks: opt(str({ doc: 'Inline JWKS (JSON text, `{"keys":[...]}`); every key is parsed at load.' })),
  remoteJwks: opt(obj({
    externalService: req(serviceRef('The ExternalService the JWKS is fetched through (its egress cluster).')),
    port: opt(int({ min: 1, max: 65535, doc: 'Its port; default: its first http port.' })),
    path: req(path('Path of the JWKS document.')),
    cacheDuration: opt(duration('How long Envoy caches the fetched keys; default 5m.')),
  }, 'JWKS fetched by the sidecar from a declared ExternalService.')),
  forwardClaims: opt(map(rewritableHeaderName(), { key: str({ pattern: /^[A-Za-z0-9_.:-]+$/, format: 'a claim name' }), doc: 'Claim -> request header the application receives it in.' })),
}, 'One token issuer: exactly one of jwks and remoteJwks.');

export const accessSchema = obj({
  kind: req(oneOf(['AccessPolicy'])),
  ...serviceFields,
  action: opt(oneOf(['allow', 'deny', 'audit', 'custom'], 'Default allow. audit: count and log what the rules match, as a deny would, without refusing. custom: the requests the rules match are decided by the external authorizer `provider` (after deny and allow policies).')),
  provider: opt(str({ pattern: new RegExp(`^${LABEL}$`), format: 'a provider name (DNS label)', doc: 'action custom: the Mesh extAuthz provider that decides.' })),
  rules: opt(list(obj({
    from: opt(list(principal, { doc: 'Any of these callers; absent: any authenticated caller (allow) or every caller (deny).' })),
    to: opt(obj({
      methods: opt(list(oneOf(HTTP_METHODS), { minItems: 1, unique: true })),
      paths: opt(list(matchPath('rule', 'A path, or a prefix ending in "*"; normalised (no ".", ".." or "//").'), { minItems: 1 })),
      ports: opt(list(int({ min: 1, max: 65535 }), { minItems: 1 })),
      headers: opt(map(stringMatch, { key: textHeaderName(), doc: 'Request header name -> match; all must match. HTTP ports only.' })),
    })),
  }))),
  jwt: opt(obj({
    providers: req(list(jwtProvider, { minItems: 1, doc: 'A token from any of them is accepted.' })),
    exemptPaths: opt(list(matchPath('rule', 'A path, or a prefix ending in "*", where a request without a token is admitted (a token that is present must still be valid).'), { minItems: 1 })),
  }, 'End-user authentication (Authorization: Bearer JWT) at the service\'s inbound, HTTP ports only: a request with an invalid token, or without one outside exemptPaths, is answered 401.')),
  rateLimit: opt(accessRateLimit),
}, 'Who may call one service; enforced at its inbound.');

export const PORT_PROTOCOLS = ['http', 'http2', 'grpc', 'tcp', 'tls'] as const;
const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const hostName = (doc?: string) => str({ pattern: HOST, format: 'a lowercase DNS host name (no wildcard)', doc });
const IP = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export const externalSchema = obj({
  kind: req(oneOf(['ExternalService'])),
  name: req(str({ pattern: new RegExp(`^${LABEL}$`), format: 'a name (DNS label)', doc: 'Name; AccessPolicies refer to it as "name" or "name.namespace".' })),
  namespace: opt(namespaceName('Namespace of the name; default "default". Callers in every namespace may reach it.')),
  hosts: req(list(hostName(), { minItems: 1, unique: true, doc: 'Host names callers use (HTTP Host, TLS SNI).' })),
  ports: req(list(obj({
    port: req(int({ min: 1, max: 65535, doc: 'The port callers dial.' })),
    protocol: req(oneOf(PORT_PROTOCOLS, 'http, http2, grpc: routed by Host; tls: routed by SNI (passthrough); tcp: by destination address (needs resolution static).')),
    targetPort: opt(int({ min: 1, max: 65535, doc: 'The port the sidecar connects to; default: port.' })),
  }), { minItems: 1 })),
  resolution: opt(oneOf(['dns', 'static'], 'dns (default): the sidecar resolves the first host; static: it connects to addresses.')),
  addresses: opt(list(str({ pattern: IP, format: 'an IPv4 or IPv6 literal' }), { minItems: 1, unique: true, doc: 'resolution static: the addresses of the service (callers dial them, the sidecar connects to them).' })),
  tls: opt(obj({
    sni: opt(hostName('SNI and the DNS SAN the server certificate must carry; default: the first host.')),
    caFile: opt(str({ pattern: /^\/\S*$/, format: 'an absolute path', doc: 'CA bundle on the proxy\'s host; default /etc/ssl/certs/ca-certificates.crt.' })),
  }, 'The sidecar originates TLS: callers speak plaintext, the sidecar connects with TLS (not on tls ports).')),
}, 'A service outside the mesh that sidecars may call.');

export const MTLS_MODES = ['strict', 'permissive', 'disabled'] as const;
const PORT_KEY = str({ pattern: /^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/, format: 'a port number 1-65535' });

export const mtlsSchema = obj({
  kind: req(oneOf(['MtlsPolicy'])),
  namespace: req(namespaceName('The namespace whose workloads this policy sets the inbound mTLS mode of.')),
  service: opt(serviceRef('Only the workloads of this service ("name", in namespace); absent: every workload of the namespace.')),
  mode: opt(oneOf(MTLS_MODES, 'strict: mTLS only; permissive: mTLS and plaintext; disabled: plaintext only. Absent: inherited (service, namespace, Mesh.mtls).')),
  ports: opt(map(oneOf(MTLS_MODES), { key: PORT_KEY, minProperties: 1, doc: 'Service port -> mode for that port; needs service.' })),
}, 'The inbound mTLS mode of a namespace, a service\'s workloads, or some of their ports; the most specific wins over Mesh.mtls.');

export const documentSchema = byKind({
  Mesh: meshSchema, TrafficPolicy: trafficSchema, AccessPolicy: accessSchema, ExternalService: externalSchema,
  HTTPRoute: httpRouteSchema, GRPCRoute: grpcRouteSchema, ReferenceGrant: referenceGrantSchema,
  MtlsPolicy: mtlsSchema, Gateway: gatewaySchema,
});

export type PolicyDocument = Infer<typeof documentSchema>;
export type MeshDoc = Infer<typeof meshSchema>;
export type TrafficDoc = Infer<typeof trafficSchema>;
export type AccessDoc = Infer<typeof accessSchema>;
export type ExternalDoc = Infer<typeof externalSchema>;
export type RouteDoc = Infer<typeof route>;
export type HttpRouteDoc = Infer<typeof httpRouteSchema>;
export type GrpcRouteDoc = Infer<typeof grpcRouteSchema>;
export type ReferenceGrantDoc = Infer<typeof referenceGrantSchema>;
export type MtlsDoc = Infer<typeof mtlsSchema>;
export type GatewayDoc = Infer<typeof gatewaySchema>;

/** The JSON Schema document written to schema/policy.schema.json. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://weft.dev/schema/policy.schema.json',
    title: 'weft policy document',
    ...documentSchema.json(),
  };
}
