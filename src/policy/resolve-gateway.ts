/**
 * One HTTPRoute or GRPCRoute document -> its mesh attachments and routes in the resolved route
 * model (`RoutePolicy`, what TrafficPolicy routes resolve to), each with the precedence key the
 * Gateway API orders routes by. Alone per document (cached across loads); grants, ordering across
 * routes and conflicts with TrafficPolicy need every document (gateway-merge.ts).
 * docs/gateway-api.md is the reference for what is supported.
 */
import { PolicyCodes } from './codes.js';
import type { RoutePolicy } from './types.js';
import type { GrpcRouteDoc, HttpRouteDoc } from './schema.js';
import { DEFAULT_NAMESPACE, type DocReporter, at } from './resolve-util.js';
import { grpcMatch, httpMatch, type Rank } from './resolve-gateway-match.js';
import { ruleAction, type RuleDoc } from './resolve-gateway-filters.js';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute';

/** A Service in another namespace a route refers to: needs a ReferenceGrant there. */
export interface CrossRef { readonly namespace: string; readonly name: string; readonly path: string }

/** A Service parentRef: the route applies to callers of `service` (on `port`, or every port). */
export interface MeshParent { readonly service: string; readonly port?: number; readonly path: string }

/** A Gateway parentRef (ingress): the route attaches to the listeners of Gateway `gateway`
 * (`<namespace>/<name>`), narrowed to the one named `sectionName` and to those on `port`. */
export interface IngressParent { readonly gateway: string; readonly sectionName?: string; readonly port?: number; readonly path: string }

export interface RankedRoute { readonly route: RoutePolicy; readonly rank: Rank; readonly order: readonly number[] }

export interface GatewayRoute {
  readonly kind: RouteKind;
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly MeshParent[];
  readonly ingress: readonly IngressParent[];
  /** `spec.hostnames` as written (ingress only: a Gateway listener intersects them with its own). */
  readonly hostnames: readonly string[];
  /** One per match of every rule (a rule without matches is one catch-all), in document order. */
  readonly routes: readonly RankedRoute[];
  readonly crossRefs: readonly CrossRef[];
}

export function resolveGatewayRoute(kind: 'HTTPRoute', doc: HttpRouteDoc, r: DocReporter): GatewayRoute;
export function resolveGatewayRoute(kind: 'GRPCRoute', doc: GrpcRouteDoc, r: DocReporter): GatewayRoute;
export function resolveGatewayRoute(kind: RouteKind, doc: HttpRouteDoc | GrpcRouteDoc, r: DocReporter): GatewayRoute {
  const namespace = doc.metadata.namespace ?? DEFAULT_NAMESPACE;
  const { parents, ingress } = parentsOf(doc, namespace, r);
  if (doc.spec.hostnames?.length && parents.length > 0) r.warn(PolicyCodes.gatewayIgnored.code, 'spec.hostnames', 'hostnames do not apply to a Service parent (callers name the service itself); ignored');
  const crossRefs: CrossRef[] = [];
  const routes: RankedRoute[] = [];
  (doc.spec.rules ?? [{}]).forEach((rule: RuleDoc, i: number) => {
    const path = `spec.rules[${i}]`;
    const action = ruleAction(kind, rule, path, namespace, crossRefs, r);
    const matches: readonly unknown[] = rule.matches?.length ? rule.matches : [undefined];
    matches.forEach((m, j) => {
      const mpath = rule.matches?.length ? `${path}.matches[${j}]` : path;
      const matched = kind === 'HTTPRoute' ? httpMatch(m as never, mpath, r) : grpcMatch(m as never, mpath, r);
      action.checkMatch?.(matched.match, mpath);
      const route: RoutePolicy = { ...(matched.match && { match: matched.match }), ...action.route, source: at(r.pd, mpath) };
      routes.push({ route, rank: matched.rank, order: [i, j] });
    });
  });
  return { kind, namespace, name: doc.metadata.name, parents, ingress, hostnames: doc.spec.hostnames ?? [], routes, crossRefs };
}

type ParentDoc = NonNullable<HttpRouteDoc['spec']['parentRefs']>[number];

function parentsOf(doc: HttpRouteDoc | GrpcRouteDoc, namespace: string, r: DocReporter): { parents: MeshParent[]; ingress: IngressParent[] } {
  const refs = doc.spec.parentRefs ?? [];
  if (refs.length === 0) r.warn(PolicyCodes.gatewayIgnored.code, 'spec', 'the route has no parentRefs, so it applies to nothing; add a parentRef to a Service (group: "", kind: Service) or a Gateway');
  const out: MeshParent[] = [];
  const ingress: IngressParent[] = [];
  refs.forEach((p: ParentDoc, i: number) => {
    const path = `spec.parentRefs[${i}]`;
    if ((p.kind ?? 'Gateway') === 'Gateway') {
      if (p.group === '') r.error(PolicyCodes.gatewayRef.code, `${path}.group`, 'a Gateway parentRef has group gateway.networking.k8s.io (the default); the core group "" has no Gateway kind');
      else ingress.push({ gateway: `${p.namespace ?? namespace}/${p.name}`, ...(p.sectionName !== undefined && { sectionName: p.sectionName }), ...(p.port !== undefined && { port: p.port }), path });
    } else if (p.group !== '') {
      r.error(PolicyCodes.gatewayRef.code, path, 'a Service parentRef needs group: "" (the core group); without it the group is gateway.networking.k8s.io, which has no Service kind');
    } else if (p.sectionName !== undefined) {
      r.error(PolicyCodes.gatewayRef.code, `${path}.sectionName`, 'sectionName is not supported on a Service parent; name the port with port');
    } else if ((p.namespace ?? namespace) !== namespace) {
      r.error(PolicyCodes.gatewayRef.code, `${path}.namespace`, `a Service in another namespace (${p.namespace}) is a consumer route, which weft does not support; put the route in namespace ${p.namespace}`);
    } else {
      out.push({ service: `${p.name}.${namespace}`, ...(p.port !== undefined && { port: p.port }), path });
    }
  });
  return { parents: out, ingress };
}
