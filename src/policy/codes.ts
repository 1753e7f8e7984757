/**
 * The code table of the policy module (src/common/diagnostics.ts describes the model).
 * `WEFT1xxx`: YAML syntax and schema (the schema codes are shared with the registry format, see
 * src/discovery/codes.ts); `WEFT2xxx`: references and semantics. docs/diagnostics.md is generated
 * from this table.
 */
import type { CodeTable } from '../common/index.js';

export const PolicyCodes = {
  yamlSyntax: {
    code: 'WEFT1001', severity: 'error', aliases: ['WEFT7001', 'WEFT3001'],
    summary: 'YAML syntax error in a policy file, a registry file or a `weft inject` manifest, e.g. an unclosed `[`; a file cut off mid-write usually lands here.',
    action: 'Fix the YAML at the position shown.',
  },
  duplicateKey: { code: 'WEFT1002', severity: 'error', summary: 'A key appears twice in one mapping (reported at the second one).', action: 'Keep one of the two keys.' },
  unknownField: {
    code: 'WEFT1003', severity: 'error', aliases: ['WEFT3002'],
    summary: 'A field the format does not define, in a policy or a registry file; the message suggests the nearest valid name (`trustDomian` → `trustDomain`).',
    action: 'Correct the spelling or remove the field; the message lists the allowed fields.',
  },
  wrongType: {
    code: 'WEFT1004', severity: 'error', aliases: ['WEFT3003'],
    summary: 'A value of the wrong YAML type (a map where a list is expected, a string where a number is, an empty string), in a policy or a registry file.',
    action: 'Write the value with the type the message names.',
  },
  missingField: {
    code: 'WEFT1005', severity: 'error', aliases: ['WEFT3004'],
    summary: 'A required field is missing (a TrafficPolicy without `service`, a registry service without `name`), or an access-rule caller has no field.',
    action: 'Add the field to the mapping shown.',
  },
  unknownKind: { code: 'WEFT1006', severity: 'error', summary: 'A document with no `kind` or an unknown one (with a suggestion), e.g. `kind: TraficPolicy`.', action: 'Use one of Mesh, TrafficPolicy, AccessPolicy, ExternalService, HTTPRoute, GRPCRoute, ReferenceGrant, Gateway, MtlsPolicy; a registry file is passed with `--registry`.' },
  invalidDuration: { code: 'WEFT1007', severity: 'error', summary: 'An invalid duration: no unit, a bad unit, under a millisecond or over 30 days (`3sec`, `3`).', action: 'Write a number with a unit: `ms`, `s`, `m`, `h`.' },
  outOfRange: { code: 'WEFT1008', severity: 'error', summary: 'A number out of range (percentages 0–100, ports 1–65535, …) or too few items.', action: 'Use a value inside the range the message gives.' },
  invalidEnum: { code: 'WEFT1009', severity: 'error', summary: 'A value not one of the allowed values (with a suggestion), e.g. `mtls: strcit`.', action: 'Use one of the values the message lists.' },
  fileTooLarge: {
    code: 'WEFT1010', severity: 'error',
    summary: 'A policy file over its size limit (default 1 MiB) or a registry file over its own (default 256 MiB); refused while reading, before parsing.',
    action: 'Split the policy into several files; for a registry, raise the limit or move to the Kubernetes source.',
  },
  aliasNotAllowed: { code: 'WEFT1011', severity: 'error', summary: 'A YAML anchor or alias (`&a`, `*a`): policy does not use them, and refusing them defuses alias bombs.', action: 'Write the value out in full.' },
  invalidFormat: {
    code: 'WEFT1012', severity: 'error',
    summary: 'A string in the wrong format: a service or namespace name, a path, a SPIFFE ID, `host:port`, or a header value with CR, LF or NUL (`service: Reviews_Svc`).',
    action: 'Write the value in the format the message names.',
  },
  invalidRegex: {
    code: 'WEFT1013', severity: 'error',
    summary: 'A regex RE2 (the engine of Envoy and gRPC) rejects, with RE2\'s own error, or whose compiled program (sized as Envoy\'s RE2 sizes it) is over Envoy\'s limit of 100 (`re2.max_program_size.error_level`): `(?=a)`, `(a)\\1`, `x{200}`.',
    action: 'Rewrite the regex in RE2 syntax, or split it into smaller ones.',
  },
  invalidHeaderName: { code: 'WEFT1014', severity: 'error', summary: 'An invalid HTTP header name (not an RFC 9110 token; pseudo-headers only in matches), e.g. `"x user"`.', action: 'Use a token of letters, digits and `!#$%&\'*+-.^_`|~`.' },
  invalidHttpStatus: { code: 'WEFT1015', severity: 'error', summary: 'An invalid HTTP status for a fault abort (200–599 only), e.g. `httpStatus: 700`.', action: 'Use a status from 200 to 599.' },
  fileUnreadable: {
    code: 'WEFT1016', severity: 'error', aliases: ['WEFT3012'],
    summary: 'A policy directory, policy file or registry file cannot be read (missing, permissions); on a reload the last good input keeps serving.',
    action: 'Check that the path exists and that weft may read it.',
  },
  noDocuments: { code: 'WEFT1017', severity: 'warning', summary: 'No policy documents at all (e.g. an empty directory); mesh defaults apply.', action: 'None if intended; otherwise point weft at the directory holding the policy.' },
  exactlyOne: { code: 'WEFT1018', severity: 'error', summary: 'A choice mapping needs exactly one of its fields, e.g. `path: { exact: /a, prefix: /b }`.', action: 'Keep exactly one of the fields.' },
  fileRefused: {
    code: 'WEFT1019', severity: 'error', aliases: ['WEFT3013'],
    summary: 'A policy or registry file refused unread: it resolves (through a symlink) outside its directory, or is not a regular file (FIFO, device, socket).',
    action: 'Put a regular file inside the directory.',
  },
  emptyFile: {
    code: 'WEFT1020', severity: 'error',
    summary: 'A policy or registry file with no documents (empty, whitespace, comments or `---` only): what a truncated write looks like, so it is refused rather than read as "no policy" or "no services".',
    action: 'Restore the file; delete a policy file to remove its policy, write `services: []` for an empty registry.',
  },
  unmatchablePath: {
    code: 'WEFT1021', severity: 'error',
    summary: 'A path that can never match a request path as Envoy normalises it (`.` or `..` segments, `//`, `\\`, `%2F`/`%5C`, an encoded dot segment, `?` or `#`), e.g. `/api/../admin`.',
    action: 'Write the path in its normalised form.',
  },
  policyRef: {
    code: 'WEFT1022', severity: 'error',
    summary: '`--policy-ref`: the directory is not in a git work tree, the ref names no commit, or the commit cannot be read.',
    action: 'Run inside the repository and name an existing commit, branch or tag.',
  },
  headerNotRewritable: {
    code: 'WEFT1023', severity: 'error',
    summary: 'A header rewrite (`add` or `remove`) names `host` or a `:`-prefixed pseudo-header; Envoy would reject the whole route configuration.',
    action: 'Remove that header from the rewrite; rewriting the host is not supported.',
  },
  weights: { code: 'WEFT2001', severity: 'error', summary: 'Backend weights of a route do not add up to 100 (all 0 included), or are set on some backends only.', action: 'Give every backend a weight, summing to 100.' },
  unknownSubset: { code: 'WEFT2002', severity: 'error', summary: 'A backend or mirror subset the destination service\'s TrafficPolicy does not define, e.g. `subset: v9`.', action: 'Define the subset in that TrafficPolicy, or correct the name.' },
  duplicateTraffic: { code: 'WEFT2003', severity: 'error', summary: 'A second TrafficPolicy for one service; the message names both locations.', action: 'Merge the two into one TrafficPolicy.' },
  duplicateMesh: { code: 'WEFT2004', severity: 'error', summary: 'More than one Mesh document.', action: 'Keep one Mesh document.' },
  routeAction: { code: 'WEFT2005', severity: 'error', summary: 'A route with both `backends` and `redirect`.', action: 'Keep one of the two.' },
  unknownService: {
    code: 'WEFT2006', severity: 'error',
    summary: 'A referenced service is not in the registry (`weft validate` with a registry; the control plane may report it as a warning while a service is briefly absent).',
    action: 'Add the service to the registry, or correct the name.',
  },
  unknownPort: { code: 'WEFT2007', severity: 'error', summary: 'A referenced port is not a port of that service (checked against the registry, like WEFT2006).', action: 'Use a port the service declares.' },
  hashKey: { code: 'WEFT2008', severity: 'error', summary: '`hashKey` without `loadBalancer: ring-hash`, or ring-hash without `hashKey`.', action: 'Set both or neither.' },
  abortStatus: { code: 'WEFT2009', severity: 'error', summary: 'A fault abort needs exactly one of `httpStatus` and `grpcStatus`.', action: 'Keep exactly one.' },
  unreachableRoute: { code: 'WEFT2010', severity: 'warning', summary: 'A route that can never match: an earlier route has no `match` and catches everything.', action: 'Move the catch-all route last.' },
  backoff: { code: 'WEFT2011', severity: 'error', summary: 'Retry backoff `maxInterval` shorter than `baseInterval`.', action: 'Make `maxInterval` at least `baseInterval`.' },
  identityUnderPermissive: {
    code: 'WEFT2012', severity: 'warning',
    summary: '`mtls: permissive` or `disabled` with an AccessPolicy rule that names callers (`from`): plaintext callers carry no identity, so an allow with `from` never admits them and a deny with `from` never stops them.',
    action: 'Use `mtls: strict`, or add a rule without `from` for plaintext callers.',
  },
  externalAddresses: {
    code: 'WEFT2030', severity: 'error',
    summary: 'An ExternalService with `resolution: static` and no `addresses`, or with `addresses` under `resolution: dns` (where the sidecar resolves the host itself).',
    action: 'Give static services their addresses; drop `addresses` for dns ones.',
  },
  externalTcpNeedsStatic: {
    code: 'WEFT2031', severity: 'error',
    summary: 'An ExternalService `tcp` port without `resolution: static`: a sidecar tells plain TCP destinations apart only by the address dialled, so it must know the addresses.',
    action: 'Use `resolution: static` with `addresses`, or `protocol: tls` (routed by SNI) if the service speaks TLS.',
  },
  externalTlsOnTlsPort: {
    code: 'WEFT2032', severity: 'error',
    summary: 'ExternalService `tls` origination with a `tls` port: that port already carries the caller\'s own TLS, which origination would wrap a second time.',
    action: 'Remove `tls`, or declare the port with the protocol the caller speaks (http, tcp).',
  },
  duplicateExternal: { code: 'WEFT2033', severity: 'error', summary: 'A second ExternalService with the same name and namespace; the message names both locations.', action: 'Merge them or rename one.' },
  externalAccessRule: {
    code: 'WEFT2034', severity: 'error',
    summary: 'An AccessPolicy for an ExternalService with `to.methods`, `to.paths`, `to.headers`, `from[].ipBlocks` or `action: audit`: such policies are enforced at the caller\'s sidecar per caller identity and port only.',
    action: 'Use `from` and `to.ports` only.',
  },
  externalShadowsService: {
    code: 'WEFT2035', severity: 'error',
    summary: 'An ExternalService with the name and namespace of a registry service (checked against the registry, like WEFT2006).',
    action: 'Rename the ExternalService.',
  },
  allowHeaderRegex: {
    code: 'WEFT2050', severity: 'error',
    summary: 'An allow rule with a header `regex`: Envoy matches a repeated header value by value, and RE2 cannot express "every value matches a regex", so a second value could ride along with a matching one.',
    action: 'Use exact or prefix in allow rules (every value must then match), or express it as a deny rule.',
  },
  rateNotExact: {
    code: 'WEFT2051', severity: 'error',
    summary: 'A `rateLimit` Envoy cannot refill exactly: it adds whole tokens every whole number of milliseconds, at least 50 ms apart, at most `burst` at a time (e.g. 0.3/s is 3 tokens every 10 s, so it needs burst 3). The message names the smallest burst that works.',
    action: 'Raise `burst` to the value named, or choose a rate with fewer decimals.',
  },
  jwtKeySource: {
    code: 'WEFT2052', severity: 'error',
    summary: 'A `jwt` provider with neither or both of `jwks` and `remoteJwks`.',
    action: 'Give the provider exactly one key source.',
  },
  jwtBadJwks: {
    code: 'WEFT2053', severity: 'error',
    summary: 'An inline `jwks` that is not a JWKS document (JSON `{"keys":[...]}`), or one of whose keys node:crypto cannot parse as a public key.',
    action: 'Paste the issuer\'s JWKS as published; the message names the key that failed.',
  },
  jwtRemoteJwks: {
    code: 'WEFT2054', severity: 'error',
    summary: 'A `remoteJwks` naming an ExternalService that is not declared, or a port of it that is not an http port.',
    action: 'Declare the ExternalService (with an http port; the sidecar may originate TLS) or correct the name or port.',
  },
  jwtClaimsWithoutJwt: {
    code: 'WEFT2056', severity: 'error',
    summary: 'An access rule on `claims` for a service none of whose AccessPolicies has a `jwt` block: no request to it carries verified claims (a deny on them would refuse nothing).',
    action: 'Add a `jwt` block for the service, or remove the claims condition.',
  },
  jwtTwice: {
    code: 'WEFT2055', severity: 'error',
    summary: 'Two AccessPolicies of one service both carry a `jwt` block.',
    action: 'Put every provider of the service in one `jwt` block.',
  },
  gatewayRef: {
    code: 'WEFT2060', severity: 'error',
    summary: 'An HTTPRoute or GRPCRoute reference weft cannot follow: a Service `parentRef` without `group: ""`, with `sectionName`, or in another namespace (consumer routes); a `backendRef` without `port`, or with per-backend `filters`.',
    action: 'Refer to a Service in the route\'s namespace with `group: ""`, `kind: Service` and (for backends) a port; docs/gateway-api.md lists what is supported.',
  },
  gatewayRefNotPermitted: {
    code: 'WEFT2061', severity: 'error',
    summary: 'A route `backendRef` or mirror to a Service in another namespace that no ReferenceGrant in that namespace allows (Gateway API `RefNotPermitted`).',
    action: 'Add a ReferenceGrant in the Service\'s namespace from the route\'s kind and namespace to kind Service, or move the route.',
  },
  gatewayFilter: {
    code: 'WEFT2062', severity: 'error',
    summary: 'A route filter whose `type` and field disagree, a filter type given twice in one rule (one RequestMirror per rule in weft), RequestRedirect with URLRewrite, or `ReplacePrefixMatch` on a rule whose matches are not all `PathPrefix`.',
    action: 'Give each filter the one field its type names, and use each type once per rule.',
  },
  gatewayMatch: {
    code: 'WEFT2063', severity: 'error',
    summary: 'An HTTPRoute or GRPCRoute match value that cannot match: a path Envoy would never see (WEFT1021\'s rules), a regex RE2 refuses, or a gRPC service or method name that is not a protobuf identifier.',
    action: 'Write the value as the message says.',
  },
  gatewayTimeouts: { code: 'WEFT2064', severity: 'error', summary: 'An HTTPRoute rule whose `timeouts.backendRequest` is longer than `timeouts.request` (GEP-1742).', action: 'Make backendRequest at most request.' },
  gatewayConflict: {
    code: 'WEFT2065', severity: 'error',
    summary: 'Two sources route one service: an HTTPRoute or GRPCRoute and a TrafficPolicy with `routes`, or an HTTPRoute and a GRPCRoute; the message names both locations.',
    action: 'Route a service from one place; a TrafficPolicy without routes (subsets, load balancing, circuit breaking) combines with routes.',
  },
  gatewayIgnored: {
    code: 'WEFT2066', severity: 'warning',
    summary: 'Part of an HTTPRoute or GRPCRoute weft does not apply in the mesh: `hostnames` of a route with Service parents, a route without parentRefs, a repeated header or query match (the first one counts), backendRefs beside a RequestRedirect.',
    action: 'Remove the part, or see docs/gateway-api.md.',
  },
  duplicateMtls: {
    code: 'WEFT2070', severity: 'error',
    summary: 'Two MtlsPolicies at the same level: two for one namespace without `service`, or two for one service; the message names both locations.',
    action: 'Merge them into one MtlsPolicy (per-port modes go in its `ports`).',
  },
  mtlsShape: {
    code: 'WEFT2071', severity: 'error',
    summary: 'An MtlsPolicy that sets neither `mode` nor `ports`, has `ports` without `service` (ports are service ports), or names a service of another namespace.',
    action: 'Set `mode` or `ports`; add `service` for per-port modes; put the policy in the service\'s namespace.',
  },
  retryBudget: {
    code: 'WEFT2085', severity: 'error',
    summary: 'A `retries.budget` Envoy cannot apply as written: two routes of one TrafficPolicy with different budgets (Envoy keeps one budget per cluster, shared by every route to the service), a budget with `circuitBreaker.maxRetries` (the budget replaces that limit), a budget on a route whose backends are in another service (it would limit that service\'s clusters), or `percent: 0` with `minConcurrency: 0` (no retry could ever start).',
    action: 'Give every route of the service the same budget, drop maxRetries, set the budget in the destination\'s own TrafficPolicy, or allow some retries.',
  },
  perTryTimeouts: {
    code: 'WEFT2086', severity: 'warning',
    summary: 'A `retries.perTryTimeout` or `perTryIdleTimeout` whose cut try is not retried: `on` has none of 5xx, gateway-error and reset and the route does not hedge, so Envoy 1.40 answers the timeout (504; gRPC status 14 on a gRPC call) after the first try; or a `perTryIdleTimeout` not shorter than the route\'s `timeout` (the request times out first).',
    action: 'Add reset (or 5xx, gateway-error) to `on`, hedge on the per-try timeout, or make the idle timeout shorter than the route timeout.',
  },

  hedge: {
    code: 'WEFT2087', severity: 'error',
    summary: 'A `retries.hedge` with `onPerTryTimeout: true` on a route without `perTryTimeout` or with `attempts: 0`: Envoy hedges only when a try reaches its per-try timeout, and a hedged try is one of the retries.',
    action: 'Set `perTryTimeout` and at least one attempt, or remove the hedge.',
  },
  localityName: {
    code: 'WEFT2080', severity: 'error',
    summary: 'A `locality` name that is not `region`, `region/zone`, `region/*`, `*/zone` or `*`, or a failover or distribute rule whose `from` repeats an earlier rule\'s (it would never apply).',
    action: 'Write the locality as region/zone with `*` for any part; merge rules with the same from.',
  },
  localityPercent: {
    code: 'WEFT2081', severity: 'error',
    summary: 'A `locality.distribute` rule whose percentages do not add up to 100, or whose `to` names one locality twice (`eu` and `eu/*`).',
    action: 'Make the rule\'s percentages add up to 100, each locality once.',
  },
  localityBoth: {
    code: 'WEFT2082', severity: 'error',
    summary: 'A `locality` block with both `failover` and `distribute` (as in Istio they exclude each other: distribute already says where each caller\'s traffic goes), or with either beside `enabled: false`.',
    action: 'Keep one of them.',
  },
  localityWithoutOutlier: {
    code: 'WEFT2083', severity: 'warning',
    summary: 'Locality priorities are on for a service (a `locality` block of its TrafficPolicy or of the Mesh) but it has no `outlierDetection`: traffic then leaves a zone only when the registry marks its endpoints unhealthy, not when they fail requests.',
    action: 'Add outlierDetection to the service\'s TrafficPolicy (or set locality.enabled: false).',
  },
  localityRingHash: {
    code: 'WEFT2084', severity: 'error',
    summary: '`locality.distribute` on a ring-hash service: Envoy\'s locality-weighted balancing does not apply to ring hash, so the weights would be ignored.',
    action: 'Use another loadBalancer, or failover instead of distribute.',
  },
  extAuthzShape: {
    code: 'WEFT2090', severity: 'error',
    summary: 'A Mesh `extAuthz` provider with neither or both of `http` and `grpc`, or a provider name given twice.',
    action: 'Give each provider one of `http` and `grpc`, and a name of its own.',
  },
  customProvider: {
    code: 'WEFT2091', severity: 'error',
    summary: 'An AccessPolicy with `action: custom` and no `provider`, or one naming a provider the Mesh does not declare in `extAuthz`; `provider` on another action; a custom policy without rules (it would send nothing to the authorizer); custom on an ExternalService (no inbound sidecar to call the authorizer from).',
    action: 'Declare the provider in the Mesh document\'s `extAuthz` and name it; give the policy the rules whose requests the authorizer decides (`rules: [{}]` is every request).',
  },
  extAuthzService: {
    code: 'WEFT2092', severity: 'error',
    summary: 'An `extAuthz` provider whose service cannot carry its checks: an ExternalService without that port, a port whose protocol is not HTTP (http, http2, grpc; grpc and http2 only for a gRPC authorizer), or a registry service that a namespace using the provider may not reach (Mesh `reach`).',
    action: 'Point the provider at an HTTP port of its service, or let the namespaces of the services that use it reach the authorizer\'s namespace.',
  },
  customOnTcp: {
    code: 'WEFT2093', severity: 'error',
    summary: 'A custom (external authorization) rule on a TCP or TLS port: ext_authz checks HTTP requests, and a byte stream has none.',
    action: 'Restrict the rule to the service\'s HTTP ports with `to.ports`, or use allow/deny rules for the TCP port.',
  },
  customTwoProviders: {
    code: 'WEFT2094', severity: 'error',
    summary: 'Custom AccessPolicies of one service naming two different providers: a request goes to one authorizer, so one service has one.',
    action: 'Use one provider per service; put every custom rule of the service in policies naming it.',
  },
  ingressShape: {
    code: 'WEFT2095', severity: 'error',
    summary: 'A Gateway listener weft cannot serve: HTTPS without `tls.certificateRefs`, `tls` on an HTTP listener, TLS mode Passthrough, `allowedRoutes` namespaces `Selector`, two listeners with one name, HTTP and HTTPS on one port, or two listeners of one port with the same hostname.',
    action: 'Give each HTTPS listener its certificates and each listener a name, port and hostname of its own; docs/gateway-api.md "Ingress" lists what is supported.',
  },
  ingressCertificate: {
    code: 'WEFT2096', severity: 'error',
    summary: 'A Gateway listener `certificateRef` weft cannot follow: a group and kind other than `""`/`Secret` and `weft.dev`/`CertificateFile`, or one in another namespace that no ReferenceGrant there allows.',
    action: 'Refer to a Secret (type kubernetes.io/tls) or a CertificateFile in the Gateway\'s namespace, or add a ReferenceGrant from kind Gateway in that namespace.',
  },
  ingressParent: {
    code: 'WEFT2097', severity: 'warning',
    summary: 'An HTTPRoute or GRPCRoute Gateway parentRef that attaches to nothing: no Gateway of class weft by that name, no listener of that `sectionName` or `port`, a listener whose `allowedRoutes` refuses the route\'s namespace or kind, or no hostname shared with the listener.',
    action: 'Name an existing Gateway (and listener) that allows the route, with a hostname the listener takes.',
  },
  ingressClass: {
    code: 'WEFT2098', severity: 'warning',
    summary: 'A Gateway whose `gatewayClassName` is not `weft`: it belongs to another controller and weft ignores it.',
    action: 'Set gatewayClassName: weft for weft\'s ingress gateway, or leave the Gateway to its controller.',
  },
  ingressDuplicate: {
    code: 'WEFT2099', severity: 'error',
    summary: 'Two Gateways with one namespace and name; the message names both locations.',
    action: 'Rename or merge one of them.',
  },
  routeRateLimit: {
    code: 'WEFT2088', severity: 'error',
    summary: 'A TrafficPolicy route `rateLimit` that the service\'s inbound never sees: on a redirect route (the caller\'s sidecar answers it) or on a route whose backends are in another service (its requests go to that service\'s workloads).',
    action: 'Limit a route that sends to its own service only, or set the limit in the destination\'s TrafficPolicy.',
  },
  callerRateLimit: {
    code: 'WEFT2089', severity: 'error',
    summary: 'An AccessPolicy `rateLimit` whose buckets are ambiguous, empty or not run: neither `requestsPerSecond` nor `callers`, a `burst` without `requestsPerSecond`, two `callers` entries one caller can match (the same identity, or an identity or service account inside a namespace entry; Envoy 1.40 takes a token from every bucket a request matches), a second AccessPolicy of the service with a `rateLimit` (the message names the first), or a `rateLimit` for an ExternalService (no inbound runs it).',
    action: 'Give each caller one entry (split a namespace entry from its identities by listing the identities), a rate to every bucket, and each service one rateLimit.',
  },
} as const satisfies CodeTable;

export type PolicyCode = (typeof PolicyCodes)[keyof typeof PolicyCodes]['code'];
