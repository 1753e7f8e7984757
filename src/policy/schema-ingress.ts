/**
 * The Gateway API `Gateway` kind (`gateway.networking.k8s.io/v1`) for weft's ingress gateway
 * (docs/gateway-api.md "Ingress"): listeners with a port, protocol HTTP or HTTPS, an optional
 * hostname, TLS termination with certificate references, and which routes may attach. The shape
 * follows the standard-channel CRD of sigs.k8s.io/gateway-api v1.6.3 for the fields weft reads;
 * rules that need more than one field (HTTPS needs tls, a port has one protocol) are checked by
 * resolve-ingress.ts.
 */
import { list, map } from './schema-dsl.js';
import { obj, opt, req } from './schema-object.js';
import { int, oneOf, str } from './schema-scalars.js';
import { GATEWAY_GROUP, gatewayHostname } from './schema-gateway.js';

/** The group of weft's own certificate reference kind, `CertificateFile`. */
export const WEFT_GROUP = 'weft.dev';
/** `metadata.annotations` key naming the service account of a Gateway's proxies (default: its name). */
export const GATEWAY_SA_ANNOTATION = 'weft.dev/service-account';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dnsLabel = (doc?: string) => str({ pattern: new RegExp(`^${LABEL}$`), format: 'a DNS label (lowercase letters, digits, "-")', doc });
const objectName = (doc?: string) => str({ pattern: new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`), format: 'a Kubernetes object name (DNS subdomain)', doc });

const certificateRef = obj({
  group: opt(oneOf(['', WEFT_GROUP], '"" (default): a Kubernetes Secret of type kubernetes.io/tls (weft serve --kubernetes); weft.dev: a CertificateFile (weft serve --gateway-certs DIR).')),
  kind: opt(oneOf(['Secret', 'CertificateFile'], 'Secret (default) with group ""; CertificateFile with group weft.dev: DIR/<namespace>/<name>/tls.crt and tls.key.')),
  name: req(objectName('The Secret or CertificateFile name.')),
  namespace: opt(dnsLabel('Default: the Gateway\'s namespace; another needs a ReferenceGrant there.')),
});

const listener = obj({
  name: req(dnsLabel('Unique in the Gateway; a route\'s parentRef sectionName picks it.')),
  port: req(int({ min: 1, max: 65535, doc: 'The port the gateway proxy listens on.' })),
  protocol: req(oneOf(['HTTP', 'HTTPS'], 'HTTPS terminates TLS with the listener\'s certificates (SNI picks the listener by hostname).')),
  hostname: opt(gatewayHostname('The host (SNI and Host) this listener takes; absent: any host.')),
  tls: opt(obj({
    mode: opt(oneOf(['Terminate', 'Passthrough'], 'Default Terminate; Passthrough is not supported.')),
    certificateRefs: opt(list(certificateRef, { minItems: 1, doc: 'The certificates served (one per key type).' })),
    options: opt(map(str())),
  })),
  allowedRoutes: opt(obj({
    namespaces: opt(obj({
      from: opt(oneOf(['Same', 'All', 'Selector'], 'Default Same: routes in the Gateway\'s namespace; All: any namespace. Selector is not supported.')),
      selector: opt(map(str())),
    })),
    kinds: opt(list(obj({ group: opt(oneOf([GATEWAY_GROUP])), kind: req(oneOf(['HTTPRoute', 'GRPCRoute'])) }))),
  })),
});

export const gatewaySchema = obj({
  apiVersion: req(oneOf([`${GATEWAY_GROUP}/v1`])),
  kind: req(oneOf(['Gateway'])),
  metadata: req(obj({
    name: req(dnsLabel()),
    namespace: opt(dnsLabel('Default "default".')),
    labels: opt(map(str())),
    annotations: opt(map(str(), { doc: `${GATEWAY_SA_ANNOTATION}: the service account of the gateway's proxies (default: the Gateway's name).` })),
  })),
  spec: req(obj({
    gatewayClassName: req(objectName('weft: this Gateway is weft\'s; another class is ignored (WEFT2098).')),
    listeners: req(list(listener, { minItems: 1 })),
  })),
}, 'Gateway API Gateway: the listeners of weft\'s ingress gateway proxies (weft bootstrap --kind gateway).');
