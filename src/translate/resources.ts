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
import type { ProxyIr } from './ir.js';
import { adminCluster, edsCluster, loadAssignment, localCluster, passthroughCluster, tracingCluster } from './envoy/clusters.js';
import { apiListener, serverListeners } from './envoy/grpc.js';
import { inboundListeners, outboundListener, statsListener, virtualOutboundListener } from './envoy/listeners.js';
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

/** `secretName`: the SDS name of the proxy's own certificate in upstream TLS (Envoy only). */
export function scopeResources(scope: ScopePart, ir: ProxyIr, secretName: string, cache: TranslationCache): PartResources {
  const kind = ir.proxy.kind;
  const variant = kind === 'grpc' ? 'grpc' : `envoy|${secretName}`;
  return cache.derive(scope, variant, () => {
    const out = emptyLists();
    for (const c of scope.clusters) out.get(TypeUrl.Cluster)!.push(cache.derive(c, variant, () => res(c.name, edsCluster(c, kind, secretName), c.source)));
    for (const e of scope.endpoints) out.get(TypeUrl.ClusterLoadAssignment)!.push(cache.derive(e, 'eds', () => res(e.name, loadAssignment(e))));
    for (const rc of scope.routeConfigs) {
      out.get(TypeUrl.RouteConfiguration)!.push(cache.derive(rc, 'rds', () => res(rc.name, routeConfiguration(rc, (v) => cache.derive(v, 'vh', () => virtualHost(v))))));
    }
    const obs = ir.observability;
    for (const l of scope.outbound) {
      out.get(TypeUrl.Listener)!.push(kind === 'grpc'
        ? cache.derive(l, 'api', () => res(l.name, apiListener(l)))
        : cache.derive(l, obs, () => res(l.name, outboundListener(l, obs))));
    }
    return checkPart(out, validateIr(scope), cache, scope);
  });
}

export function proxyResources(ir: ProxyIr, secretName: string, cache: TranslationCache): PartResources {
  const out = emptyLists();
  const add = (t: ResourceTypeUrl, r: TranslatedResource) => out.get(t)!.push(r);
  if (ir.proxy.kind === 'grpc') {
    const template = ir.proxy.serverListenerTemplate;
    if (template) {
      const servers = cache.derive(ir.inbound, `grpc|${template}`, () => serverListeners(ir.inbound, template).map((m) => res(m.name as string, m)));
      for (const s of servers) add(TypeUrl.Listener, s);
    }
    return checkPart(out, [], cache);
  }
  const obs = ir.observability;
  const timeout = ir.connectTimeoutMs;
  for (const c of ir.localClusters) add(TypeUrl.Cluster, cache.derive(c, `local|${timeout}`, () => res(c.name, localCluster(c, timeout))));
  for (const [t, r] of cache.derive(obs, `statics|${ir.proxy.interception}|${timeout}`, () => staticResources(ir, timeout))) add(t, r);
  const inbound = cache.derive(ir.inbound, `${secretName}`, () => inboundListeners(ir.inbound, secretName, obs).map((m) => res(m.name as string, m)));
  for (const l of inbound) add(TypeUrl.Listener, l);
  return checkPart(out, [], cache);
}

/** Mesh-wide resources every sidecar gets: stats listener, admin, passthrough, tracing. */
function staticResources(ir: ProxyIr, timeout: number): [ResourceTypeUrl, TranslatedResource][] {
  const out: [ResourceTypeUrl, TranslatedResource][] = [];
  const stats = statsListener();
  out.push([TypeUrl.Listener, res(stats.name as string, stats)]);
  const admin = adminCluster(timeout);
  out.push([TypeUrl.Cluster, res(admin.name as string, admin)]);
  if (ir.proxy.interception === 'iptables') {
    const v = virtualOutboundListener(ir.observability);
    const pass = passthroughCluster(timeout);
    out.push([TypeUrl.Listener, res(v.name as string, v)], [TypeUrl.Cluster, res(pass.name as string, pass)]);
  }
  if (ir.observability.tracing) {
    const t = tracingCluster(ir.observability.tracing, timeout);
    out.push([TypeUrl.Cluster, res(t.name as string, t)]);
  }
  return out;
}

function res(name: string, message: object, source?: SourceRef): TranslatedResource {
  return source ? { name, message, source } : { name, message };
}
