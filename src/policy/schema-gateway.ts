/**
 * Gateway API route kinds in the policy directory (docs/gateway-api.md): HTTPRoute and GRPCRoute
 * (`gateway.networking.k8s.io/v1`) and ReferenceGrant (`v1beta1`, `v1`), with the fields of the
 * standard channel weft implements for the mesh (GAMMA: a Service `parentRef`). The shape follows
 * the CRDs of sigs.k8s.io/gateway-api v1.6.3; what needs more than one field (a filter's type and
 * its field, a path's type and value) is checked by resolve-gateway.ts.
 */
import { list, map } from './schema-dsl.js';
import { obj, opt, req } from './schema-object.js';
import { duration, headerName, int, oneOf, rewritableHeaderName, str } from './schema-scalars.js';
import { HTTP_METHODS } from './schema-methods.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dnsLabel = (doc?: string) => str({ pattern: new RegExp(`^${LABEL}$`), format: 'a DNS label (lowercase letters, digits, "-")', doc });
const objectName = (doc?: string) => str({ pattern: new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`), format: 'a Kubernetes object name (DNS subdomain)', doc });
const hostName = (doc?: string) => str({ pattern: new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`), format: 'a lowercase DNS host name', doc });
/** A Gateway API `Hostname`: a DNS name, optionally with a leading `*.` label; no IP, no port. */
export const gatewayHostname = (doc?: string) => str({ pattern: new RegExp(`^(?=.{1,253}$)(\\*\\.)?${LABEL}(\\.${LABEL})*$`), format: 'a lowercase host name, optionally starting with "*." (no IP address, no port)', doc });
const port = (doc?: string) => int({ min: 1, max: 65535, doc });
const headerValue = str({ pattern: /^[^\0\r\n]*$/, format: 'a header value (no CR, LF or NUL)' });
const absPath = (doc?: string) => str({ pattern: /^\/\S*$/, format: 'an absolute path starting with "/"', doc });

const metadata = obj({
  name: req(objectName()),
  namespace: opt(dnsLabel('Default "default".')),
  labels: opt(map(str())),
  annotations: opt(map(str())),
}, 'Kubernetes object metadata (the fields weft reads; others are refused).');

const parentRef = obj({
  group: opt(oneOf(['', GATEWAY_GROUP], 'The mesh: "" (core), with kind Service. Default gateway.networking.k8s.io.')),
  kind: opt(oneOf(['Service', 'Gateway'], 'Service attaches the route to callers of that service (the mesh); default Gateway.')),
  namespace: opt(dnsLabel('Default: the route\'s namespace.')),
  name: req(dnsLabel('The Service (or Gateway) name.')),
  sectionName: opt(dnsLabel('Gateway only: the listener the route attaches to (default: every listener that allows it).')),
  port: opt(port('Service: only calls to this port; Gateway: only its listeners on this port. Default every port.')),
});

const backendRef = {
  group: opt(oneOf([''], 'Only "" (core Services).')),
  kind: opt(oneOf(['Service'], 'Only Service.')),
  name: req(dnsLabel('The Service.')),
  namespace: opt(dnsLabel('Default: the route\'s namespace; another needs a ReferenceGrant there.')),
  port: opt(port('The Service port; required.')),
};

const weightedBackend = obj({
  ...backendRef,
  weight: opt(int({ min: 0, max: 1_000_000, doc: 'Relative weight; default 1.' })),
  filters: opt(list(obj({ type: req(str()) }, 'Per-backend filters; not supported.'))),
});

const headerModifier = obj({
  set: opt(list(obj({ name: req(rewritableHeaderName()), value: req(headerValue) }), { doc: 'Replace (or add) these headers.' })),
  add: opt(list(obj({ name: req(rewritableHeaderName()), value: req(headerValue) }), { doc: 'Append these values.' })),
  remove: opt(list(rewritableHeaderName(), { doc: 'Remove these headers.' })),
});

const pathModifier = obj({
  type: req(oneOf(['ReplaceFullPath', 'ReplacePrefixMatch'])),
  replaceFullPath: opt(absPath()),
  replacePrefixMatch: opt(absPath()),
});

const mirror = obj({
  backendRef: req(obj(backendRef)),
  percent: opt(int({ min: 0, max: 100 })),
  fraction: opt(obj({ numerator: req(int({ min: 0 })), denominator: opt(int({ min: 1, doc: 'Default 100.' })) })),
});

const HTTP_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror'] as const;
export const GRPC_FILTERS = ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror'] as const;

const filter = obj({
  type: req(oneOf(HTTP_FILTERS, 'The filters weft implements; ExtensionRef and CORS are not supported.')),
  requestHeaderModifier: opt(headerModifier),
  responseHeaderModifier: opt(headerModifier),
  requestRedirect: opt(obj({
    scheme: opt(oneOf(['http', 'https'])),
    hostname: opt(hostName()),
    path: opt(pathModifier),
    port: opt(port()),
    statusCode: opt(oneOf([301, 302, 303, 307, 308], 'Default 302.')),
  })),
  urlRewrite: opt(obj({ hostname: opt(hostName()), path: opt(pathModifier) })),
  requestMirror: opt(mirror),
});

const headerMatch = obj({
  type: opt(oneOf(['Exact', 'RegularExpression'], 'Default Exact.')),
  name: req(headerName(false)),
  value: req(str()),
});

const httpMatch = obj({
  path: opt(obj({ type: opt(oneOf(['Exact', 'PathPrefix', 'RegularExpression'], 'Default PathPrefix.')), value: opt(absPath('Default "/".')) })),
  headers: opt(list(headerMatch)),
  queryParams: opt(list(obj({ type: opt(oneOf(['Exact', 'RegularExpression'])), name: req(str()), value: req(str()) }))),
  method: opt(oneOf(HTTP_METHODS)),
});

const httpRule = obj({
  name: opt(dnsLabel()),
  matches: opt(list(httpMatch)),
  filters: opt(list(filter)),
  backendRefs: opt(list(weightedBackend)),
  timeouts: opt(obj({
    request: opt(duration('Whole request timeout (GEP-1742); 0s: none.')),
    backendRequest: opt(duration('Timeout of one request to a backend; at most request.')),
  })),
});

const grpcRule = obj({
  name: opt(dnsLabel()),
  matches: opt(list(obj({
    method: opt(obj({ type: opt(oneOf(['Exact', 'RegularExpression'], 'Default Exact.')), service: opt(str()), method: opt(str()) })),
    headers: opt(list(headerMatch)),
  }))),
  filters: opt(list(obj({
    type: req(oneOf(GRPC_FILTERS, 'The filters weft implements; ExtensionRef is not supported.')),
    requestHeaderModifier: opt(headerModifier),
    responseHeaderModifier: opt(headerModifier),
    requestMirror: opt(mirror),
  }))),
  backendRefs: opt(list(weightedBackend)),
});

export const httpRouteSchema = obj({
  apiVersion: req(oneOf([`${GATEWAY_GROUP}/v1`])),
  kind: req(oneOf(['HTTPRoute'])),
  metadata: req(metadata),
  spec: req(obj({
    parentRefs: opt(list(parentRef, { minItems: 1 })),
    hostnames: opt(list(gatewayHostname('Ingress: the hosts the route takes on a Gateway listener (intersected with its hostname).'))),
    rules: opt(list(httpRule)),
  })),
}, 'Gateway API HTTPRoute; a Service parentRef routes the mesh\'s calls to that service.');

export const grpcRouteSchema = obj({
  apiVersion: req(oneOf([`${GATEWAY_GROUP}/v1`])),
  kind: req(oneOf(['GRPCRoute'])),
  metadata: req(metadata),
  spec: req(obj({
    parentRefs: opt(list(parentRef, { minItems: 1 })),
    hostnames: opt(list(gatewayHostname('Ingress: the hosts the route takes on a Gateway listener (intersected with its hostname).'))),
    rules: opt(list(grpcRule)),
  })),
}, 'Gateway API GRPCRoute; a Service parentRef routes the mesh\'s calls to that service.');

export const referenceGrantSchema = obj({
  apiVersion: req(oneOf([`${GATEWAY_GROUP}/v1beta1`, `${GATEWAY_GROUP}/v1`])),
  kind: req(oneOf(['ReferenceGrant'])),
  metadata: req(metadata),
  spec: req(obj({
    from: req(list(obj({ group: req(oneOf([GATEWAY_GROUP, ''])), kind: req(str()), namespace: req(dnsLabel()) }), { minItems: 1 })),
    to: req(list(obj({ group: req(oneOf(['', GATEWAY_GROUP, 'weft.dev'])), kind: req(str()), name: opt(dnsLabel()) }), { minItems: 1 })),
  })),
}, 'Gateway API ReferenceGrant: lets routes in the `from` namespaces refer to objects in its own namespace.');
