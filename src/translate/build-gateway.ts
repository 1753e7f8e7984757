/**
 * Model → IR for an ingress gateway proxy (docs/gateway-api.md "Ingress gateway"): a listener per
 * Gateway listener port (HTTPS: a filter chain per listener, matched by SNI, terminating TLS with
 * the listener's certificates over SDS; HTTP: one chain), a route configuration per chain with a
 * virtual host per effective hostname, and the EDS clusters of the services the routes name, with
 * upstream mTLS as the gateway's own identity (the `default` secret is its SVID). No inbound side
 * and no sidecar outbound listeners.
 *
 * The proxy is the Gateway only when its verified identity is the Gateway's namespace and service
 * account (the namespace is checked when the stream starts, auth.ts); otherwise it gets nothing
 * but a diagnostic (WEFT4175), and never the Gateway's certificates.
 */
import type { Diagnostic, GatewayHost, GatewayListener, IngressGateway, MeshModel, ProxyDescription, RoutePolicy, Service } from '../model/index.js';
import type { IrCluster, IrEndpoints, IrGateway, IrGatewayChain, IrGatewayListener, IrRouteConfig, IrVirtualHost } from './ir.js';
import { buildClusters, buildEndpoints, byName, clusterService } from './build-clusters.js';
import { buildRoutes, type Destination, type RouteContext } from './build-routes.js';
import { localityPlan, usesLocalityWeights } from './build-locality.js';
import { mtlsInput, portModes } from './mtls-modes.js';
import { gatewayCertSecretName, gatewayListenerName, gatewayRouteName, gatewayVirtualHostName } from './names.js';
import { TranslateCodes } from './codes.js';
import { compareText } from '../common/index.js';

export interface GatewayIrParts {
  readonly gateway: IrGateway;
  readonly clusters: readonly IrCluster[];
  readonly endpoints: readonly IrEndpoints[];
  readonly routeConfigs: readonly IrRouteConfig[];
  /** SDS names of the listener certificates, sorted. */
  readonly certificates: readonly string[];
  /** Every service key the routes name (present or not), sorted. */
  readonly keys: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const EMPTY = (key: string, diagnostics: Diagnostic[]): GatewayIrParts =>
  ({ gateway: { key, listeners: [] }, clusters: [], endpoints: [], routeConfigs: [], certificates: [], keys: [], diagnostics });

export function buildGateway(model: Pick<MeshModel, 'registry' | 'policy'>, proxy: ProxyDescription): GatewayIrParts {
  const key = proxy.gateway!;
  const diagnostics: Diagnostic[] = [];
  const gw = model.policy.gateways?.get(key);
  const refuse = (message: string, code: string, source = gw?.source) =>
    EMPTY(key, [{ code, severity: 'error', message, ...(source ? { source } : {}) }]);
  if (proxy.kind === 'grpc') return refuse(`proxy ${proxy.id} is a gRPC client; only Envoy can be an ingress gateway`, TranslateCodes.gatewayGrpc.code);
  if (!gw) return refuse(`proxy ${proxy.id} says it is Gateway ${key}, and there is no Gateway ${key} of class weft; it gets no listeners`, TranslateCodes.gatewayNotServed.code);
  if (gw.namespace !== proxy.namespace || gw.serviceAccount !== proxy.serviceAccount) {
    return refuse(`proxy ${proxy.id} (${proxy.identity}) says it is Gateway ${key}, whose proxies run as service account ${gw.serviceAccount} in namespace ${gw.namespace}; it gets no listeners and no certificates`, TranslateCodes.gatewayNotServed.code);
  }
  const destinations = destinationsOf(model, gw);
  const routeConfigs: IrRouteConfig[] = [];
  const listeners: IrGatewayListener[] = [];
  for (const port of [...new Set(gw.listeners.map((l) => l.port))].sort((a, b) => a - b)) {
    const here = gw.listeners.filter((l) => l.port === port);
    for (const l of here) if (l.hosts.length === 0) diagnostics.push(noRoutes(gw, l));
    const served = here.filter((l) => l.hosts.length > 0);
    if (served.length === 0) continue;
    const tls = served[0]!.protocol === 'HTTPS';
    const ctx = (l: GatewayListener, protocol: 'http' | 'grpc') => routeContext(model, gw, l, protocol, destinations);
    // HTTPS: a chain (and route configuration) per listener, picked by SNI; HTTP: one of each.
    const groups = tls ? served.map((l) => [l]) : [served];
    const chains = groups.map((ls): IrGatewayChain => {
      const rc = gatewayRouteName(port, tls ? ls[0]!.name : undefined);
      routeConfigs.push({ name: rc, virtualHosts: virtualHosts(ls, ctx, port, diagnostics) });
      const l = ls[0]!;
      return {
        name: rc, routeConfig: rc,
        ...(tls && l.hostname !== undefined ? { serverNames: [l.hostname] } : {}),
        ...(tls ? { certificates: l.certificates.map((c) => gatewayCertSecretName(c.kind, c.namespace, c.name)) } : {}),
        ...(l.source ? { source: l.source } : {}),
      };
    });
    listeners.push({ name: gatewayListenerName(port), port, tls, chains });
  }
  const { clusters, endpoints } = clustersOf(model, proxy, destinations);
  const certificates = [...new Set(listeners.flatMap((l) => l.chains.flatMap((c) => c.certificates ?? [])))].sort(compareText);
  const keys = [...new Set(gw.listeners.flatMap((l) => l.hosts.flatMap((h) => h.routes.flatMap(servicesOf))))].sort(compareText);
  return { gateway: { key, listeners }, clusters, endpoints, routeConfigs: routeConfigs.sort(byName), certificates, keys, diagnostics };
}

/** A virtual host per effective hostname of the listeners; two listeners of one HTTP port with a
 * hostname in common share its virtual host (routes in listener order). */
function virtualHosts(listeners: readonly GatewayListener[], ctx: (l: GatewayListener, protocol: 'http' | 'grpc') => RouteContext, port: number, diagnostics: Diagnostic[]): IrVirtualHost[] {
  const byHost = new Map<string, { l: GatewayListener; h: GatewayHost }[]>();
  for (const l of listeners) for (const h of l.hosts) byHost.set(h.hostname, [...(byHost.get(h.hostname) ?? []), { l, h }]);
  return [...byHost.keys()].sort(compareText).map((hostname) => {
    const name = gatewayVirtualHostName(hostname);
    const parts = byHost.get(hostname)!;
    const routes = parts.flatMap(({ l, h }) => [
      ...buildRoutes(ctx(l, 'grpc'), h.routes.slice(0, h.grpcRoutes), name, diagnostics),
      ...buildRoutes(ctx(l, 'http'), h.routes.slice(h.grpcRoutes), name, diagnostics),
    ]);
    // Route names stay unique when listeners share a host.
    const named = routes.map((r, i) => ({ ...r, name: `${name}/${i}` }));
    return { name, service: '', domains: hostname === '*' ? ['*'] : [hostname, `${hostname}:${port}`], routes: named };
  });
}

/** GRPCRoute routes get the stream defaults of a grpc port (no request timeout, no upgrade). */
function routeContext(model: Pick<MeshModel, 'policy'>, gw: IngressGateway, l: GatewayListener, protocol: 'http' | 'grpc', destinations: ReadonlyMap<string, Destination>): RouteContext {
  // The listener stands in for a service: no route defaults to it (Gateway routes name backends).
  const service: Service = { key: `gateway:${gw.key}`, name: gw.name, namespace: gw.namespace, hostname: l.hostname ?? '*', serviceAccount: gw.serviceAccount,
    ports: [{ name: l.name, port: l.port, protocol, targetPort: l.port }], endpoints: [] };
  return { service, port: service.ports[0]!, traffic: undefined, timeoutMs: model.policy.mesh.defaults.timeoutMs, kind: 'envoy', sameNamespace: false, destinations };
}

function servicesOf(r: RoutePolicy): string[] {
  return [...(r.backends ?? []).map((b) => b.service), ...(r.mirror ? [r.mirror.service] : [])];
}

function destinationsOf(model: Pick<MeshModel, 'registry' | 'policy'>, gw: IngressGateway): Map<string, Destination> {
  const out = new Map<string, Destination>();
  for (const key of gw.listeners.flatMap((l) => l.hosts.flatMap((h) => h.routes.flatMap(servicesOf)))) {
    const service = model.registry.services.get(key);
    if (service) out.set(key, { service, traffic: model.policy.traffic.get(key) });
  }
  return out;
}

/** The destinations' clusters, with upstream mTLS per their ports' modes, and their endpoints. */
function clustersOf(model: Pick<MeshModel, 'policy'>, proxy: ProxyDescription, destinations: ReadonlyMap<string, Destination>): { clusters: IrCluster[]; endpoints: IrEndpoints[] } {
  const { policy } = model;
  const mesh = { trustDomain: policy.mesh.trustDomain, connectTimeoutMs: policy.mesh.defaults.connectTimeoutMs };
  const clusters: IrCluster[] = [];
  const endpoints: IrEndpoints[] = [];
  for (const key of [...destinations.keys()].sort(compareText)) {
    const { service, traffic } = destinations.get(key)!;
    const meshLocality = { locality: policy.mesh.locality };
    const mtls = portModes(mtlsInput(policy), service);
    clusters.push(...buildClusters({ service: clusterService(service), traffic, mesh, mtls, localityWeighted: usesLocalityWeights(meshLocality, traffic) }));
    const plan = localityPlan(meshLocality, traffic, proxy.locality);
    endpoints.push(...buildEndpoints({ service, subsets: traffic?.subsets, ...(plan ? { locality: plan } : {}) }));
  }
  return { clusters: clusters.sort(byName), endpoints: endpoints.sort(byName) };
}

function noRoutes(gw: IngressGateway, l: GatewayListener): Diagnostic {
  return { code: TranslateCodes.gatewayNoRoutes.code, severity: 'warning', message: `no route attaches to listener ${l.name} of Gateway ${gw.key}; port ${l.port} is not configured for it`, ...(l.source ? { source: l.source } : {}) };
}
