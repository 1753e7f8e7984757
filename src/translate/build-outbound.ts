/**
 * Model → IR for the outbound side of one scope (the services a proxy may reach): per-port
 * listeners and one route configuration per HTTP port.
 *
 * Listener scheme (docs/translation.md "Outbound"): outbound listeners are per *port*, not per
 * service (VIPs, where known, only pick the destinations an iptables listener takes): HTTP
 * services sharing a port share one listener and are told apart by Host (virtual hosts), TLS
 * services by SNI, and TCP services by destination address (iptables; in explicit mode a TCP
 * service needs its port to itself). ExternalServices join the same listeners. When services
 * collide on a port (different protocols; TCP in explicit mode), the first by key keeps it and the
 * collision is reported (WEFT4101), never silently dropped.
 */
import type { Diagnostic, ExternalPort, ExternalService, OutboundTraffic, Service, ServicePort } from '../model/index.js';
import type { IrOutboundListener, IrRouteConfig, IrTcpRoute, IrVirtualHost } from './ir.js';
import { byName } from './build-clusters.js';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER, grpcApiListenerName, outboundListenerName, outboundRouteName } from './names.js';
import { portClass, refusalKey } from './build-egress.js';
import { fixedSockets, formatSocket, sameSocket } from './sockets.js';
import { TranslateCodes } from './codes.js';

export interface PortPlan {
  readonly port: number;
  readonly protocol: 'http' | 'tcp' | 'tls';
  /** Services that keep the port, in key order. */
  readonly services: readonly { readonly service: Service; readonly port: ServicePort }[];
  /** ExternalServices that keep the port, in key order (Envoy only). */
  readonly external: readonly ExternalUse[];
}

/** One ExternalService port on a plan; `refused`: the caller's AccessPolicies refuse it. */
export interface ExternalUse { readonly external: ExternalService; readonly port: ExternalPort; readonly refused: boolean }

export interface PlanOptions {
  readonly external?: readonly ExternalService[];
  /** `<key>|<port>` of refused external ports (build-egress.ts `refusedExternalPorts`). */
  readonly refused?: readonly string[];
  /** iptables: TCP services on one port are told apart by destination address, so all keep it. */
  readonly tcpByAddress?: boolean;
}

type User = { readonly key: string; readonly cls: PortPlan['protocol']; readonly mesh?: { service: Service; port: ServicePort }; readonly ext?: ExternalUse };

/** Groups reachable service ports (and external ones) by port number and resolves collisions. */
export function planPorts(services: readonly Service[], diagnostics: Diagnostic[], opts: PlanOptions = {}): PortPlan[] {
  const byPort = new Map<number, User[]>();
  const add = (port: number, u: User) => byPort.set(port, [...(byPort.get(port) ?? []), u]);
  for (const service of services) for (const port of service.ports) add(port.port, { key: service.key, cls: portClass(port.protocol), mesh: { service, port } });
  const refused = new Set(opts.refused ?? []);
  for (const external of opts.external ?? []) {
    for (const port of external.ports) add(port.port, { key: external.key, cls: portClass(port.protocol), ext: { external, port, refused: refused.has(refusalKey(external.key, port.port)) } });
  }
  const plans: PortPlan[] = [];
  for (const [port, users] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const first = users[0]!;
    const protocol = first.cls;
    const shared = protocol !== 'tcp' || opts.tcpByAddress;
    const kept = shared ? users.filter((u) => u.cls === protocol) : [first];
    for (const u of users) {
      if (kept.includes(u)) continue;
      const path = u.mesh ? `services.${u.key}.ports.${u.mesh.port.name}` : `external.${u.key}.ports.${port}`;
      diagnostics.push({ code: TranslateCodes.portCollision.code, severity: 'warning', path,
        message: `outbound port ${port} is taken by ${first.key} (${protocol}); ${u.key} is unreachable on it` });
    }
    plans.push({ port, protocol, services: kept.flatMap((u) => (u.mesh ? [u.mesh] : [])), external: kept.flatMap((u) => (u.ext ? [u.ext] : [])) });
  }
  return plans;
}

/**
 * Explicit mode binds every outbound port on the proxy's outbound address; a port that would take
 * one of the sidecar's fixed sockets (admin, stats) is left out (WEFT4113), with its routes.
 */
export function bindablePlans(plans: readonly PortPlan[], outboundAddress: string, diagnostics: Diagnostic[]): PortPlan[] {
  const fixed = fixedSockets('explicit');
  return plans.filter((p) => {
    const taken = fixed.find((f) => sameSocket(f, { address: outboundAddress, port: p.port }));
    if (taken) {
      diagnostics.push({ code: TranslateCodes.socketCollision.code, severity: 'warning', path: `outbound.${p.port}`,
        message: `explicit interception: outbound listener ${formatSocket({ address: outboundAddress, port: p.port })} would take the sidecar's own ${formatSocket(taken)}; port ${p.port} is unreachable through this proxy` });
    }
    return !taken;
  });
}

/** What the outbound listeners read besides the plans. */
export interface ListenerOptions {
  readonly interception: 'iptables' | 'explicit';
  readonly outboundAddress: string;
  readonly outboundTraffic: OutboundTraffic;
  /** The TCP/TLS routes of a plan, in match order (build-scope.ts: mesh splits, then externals). */
  readonly tcpRoutesOf: (plan: PortPlan) => readonly IrTcpRoute[];
}

/**
 * Per-port outbound listeners for Envoy: unbound `0.0.0.0_<port>` (iptables), or bound on the
 * proxy's own loopback outbound address (explicit), where no application listens.
 * - HTTP: with iptables the listener takes only connections to a mesh destination of the port
 *   (`destinations`), every other original destination goes to the passthrough cluster; when
 *   ExternalServices share the port or outbound traffic is registry-only, it takes every
 *   destination and tells them apart by Host (the route configuration's fallback decides the rest).
 * - TCP and TLS: `tcpRoutes` (by destination address, by SNI); what matches none goes to the
 *   passthrough cluster (iptables, allow-any) or the black hole (registry-only).
 */
export function buildOutboundListeners(plans: readonly PortPlan[], o: ListenerOptions, diagnostics: Diagnostic[]): IrOutboundListener[] {
  const explicit = o.interception === 'explicit';
  const address = explicit ? o.outboundAddress : '0.0.0.0';
  const blocked = o.outboundTraffic === 'registry-only';
  const rest = blocked ? BLACKHOLE_CLUSTER : explicit ? undefined : PASSTHROUGH_CLUSTER;
  return plans.map((p): IrOutboundListener => {
    const base = { name: outboundListenerName(address, p.port), address, port: p.port, bind: explicit };
    if (p.protocol === 'http') {
      const byHost = explicit || blocked || p.external.length > 0;
      return { ...base, ...(byHost ? {} : { destinations: meshDestinations(p), passthrough: PASSTHROUGH_CLUSTER }), protocol: 'http', routeConfig: outboundRouteName(p.port) };
    }
    const tcpRoutes = distinctRoutes(o.tcpRoutesOf(p), base.name, diagnostics);
    return { ...base, protocol: p.protocol, tcpRoutes, ...(rest ? { passthrough: rest } : {}) };
  }).sort(byName);
}

/** Envoy refuses a listener whose chains match the same destination or SNI twice: the first
 * route keeps it (WEFT4101); a route left with nothing to match is dropped. */
function distinctRoutes(routes: readonly IrTcpRoute[], listener: string, diagnostics: Diagnostic[]): IrTcpRoute[] {
  const taken = new Set<string>();
  const out: IrTcpRoute[] = [];
  for (const r of routes) {
    const claim = (values: readonly string[] | undefined, what: string) => {
      if (!values) return undefined;
      const free = values.filter((v) => !taken.has(`${what}|${v}`));
      const lost = values.filter((v) => taken.has(`${what}|${v}`));
      if (lost.length) diagnostics.push({ code: TranslateCodes.portCollision.code, severity: 'warning', path: `outbound.${listener}.${r.service}`, message: `${listener}: ${what} ${lost.join(', ')} of ${r.service} already routed to another service; left out` });
      for (const v of free) taken.add(`${what}|${v}`);
      return free;
    };
    const destinations = claim(r.destinations, 'address');
    const serverNames = claim(r.serverNames, 'SNI');
    if (destinations?.length === 0 || serverNames?.length === 0) continue;
    out.push({ ...r, ...(destinations ? { destinations } : {}), ...(serverNames ? { serverNames } : {}) });
  }
  return out;
}

/** The addresses callers reach a port's services at: each service's VIPs when the registry has
 * them, otherwise its endpoint addresses. Only IP literals can be matched; others are left out
 * (the registry validates them). Sorted and unique. */
export function meshDestinations(plan: PortPlan): string[] {
  const all = new Set<string>();
  for (const { service } of plan.services) {
    const vips = service.addresses ?? [];
    for (const a of vips.length > 0 ? vips : service.endpoints.map((e) => e.address)) if (isIpLiteral(a)) all.add(a);
  }
  return [...all].sort();
}

/** gRPC API listeners, one per HTTP service port, named exactly as the client dials it. TCP
 * ports have no meaning for a gRPC channel and are skipped. */
export function buildApiListeners(plans: readonly PortPlan[]): IrOutboundListener[] {
  return plans.filter((p) => p.protocol === 'http').flatMap((p) => p.services.map((u): IrOutboundListener => ({
    name: grpcApiListenerName(u.service.hostname, p.port), address: u.service.hostname, port: p.port,
    bind: false, protocol: 'http', routeConfig: outboundRouteName(p.port), api: true,
  }))).sort(byName);
}

/** What ends a route configuration: the passthrough cluster (iptables, allow-any), a 502
 * (registry-only), or nothing (explicit, allow-any: an unknown Host gets Envoy's 404). */
export type RouteFallback = { readonly cluster: string } | { readonly block: true } | undefined;

/** The registry-only answer to a Host no service or ExternalService claims. */
export const REGISTRY_ONLY_BLOCK = Object.freeze({ kind: 'direct' as const, status: 502,
  body: 'weft: outbound traffic is registry-only and this destination is neither a mesh service nor an ExternalService\n' });

/** Route configurations `outbound|<port>` from the virtual hosts of each HTTP port (mesh
 * services, then ExternalServices, whose domains no earlier virtual host may hold), then the fallback. */
export function buildRouteConfigs(plans: readonly PortPlan[], vhostOf: (s: Service, p: ServicePort) => IrVirtualHost,
  externalOf: (u: ExternalUse) => readonly IrVirtualHost[], fallback: RouteFallback, diagnostics: Diagnostic[]): IrRouteConfig[] {
  const end = !fallback ? {} : 'cluster' in fallback ? { fallbackCluster: fallback.cluster } : { fallbackBlock: REGISTRY_ONLY_BLOCK };
  return plans
    .filter((p) => p.protocol === 'http')
    .map((p) => {
      const mesh = p.services.map((u) => vhostOf(u.service, u.port));
      const external = distinctHosts(mesh, p.external.flatMap(externalOf), p.port, diagnostics);
      return { name: outboundRouteName(p.port), virtualHosts: [...mesh, ...external].sort(byName), ...end };
    })
    .sort(byName);
}

/** Envoy refuses a domain held by two virtual hosts: an external one loses it (WEFT4101). */
function distinctHosts(mesh: readonly IrVirtualHost[], external: readonly IrVirtualHost[], port: number, diagnostics: Diagnostic[]): IrVirtualHost[] {
  if (external.length === 0) return [];
  const taken = new Set(mesh.flatMap((v) => v.domains));
  const out: IrVirtualHost[] = [];
  for (const v of external) {
    const lost = v.domains.filter((d) => taken.has(d));
    if (lost.length) diagnostics.push({ code: TranslateCodes.portCollision.code, severity: 'warning', path: `external.${v.service}.ports.${port}`, message: `port ${port}: host ${lost.join(', ')} of ${v.service} is already routed to another service; left out` });
    const domains = v.domains.filter((d) => !taken.has(d));
    for (const d of domains) taken.add(d);
    if (domains.length) out.push(lost.length ? { ...v, domains } : v);
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A dotted IPv4 literal, or an IPv6 one (hex groups and colons, optional embedded IPv4). */
function isIpLiteral(a: unknown): a is string {
  return typeof a === 'string' && (IPV4.test(a) || (a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a)));
}
