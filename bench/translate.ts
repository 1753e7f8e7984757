/**
 * `npx tsx bench/translate.ts [services] [proxies] [identity|<secret name>]`: translation cost at mesh scale.
 *
 * Mesh: `services` services in namespaces of 100, each with an HTTP and a gRPC port, four
 * endpoints (two per version), two subsets and a TrafficPolicy (header route + 90/10 split with
 * retries). `proxies` sidecars spread evenly over the namespaces, each serving one service;
 * every namespace reaches only itself (mesh.reach), as a scoped mesh would.
 *
 * Measures: `full_ms`, all proxies with an empty cache; `incremental_ms`, all proxies again after
 * one service's endpoints changed (warm cache; unaffected proxies return their previous result);
 * `affected_ms`, only the proxies whose scope contains the changed service. Writes
 * bench/results/translate.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MESH, type MeshModel, type ProxyDescription, type Service, type TrafficPolicy } from '../src/model/index.js';
import { TranslationCache, translate } from '../src/translate/index.js';

const SERVICES = Number(process.argv[2] ?? 10_000);
const PROXIES = Number(process.argv[3] ?? 2_000);
const PER_NS = 100;
/** Own certificate secret name: `default` (DESIGN.md §4), or `identity` to name it by SPIFFE ID. */
const SECRET = process.argv[4] ?? 'default';
const ownName = (p: ProxyDescription) => (SECRET === 'identity' ? p.identity : SECRET);

function service(i: number): Service {
  const ns = `ns${Math.floor(i / PER_NS)}`;
  const name = `svc${i}`;
  return {
    key: `${name}.${ns}`, name, namespace: ns, hostname: `${name}.${ns}.svc.cluster.local`, serviceAccount: name,
    ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'http' }, { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'grpc' }],
    endpoints: [0, 1, 2, 3].map((e) => ({ address: `10.${i >> 8 & 255}.${i & 255}.${e + 1}`, labels: { version: e < 2 ? 'v1' : 'v2' }, zone: `z${e % 2}`, health: 'healthy' as const })),
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

function buildModel(): { model: MeshModel; proxies: ProxyDescription[] } {
  const services = new Map<string, Service>();
  const trafficMap = new Map<string, TrafficPolicy>();
  for (let i = 0; i < SERVICES; i++) {
    const s = service(i);
    services.set(s.key, s);
    trafficMap.set(s.key, traffic(s));
  }
  const namespaces = Math.ceil(SERVICES / PER_NS);
  const reach = new Map<string, readonly string[]>();
  for (let n = 0; n < namespaces; n++) reach.set(`ns${n}`, []);
  const mesh = { ...DEFAULT_MESH, reach };
  const policy = { version: 'p1', mesh, traffic: trafficMap, access: new Map(), files: [] };
  const proxies: ProxyDescription[] = [];
  for (let p = 0; p < PROXIES; p++) {
    const s = service(Math.floor((p * SERVICES) / PROXIES));
    proxies.push({ id: `proxy-${p}`, kind: 'envoy', namespace: s.namespace, serviceAccount: s.serviceAccount,
      identity: `spiffe://cluster.local/ns/${s.namespace}/sa/${s.serviceAccount}`, labels: {}, ips: [],
      interception: 'iptables', services: [s.key] });
  }
  return { model: { version: 'p1/r1', policy, registry: { version: 'r1', services } }, proxies };
}

interface Timing { ms: number; cpuMs: number; resources: number; errors: number }

/** Wall and CPU time: the machine is shared, so CPU time is the steadier figure. */
function timeAll(model: MeshModel, proxies: readonly ProxyDescription[], cache: TranslationCache): Timing {
  let resources = 0;
  let errors = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const proxy of proxies) {
    const r = translate({ model, proxy, cache, ownSecretName: ownName(proxy) });
    for (const list of r.resources.values()) resources += list.length;
    errors += r.diagnostics.filter((d) => d.severity === 'error').length;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, resources, errors };
}

const { model, proxies } = buildModel();
const cache = new TranslationCache();
const full = timeAll(model, proxies, cache);

const changedKey = 'svc4242.ns42';
const old = model.registry.services.get(changedKey)!;
const services = new Map(model.registry.services);
services.set(changedKey, { ...old, endpoints: old.endpoints.slice(1) });
const next: MeshModel = { ...model, version: 'p1/r2', registry: { version: 'r2', services } };
const incremental = timeAll(next, proxies, cache);

const next2: MeshModel = { ...next, version: 'p1/r3', registry: { version: 'r3', services: new Map(services).set(changedKey, old) } };
const affected = timeAll(next2, proxies.filter((p) => p.namespace === old.namespace), cache);

const result = {
  services: SERVICES, proxies: PROXIES, own_secret_name: SECRET,
  full_ms: Math.round(full.ms), incremental_ms: Number(incremental.ms.toFixed(2)), affected_ms: Number(affected.ms.toFixed(2)),
  full_cpu_ms: Math.round(full.cpuMs), incremental_cpu_ms: Number(incremental.cpuMs.toFixed(2)), affected_cpu_ms: Number(affected.cpuMs.toFixed(2)),
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  resources_per_full_run: full.resources, error_diagnostics: full.errors + incremental.errors + affected.errors,
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), node: process.version, date: new Date().toISOString(),
};
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'translate.json'), JSON.stringify(result, null, 2) + '\n');
console.table(result);
