/**
 * Model → IR for the outbound half of a proxy (its scope): clusters, endpoints, route
 * configurations and outbound listeners of the services its namespace may reach.
 *
 * Every memoised builder here takes one narrowed input value, which is also its memo key
 * (cache.ts): `ScopeModelInput` (fast path: same registry and policy objects), `ScopeInput` (the
 * services and policies the scope reads), `ClusterInput`, `EndpointInput`, `RouteContext`.
 * Proxies of one namespace, kind and interception mode share one scope part, and an unchanged
 * service keeps its IR objects across model versions.
 */
import { appliedLocality, modesOfService } from '../model/index.js';
import type { AccessPolicy, Diagnostic, ExternalService, LocalityPolicy, MeshPolicy, OutboundTraffic, ProxyDescription, ProxyKind, ProxyLocality, Service, ServicePort, ServiceRegistry, TrafficPolicy } from '../model/index.js';
import type { IrCluster, IrEndpoints, IrInlineCluster, IrOutboundListener, IrRouteConfig, IrTcpRoute, IrVirtualHost } from './ir.js';
import type { TranslationCache } from './cache.js';
import { buildClusters, buildEndpoints, byName, clusterService, type ClusterMesh } from './build-clusters.js';
import { localityPlan, usesLocalityWeights } from './build-locality.js';
import { mtlsInput, portModes, type MtlsInput } from './mtls-modes.js';
import { bindablePlans, buildApiListeners, buildOutboundListeners, buildRouteConfigs, meshDestinations, planPorts, type ExternalUse, type PortPlan, type RouteFallback } from './build-outbound.js';
import { buildVirtualHost, tcpClusters, type Destination, type RouteContext, type VirtualHostResult } from './build-routes.js';
import { buildInlineClusters, externalTcpRoutes, externalVirtualHosts, refusedExternalPorts } from './build-egress.js';
import { EXPLICIT_OUTBOUND_ADDRESS, PASSTHROUGH_CLUSTER } from './names.js';
import { deniedServices, reachableNamespaces, reachableServices, type Caller } from './scope.js';
import { isLoopback } from './sockets.js';
import { TranslateCodes } from './codes.js';
import { comparedByIdentity } from './memo-key.js';

/** The outbound half of a proxy's IR; shared by every proxy with the same scope. */
export interface ScopePart {
  readonly clusters: readonly IrCluster[];
  /** ExternalService clusters and the black hole (Envoy only). */
  readonly inlineClusters: readonly IrInlineCluster[];
  readonly endpoints: readonly IrEndpoints[];
  readonly routeConfigs: readonly IrRouteConfig[];
  readonly outbound: readonly IrOutboundListener[];
  readonly diagnostics: readonly Diagnostic[];
  /** What of the model this scope read (its input's `reads`), for dependency tracking. */
  readonly reads: ScopeReads;
}

/**
 * The model entries a scope depends on: a change to anything else cannot change it.
 * - `namespaces`: whose membership it read (a service added to or removed from one of them
 *   changes the scope); `undefined` = every namespace (no `reach` rule).
 * - `keys`: service keys whose registry entry, TrafficPolicy or AccessPolicies it read — the
 *   reachable services and every service their routes name, present or not (a route to a
 *   missing service changes when that service appears), sorted.
 */
export interface ScopeReads {
  readonly namespaces?: readonly string[];
  readonly keys: readonly string[];
  /** Reachable services left out because their AccessPolicies refuse the caller, sorted. */
  readonly denied: readonly string[];
}

/** What decides a proxy's outbound side, apart from the model. */
export interface ScopeProxy {
  readonly kind: ProxyKind;
  readonly namespace: string;
  /** Envoy only: how outbound traffic reaches the proxy (gRPC has no sockets). */
  readonly interception?: 'iptables' | 'explicit';
  /** Explicit Envoy only: the address its outbound listeners bind, as the proxy asked. */
  readonly outboundAddress?: string;
  /** Where the proxy runs: its endpoints' priorities are relative to it (build-locality.ts). */
  readonly locality?: ProxyLocality;
}

/**
 * The model objects the fast path narrows from, compared by reference: a class instance, which
 * memo keys never walk (memo-key.ts), so a new registry or policy is a miss at once instead of a
 * walk over every service and policy; the narrowed `ScopeInput` is then compared by value. One
 * instance per (registry, policy) pair.
 */
export class ModelObjects {
  private static readonly known = new WeakMap<ServiceRegistry, WeakMap<object, ModelObjects>>();
  private constructor(readonly registry: ServiceRegistry, readonly policy: ScopePolicy) {}

  static of(registry: ServiceRegistry, policy: ScopePolicy): ModelObjects {
    let byPolicy = ModelObjects.known.get(registry);
    if (!byPolicy) ModelObjects.known.set(registry, (byPolicy = new WeakMap()));
    let objects = byPolicy.get(policy);
    if (!objects) byPolicy.set(policy, (objects = new ModelObjects(registry, policy)));
    return objects;
  }
}

/** The parts of a policy set a scope reads. */
export interface ScopePolicy {
  readonly mesh: MeshPolicy;
  readonly traffic: ReadonlyMap<string, TrafficPolicy>;
  readonly access: ReadonlyMap<string, readonly AccessPolicy[]>;
  readonly external?: ReadonlyMap<string, ExternalService>;
}

/** Fast path: while registry and policy are the same objects nothing in the scope changed. */
export interface ScopeModelInput extends ScopeProxy {
  readonly model: ModelObjects;
  /** Keys of reachable services whose AccessPolicies refuse the caller (`refusedFor`), sorted. */
  readonly denied: readonly string[];
  /** `<key>|<port>` of ExternalService ports the caller's identity is refused (`externalRefusedFor`). */
  readonly refusedExternal: readonly string[];
}

/** What decides which reachable services refuse a caller. */
export interface RefusalInput {
  readonly model: ModelObjects;
  readonly namespace: string;
  readonly caller: Caller;
}

const NONE: readonly string[] = Object.freeze([]);

/** Scopes of one slot that differ in what their callers are refused, kept side by side. */
export const SCOPE_VARIANTS = 4;

/**
 * The refused keys for one proxy's identity: memoised per identity, nothing to do without
 * AccessPolicies. Only services whose every port is `strict` (Mesh.mtls and MtlsPolicies): a
 * service left out of a sidecar's scope is no longer captured, so its traffic would leave through
 * the passthrough cluster in plaintext, which a permissive or disabled port accepts with no
 * identity — where a deny rule naming the caller no longer matches. A strict port refuses that
 * connection outright.
 */
export function refusedFor(proxy: ProxyDescription, model: ModelObjects, cache: TranslationCache): readonly string[] {
  if (model.policy.access.size === 0) return NONE;
  const input: RefusalInput = { model, namespace: proxy.namespace, caller: { namespace: proxy.namespace, serviceAccount: proxy.serviceAccount, identity: proxy.identity } };
  return cache.memo(`refused|${proxy.identity}`, input, refusals);
}

/**
 * The ExternalService ports refused to one proxy's identity, under every mTLS mode: the caller's
 * own sidecar enforces them (an external service has no sidecar of its own), from the identity
 * its certificate carries. Envoy only; memoised per identity.
 */
export function externalRefusedFor(proxy: ProxyDescription, model: ModelObjects, cache: TranslationCache): readonly string[] {
  const external = model.policy.external;
  if (proxy.kind !== 'envoy' || !external?.size || model.policy.access.size === 0) return NONE;
  const input: RefusalInput = { model, namespace: proxy.namespace, caller: { namespace: proxy.namespace, serviceAccount: proxy.serviceAccount, identity: proxy.identity } };
  return cache.memo(`refused-ext|${proxy.identity}`, input, externalRefusals);
}

function externalRefusals({ model, caller }: RefusalInput): readonly string[] {
  const refused = refusedExternalPorts([...(model.policy.external?.values() ?? [])], model.policy.access, caller);
  return refused.length === 0 ? NONE : refused;
}

function refusals({ model, namespace, caller }: RefusalInput, cache: TranslationCache): readonly string[] {
  const strict = reachableServices(model.registry, model.policy.mesh.reach, namespace, cache).filter((s) => onlyStrict(model.policy, s));
  const denied = deniedServices(strict, model.policy.access, caller);
  return denied.length === 0 ? NONE : denied.sort();
}

/** Every port of the service is `strict` (policy/mtls.ts): only then may it be left out of scope. */
function onlyStrict(policy: ModelObjects['policy'], s: Service): boolean {
  const modes = modesOfService(policy, s);
  return modes.size === 1 && modes.has('strict');
}

/** Exactly what `buildScope` reads. */
export interface ScopeInput extends ScopeProxy {
  readonly clusterMesh: ClusterMesh;
  /** The Mesh mode and the MtlsPolicies: each cluster's transport follows its port's mode. */
  readonly mtls: MtlsInput;
  /** Mesh default route timeout. */
  readonly timeoutMs: number;
  /** Services the namespace may reach and the caller may call (they get listeners and virtual
   * hosts), in key order. */
  readonly reachable: readonly Service[];
  /** Further services their routes send to or mirror (clusters and endpoints only). */
  readonly extra: readonly Service[];
  /** TrafficPolicies of `reachable` and `extra`, by key. */
  readonly traffic: ReadonlyMap<string, TrafficPolicy>;
  /** Envoy: every ExternalService, in key order (any namespace may reach them); gRPC: none. */
  readonly external: readonly ExternalService[];
  /** `<key>|<port>` of the external ports refused to the caller, sorted. */
  readonly refusedExternal: readonly string[];
  readonly outboundTraffic: OutboundTraffic;
  /** The Mesh's default locality block (services whose TrafficPolicy has none follow it). */
  readonly meshLocality?: LocalityPolicy;
  /** What this input was narrowed from (see `ScopeReads`); part of the key like every field. */
  readonly reads: ScopeReads;
}

export function scopeSlot(p: ScopeProxy): string {
  return `${p.kind}|${p.interception ?? ''}|${p.namespace}|${p.outboundAddress ?? ''}${p.locality ? `|${localityText(p.locality)}` : ''}`;
}

function localityText(l: ProxyLocality): string {
  return `${l.region ?? ''}/${l.zone ?? ''}`;
}

/** The scope-relevant part of a proxy description. */
export function scopeProxy(proxy: ProxyDescription): ScopeProxy {
  const locality = proxy.locality ? { locality: proxy.locality } : {};
  if (proxy.kind === 'grpc') return { kind: 'grpc', namespace: proxy.namespace, ...locality };
  if (proxy.interception === 'iptables') return { kind: 'envoy', namespace: proxy.namespace, interception: 'iptables', ...locality };
  return { kind: 'envoy', namespace: proxy.namespace, interception: 'explicit', outboundAddress: proxy.outboundAddress ?? EXPLICIT_OUTBOUND_ADDRESS, ...locality };
}

/** The fast-path input: the scope part of the proxy and the model objects it reads. The proxy's
 * locality only when some service's callers may follow it (otherwise proxies of every zone share
 * one scope, as before localities: in Kubernetes every proxy has one). */
export function scopeModelInput(proxy: ProxyDescription, model: ModelObjects, denied: readonly string[], refusedExternal: readonly string[] = NONE): ScopeModelInput {
  const p = scopeProxy(proxy);
  const locality = p.locality && localityMatters(model.policy) ? p.locality : undefined;
  return { kind: p.kind, namespace: p.namespace, interception: p.interception, outboundAddress: p.outboundAddress, locality, model, denied, refusedExternal };
}

const matters = new WeakMap<ScopePolicy, boolean>();

/** Whether any service's callers follow a locality block (the Mesh's, a TrafficPolicy's, or the
 * default for services with outlier detection); once per policy. */
function localityMatters(policy: ScopePolicy): boolean {
  let m = matters.get(policy);
  if (m === undefined) {
    m = appliedLocality(policy.mesh, undefined) !== undefined || [...policy.traffic.values()].some((t) => appliedLocality(policy.mesh, t) !== undefined);
    matters.set(policy, m);
  }
  return m;
}

/** Builder of the fast-path memo: narrows the model to a `ScopeInput`, memoised by value. */
export function scopeFromModel(input: ScopeModelInput, cache: TranslationCache): ScopePart {
  const { registry, policy: { traffic, mesh } } = input.model;
  const reached = reachableServices(registry, mesh.reach, input.namespace, cache);
  const denied = input.denied;
  const reachable = denied.length === 0 ? reached : reached.filter((s) => !denied.includes(s.key));
  // A refused service a route still sends to or mirrors to keeps its cluster (an extra).
  const keys = new Set(reachable.map((s) => s.key));
  const extra: Service[] = [];
  let named: string[] | undefined;
  for (const s of reachable) {
    for (const key of cache.crossRefs(traffic.get(s.key))) {
      if (keys.has(key)) continue;
      keys.add(key);
      const dest = registry.services.get(key);
      if (dest) extra.push(dest);
      else (named ??= []).push(key);
    }
  }
  const external = input.kind === 'envoy' ? [...(input.model.policy.external?.values() ?? [])] : [];
  if (external.length) (named ??= []).push(...external.map((e) => e.key));
  const namespaces = reachableNamespaces(mesh.reach, input.namespace);
  // Interned: a rebuilt scope that reads the same keys (an endpoint moved) keeps its reads object,
  // so the reconciler's dependency index sees its proxies unchanged.
  const reads = cache.memo(`reads|${scopeSlot(input)}`, { ...(namespaces ? { namespaces } : {}), keys: readKeys(reached, denied.length ? extra.filter((s) => !denied.includes(s.key)) : extra, named), denied } as ScopeReads, intern, SCOPE_VARIANTS);
  const inScope = new Map<string, TrafficPolicy>();
  for (const s of [...reachable, ...extra]) {
    const t = traffic.get(s.key);
    if (t) inScope.set(s.key, t);
  }
  const scope: ScopeInput = {
    kind: input.kind, namespace: input.namespace, ...(input.interception ? { interception: input.interception } : {}),
    ...(input.outboundAddress !== undefined ? { outboundAddress: input.outboundAddress } : {}),
    ...(input.locality ? { locality: input.locality } : {}), ...(mesh.locality ? { meshLocality: mesh.locality } : {}),
    clusterMesh: { trustDomain: mesh.trustDomain, connectTimeoutMs: mesh.defaults.connectTimeoutMs },
    mtls: mtlsInput(input.model.policy),
    timeoutMs: mesh.defaults.timeoutMs, reachable, extra, traffic: inScope,
    external, refusedExternal: input.refusedExternal, outboundTraffic: mesh.outboundTraffic ?? 'allow-any', reads,
  };
  return cache.memo(`scope|${scopeSlot(input)}`, scope, buildScope, SCOPE_VARIANTS);
}

function buildScope(input: ScopeInput, cache: TranslationCache): ScopePart {
  const diagnostics: Diagnostic[] = [];
  const clusters: IrCluster[] = [];
  const endpoints: IrEndpoints[] = [];
  for (const service of [...input.reachable, ...input.extra]) {
    const traffic = input.traffic.get(service.key);
    const mesh = { locality: input.meshLocality };
    const weighted = usesLocalityWeights(mesh, traffic);
    clusters.push(...cache.memo(`cl|${service.key}`, { service: clusterService(service), traffic, mesh: input.clusterMesh, mtls: portModes(input.mtls, service), localityWeighted: weighted }, buildClusters));
    // Callers in other localities get other priorities: one slot per caller locality.
    const plan = localityPlan(mesh, traffic, input.locality);
    const at = plan ? `ep|${service.key}|${plan.region}/${plan.zone}` : `ep|${service.key}`;
    endpoints.push(...cache.memo(at, { service, subsets: traffic?.subsets, ...(plan ? { locality: plan } : {}) }, buildEndpoints));
  }
  const envoy = input.kind === 'envoy';
  const iptables = envoy && input.interception !== 'explicit';
  const blocked = input.outboundTraffic === 'registry-only';
  const inlineClusters = envoy ? buildInlineClusters(input.external, input.clusterMesh.connectTimeoutMs, blocked || input.refusedExternal.length > 0) : [];
  const address = outboundAddressOf(input, diagnostics);
  const planned = planPorts(input.reachable, diagnostics, { external: input.external, refused: input.refusedExternal, tcpByAddress: iptables });
  const plans = input.interception === 'explicit' ? bindablePlans(planned, address, diagnostics) : planned;
  const byKey = new Map([...input.reachable, ...input.extra].map((s) => [s.key, s]));
  const vhostOf = (s: Service, p: ServicePort): IrVirtualHost => {
    const ctx = routeContext(input, byKey, s, p, cache);
    const r = cache.memo(`vh|${input.kind}|${ctx.sameNamespace}|${s.key}|${p.port}`, ctx, buildVirtualHost);
    diagnostics.push(...r.diagnostics);
    return r.vhost;
  };
  const externalOf = (u: ExternalUse) => externalVirtualHosts(u.external, u.port, u.refused, input.timeoutMs);
  const fallback: RouteFallback = !envoy ? undefined : blocked ? { block: true } : iptables ? { cluster: PASSTHROUGH_CLUSTER } : undefined;
  // Routes and listeners do not depend on the caller's locality: interned without it, so callers
  // in every zone share them (and their messages and encodings); only endpoints differ.
  const shared = scopeSlot({ ...input, locality: undefined });
  const routeConfigs = buildRouteConfigs(plans, vhostOf, externalOf, fallback, diagnostics).map((rc) => cache.memo(`rc|${shared}|${rc.name}`, rc, intern));
  const tcpRoutesOf = (p: PortPlan) => tcpRoutes(input, byKey, p, iptables, cache, diagnostics);
  const listeners = !envoy ? buildApiListeners(plans)
    : buildOutboundListeners(plans, { interception: input.interception ?? 'iptables', outboundAddress: address, outboundTraffic: input.outboundTraffic, tcpRoutesOf }, diagnostics);
  const outbound = listeners.map((l) => cache.memo(`ol|${shared}|${l.name}`, l, intern));
  return comparedByIdentity({ clusters: clusters.sort(byName), inlineClusters, endpoints: endpoints.sort(byName), routeConfigs, outbound, diagnostics, reads: input.reads });
}

/** The TCP/TLS routes of a port: each mesh service's split (by its addresses with iptables, by
 * its names on TLS ports), then the ExternalServices'. */
function tcpRoutes(input: ScopeInput, byKey: ReadonlyMap<string, Service>, p: PortPlan, iptables: boolean, cache: TranslationCache, diagnostics: Diagnostic[]): IrTcpRoute[] {
  const out: IrTcpRoute[] = [];
  for (const u of p.services) {
    const ctx = routeContext(input, byKey, u.service, u.port, cache);
    const r = cache.memo(`tcp|${input.kind}|${u.service.key}|${p.port}`, ctx, tcpClusters);
    diagnostics.push(...r.diagnostics);
    if (r.clusters.length === 0) continue;
    const match = p.protocol === 'tls' ? { serverNames: serviceNames(u.service, ctx.sameNamespace) }
      : iptables ? { destinations: meshDestinations({ ...p, services: [u] }) } : {};
    const source = input.traffic.get(u.service.key)?.source;
    out.push({ name: u.service.key, service: u.service.key, ...match, clusters: r.clusters, ...(source ? { source } : {}) });
  }
  for (const u of p.external) out.push(...externalTcpRoutes(u.external, u.port, u.refused, iptables));
  return out;
}

/** The names a caller may send as SNI for a mesh service (as its virtual host's domains). */
function serviceNames(s: Service, sameNamespace: boolean): string[] {
  const names = [s.hostname, `${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, ...(sameNamespace ? [s.name] : [])];
  return [...new Set(names)].sort();
}

/** Sorted keys of the reachable services (already in key order), the extra ones and the
 * missing ones routes name. */
function readKeys(reachable: readonly Service[], extra: readonly Service[], missing: readonly string[] | undefined): readonly string[] {
  if (extra.length === 0 && !missing) return reachable.map((s) => s.key);
  return [...reachable.map((s) => s.key), ...extra.map((s) => s.key), ...(missing ?? [])].sort();
}

/** Outbound listeners accept the proxy's identity for whoever connects, so they bind loopback
 * only: another address is refused (WEFT4114) and the default used. */
function outboundAddressOf(input: ScopeInput, diagnostics: Diagnostic[]): string {
  const asked = input.outboundAddress ?? EXPLICIT_OUTBOUND_ADDRESS;
  if (isLoopback(asked)) return asked;
  diagnostics.push({ code: TranslateCodes.outboundNotLoopback.code, severity: 'warning', path: 'proxy.outboundAddress',
    message: `outbound_address ${asked} is not a loopback address: outbound listeners would let other hosts call the mesh as this proxy; ${EXPLICIT_OUTBOUND_ADDRESS} used` });
  return EXPLICIT_OUTBOUND_ADDRESS;
}

/** A memo builder returning its input, so the memo hands out the first of equal values: an
 * unchanged route configuration or listener keeps its object (so its Envoy message, its check and
 * its encoding are reused), and unchanged scope reads theirs. */
function intern<T>(value: T): T {
  return value;
}

/** The virtual host's input: its service, policy and the destinations its routes name. */
function routeContext(input: ScopeInput, byKey: ReadonlyMap<string, Service>, service: Service, port: ServicePort, cache: TranslationCache): RouteContext {
  const traffic = input.traffic.get(service.key);
  const destinations = new Map<string, Destination>();
  for (const key of cache.crossRefs(traffic)) {
    const s = byKey.get(key);
    if (s) destinations.set(key, { service: s, traffic: input.traffic.get(key) });
  }
  return { service, port, traffic, timeoutMs: input.timeoutMs, kind: input.kind, sameNamespace: service.namespace === input.namespace, destinations };
}

export type { VirtualHostResult };
