/**
 * The code table of the translate module (`WEFT40xx`: a generated resource withheld; `WEFT41xx`:
 * policy or registry input translated with a fallback). src/common/diagnostics.ts describes the
 * model; docs/diagnostics.md is generated from this table.
 */
import type { CodeTable } from '../common/index.js';

export const TranslateCodes = {
  protoCheck: {
    code: 'WEFT4001', severity: 'error',
    summary: 'A generated message failed the proto check; the resource is not sent (a weft bug, or input the schema check missed).',
    action: 'Report it with the message; the rest of the configuration is still served.',
  },
  danglingReference: {
    code: 'WEFT4002', severity: 'error',
    summary: 'A dangling reference (missing endpoints, cluster or route configuration); the referrer is not sent.',
    action: 'Follows from another diagnostic about the referenced resource; fix that one.',
  },
  duplicateName: { code: 'WEFT4003', severity: 'error', summary: 'A duplicate resource name; the second copy is not sent.', action: 'Rename one of the services or ports that produce the same name.' },
  portCollision: {
    code: 'WEFT4101', severity: 'warning',
    summary: 'A port collision (outbound: a TCP port shared with anything; inbound: two services on one workload port); the first service by key keeps the port.',
    action: 'Give the colliding services distinct ports.',
  },
  unknownBackend: { code: 'WEFT4102', severity: 'warning', summary: 'A route backend names a service or port the registry does not have; that backend drops out.', action: 'Add the service or port to the registry, or correct the route.' },
  backendsDropped: {
    code: 'WEFT4103', severity: 'warning',
    summary: 'Backends of a route dropped out (an unknown subset, service or port): the rest share the traffic (the new shares are named), or with no backend left the route answers 503 (Envoy) or is left out (gRPC).',
    action: 'Define the missing subset, service or port, or remove the backend.',
  },
  unsupportedByKind: {
    code: 'WEFT4104', severity: 'warning',
    summary: 'A feature the proxy kind cannot carry (e.g. a gRPC client and redirects, idle timeouts, rate limits, permissive mTLS); a fallback is applied and named.',
    action: 'Accept the fallback, or serve the workload through an Envoy sidecar.',
  },
  unknownServedService: { code: 'WEFT4105', severity: 'warning', summary: 'The proxy claims to serve a service the registry does not have.', action: 'Add the service to the registry, or correct the proxy\'s metadata.' },
  methodsOnTcp: { code: 'WEFT4106', severity: 'warning', summary: 'AccessPolicy methods or paths on a TCP port: a deny is widened to the whole port, an allow is left out (both fail closed).', action: 'Match on methods and paths only for HTTP ports.' },
  noServerTemplate: {
    code: 'WEFT4107', severity: 'warning',
    summary: 'A gRPC proxy serves services but its bootstrap has no `server_listener_resource_name_template`, so it cannot receive server listeners.',
    action: 'Generate the gRPC bootstrap with `weft bootstrap`, which sets the template.',
  },
  noLocalEndpoint: {
    code: 'WEFT4109', severity: 'warning',
    summary: 'Explicit interception: no registry endpoint of a served service at the proxy\'s instance IPs; that inbound port is not configured.',
    action: 'Register the workload\'s endpoint with the proxy\'s IP.',
  },
  listenerIsAppSocket: {
    code: 'WEFT4110', severity: 'warning',
    summary: 'Explicit interception: the inbound listener would be the application\'s own socket (the forwarding target); that port is not configured.',
    action: 'Give the endpoint a port other than the target port, or forward to loopback.',
  },
  denyPathTooLong: {
    code: 'WEFT4112', severity: 'warning',
    summary: 'A deny path too long for one RE2 matcher of all its spellings; a wider regex-free set is denied instead.',
    action: 'Shorten the path, or accept the wider deny.',
  },
  socketCollision: {
    code: 'WEFT4113', severity: 'warning',
    summary: 'A socket the sidecar cannot have (an outbound port on a fixed sidecar socket; an inbound listener or forwarding target on a fixed socket or an own outbound listener); that listener or chain is not configured.',
    action: 'Move the service off the sidecar\'s ports (15000, 15001, 15006, 15090) or change the outbound address.',
  },
  denyHeaderTooLong: {
    code: 'WEFT4140', severity: 'warning',
    summary: 'A deny or audit header value too long for one RE2 matcher of every list element; every value that contains it (in any case) is covered instead.',
    action: 'Shorten the value, or accept the wider match.',
  },
  allowHeaderTooLong: {
    code: 'WEFT4141', severity: 'warning',
    summary: 'An allow header value too long to check every value of a repeated header against within Envoy\'s regex limit; the allow rule is left out (it admits nobody).',
    action: 'Shorten the value (about 70 characters at most), or match it with prefix.',
  },
  outboundNotLoopback: { code: 'WEFT4114', severity: 'warning', summary: '`outbound_address` is not a loopback address; the default 127.0.0.6 is used.', action: 'Set a 127.0.0.0/8 or ::1 address in the proxy\'s metadata.' },
  httpOnlyOnTcp: {
    code: 'WEFT4130', severity: 'warning',
    summary: 'A TrafficPolicy route on a TCP or TLS port that needs HTTP: a route with `match` (a byte stream has no requests), or retries, faults, mirrors, timeouts or header rewrites on the catch-all route; only the catch-all route\'s backends apply.',
    action: 'Keep one route without match whose backends split the connections.',
  },
  jwtUnenforceable: {
    code: 'WEFT4150', severity: 'warning',
    summary: 'A `jwt` block that cannot be enforced on a chain: on a TCP port it does not apply (no requests); on a proxyless gRPC server (no jwt_authn filter in gRPC) or with a remote JWKS whose ExternalService port is missing, every request is refused (fail closed).',
    action: 'Serve the service through an Envoy sidecar on an HTTP port, or remove the jwt block.',
  },
  extAuthzUnenforceable: {
    code: 'WEFT4170', severity: 'warning',
    summary: 'Custom (external authorization) rules that cannot be sent to their authorizer on a chain: a TCP port (no requests), a proxyless gRPC server (no ext_authz filter in gRPC), or a provider whose service the proxy has no cluster for. The requests (or connections) the rules match are refused: fail closed, whatever failOpen says (it is about a failing authorizer, not a missing one).',
    action: 'Serve the service through an Envoy sidecar on an HTTP port, restrict the custom rules to HTTP ports, or make the authorizer reachable.',
  },
  gatewayNotServed: {
    code: 'WEFT4175', severity: 'error',
    summary: 'A gateway proxy (`weft bootstrap --kind gateway --gateway NS/NAME`) that is not that Gateway: no Gateway of class weft by that name, or the proxy\'s verified identity is not the Gateway\'s service account; it gets no listeners and no certificates.',
    action: 'Run the gateway proxy with the Gateway\'s identity (namespace NS, service account its name or its weft.dev/service-account annotation), or fix the name.',
  },
  gatewayGrpc: {
    code: 'WEFT4176', severity: 'error',
    summary: 'A proxyless gRPC client that says it is a gateway: an ingress gateway terminates TLS and listens on ports, which only Envoy does; it gets nothing.',
    action: 'Run the gateway as Envoy (`weft bootstrap --kind gateway`).',
  },
  gatewayNoRoutes: {
    code: 'WEFT4177', severity: 'warning',
    summary: 'A Gateway listener no route attaches to: it is not configured (Envoy needs a route for a listener to serve), so its port refuses connections.',
    action: 'Attach an HTTPRoute or GRPCRoute to the listener (parentRef to the Gateway, sectionName the listener), or remove it.',
  },
} as const satisfies CodeTable;

export type TranslateCode = (typeof TranslateCodes)[keyof typeof TranslateCodes]['code'];
