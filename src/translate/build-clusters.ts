/**
 * Model → IR for the outbound clusters and endpoints of one service: one EDS cluster per
 * (port, subset) plus one for the whole service (empty subset segment in its name).
 *
 * Each builder reads only its input value (`ClusterInput`, `EndpointInput`), which is also its
 * memo key (cache.ts). Returned arrays are fresh and sorted by name.
 */
import type { Endpoint, Service, ServicePort, TrafficPolicy } from '../model/index.js';
import type { PortModes } from './mtls-modes.js';
import type { IrCluster, IrEndpoint, IrEndpoints, IrLocality, IrProtocol } from './ir.js';
import { placeLocalities, type LocalityPlan } from './build-locality.js';
import { outboundClusterName } from './names.js';
import { compareText, workloadIdText } from '../common/index.js';

export function irProtocol(port: ServicePort): IrProtocol {
  return port.protocol === 'tcp' || port.protocol === 'tls' ? 'tcp' : port.protocol === 'http' ? 'http' : 'http2';
}

/** Subset names of a service in name order, with `undefined` (whole service) first. */
function subsetsOf(subsets: TrafficPolicy['subsets'] | undefined): (string | undefined)[] {
  return [undefined, ...[...(subsets?.keys() ?? [])].sort()];
}

/** The mesh settings a cluster reads. */
export interface ClusterMesh { readonly trustDomain: string; readonly connectTimeoutMs: number }

/** The parts of a Service a cluster reads: not its endpoints, so an endpoint change leaves the
 * clusters (and Envoy's warm clusters) alone and only the ClusterLoadAssignment changes. */
export type ClusterService = Pick<Service, 'key' | 'hostname' | 'namespace' | 'serviceAccount' | 'ports'>;

export function clusterService(s: Service): ClusterService {
  return { key: s.key, hostname: s.hostname, namespace: s.namespace, serviceAccount: s.serviceAccount, ports: s.ports };
}

export interface ClusterInput {
  readonly service: ClusterService;
  readonly traffic: TrafficPolicy | undefined;
  readonly mesh: ClusterMesh;
  /** The destination's effective inbound mTLS mode per port (mtls-modes.ts): callers originate
   * mTLS to strict and permissive ports, plaintext to disabled ones. */
  readonly mtls: PortModes;
  /** Some caller's endpoints carry locality shares (build-locality.ts `usesLocalityWeights`). */
  readonly localityWeighted: boolean;
}

export function buildClusters({ service, traffic, mesh, mtls, localityWeighted }: ClusterInput): IrCluster[] {
  const out: IrCluster[] = [];
  const identity = { sni: service.hostname, san: workloadIdText(mesh.trustDomain, service.namespace, service.serviceAccount) };
  for (const port of service.ports) {
    const tls = mtls.get(port.port) === 'disabled' ? undefined : identity;
    for (const subset of subsetsOf(traffic?.subsets)) {
      out.push({
        name: outboundClusterName(port.port, subset, service.hostname),
        service: service.key,
        port: port.port,
        ...(subset !== undefined ? { subset } : {}),
        protocol: irProtocol(port),
        lb: traffic?.loadBalancer ?? 'round-robin',
        connectTimeoutMs: mesh.connectTimeoutMs,
        ...(traffic?.circuitBreaker || traffic?.retryBudget ? { circuitBreaker: { ...traffic.circuitBreaker, ...(traffic.retryBudget ? { retryBudget: { ...traffic.retryBudget } } : {}) } } : {}),
        ...(traffic?.outlierDetection ? { outlier: { ...traffic.outlierDetection } } : {}),
        ...(localityWeighted ? { localityWeighted } : {}),
        ...(tls ? { tls } : {}),
        ...(traffic?.source ? { source: traffic.source } : {}),
      });
    }
  }
  return out.sort(byName);
}

/** Endpoints read the service, its subsets' label selectors and the caller's locality plan. */
export interface EndpointInput {
  readonly service: Service;
  readonly subsets: TrafficPolicy['subsets'] | undefined;
  /** Priorities and weights relative to the caller; absent: every locality equal. */
  readonly locality?: LocalityPlan;
}

export function buildEndpoints({ service, subsets, locality }: EndpointInput): IrEndpoints[] {
  const out: IrEndpoints[] = [];
  for (const port of service.ports) {
    for (const subset of subsetsOf(subsets)) {
      const selector = subset === undefined ? undefined : subsets?.get(subset);
      const members = selector ? service.endpoints.filter((e) => selects(selector, e)) : service.endpoints;
      out.push({ name: outboundClusterName(port.port, subset, service.hostname), localities: localities(members, port, locality) });
    }
  }
  return out.sort(byName);
}

function selects(selector: Readonly<Record<string, string>>, e: Endpoint): boolean {
  for (const [k, v] of Object.entries(selector)) if (e.labels[k] !== v) return false;
  return true;
}

/** Groups endpoints by region and zone (`''` when unset), placed by the plan, sorted by priority,
 * region and zone; endpoint order kept (registry-sorted). */
function localities(endpoints: readonly Endpoint[], port: ServicePort, plan: LocalityPlan | undefined): IrLocality[] {
  const groups = new Map<string, { region: string; zone: string; endpoints: IrEndpoint[] }>();
  for (const e of endpoints) {
    const region = e.region ?? '';
    const zone = e.zone ?? '';
    // A control character cannot be in a registry name, so it separates the parts unambiguously.
    const key = `${region}\u0000${zone}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { region, zone, endpoints: [] }));
    g.endpoints.push({ address: e.address, port: e.ports?.[port.name] ?? port.targetPort, health: e.health });
  }
  const keys = [...groups.keys()].sort(compareText);
  const list = keys.map((k) => groups.get(k)!);
  const placed = placeLocalities(list.map((g) => ({ region: g.region, zone: g.zone, endpoints: g.endpoints.filter((e) => e.health === 'healthy').length })), plan);
  return list.map((g, i) => ({ ...g, ...placed[i]! })).sort((a, b) => a.priority - b.priority || compareText(a.region, b.region) || compareText(a.zone, b.zone));
}

export function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return compareText(a.name, b.name);
}
