/**
 * Model → IR for one proxy: all decisions are taken here (and in the build-* files it calls);
 * the Envoy stage only transcribes. Pieces are memoised in the TranslationCache with exactly the
 * inputs they read as dependencies, so proxies of one namespace share one outbound part and an
 * unchanged service keeps its IR objects across model versions.
 */
import type { Diagnostic, MeshModel, MeshPolicy, ProxyDescription, Service, ServicePort, TrafficPolicy } from '../model/index.js';
import type { IrCluster, IrEndpoints, IrInbound, IrObservability, IrOutboundListener, IrRouteConfig, IrVirtualHost, ProxyIr } from './ir.js';
import type { TranslationCache } from './cache.js';
import { buildClusters, buildEndpoints, byName } from './build-clusters.js';
import { buildInbound, type InboundResult } from './build-inbound.js';
import { buildApiListeners, buildOutboundListeners, buildRouteConfigs, planPorts } from './build-outbound.js';
import { buildVirtualHost } from './build-routes.js';
import { reachableServices } from './scope.js';
import { TRUST_BUNDLE_SECRET, tracingClusterName } from './names.js';

/** The outbound half of a proxy's IR; shared by every proxy with the same scope. */
export interface ScopePart {
  readonly clusters: readonly IrCluster[];
  readonly endpoints: readonly IrEndpoints[];
  readonly routeConfigs: readonly IrRouteConfig[];
  readonly outbound: readonly IrOutboundListener[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface IrParts {
  readonly ir: ProxyIr;
  readonly scope: ScopePart;
  readonly inbound: InboundPart;
  readonly diagnostics: readonly Diagnostic[];
}

export function buildIr(model: MeshModel, proxy: ProxyDescription, cache: TranslationCache, ownSecretName: string): IrParts {
  const mesh = model.policy.mesh;
  const scope = scopePart(model, proxy, cache);
  const inboundSlot = `in|${proxy.services.join(',')}`;
  const inbound = cache.memo(`${inboundSlot}|model`, [model.registry, model.policy],
    () => cache.memo(inboundSlot, inboundDeps(model, proxy), () => inboundPart(model, proxy)));
  const observability = cache.memo('obs', [mesh], () => observabilityOf(mesh));
  const ir: ProxyIr = {
    proxy: { id: proxy.id, kind: proxy.kind, identity: proxy.identity, interception: proxy.interception,
      ...(proxy.serverListenerTemplate !== undefined ? { serverListenerTemplate: proxy.serverListenerTemplate } : {}) },
    clusters: scope.clusters, endpoints: scope.endpoints, localClusters: inbound.localClusters,
    routeConfigs: scope.routeConfigs, outbound: scope.outbound,
    inbound: inbound.ir,
    observability,
    connectTimeoutMs: mesh.defaults.connectTimeoutMs,
    secrets: proxy.kind === 'grpc' || mesh.mtls === 'disabled' ? [] : [ownSecretName, TRUST_BUNDLE_SECRET].sort(),
  };
  return { ir, scope, inbound, diagnostics: [...scope.diagnostics, ...inbound.diagnostics] };
}

/** The inbound half; shared by proxies serving the same services. */
export interface InboundPart extends InboundResult { readonly ir: IrInbound }

function inboundPart(model: MeshModel, proxy: ProxyDescription): InboundPart {
  const r = buildInbound(model, proxy);
  const mesh = model.policy.mesh;
  return { ...r, ir: { mtls: mesh.mtls, trustDomain: mesh.trustDomain, chains: r.chains } };
}

function inboundDeps(model: MeshModel, proxy: ProxyDescription): unknown[] {
  const deps: unknown[] = [model.policy.mesh];
  for (const key of proxy.services) deps.push(model.registry.services.get(key), model.policy.access.get(key));
  return deps;
}

/** Services (and their policies) a scope reads: reachable ones plus destinations they route to. */
function scopeServices(model: MeshModel, proxy: ProxyDescription, cache: TranslationCache): Service[] {
  const reachable = reachableServices(model, proxy.namespace, cache);
  const keys = new Set(reachable.map((s) => s.key));
  const extra: Service[] = [];
  for (const s of reachable) {
    for (const key of cache.crossRefs(model.policy.traffic.get(s.key))) {
      const dest = model.registry.services.get(key);
      if (dest && !keys.has(key)) { keys.add(key); extra.push(dest); }
    }
  }
  return [...reachable, ...extra];
}

/** Two-level lookup: while registry and policy are the same objects nothing can have changed
 * (fast path for every proxy after the first of its scope); otherwise compare per service. */
function scopePart(model: MeshModel, proxy: ProxyDescription, cache: TranslationCache): ScopePart {
  const slot = `scope-model|${proxy.kind}|${proxy.interception}|${proxy.namespace}`;
  return cache.memo(slot, [model.registry, model.policy], () => scopePartByService(model, proxy, cache));
}

function scopePartByService(model: MeshModel, proxy: ProxyDescription, cache: TranslationCache): ScopePart {
  const services = scopeServices(model, proxy, cache);
  const deps: unknown[] = [model.policy.mesh];
  for (const s of services) deps.push(s, model.policy.traffic.get(s.key));
  const slot = `scope|${proxy.kind}|${proxy.interception}|${proxy.namespace}`;
  return cache.memo(slot, deps, () => buildScope(model, proxy, services, cache));
}

function buildScope(model: MeshModel, proxy: ProxyDescription, services: readonly Service[], cache: TranslationCache): ScopePart {
  const mesh = model.policy.mesh;
  const diagnostics: Diagnostic[] = [];
  const clusters: IrCluster[] = [];
  const endpoints: IrEndpoints[] = [];
  for (const s of services) {
    const traffic = model.policy.traffic.get(s.key);
    clusters.push(...cache.memo(`cl|${s.key}`, [s, traffic, mesh], () => buildClusters(s, traffic, mesh)));
    endpoints.push(...cache.memo(`ep|${s.key}`, [s, traffic], () => buildEndpoints(s, traffic)));
  }
  const reachable = reachableServices(model, proxy.namespace, cache);
  const plans = planPorts(reachable, diagnostics);
  const vhostOf = (s: Service, p: ServicePort): IrVirtualHost => {
    const r = virtualHost(model, proxy, s, p, cache);
    diagnostics.push(...r.diagnostics);
    return r.vhost;
  };
  const routeConfigs = buildRouteConfigs(plans, vhostOf).map((rc) =>
    cache.memo(`rc|${proxy.kind}|${proxy.namespace}|${rc.name}`, rc.virtualHosts, () => rc));
  const outbound = proxy.kind === 'grpc' ? buildApiListeners(plans) : buildOutboundListeners(plans, proxy.interception);
  return { clusters: clusters.sort(byName), endpoints: endpoints.sort(byName), routeConfigs, outbound, diagnostics };
}

function virtualHost(model: MeshModel, proxy: ProxyDescription, s: Service, p: ServicePort, cache: TranslationCache) {
  const traffic = model.policy.traffic.get(s.key);
  const resolve = (key: string): { service?: Service; traffic?: TrafficPolicy } => {
    const service = model.registry.services.get(key);
    const t = model.policy.traffic.get(key);
    return { ...(service ? { service } : {}), ...(t ? { traffic: t } : {}) };
  };
  const sameNamespace = s.namespace === proxy.namespace;
  const deps: unknown[] = [s, traffic, model.policy.mesh.defaults];
  for (const key of cache.crossRefs(traffic)) deps.push(model.registry.services.get(key), model.policy.traffic.get(key));
  return cache.memo(`vh|${proxy.kind}|${sameNamespace}|${s.key}|${p.port}`, deps, () =>
    buildVirtualHost({ service: s, port: p, traffic, mesh: model.policy.mesh, kind: proxy.kind, sameNamespace, resolve }));
}

function observabilityOf(mesh: MeshPolicy): IrObservability {
  const t = mesh.observability.tracing;
  if (!t) return { accessLog: mesh.observability.accessLog };
  const colon = t.address.lastIndexOf(':');
  const host = t.address.slice(0, colon);
  const port = Number(t.address.slice(colon + 1));
  return {
    accessLog: mesh.observability.accessLog,
    tracing: { provider: t.provider, cluster: tracingClusterName(t.provider, t.address), host, port, samplingPercent: t.samplingPercent },
  };
}
