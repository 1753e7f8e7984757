/**
 * The checks and ordering across Gateway API documents: ReferenceGrants for references to other
 * namespaces, the routes of every HTTPRoute or GRPCRoute attached to one Service merged in the
 * Gateway API's precedence order, and conflicts with TrafficPolicy. The merged routes become the
 * service's TrafficPolicy routes, so translation reads one route model whatever wrote it.
 */
import { PolicyCodes } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import type { ParsedDocument } from './parse.js';
import type { ReferenceGrantDoc } from './schema.js';
import type { RoutePolicy, TrafficPolicy } from './types.js';
import { DEFAULT_NAMESPACE, DocReporter, at, formatRef } from './resolve-util.js';
import type { GatewayRoute, MeshParent, RankedRoute } from './resolve-gateway.js';
import { GATEWAY_GROUP } from './schema-gateway.js';
import { compareText } from '../common/index.js';

export interface Sourced<T> { readonly policy: T; readonly pd: ParsedDocument }

interface Entry extends Ordered { readonly parent: MeshParent }

/**
 * Adds the routes of `routes` to `traffic` (by service key, mutated): a service only HTTPRoutes
 * route gets a TrafficPolicy of its own (round-robin, no subsets); one whose TrafficPolicy has no
 * routes keeps its cluster settings and takes the routes.
 */
export function mergeGatewayRoutes(
  routes: readonly Sourced<GatewayRoute>[], grants: readonly Sourced<ReferenceGrantDoc>[],
  traffic: Map<string, Sourced<TrafficPolicy>>, diagnostics: Diagnostic[],
): void {
  for (const route of routes) checkGrants(route, grants, new DocReporter(route.pd, diagnostics));
  const byService = new Map<string, Entry[]>();
  for (const from of routes) {
    for (const parent of from.policy.parents) {
      const list = byService.get(parent.service) ?? [];
      list.push(...from.policy.routes.map((rr) => ({ ...rr, from, parent })));
      byService.set(parent.service, list);
    }
  }
  for (const [service, entries] of byService) {
    if (conflicts(service, entries, traffic.get(service), diagnostics)) continue;
    const tp = traffic.get(service);
    const first = entries[0]!;
    const merged = entries.sort(precedence).map((e): RoutePolicy => ({ ...e.route, ...(e.parent.port !== undefined && { port: e.parent.port }) }));
    const policy: TrafficPolicy = tp
      ? { ...tp.policy, routes: merged }
      : { service, routes: merged, subsets: new Map(), loadBalancer: 'round-robin', source: at(first.from.pd, first.parent.path) };
    traffic.set(service, { policy, pd: tp?.pd ?? first.from.pd });
  }
}

/** What precedence compares: a route's rank, its route's namespace/name and its document order. */
export interface Ordered extends RankedRoute { readonly from: Sourced<GatewayRoute> }

/** Gateway API precedence (resolve-gateway-match.ts), then namespace/name, then document order.
 * (Kubernetes orders equal matches by creation time first; files have none.) */
export function precedence(a: Ordered, b: Ordered): number {
  const byRank = compareNumbers(a.rank, b.rank);
  if (byRank !== 0) return byRank;
  const byName = compareText(`${a.from.policy.namespace}/${a.from.policy.name}`, `${b.from.policy.namespace}/${b.from.policy.name}`);
  return byName !== 0 ? byName : compareNumbers(a.order, b.order);
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** An HTTPRoute and a GRPCRoute, or a route and a TrafficPolicy with routes, for one service. */
function conflicts(service: string, entries: readonly Entry[], tp: Sourced<TrafficPolicy> | undefined, diagnostics: Diagnostic[]): boolean {
  const first = entries[0]!;
  const report = (e: Entry, message: string) => new DocReporter(e.from.pd, diagnostics).error(PolicyCodes.gatewayConflict.code, e.parent.path, message);
  const where = (e: Entry) => `${e.from.policy.kind} ${e.from.policy.namespace}/${e.from.policy.name} (${formatRef(at(e.from.pd, e.parent.path))})`;
  if (tp && tp.policy.routes.length > 0) {
    report(first, `${where(first)} and the TrafficPolicy at ${formatRef(at(tp.pd, 'routes'))} both route ${service}; keep the routes in one of them (a TrafficPolicy without routes may keep subsets and load balancing)`);
    return true;
  }
  const other = entries.find((e) => e.from.policy.kind !== first.from.policy.kind);
  if (other) report(other, `${where(other)} and ${where(first)} both route ${service}; a service port is either HTTP or gRPC, route it with one kind`);
  return other !== undefined;
}

/** A reference to a Service in another namespace needs a ReferenceGrant in that namespace. */
function checkGrants(route: Sourced<GatewayRoute>, grants: readonly Sourced<ReferenceGrantDoc>[], r: DocReporter): void {
  const { kind, namespace } = route.policy;
  for (const ref of route.policy.crossRefs) {
    const granted = grants.some(({ policy: g }) => (g.metadata.namespace ?? DEFAULT_NAMESPACE) === ref.namespace
      && g.spec.from.some((f) => f.group === GATEWAY_GROUP && f.kind === kind && f.namespace === namespace)
      && g.spec.to.some((t) => t.group === '' && t.kind === 'Service' && (t.name === undefined || t.name === ref.name)));
    if (!granted) {
      r.error(PolicyCodes.gatewayRefNotPermitted.code, ref.path, `Service ${ref.name} is in namespace ${ref.namespace}, and no ReferenceGrant there lets ${kind}s in ${namespace} refer to it (RefNotPermitted)`);
    }
  }
}
