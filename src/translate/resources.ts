/**
 * IR → Envoy resources for one proxy, grouped by type URL. Each Envoy message is derived from an
 * IR object through the cache (`TranslationCache.derive`), so an unchanged IR object keeps the
 * same message object, and each new message is checked once (check.ts).
 */
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { SourceRef } from '../model/index.js';
import type { TranslationCache } from './cache.js';
import type { ProxyIr } from './ir.js';
import { adminCluster, edsCluster, loadAssignment, localCluster, passthroughCluster, tracingCluster } from './envoy/clusters.js';
import { apiListener, serverListeners } from './envoy/grpc.js';
import { inboundListener, outboundListener, statsListener, virtualOutboundListener } from './envoy/listeners.js';
import { routeConfiguration } from './envoy/routes.js';
import { INBOUND_LISTENER } from './names.js';

/** One xDS resource: its name, the keepCase message, and the policy object that produced it. */
export interface TranslatedResource {
  readonly name: string;
  readonly message: object;
  readonly source?: SourceRef;
}

export type ResourceLists = Map<ResourceTypeUrl, TranslatedResource[]>;

export function toResources(ir: ProxyIr, cache: TranslationCache): ResourceLists {
  const grpc = ir.proxy.kind === 'grpc';
  const out: ResourceLists = new Map([[TypeUrl.Cluster, []], [TypeUrl.ClusterLoadAssignment, []], [TypeUrl.Listener, []], [TypeUrl.RouteConfiguration, []]]);
  const add = (t: ResourceTypeUrl, r: TranslatedResource) => out.get(t)!.push(r);
  const variant = grpc ? 'grpc' : `envoy|${ir.proxy.identity}`;
  for (const c of ir.clusters) {
    add(TypeUrl.Cluster, cache.derive(c, variant, () => res(c.name, edsCluster(c, ir.proxy.kind, ir.proxy.identity), c.source)));
  }
  for (const e of ir.endpoints) add(TypeUrl.ClusterLoadAssignment, cache.derive(e, 'eds', () => res(e.name, loadAssignment(e))));
  for (const rc of ir.routeConfigs) add(TypeUrl.RouteConfiguration, cache.derive(rc, 'rds', () => res(rc.name, routeConfiguration(rc))));
  if (grpc) addGrpc(ir, cache, add);
  else addEnvoy(ir, cache, add);
  for (const list of out.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

type Add = (t: ResourceTypeUrl, r: TranslatedResource) => void;

function addEnvoy(ir: ProxyIr, cache: TranslationCache, add: Add): void {
  const obs = ir.observability;
  const timeout = ir.clusters[0]?.connectTimeoutMs ?? 5_000;
  for (const l of ir.outbound) add(TypeUrl.Listener, cache.derive(l, obs, () => res(l.name, outboundListener(l, obs))));
  for (const c of ir.localClusters) add(TypeUrl.Cluster, cache.derive(c, 'local', () => res(c.name, localCluster(c, timeout))));
  const statics = cache.derive(obs, `statics|${ir.proxy.interception}|${timeout}`, () => staticResources(ir, timeout));
  for (const [t, r] of statics) add(t, r);
  add(TypeUrl.Listener, cache.derive(ir.inbound, `${ir.proxy.identity}`, () => res(INBOUND_LISTENER, inboundListener(ir.inbound, ir.proxy.identity, obs))));
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

function addGrpc(ir: ProxyIr, cache: TranslationCache, add: Add): void {
  for (const l of ir.outbound) add(TypeUrl.Listener, cache.derive(l, 'api', () => res(l.name, apiListener(l))));
  const template = ir.proxy.serverListenerTemplate;
  if (!template) return;
  const servers = cache.derive(ir.inbound, `grpc|${template}`, () => serverListeners(ir.inbound, template).map((m) => res(m.name as string, m)));
  for (const s of servers) add(TypeUrl.Listener, s);
}

function res(name: string, message: object, source?: SourceRef): TranslatedResource {
  return source ? { name, message, source } : { name, message };
}
