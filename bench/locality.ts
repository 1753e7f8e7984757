/**
 * `npm run bench -- locality [services] [proxies] [zones]`: what per-locality endpoint assignments
 * cost (docs/policy.md "Locality"). The bench/_mesh.ts mesh, its endpoints spread over `zones`
 * zones of one region and its proxies likewise, translated with an empty cache three ways: no
 * locality block (the services have no outlier detection, so every locality is equal), a Mesh
 * `locality` block with every proxy in one zone, and with the proxies in `zones` zones.
 *
 * Measures wall and CPU time of the full translation and the distinct ClusterLoadAssignment,
 * RouteConfiguration and Cluster messages (by identity: what the xDS layer encodes), after a
 * discarded warm-up run. Writes
 * bench/results/locality.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TypeUrl } from '../proto/type-urls.js';
import type { MeshModel, ProxyDescription, Service } from '../src/model/index.js';
import { TranslationCache, translate } from '../src/translate/index.js';
import { benchMesh } from './_mesh.js';

const SERVICES = Number(process.argv[2] ?? 10_000);
const PROXIES = Number(process.argv[3] ?? 2_000);
const ZONES = Number(process.argv[4] ?? 3);

const { registry, policy, proxies } = benchMesh(SERVICES, PROXIES);
const zoned = new Map<string, Service>();
for (const [key, s] of registry.services) zoned.set(key, { ...s, endpoints: s.endpoints.map((e, i) => ({ ...e, region: 'r1', zone: `z${i % ZONES}` })) });
const base: MeshModel = { version: 'p/r', policy, registry: { version: 'r-zoned', services: zoned } };
const withBlock: MeshModel = { ...base, version: 'p2/r', policy: { ...policy, mesh: { ...policy.mesh, locality: { enabled: true, failover: [], distribute: [] } } } };
const inZones = (n: number) => proxies.map((p, i): ProxyDescription => ({ ...p, locality: { region: 'r1', zone: `z${i % n}` } }));

function run(model: MeshModel, ps: readonly ProxyDescription[]) {
  const cache = new TranslationCache();
  const seen = { eds: new Set<unknown>(), rds: new Set<unknown>(), cds: new Set<unknown>() };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const proxy of ps) {
    const r = translate({ model, proxy, cache });
    for (const x of r.resources.get(TypeUrl.ClusterLoadAssignment) ?? []) seen.eds.add(x.message);
    for (const x of r.resources.get(TypeUrl.RouteConfiguration) ?? []) seen.rds.add(x.message);
    for (const x of r.resources.get(TypeUrl.Cluster) ?? []) seen.cds.add(x.message);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { full_ms: Math.round(ms), full_cpu_ms: Math.round((c.user + c.system) / 1000), eds_messages: seen.eds.size, rds_messages: seen.rds.size, cds_messages: seen.cds.size };
}

const CONFIGS = { no_block: () => run(base, inZones(ZONES)), one_zone: () => run(withBlock, inZones(1)), zones_n: () => run(withBlock, inZones(ZONES)) };
type Config = keyof typeof CONFIGS;
const only = process.argv[5] as Config | undefined;
if (only) {
  // A child: one configuration, after a warm-up (a tenth of the proxies, discarded).
  run(withBlock, inZones(ZONES).slice(0, Math.ceil(PROXIES / 10)));
  process.stdout.write(JSON.stringify({ ...CONFIGS[only](), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
  process.exit(0);
}
// Each configuration in a process of its own: in one process the later ones ran on a warmer JIT and a fuller heap.
const self = fileURLToPath(import.meta.url);
const child = (c: Config) => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, String(SERVICES), String(PROXIES), String(ZONES), c], { encoding: 'utf8', maxBuffer: 1 << 20 })) as ReturnType<typeof run>;
const result = {
  services: SERVICES, proxies: PROXIES, zones: ZONES,
  no_block: child('no_block'), one_zone: child('one_zone'), zones_n: child('zones_n'),
  load_average_1m: Number(loadavg()[0]!.toFixed(2)), node: process.version, date: new Date().toISOString(),
};
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'locality.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
