/**
 * IR → Envoy resources, in two parts that are cached separately:
 * - the scope part (outbound clusters, endpoints, route configurations, outbound listeners) is
 *   built, checked and consistency-checked once per ScopePart and variant, and shared by every
 *   proxy of that scope;
 * - the proxy part (inbound listener, local clusters, mesh-wide statics, gRPC server listeners).
 * Each Envoy message is derived from its IR object through `TranslationCache.derive`, so an
 * unchanged IR object keeps its message object across scope rebuilds and model versions.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { Diagnostic, SourceRef } from '../model/index.js';
import type { ScopePart } from './build-ir.js';
import type { TranslationCache } from './cache.js';
import type { IrCluster, IrEndpoints, IrInbound, IrInlineCluster, IrLocalCluster, IrObservability, IrOutboundListener, IrRoute, IrRouteConfig, ProxyIr } from './ir.js';
import { adminCluster, edsCluster, inlineCluster, loadAssignment, localCluster, passthroughCluster, tracingCluster } from './envoy/clusters.js';
import { apiListener, serverListeners } from './envoy/grpc.js';
import { gatewayListener } from './envoy/gateway.js';
import { inboundListeners, inboundRouteConfigs, outboundListener, statsListener, virtualOutboundListener } from './envoy/listeners.js';
import { routeConfiguration, virtualHost } from './envoy/routes.js';
import { checkPart } from './part-check.js';
import { validateIr } from './ir-validate.js';

/** One xDS resource: its name, the keepCase message, and the policy object that produced it. */
export interface TranslatedResource {
  readonly name: string;
  readonly message: object;
  readonly source?: SourceRef;
}

export type ResourceLists = Map<ResourceTypeUrl, TranslatedResource[]>;

/** Checked resources of one part, sorted by name, with the diagnostics of what was left out. */
export interface PartResources { readonly lists: ReadonlyMap<ResourceTypeUrl, readonly TranslatedResource[]>; readonly diagnostics: readonly Diagnostic[] }

const TYPES: readonly ResourceTypeUrl[] = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration];

function emptyLists(): ResourceLists {
  return new Map(TYPES.map((t) => [t, []]));
}

/** What the scope part's Envoy messages depend on besides the scope itself. */
interface ScopeParams { readonly kind: 'envoy' | 'grpc'; readonly secretName?: string; readonly observability?: IrObservability }

/** `secretName`: the SDS name of the proxy's own certificate in upstream TLS (Envoy only). */
export function scopeResources(scope: ScopePart, ir: ProxyIr, secretName: string, cache: TranslationCache): PartResources {
  const params: ScopeParams = ir.proxy.kind === 'grpc' ? { kind: 'grpc' } : { kind: 'envoy', secretName, observability: ir.observability };
  return cache.derive(scope, params, scopeResourcesOf);
}

function scopeResourcesOf(scope: ScopePart, p: ScopeParams, cache: TranslationCache): PartResources {
  const out = emptyLists();
  const tls = { kind: p.kind, secretName: p.secretName ?? '' };
  for (const c of scope.clusters) out.get(TypeUrl.Cluster)!.push(cache.derive(c, tls, clusterRes));
  for (const c of scope.inlineClusters) out.get(TypeUrl.Cluster)!.push(cache.derive(c, undefined, inlineClusterRes));
  for (const e of scope.endpoints) out.get(TypeUrl.ClusterLoadAssignment)!.push(cache.derive(e, undefined, endpointsRes));
  for (const rc of scope.routeConfigs) out.get(TypeUrl.RouteConfiguration)!.push(cache.derive(rc, undefined, routeConfigRes));
  for (const l of scope.outbound) {
    out.get(TypeUrl.Listener)!.push(p.observability ? cache.derive(l, p.observability, outboundListenerRes) : cache.derive(l, undefined, apiListenerRes));
  }
  return checkPart(out, validateIr(scope), cache, scope);
}

const clusterRes = (c: IrCluster, p: { kind: 'envoy' | 'grpc'; secretName: string }) => res(c.name, edsCluster(c, p.kind, p.secretName), c.source);
const endpointsRes = (e: IrEndpoints) => res(e.name, loadAssignment(e));
const inlineClusterRes = (c: IrInlineCluster) => res(c.name, inlineCluster(c), c.source);
const routeConfigRes = (rc: IrRouteConfig, _p: undefined, cache: TranslationCache) =>
  res(rc.name, routeConfiguration(rc, (v) => cache.derive(v, undefined, virtualHost)), routeConfigSource(rc));

/**
 * The policy position a NACK of route configuration `rc` is reported at (`weft status`). A route
 * configuration gathers the routes of every service on its port, and Envoy's NACK names the
 * configuration, not the route, so one position is picked: the first route (in match order)
 * with a regex match, since Envoy compiles regexes with limits of its own (RE2 program size) and
 * they are the part of a route configuration it is likeliest to reject; else the first route
 * that comes from policy. Undefined when no route does (only default routes).
 */
export function routeConfigSource(rc: IrRouteConfig): SourceRef | undefined {
  const routes = rc.virtualHosts.flatMap((v) => v.routes).filter((r) => r.source);
  return (routes.find(hasRegex) ?? routes[0])?.source;
}

function hasRegex(r: IrRoute): boolean {
  const { path, headers, query } = r.match;
  return 'regex' in path || [...headers, ...query].some((m) => 'regex' in m.match);
}
const outboundListenerRes = (l: IrOutboundListener, obs: IrObservability) => res(l.name, outboundListener(l, obs));
const apiListenerRes = (l: IrOutboundListener) => res(l.name, apiListener(l));

/**
 * The proxy part, memoised per proxy under exactly what it reads of the IR, so a change that
 * leaves the proxy's inbound side alone (an endpoint elsewhere, say) reuses its checked lists.
 */
export function proxyResources(ir: ProxyIr, secretName: string, cache: TranslationCache): PartResources {
  const { kind, interception, serverListenerTemplate: template, outboundTraffic } = ir.proxy;
  const input: OwnInput = { kind, interception, template, outboundTraffic, inbound: ir.inbound, localClusters: ir.localClusters,
    observability: ir.observability, timeoutMs: ir.connectTimeoutMs, secretName };
  return cache.memo(`own|${ir.proxy.id}`, input, proxyResourcesOf);
}

interface OwnInput {
  readonly kind: ProxyIr['proxy']['kind'];
  readonly interception: ProxyIr['proxy']['interception'];
  readonly template: string | undefined;
  readonly outboundTraffic: ProxyIr['proxy']['outboundTraffic'];
  readonly inbound: IrInbound;
  readonly localClusters: readonly IrLocalCluster[];
  readonly observability: IrObservability;
  readonly timeoutMs: number;
  readonly secretName: string;
}

function proxyResourcesOf(p: OwnInput, cache: TranslationCache): PartResources {
  const out = emptyLists();
  const add = (t: ResourceTypeUrl, r: TranslatedResource) => out.get(t)!.push(r);
  if (p.kind === 'grpc') {
    if (p.template) for (const s of cache.derive(p.inbound, p.template, serverListenersRes)) add(TypeUrl.Listener, s);
    return checkPart(out, [], cache);
  }
  const obs = p.observability;
  for (const c of p.localClusters) add(TypeUrl.Cluster, cache.derive(c, p.timeoutMs, localClusterRes));
  for (const [t, r] of cache.derive(obs, { interception: p.interception, timeoutMs: p.timeoutMs, outboundTraffic: p.outboundTraffic }, staticResources)) add(t, r);
  for (const l of cache.derive(p.inbound, { secretName: p.secretName, observability: obs }, inboundListenersRes)) add(TypeUrl.Listener, l);
  for (const rc of cache.derive(p.inbound, undefined, inboundRouteConfigsRes)) add(TypeUrl.RouteConfiguration, rc);
  return checkPart(out, [], cache);
}

const serverListenersRes = (inbound: IrInbound, template: string) => serverListeners(inbound, template).map((m) => res(m.name, m));
const localClusterRes = (c: IrLocalCluster, timeoutMs: number) => res(c.name, localCluster(c, timeoutMs));
const inboundListenersRes = (inbound: IrInbound, p: { secretName: string; observability: IrObservability }) =>
  inboundListeners(inbound, p.secretName, p.observability).map((m) => res(m.name, m));
const inboundRouteConfigsRes = (inbound: IrInbound) => inboundRouteConfigs(inbound).map((m) => res(m.name, m));

/**
 * Everything of an ingress gateway proxy (few per mesh, so one part, memoised per proxy by the
 * caller): its clusters, endpoints and route configurations, its listeners, and the statics a
 * sidecar in explicit mode gets (stats listener, admin and tracing clusters).
 */
export function gatewayResources(ir: ProxyIr, secretName: string, cache: TranslationCache): PartResources {
  const out = emptyLists();
  const tls = { kind: 'envoy' as const, secretName };
  for (const c of ir.clusters) out.get(TypeUrl.Cluster)!.push(cache.derive(c, tls, clusterRes));
  for (const e of ir.endpoints) out.get(TypeUrl.ClusterLoadAssignment)!.push(cache.derive(e, undefined, endpointsRes));
  for (const rc of ir.routeConfigs) out.get(TypeUrl.RouteConfiguration)!.push(cache.derive(rc, undefined, routeConfigRes));
  for (const l of ir.gateway?.listeners ?? []) out.get(TypeUrl.Listener)!.push(res(l.name, gatewayListener(l, ir.observability), l.chains[0]?.source));
  for (const [t, r] of staticResources(ir.observability, { interception: 'explicit', timeoutMs: ir.connectTimeoutMs, outboundTraffic: ir.proxy.outboundTraffic })) out.get(t)!.push(r);
  return checkPart(out, validateIr(ir), cache, ir);
}

/** Mesh-wide resources every sidecar gets: stats listener, admin, passthrough, tracing. */
function staticResources(obs: IrObservability, p: { interception: 'iptables' | 'explicit'; timeoutMs: number; outboundTraffic: ProxyIr['proxy']['outboundTraffic'] }): [ResourceTypeUrl, TranslatedResource][] {
  const out: [ResourceTypeUrl, TranslatedResource][] = [];
  const stats = statsListener();
  out.push([TypeUrl.Listener, res(stats.name, stats)]);
  const admin = adminCluster(p.timeoutMs);
  out.push([TypeUrl.Cluster, res(admin.name, admin)]);
  if (p.interception === 'iptables') {
    const v = virtualOutboundListener(obs, p.outboundTraffic);
    const pass = passthroughCluster(p.timeoutMs);
    out.push([TypeUrl.Listener, res(v.name, v)], [TypeUrl.Cluster, res(pass.name, pass)]);
  }
  if (obs.tracing) {
    const t = tracingCluster(obs.tracing, p.timeoutMs);
    out.push([TypeUrl.Cluster, res(t.name, t)]);
  }
  return out;
}

function res(name: string, message: object, source?: SourceRef): TranslatedResource {
  return source ? { name, message, source } : { name, message };
}
