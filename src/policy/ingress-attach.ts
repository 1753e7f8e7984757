/**
 * The checks across documents for the ingress gateway: one Gateway per namespace/name,
 * ReferenceGrants for certificates in other namespaces, and the routes with a Gateway parentRef
 * attached to its listeners. A route attaches to a listener its parentRef selects (`sectionName`,
 * `port`) that allows the route's namespace and kind, under the hostnames the two share (Gateway
 * API hostname intersection); each (listener, hostname) gets the routes of every attached route
 * in precedence order. A parentRef that attaches nowhere is WEFT2097 (a warning, as the Gateway
 * API reports it in status and still accepts the route elsewhere).
 */
import { PolicyCodes } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import type { ReferenceGrantDoc } from './schema.js';
import type { GatewayHost, GatewayListener, IngressGateway } from './types-ingress.js';
import { DEFAULT_NAMESPACE, DocReporter, at, formatRef } from './resolve-util.js';
import type { GatewayRoute, IngressParent } from './resolve-gateway.js';
import type { ResolvedGateway } from './resolve-ingress.js';
import { precedence, type Ordered, type Sourced } from './gateway-merge.js';
import { GATEWAY_GROUP } from './schema-gateway.js';
import { WEFT_GROUP } from './schema-ingress.js';
import { compareText } from '../common/index.js';

export function attachIngress(
  gateways: readonly Sourced<ResolvedGateway>[], routes: readonly Sourced<GatewayRoute>[],
  grants: readonly Sourced<ReferenceGrantDoc>[], diagnostics: Diagnostic[],
): Map<string, IngressGateway> {
  const byKey = new Map<string, Sourced<ResolvedGateway>>();
  for (const g of gateways) {
    const r = new DocReporter(g.pd, diagnostics);
    const first = byKey.get(g.policy.gateway.key);
    if (first) r.error(PolicyCodes.ingressDuplicate.code, 'metadata.name', `a second Gateway ${g.policy.gateway.key}; the first is at ${formatRef(at(first.pd, 'metadata.name'))}`);
    else if (g.policy.ours) byKey.set(g.policy.gateway.key, g);
    checkCertificateGrants(g.policy, grants, r);
  }
  // (gateway key, listener index) -> hostname -> attached routes.
  const attached = new Map<string, Map<string, Ordered[]>>();
  for (const from of routes) {
    const r = new DocReporter(from.pd, diagnostics);
    for (const parent of from.policy.ingress) attach(from, parent, byKey.get(parent.gateway)?.policy.gateway, attached, r);
  }
  const out = new Map<string, IngressGateway>();
  for (const key of [...byKey.keys()].sort(compareText)) {
    const gw = byKey.get(key)!.policy.gateway;
    const listeners = gw.listeners.map((l, i): GatewayListener => ({ ...l, hosts: hostsOf(attached.get(`${key}#${i}`)) }));
    out.set(key, { ...gw, listeners });
  }
  return out;
}

function attach(from: Sourced<GatewayRoute>, parent: IngressParent, gw: IngressGateway | undefined, attached: Map<string, Map<string, Ordered[]>>, r: DocReporter): void {
  const route = from.policy;
  if (!gw) return r.warn(PolicyCodes.ingressParent.code, parent.path, `no Gateway ${parent.gateway} of class weft; the route does not attach to it`);
  const selected = gw.listeners.map((l, i) => [l, i] as const)
    .filter(([l]) => (parent.sectionName === undefined || l.name === parent.sectionName) && (parent.port === undefined || l.port === parent.port));
  if (selected.length === 0) {
    const what = [parent.sectionName !== undefined && `named ${parent.sectionName}`, parent.port !== undefined && `on port ${parent.port}`].filter(Boolean).join(' ');
    return r.warn(PolicyCodes.ingressParent.code, parent.path, `Gateway ${gw.key} has no listener ${what}; listeners: ${gw.listeners.map((l) => `${l.name} (${l.port})`).join(', ')}`);
  }
  const refusals: string[] = [];
  for (const [l, i] of selected) {
    if (l.allowedNamespaces === 'Same' && route.namespace !== gw.namespace) { refusals.push(`listener ${l.name} allows routes from namespace ${gw.namespace} only (allowedRoutes.namespaces.from: Same)`); continue; }
    if (!l.allowedKinds.includes(route.kind)) { refusals.push(`listener ${l.name} allows ${l.allowedKinds.join(', ')} only`); continue; }
    const hosts = intersect(l.hostname, route.hostnames);
    if (hosts.length === 0) { refusals.push(`listener ${l.name} takes ${l.hostname}, which none of the route's hostnames (${route.hostnames.join(', ')}) matches`); continue; }
    const byHost = attached.get(`${gw.key}#${i}`) ?? new Map<string, Ordered[]>();
    attached.set(`${gw.key}#${i}`, byHost);
    for (const h of hosts) byHost.set(h, [...(byHost.get(h) ?? []), ...route.routes.map((rr) => ({ ...rr, from }))]);
  }
  if (refusals.length === selected.length) r.warn(PolicyCodes.ingressParent.code, parent.path, `the route attaches to no listener of Gateway ${gw.key}: ${refusals.join('; ')}`);
}

/**
 * Gateway API hostname intersection: `*` when neither names one; a wildcard `*.example.com`
 * takes any name ending in `.example.com`, and the more specific of two matching names wins.
 */
export function intersect(listener: string | undefined, route: readonly string[]): string[] {
  if (route.length === 0) return [listener ?? '*'];
  if (listener === undefined) return [...new Set(route)].sort(compareText);
  const out = new Set<string>();
  for (const h of route) {
    if (h === listener || covers(listener, h)) out.add(h);
    else if (covers(h, listener)) out.add(listener);
  }
  return [...out].sort(compareText);
}

/** Whether wildcard `pattern` (`*.example.com`) takes `name` (one or more labels before the suffix). */
function covers(pattern: string, name: string): boolean {
  return pattern.startsWith('*.') && name !== pattern && name.endsWith(pattern.slice(1));
}

/** One host per effective hostname, sorted; GRPCRoute routes before HTTPRoute ones (a gRPC
 * method path is more specific than an HTTP prefix), each kind in Gateway API precedence. */
function hostsOf(byHost: ReadonlyMap<string, Ordered[]> | undefined): GatewayHost[] {
  if (!byHost) return [];
  const kindOrder = (o: Ordered) => (o.from.policy.kind === 'GRPCRoute' ? 0 : 1);
  return [...byHost.keys()].sort(compareText).map((hostname) => {
    const sorted = [...byHost.get(hostname)!].sort((a, b) => kindOrder(a) - kindOrder(b) || precedence(a, b));
    return { hostname, routes: sorted.map((o) => o.route), grpcRoutes: sorted.filter((o) => kindOrder(o) === 0).length };
  });
}

/** A certificate in another namespace needs a ReferenceGrant there from this Gateway's namespace. */
function checkCertificateGrants(g: ResolvedGateway, grants: readonly Sourced<ReferenceGrantDoc>[], r: DocReporter): void {
  for (const { ref, path } of g.crossRefs) {
    const group = ref.kind === 'Secret' ? '' : WEFT_GROUP;
    const granted = grants.some(({ policy: grant }) => (grant.metadata.namespace ?? DEFAULT_NAMESPACE) === ref.namespace
      && grant.spec.from.some((f) => f.group === GATEWAY_GROUP && f.kind === 'Gateway' && f.namespace === g.gateway.namespace)
      && grant.spec.to.some((t) => t.group === group && t.kind === ref.kind && (t.name === undefined || t.name === ref.name)));
    if (!granted) r.error(PolicyCodes.ingressCertificate.code, path, `${ref.kind} ${ref.name} is in namespace ${ref.namespace}, and no ReferenceGrant there lets Gateways in ${g.gateway.namespace} refer to it (RefNotPermitted)`);
  }
}
