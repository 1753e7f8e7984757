/**
 * Model → IR for the outbound side of one scope (the services a proxy may reach): per-port
 * listeners and one route configuration per HTTP port.
 *
 * Listener scheme (docs/translation.md "Outbound"): outbound listeners are per *port*, not per
 * service (VIPs, where known, only pick the destinations an iptables listener takes): HTTP services sharing a port share one
 * listener and are told apart by Host (virtual hosts); a TCP service needs its port to itself.
 * When services collide on a port (TCP+anything), the first by key keeps it and the collision is
 * reported (WEFT4101), never silently dropped.
 */
import type { Diagnostic, Service, ServicePort } from '../model/index.js';
import type { IrOutboundListener, IrRouteConfig, IrVirtualHost } from './ir.js';
import { byName } from './build-clusters.js';
import { PASSTHROUGH_CLUSTER, grpcApiListenerName, outboundClusterName, outboundListenerName, outboundRouteName } from './names.js';
import { fixedSockets, formatSocket, sameSocket } from './sockets.js';
import { TranslateCodes } from './codes.js';

export interface PortPlan {
  readonly port: number;
  readonly protocol: 'http' | 'tcp';
  /** Services that keep the port, in key order. */
  readonly services: readonly { readonly service: Service; readonly port: ServicePort }[];
}

/** Groups reachable service ports by port number and resolves collisions. */
export function planPorts(services: readonly Service[], diagnostics: Diagnostic[]): PortPlan[] {
  const byPort = new Map<number, { service: Service; port: ServicePort }[]>();
  for (const service of services) {
    for (const port of service.ports) {
      const list = byPort.get(port.port) ?? [];
      list.push({ service, port });
      byPort.set(port.port, list);
    }
  }
  const plans: PortPlan[] = [];
  for (const [port, users] of [...byPort].sort((a, b) => a[0] - b[0])) {
    const first = users[0]!;
    const protocol = first.port.protocol === 'tcp' ? 'tcp' : 'http';
    const kept = protocol === 'tcp' ? [first] : users.filter((u) => u.port.protocol !== 'tcp');
    for (const u of users) {
      if (kept.includes(u)) continue;
      diagnostics.push({ code: TranslateCodes.portCollision.code, severity: 'warning', path: `services.${u.service.key}.ports.${u.port.name}`,
        message: `outbound port ${port} is taken by ${first.service.key} (${protocol}); ${u.service.key} is unreachable on it` });
    }
    plans.push({ port, protocol, services: kept });
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

/** Per-port outbound listeners for Envoy: unbound `0.0.0.0_<port>` (iptables), or bound on the
 * proxy's own loopback outbound address (explicit), where no application listens. With iptables
 * the listener takes only connections to a mesh destination of the port (`destinations`); every
 * other original destination on that port goes to the passthrough cluster. */
export function buildOutboundListeners(plans: readonly PortPlan[], interception: 'iptables' | 'explicit', outboundAddress: string): IrOutboundListener[] {
  const explicit = interception === 'explicit';
  const address = explicit ? outboundAddress : '0.0.0.0';
  return plans.map((p): IrOutboundListener => {
    const scoped = explicit ? {} : { destinations: meshDestinations(p), passthrough: PASSTHROUGH_CLUSTER };
    const base = { name: outboundListenerName(address, p.port), address, port: p.port, bind: explicit, ...scoped };
    if (p.protocol === 'http') return { ...base, protocol: 'http', routeConfig: outboundRouteName(p.port) };
    const only = p.services[0]!;
    return { ...base, protocol: 'tcp', cluster: outboundClusterName(p.port, undefined, only.service.hostname) };
  }).sort(byName);
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

/** Route configurations `outbound|<port>` from the virtual hosts of each HTTP port; with
 * `fallbackCluster` (iptables) any other Host is forwarded there instead of getting a 404. */
export function buildRouteConfigs(plans: readonly PortPlan[], vhostOf: (s: Service, p: ServicePort) => IrVirtualHost, fallbackCluster?: string): IrRouteConfig[] {
  const fallback = fallbackCluster ? { fallbackCluster } : {};
  return plans
    .filter((p) => p.protocol === 'http')
    .map((p) => ({ name: outboundRouteName(p.port), virtualHosts: p.services.map((u) => vhostOf(u.service, u.port)).sort(byName), ...fallback }))
    .sort(byName);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A dotted IPv4 literal, or an IPv6 one (hex groups and colons, optional embedded IPv4). */
function isIpLiteral(a: unknown): a is string {
  return typeof a === 'string' && (IPV4.test(a) || (a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a)));
}
