/**
 * The benchmark mesh shared by bench/translate.ts and bench/reconcile.ts: `services` services in
 * namespaces of 100, each with an HTTP and a gRPC port, four endpoints (two per version), two
 * subsets and a TrafficPolicy (header route + 90/10 split with retries); `proxies` sidecars
 * spread evenly over the namespaces, each serving one service from its first endpoint's address;
 * every namespace reaches only itself (mesh.reach), as a scoped mesh would.
 */
import { DEFAULT_MESH, type ProxyDescription, type Service, type ServiceRegistry, type TrafficPolicy } from '../src/model/index.js';
import type { PolicySet } from '../src/policy/index.js';

export const PER_NAMESPACE = 100;

function service(i: number): Service {
  const ns = `ns${Math.floor(i / PER_NAMESPACE)}`;
  const name = `svc${i}`;
  return {
    key: `${name}.${ns}`, name, namespace: ns, hostname: `${name}.${ns}.svc.cluster.local`, serviceAccount: name,
    ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'http' }, { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'grpc' }],
    endpoints: [0, 1, 2, 3].map((e) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.${e + 1}`, labels: { version: e < 2 ? 'v1' : 'v2' }, zone: `z${e % 2}`, health: 'healthy' as const })),
  };
}

function traffic(s: Service): TrafficPolicy {
  return {
    service: s.key, loadBalancer: 'least-request',
    subsets: new Map([['v1', { version: 'v1' }], ['v2', { version: 'v2' }]]),
    routes: [
      { match: { headers: { 'x-canary': { exact: 'yes' } } }, backends: [{ service: s.key, subset: 'v2', weight: 100 }] },
      { backends: [{ service: s.key, subset: 'v1', weight: 90 }, { service: s.key, subset: 'v2', weight: 10 }],
        retries: { attempts: 3, on: ['5xx', 'reset'], perTryTimeoutMs: 1000 }, timeoutMs: 3000 },
    ],
    circuitBreaker: { maxConnections: 100 },
  };
}

export interface BenchMesh { readonly registry: ServiceRegistry; readonly policy: PolicySet; readonly proxies: readonly ProxyDescription[] }

export function benchMesh(serviceCount: number, proxyCount: number): BenchMesh {
  const services = new Map<string, Service>();
  const trafficMap = new Map<string, TrafficPolicy>();
  for (let i = 0; i < serviceCount; i++) {
    const s = service(i);
    services.set(s.key, s);
    trafficMap.set(s.key, traffic(s));
  }
  const reach = new Map<string, readonly string[]>();
  for (let n = 0; n < Math.ceil(serviceCount / PER_NAMESPACE); n++) reach.set(`ns${n}`, []);
  const policy: PolicySet = { version: 'p1', mesh: { ...DEFAULT_MESH, reach }, traffic: trafficMap, access: new Map(), files: [] };
  const proxies: ProxyDescription[] = [];
  for (let p = 0; p < proxyCount; p++) {
    const s = services.get(service(Math.floor((p * serviceCount) / proxyCount)).key)!;
    proxies.push({ id: `proxy-${p}`, kind: 'envoy', namespace: s.namespace, serviceAccount: s.serviceAccount,
      identity: `spiffe://cluster.local/ns/${s.namespace}/sa/${s.serviceAccount}`, labels: {}, ips: [s.endpoints[0]!.address],
      interception: 'iptables', services: [s.key] });
  }
  return { registry: { version: 'r1', services }, policy, proxies };
}
