/**
 * One Gateway document -> its `IngressGateway` without routes (attached across documents by
 * ingress-attach.ts), with the listener rules the schema cannot express: HTTPS needs certificates,
 * one protocol per port, one listener per (port, hostname). Resolved alone per document (cached
 * across loads). docs/gateway-api.md "Ingress" is the reference for what is supported.
 */
import { PolicyCodes } from './codes.js';
import type { GatewayDoc } from './schema.js';
import type { GatewayCertificateRef, GatewayListener, GatewayRouteKind, IngressGateway } from './types-ingress.js';
import { DEFAULT_NAMESPACE, type DocReporter, at } from './resolve-util.js';
import { GATEWAY_SA_ANNOTATION, WEFT_GROUP } from './schema-ingress.js';

/** A certificate in another namespace: needs a ReferenceGrant there from kind Gateway. */
export interface CertificateCrossRef { readonly ref: GatewayCertificateRef; readonly path: string }

export interface ResolvedGateway {
  readonly gateway: IngressGateway;
  /** false: another class's Gateway (WEFT2098), which weft ignores. */
  readonly ours: boolean;
  readonly crossRefs: readonly CertificateCrossRef[];
}

type ListenerDoc = GatewayDoc['spec']['listeners'][number];
type CertDoc = NonNullable<NonNullable<ListenerDoc['tls']>['certificateRefs']>[number];

const ALL_KINDS: readonly GatewayRouteKind[] = ['GRPCRoute', 'HTTPRoute'];

export function resolveIngressGateway(doc: GatewayDoc, r: DocReporter): ResolvedGateway {
  const namespace = doc.metadata.namespace ?? DEFAULT_NAMESPACE;
  const { name } = doc.metadata;
  const ours = doc.spec.gatewayClassName === 'weft';
  if (!ours) r.warn(PolicyCodes.ingressClass.code, 'spec.gatewayClassName', `gatewayClassName ${doc.spec.gatewayClassName} is not weft's; this Gateway is left to its own controller and ignored`);
  const crossRefs: CertificateCrossRef[] = [];
  const listeners = doc.spec.listeners.map((l, i) => listenerOf(l, `spec.listeners[${i}]`, namespace, crossRefs, r));
  checkListeners(listeners, r);
  const serviceAccount = doc.metadata.annotations?.[GATEWAY_SA_ANNOTATION] ?? name;
  const gateway: IngressGateway = { key: `${namespace}/${name}`, namespace, name, serviceAccount, listeners, source: at(r.pd, '') };
  return { gateway, ours, crossRefs };
}

function listenerOf(l: ListenerDoc, path: string, namespace: string, crossRefs: CertificateCrossRef[], r: DocReporter): GatewayListener {
  const certificates: GatewayCertificateRef[] = [];
  if (l.protocol === 'HTTPS') {
    if (l.tls?.mode === 'Passthrough') r.error(PolicyCodes.ingressShape.code, `${path}.tls.mode`, 'TLS Passthrough is not supported; the gateway terminates TLS (mode: Terminate)');
    if (!l.tls?.certificateRefs) r.error(PolicyCodes.ingressShape.code, l.tls ? `${path}.tls` : path, 'an HTTPS listener needs tls.certificateRefs: the certificates it serves');
    l.tls?.certificateRefs?.forEach((c, j) => {
      const ref = certificateOf(c, `${path}.tls.certificateRefs[${j}]`, namespace, r);
      if (!ref) return;
      certificates.push(ref);
      if (ref.namespace !== namespace) crossRefs.push({ ref, path: `${path}.tls.certificateRefs[${j}]` });
    });
  } else if (l.tls) {
    r.error(PolicyCodes.ingressShape.code, `${path}.tls`, 'tls is for HTTPS listeners; an HTTP listener takes plaintext');
  }
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'Selector') r.error(PolicyCodes.ingressShape.code, `${path}.allowedRoutes.namespaces.from`, 'namespace selectors are not supported (policy files carry no namespace labels); use Same or All');
  const kinds = l.allowedRoutes?.kinds?.map((k) => k.kind);
  return {
    name: l.name, port: l.port, protocol: l.protocol,
    ...(l.hostname !== undefined && { hostname: l.hostname }),
    certificates,
    allowedNamespaces: from === 'All' ? 'All' : 'Same',
    allowedKinds: kinds ? [...new Set(kinds)].sort() : ALL_KINDS,
    hosts: [],
    source: at(r.pd, path),
  };
}

function certificateOf(c: CertDoc, path: string, namespace: string, r: DocReporter): GatewayCertificateRef | undefined {
  const group = c.group ?? '';
  const kind = c.kind ?? 'Secret';
  const file = group === WEFT_GROUP && kind === 'CertificateFile';
  if (!file && !(group === '' && kind === 'Secret')) {
    r.error(PolicyCodes.ingressCertificate.code, path, `group "${group}" kind ${kind} is not a certificate weft reads; use group "" kind Secret (a kubernetes.io/tls Secret) or group ${WEFT_GROUP} kind CertificateFile`);
    return undefined;
  }
  return { kind: file ? 'CertificateFile' : 'Secret', namespace: c.namespace ?? namespace, name: c.name };
}

/** Names are unique; a port has one protocol and one listener per hostname (absent: any). */
function checkListeners(listeners: readonly GatewayListener[], r: DocReporter): void {
  listeners.forEach((l, i) => {
    const path = `spec.listeners[${i}]`;
    const j = listeners.findIndex((o) => o.name === l.name);
    if (j < i) return r.error(PolicyCodes.ingressShape.code, `${path}.name`, `a second listener named ${l.name}; the first is spec.listeners[${j}]`);
    const k = listeners.findIndex((o) => o.port === l.port);
    if (k >= i) return;
    const first = listeners[k]!;
    if (first.protocol !== l.protocol) return r.error(PolicyCodes.ingressShape.code, `${path}.protocol`, `port ${l.port} is ${first.protocol} on listener ${first.name}; one port takes one protocol`);
    const same = listeners.findIndex((o) => o.port === l.port && o.hostname === l.hostname);
    if (same < i) r.error(PolicyCodes.ingressShape.code, `${path}.hostname`, `listener ${listeners[same]!.name} already takes ${l.hostname ?? 'every host'} on port ${l.port}; give each listener of a port its own hostname`);
  });
}
