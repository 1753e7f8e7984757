/**
 * Seeded, reproducible random meshes for the cache differential test: a small bookinfo-like model,
 * a pool of proxies that differ in every field translate reads (kind, interception, IPs, labels,
 * served services, template, inbound forwarding, outbound address, and the same node id reused
 * with other metadata), and model changes
 * that replace only the objects they touch (so unchanged services keep their identity, as the
 * registry and policy loaders keep them) or rebuild an unchanged object (same content, new
 * identity).
 */
import { DEFAULT_MESH, type AccessPolicy, type Endpoint, type MeshModel, type MeshPolicy, type ProxyDescription,
  type Service, type TrafficPolicy } from '../../src/model/index.js';

/** mulberry32: a tiny deterministic PRNG, so a failing seed replays exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const ep = (address: string, labels: Record<string, string>, ports?: Record<string, number>): Endpoint =>
  ({ address, labels, health: 'healthy', ...(ports ? { ports } : {}) });

function svc(name: string, namespace: string, ports: Service['ports'], endpoints: Endpoint[]): Service {
  return { key: `${name}.${namespace}`, name, namespace, hostname: `${name}.${namespace}.svc.cluster.local`, serviceAccount: name, ports, endpoints };
}

function baseServices(): Service[] {
  return [
    svc('productpage', 'default', [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
      [ep('127.0.0.1', { app: 'productpage', version: 'v1' }, { http: 19080 }), ep('10.0.0.10', { app: 'productpage', version: 'v1' })]),
    svc('reviews', 'default', [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
      [...['v1', 'v2', 'v3'].map((v, i) => ep('127.0.0.2', { app: 'reviews', version: v }, { http: 19081 + i })),
        ep('10.0.1.1', { app: 'reviews', version: 'v1' }), ep('10.0.1.2', { app: 'reviews', version: 'v2' }, { http: 9081 })]),
    svc('ratings', 'default', [{ name: 'grpc', port: 9090, targetPort: 19090, protocol: 'grpc' }],
      [ep('127.0.0.3', { app: 'ratings' }, { grpc: 19084 }), ep('10.0.2.1', { app: 'ratings' })]),
    svc('mysql', 'default', [{ name: 'tcp', port: 3306, targetPort: 3306, protocol: 'tcp' }], [ep('10.0.3.1', {})]),
    svc('web', 'frontend', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }, { name: 'admin', port: 9901, targetPort: 9901, protocol: 'tcp' }],
      [ep('10.5.0.1', { app: 'web' }), ep('10.5.0.2', { app: 'web' }, { http: 8081 })]),
    svc('api', 'backend', [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'http2' }], [ep('10.6.0.1', {})]),
  ];
}

const reviewsTraffic = (w: number): TrafficPolicy => ({
  service: 'reviews.default', loadBalancer: 'round-robin',
  subsets: new Map([['v1', { version: 'v1' }], ['v2', { version: 'v2' }], ['v3', { version: 'v3' }]]),
  routes: [
    { match: { headers: { 'x-user': { exact: 'tester' } } }, backends: [{ service: 'reviews.default', subset: 'v3', weight: 100 }] },
    { backends: [{ service: 'reviews.default', subset: 'v1', weight: w }, { service: 'reviews.default', subset: 'v2', weight: 100 - w }],
      timeoutMs: 3000, retries: { attempts: 2, on: ['5xx', 'unavailable'] } },
  ],
});

/** Access policy sets one step may give a service. */
const ACCESS: readonly ((service: string) => AccessPolicy[])[] = [
  () => [],
  (service) => [{ service, action: 'deny', rules: [{ to: { paths: ['/admin/*'] } }] }],
  (service) => [{ service, action: 'allow', rules: [{ from: [{ serviceAccount: 'productpage.default' }], to: { methods: ['GET'] } }] }],
  (service) => [{ service, action: 'allow', rules: [{ from: [{ namespace: 'default' }] }], rateLimit: { requestsPerSecond: 10, burst: 20, tokensPerFill: 10, fillIntervalMs: 1000 } },
    { service, action: 'deny', rules: [{ from: [{ namespace: 'untrusted' }] }, { to: { paths: ['/admin'], ports: [9080] } }] }],
];

export function baseModel(): MeshModel {
  const services = new Map(baseServices().map((s) => [s.key, s]));
  const mesh: MeshPolicy = { ...DEFAULT_MESH, observability: { accessLog: true }, reach: new Map() };
  const access = new Map<string, readonly AccessPolicy[]>([['reviews.default', ACCESS[3]!('reviews.default')]]);
  return { version: 'm0', registry: { version: 'r0', services }, policy: { version: 'p0', mesh, traffic: new Map([['reviews.default', reviewsTraffic(90)]]), access, files: [] } };
}

interface Workload { readonly id: string; readonly namespace: string; readonly serviceAccount: string; readonly services: readonly string[];
  readonly ips: readonly string[]; readonly labels: Readonly<Record<string, string>> }

const WORKLOADS: readonly Workload[] = [
  { id: 'productpage-v1', namespace: 'default', serviceAccount: 'productpage', services: ['productpage.default'], ips: ['127.0.0.1'], labels: { app: 'productpage', version: 'v1' } },
  ...['v1', 'v2', 'v3'].map((v) => ({ id: `reviews-${v}`, namespace: 'default', serviceAccount: 'reviews', services: ['reviews.default'], ips: ['127.0.0.2'], labels: { app: 'reviews', version: v } })),
  { id: 'reviews-pod-1', namespace: 'default', serviceAccount: 'reviews', services: ['reviews.default'], ips: ['10.0.1.1'], labels: { app: 'reviews', version: 'v1' } },
  { id: 'reviews-pod-2', namespace: 'default', serviceAccount: 'reviews', services: ['reviews.default'], ips: ['10.0.1.2'], labels: { app: 'reviews', version: 'v2' } },
  { id: 'ratings-v1', namespace: 'default', serviceAccount: 'ratings', services: ['ratings.default'], ips: ['127.0.0.3', '10.0.2.1'], labels: { app: 'ratings' } },
  { id: 'web-1', namespace: 'frontend', serviceAccount: 'web', services: ['web.frontend'], ips: ['10.5.0.2'], labels: { app: 'web' } },
  { id: 'client', namespace: 'backend', serviceAccount: 'client', services: [], ips: [], labels: {} },
];

/** A proxy from the pool; the node id is sometimes reused across kinds and interception modes. */
export function randomProxy(r: Rand): ProxyDescription {
  const w = pick(r, WORKLOADS);
  const kind = pick(r, ['envoy', 'envoy', 'grpc'] as const);
  const interception = pick(r, ['iptables', 'explicit'] as const);
  const id = r() < 0.5 ? w.id : `${w.id}-${kind}-${interception}`;
  return {
    id, kind, namespace: w.namespace, serviceAccount: w.serviceAccount,
    identity: `spiffe://cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`,
    labels: w.labels, ips: w.ips, interception, services: w.services,
    ...(kind === 'grpc' && r() < 0.8 ? { serverListenerTemplate: pick(r, ['grpc/server?addr=%s', 'xds/%s']) } : {}),
    ...(r() < 0.3 ? { inboundForward: pick(r, ['loopback', 'instance-ip'] as const) } : {}),
    ...(r() < 0.3 ? { outboundAddress: pick(r, ['127.0.0.7', '127.0.0.2', '10.0.0.9']) } : {}),
  };
}

type Change = (m: MeshModel, r: Rand) => MeshModel;

const withServices = (m: MeshModel, services: Map<string, Service>): MeshModel =>
  ({ ...m, registry: { version: `${m.registry.version}+`, services } });
const withPolicy = (m: MeshModel, p: Partial<MeshModel['policy']>): MeshModel =>
  ({ ...m, policy: { ...m.policy, ...p, version: `${m.policy.version}+` } });
const withMesh = (m: MeshModel, mesh: Partial<MeshPolicy>): MeshModel => withPolicy(m, { mesh: { ...m.policy.mesh, ...mesh } });

function changeService(m: MeshModel, r: Rand, edit: (s: Service) => Service): MeshModel {
  const s = pick(r, [...m.registry.services.values()]);
  return withServices(m, new Map(m.registry.services).set(s.key, edit(s)));
}

const CHANGES: readonly Change[] = [
  (m, r) => changeService(m, r, (s) => ({ ...s, endpoints: s.endpoints.slice(1) })),
  (m, r) => changeService(m, r, (s) => ({ ...s, endpoints: [...s.endpoints, ep(`10.9.${Math.floor(r() * 4)}.1`, { version: pick(r, ['v1', 'v2']) })] })),
  (m, r) => changeService(m, r, (s) => ({ ...s, endpoints: s.endpoints.map((e, i) => (i === 0 ? { ...e, labels: { ...e.labels, version: pick(r, ['v1', 'v2', 'v3']) } } : e)) })),
  (m, r) => changeService(m, r, (s) => ({ ...s, endpoints: s.endpoints.map((e) => ({ ...e, ports: Object.fromEntries(s.ports.map((p) => [p.name, p.targetPort + 1 + Math.floor(r() * 3)])) })) })),
  (m, r) => changeService(m, r, (s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, targetPort: pick(r, [p.port, p.port + 10000, 8080]) })) })),
  // Same content, new identity: a reload that changed nothing.
  (m, r) => changeService(m, r, (s) => structuredClone(s)),
  (m, r) => {
    const key = pick(r, [...m.registry.services.keys()]);
    return withPolicy(m, { access: new Map(m.policy.access).set(key, pick(r, ACCESS)(key)) });
  },
  (m, r) => withMesh(m, { mtls: pick(r, ['strict', 'permissive', 'disabled'] as const) }),
  (m, r) => withMesh(m, { observability: pick(r, [{ accessLog: true }, { accessLog: false },
    { accessLog: r() < 0.5, tracing: { provider: pick(r, ['zipkin', 'opentelemetry'] as const), address: 'collector.obs:9411', samplingPercent: 5 } }]) }),
  (m, r) => withMesh(m, { defaults: { timeoutMs: pick(r, [15000, 5000]), connectTimeoutMs: pick(r, [2000, 1000]) } }),
  (m, r) => withMesh(m, { reach: pick(r, [new Map(), new Map([['default', []]]), new Map([['frontend', ['backend']]])]) }),
  (m, r) => withPolicy(m, { traffic: r() < 0.2 ? new Map() : new Map([['reviews.default', reviewsTraffic(pick(r, [90, 50, 100]))]]) }),
];

export function randomChange(m: MeshModel, r: Rand): MeshModel {
  return pick(r, CHANGES)(m, r);
}
