/**
 * A scoped mesh for the reconciler benchmarks (eds-churn, scoped, soak): `services` services with
 * one HTTP port and `endpoints` endpoints each, in namespaces of `perNamespace` services that
 * reach only themselves (`Mesh.reach`), and `proxies` sidecars spread evenly over the services,
 * each serving one (its identity is the service's account, its instance IP the service's first
 * endpoint, so weft derives what it serves from the registry). Services have a virtual IP (as
 * Kubernetes Services do), so callers' listeners match that address and not endpoint addresses.
 *
 * Changes are written with a unique marker the load generator finds in the response bytes: an
 * endpoint address (EDS) or a header-match value in a TrafficPolicy (RDS). A marker is the
 * protobuf length byte followed by the ASCII, so `10.200.0.1` does not also match `10.200.0.12`.
 */
import type { Service } from '../src/discovery/index.js';
import type { ProxySpec } from './_ipc.js';

export interface MeshShape {
  services: number;
  endpoints: number;
  perNamespace: number;
  proxies: number;
}

export const PORT = 8080;

export function namespaceOf(shape: MeshShape, i: number): string {
  return `ns${Math.floor(i / shape.perNamespace)}`;
}

export function serviceKey(shape: MeshShape, i: number): string {
  return `svc${i}.${namespaceOf(shape, i)}`;
}

function endpointAddress(i: number, e: number): string {
  return `10.${(i >> 8) & 255}.${i & 255}.${e + 1}`;
}

export function service(shape: MeshShape, i: number): Service {
  const namespace = namespaceOf(shape, i);
  const name = `svc${i}`;
  return Object.freeze({
    key: `${name}.${namespace}`, name, namespace, hostname: `${name}.${namespace}.svc.cluster.local`, serviceAccount: name,
    ports: [{ name: 'http', port: PORT, targetPort: PORT, protocol: 'http' as const }],
    // A virtual IP, as a Kubernetes clusterIP: outbound listeners match it, not endpoint IPs.
    addresses: [`10.96.${(i >> 8) & 255}.${i & 255}`],
    endpoints: Array.from({ length: shape.endpoints }, (_, e) => ({ address: endpointAddress(i, e), labels: { version: e % 2 ? 'v2' : 'v1' }, zone: `z${e % 2}`, health: 'healthy' as const })),
  });
}

/** The service proxy `p` serves. */
export function serviceOfProxy(shape: MeshShape, p: number): number {
  return Math.floor((p * shape.services) / shape.proxies);
}

export function proxySpecs(shape: MeshShape): ProxySpec[] {
  return Array.from({ length: shape.proxies }, (_, p) => {
    const i = serviceOfProxy(shape, p);
    const metadata = { namespace: namespaceOf(shape, i), service_account: `svc${i}`, instance_ips: endpointAddress(i, 0), interception: 'iptables' };
    return { id: `sidecar~${endpointAddress(i, 0)}~p${p}.${metadata.namespace}`, metadata };
  });
}

/** Node ids of the proxies whose namespace is `namespace` (those a change to it concerns). */
export function proxiesIn(specs: readonly ProxySpec[], namespace: string): string[] {
  return specs.filter((s) => s.metadata?.namespace === namespace).map((s) => s.id);
}

export function meshYaml(shape: MeshShape): string {
  const namespaces = Math.ceil(shape.services / shape.perNamespace);
  const reach = Array.from({ length: namespaces }, (_, n) => `  ns${n}: []`).join('\n');
  return `kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\nreach:\n${reach}\n`;
}

/** A TrafficPolicy for service `i` whose header route carries `marker` (RDS changes with it). */
export function markedTrafficYaml(shape: MeshShape, i: number, marker: string): string {
  return `kind: TrafficPolicy
service: ${serviceKey(shape, i)}
routes:
  - match: { headers: { x-bench: { exact: ${marker} } } }
    timeout: 2s
  - timeout: 3s
`;
}

/** The bytes a marker value has inside a protobuf message (length prefix + UTF-8). */
export function markerBytes(value: string): Buffer {
  const ascii = Buffer.from(value, 'utf8');
  if (ascii.length > 127) throw new RangeError('markers are shorter than 128 bytes');
  return Buffer.concat([Buffer.from([ascii.length]), ascii]);
}

/** Most churn addresses one run can hand out. */
export const MAX_CHURN = 50 * 65_536;

/** Endpoint address number `n` (< MAX_CHURN) of the churn: unique, outside the initial ranges. */
export function churnAddress(n: number): string {
  return `10.${200 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/** Deterministic pseudo-random sequence (LCG), so runs choose the same changes. */
export function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** One endpoint move of the churn, and the marker its new address makes in EDS bytes. */
export interface EndpointMove {
  /** Sequence number of the move in its churn. */
  seq: number;
  key: string;
  namespace: string;
  from: string;
  to: string;
  marker: Buffer;
}

/**
 * Picks endpoint moves: a pseudo-random service, one of its endpoints other than the first (the
 * proxies' instance IPs stay put, so only endpoints change, never what a proxy serves), moved
 * to a fresh address.
 */
export class EndpointChurn {
  private readonly rand: () => number;
  private readonly addresses = new Map<number, string[]>();
  private n = 0;

  constructor(private readonly shape: MeshShape, seed = 42) {
    if (shape.endpoints < 2) throw new RangeError('endpoint churn needs at least 2 endpoints per service');
    this.rand = lcg(seed);
  }

  next(): EndpointMove {
    if (this.n >= MAX_CHURN) throw new RangeError(`at most ${MAX_CHURN} churn addresses per run`);
    const i = Math.floor(this.rand() * this.shape.services);
    const list = this.addresses.get(i) ?? Array.from({ length: this.shape.endpoints }, (_, e) => endpointAddress(i, e));
    this.addresses.set(i, list);
    const e = 1 + Math.floor(this.rand() * (this.shape.endpoints - 1));
    const to = churnAddress(this.n++);
    const from = list[e]!;
    list[e] = to;
    return { seq: this.n - 1, key: serviceKey(this.shape, i), namespace: namespaceOf(this.shape, i), from, to, marker: markerBytes(to) };
  }
}

/** The mesh's services as a static registry file (docs/registry.md), for `ControlPlane.start`. */
export function registryYaml(shape: MeshShape): string {
  const out = ['services:'];
  for (let i = 0; i < shape.services; i++) {
    const s = service(shape, i);
    out.push(`  - name: ${s.name}`, `    namespace: ${s.namespace}`, `    serviceAccount: ${s.serviceAccount}`);
    out.push(`    ports: [{ name: http, port: ${PORT}, targetPort: ${PORT}, protocol: http }]`, `    addresses: [${s.addresses!.join(', ')}]`, '    endpoints:');
    for (const e of s.endpoints) out.push(`      - { address: ${e.address}, labels: { version: ${e.labels.version} }, zone: ${e.zone} }`);
  }
  return out.join('\n') + '\n';
}
