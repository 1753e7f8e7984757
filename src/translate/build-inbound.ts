/**
 * Model → IR for the inbound side: one filter chain per served service port, with the
 * authorization (build-authz.ts) and rate limit of the service's AccessPolicies.
 */
import type { AccessPolicy, Diagnostic, MeshModel, MtlsMode, ProxyDescription, Service, ServicePort } from '../model/index.js';
import type { IrInboundChain, IrLocalCluster } from './ir.js';
import { authzOf } from './build-authz.js';
import { irProtocol } from './build-clusters.js';
import { inboundClusterName } from './names.js';

/** One service the proxy serves: the registry's service (absent when unknown) and its policies. */
export interface ServedService {
  readonly key: string;
  readonly service: Service | undefined;
  readonly access: readonly AccessPolicy[];
}

/**
 * Everything `buildInbound` reads, and so its memo key. `placement` is present only when the
 * proxy's own sockets depend on where it runs (an Envoy in `explicit` mode binds its registry
 * endpoint); otherwise proxies serving the same services share one inbound part.
 */
export interface InboundInput {
  readonly mesh: { readonly trustDomain: string; readonly mtls: MtlsMode };
  readonly served: readonly ServedService[];
  readonly placement?: { readonly ips: readonly string[]; readonly labels: Readonly<Record<string, string>> };
}

/** Narrows (model, proxy) to what the inbound side reads. */
export function inboundInput(model: MeshModel, proxy: ProxyDescription): InboundInput {
  const { trustDomain, mtls } = model.policy.mesh;
  const served = [...new Set(proxy.services)].sort().map((key): ServedService =>
    ({ key, service: model.registry.services.get(key), access: model.policy.access.get(key) ?? [] }));
  // gRPC servers listen through their own server listeners (template), never a sidecar socket.
  const placed = proxy.kind === 'envoy' && proxy.interception === 'explicit';
  return { mesh: { trustDomain, mtls }, served, ...(placed ? { placement: { ips: proxy.ips, labels: proxy.labels } } : {}) };
}

export interface InboundResult {
  readonly chains: IrInboundChain[];
  readonly localClusters: IrLocalCluster[];
  readonly diagnostics: Diagnostic[];
}

export function buildInbound(input: InboundInput): InboundResult {
  const out: InboundResult = { chains: [], localClusters: [], diagnostics: [] };
  const used = new Map<number, string>();
  for (const served of input.served) {
    if (!served.service) {
      out.diagnostics.push({ code: 'WEFT4105', severity: 'warning', message: `proxy serves unknown service "${served.key}"`, path: 'proxy.services' });
      continue;
    }
    for (const port of served.service.ports) addChain(input, served.service, served.access, port, used, out);
  }
  out.chains.sort((a, b) => a.port - b.port);
  out.localClusters.sort((a, b) => (a.name < b.name ? -1 : 1));
  return out;
}

function addChain(input: InboundInput, service: Service, policies: readonly AccessPolicy[], port: ServicePort, used: Map<number, string>, out: InboundResult): void {
  const listen = input.placement ? explicitListen(input.placement, service, port, out.diagnostics) : undefined;
  if (listen === null) return;
  const owner = used.get(port.targetPort);
  if (owner) {
    out.diagnostics.push({ code: 'WEFT4101', severity: 'warning', path: `services.${service.key}.ports.${port.name}`,
      message: `inbound port ${port.targetPort} already served by ${owner}; ${service.key} left out on it` });
    return;
  }
  used.set(port.targetPort, service.key);
  const name = inboundClusterName(port.targetPort, service.key);
  const protocol = irProtocol(port);
  const limit = policies.find((p) => p.rateLimit)?.rateLimit;
  out.chains.push({
    name, service: service.key, port: port.targetPort, protocol, cluster: name,
    authz: authzOf(input.mesh, policies, port, protocol === 'tcp', out.diagnostics),
    ...(limit && protocol !== 'tcp' ? { rateLimit: { ...limit } } : {}),
    ...(listen ? { listen } : {}),
  });
  out.localClusters.push({ name, address: '127.0.0.1', port: port.targetPort, protocol });
}

/**
 * Without iptables nothing redirects mesh traffic to 15006, so the sidecar listens where callers'
 * endpoints point: the service's registry endpoint at one of the proxy's IPs. The application keeps
 * 127.0.0.1:<targetPort>. `null` (with a diagnostic) when no such endpoint exists or it would take
 * the application's own socket.
 */
function explicitListen(placement: NonNullable<InboundInput['placement']>, service: Service, port: ServicePort, diags: Diagnostic[]): { address: string; port: number } | null {
  // Several workloads may share an address on one machine (different ports): the proxy's labels
  // tell its own endpoint apart.
  const atIps = service.endpoints.filter((e) => placement.ips.includes(e.address));
  const matching = atIps.filter((e) => Object.entries(placement.labels).every(([k, v]) => e.labels[k] === v));
  const ep = matching.length === 1 ? matching[0] : undefined;
  const path = `services.${service.key}.ports.${port.name}`;
  if (!ep) {
    const ips = placement.ips.join(', ');
    const why = atIps.length > 1 ? `${matching.length} endpoints at ${ips} matching the proxy's labels, not exactly one` : `no endpoint at the proxy's instance_ips (${ips || 'none'})`;
    diags.push({ code: 'WEFT4109', severity: 'warning', path, message: `explicit interception: ${service.key} has ${why}; inbound ${port.name} not configured` });
    return null;
  }
  const listen = { address: ep.address, port: ep.ports?.[port.name] ?? port.targetPort };
  if (listen.port === port.targetPort && ['127.0.0.1', '0.0.0.0', '::1', '::'].includes(listen.address)) {
    diags.push({ code: 'WEFT4110', severity: 'warning', path, message: `explicit interception: the endpoint ${listen.address}:${listen.port} is the application's own socket (127.0.0.1:${port.targetPort}); give the endpoint another address or port` });
    return null;
  }
  return listen;
}
