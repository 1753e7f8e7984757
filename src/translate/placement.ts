/**
 * Where a proxy's own workload is in the registry: which endpoints of a served service are its
 * own, and so on which ports callers reach it. Callers dial what EDS gives them, the endpoint's
 * own port (`ep.ports[name]`, the container port in Kubernetes; the service's `targetPort` when
 * the registry gives none), so the inbound side must match and forward on exactly that port.
 *
 * The result is the part of (service, instance IPs, labels) the inbound builder reads, so iptables
 * replicas at different IPs with the same ports get equal inputs and share one inbound part.
 */
import type { Endpoint, Service, ServicePort } from '../model/index.js';

/** How the proxy is reached for one served service. */
export type Own =
  /** iptables (and gRPC servers): the ports callers may dial, per service port name, sorted. */
  | { readonly via: 'redirect'; readonly ports: Readonly<Record<string, readonly number[]>> }
  /** explicit: the one registry endpoint the sidecar binds, and its port per service port name. */
  | { readonly via: 'bind'; readonly address: string; readonly ports: Readonly<Record<string, number>> }
  /** explicit, but the proxy's endpoint cannot be told: why (WEFT4109). */
  | { readonly via: 'none'; readonly why: string };

export interface Whereabouts { readonly ips: readonly string[]; readonly labels: Readonly<Record<string, string>> }

/** The port an endpoint serves a service port on. */
export function endpointPort(e: Endpoint, port: ServicePort): number {
  return e.ports?.[port.name] ?? port.targetPort;
}

/** Endpoints at the proxy's IPs, narrowed by its labels when several workloads share an address. */
function candidates(service: Service, at: Whereabouts): { atIps: readonly Endpoint[]; matching: readonly Endpoint[] } {
  const atIps = service.endpoints.filter((e) => at.ips.includes(e.address));
  const matching = atIps.filter((e) => Object.entries(at.labels).every(([k, v]) => e.labels[k] === v));
  return { atIps, matching };
}

/**
 * Redirected traffic keeps its original destination port, which is the port of whichever own
 * endpoint the caller picked: the proxy's endpoints if it can be found (by IP, then labels),
 * else every endpoint of the service (a chain per distinct port never admits more than the
 * service's own ports), else the target port.
 */
export function redirectedOwn(service: Service, at: Whereabouts): Own {
  const { atIps, matching } = candidates(service, at);
  const own = matching.length ? matching : atIps.length ? atIps : service.endpoints;
  const ports: Record<string, readonly number[]> = {};
  for (const p of service.ports) {
    const found = [...new Set(own.map((e) => endpointPort(e, p)))].sort((a, b) => a - b);
    ports[p.name] = found.length ? found : [p.targetPort];
  }
  return { via: 'redirect', ports };
}

/** Without a redirect the sidecar must listen where callers dial: exactly one own endpoint. */
export function boundOwn(service: Service, at: Whereabouts): Own {
  const { atIps, matching } = candidates(service, at);
  const ep = matching.length === 1 ? matching[0] : undefined;
  if (!ep) {
    const ips = at.ips.join(', ');
    return { via: 'none', why: atIps.length > 1 ? `${matching.length} endpoints at ${ips} matching the proxy's labels, not exactly one` : `no endpoint at the proxy's instance_ips (${ips || 'none'})` };
  }
  return { via: 'bind', address: ep.address, ports: Object.fromEntries(service.ports.map((p) => [p.name, endpointPort(ep, p)])) };
}
