/**
 * `npx tsx bench/translate.ts [services] [proxies] [identity|<secret name>]`: translation cost at mesh scale.
 *
 * Mesh: bench/_mesh.ts (namespaces of 100 services reaching only themselves, a proxy per
 * services/proxies services).
 *
 * Measures: `full_ms`, all proxies with an empty cache; `incremental_ms`, all proxies again after
 * one service's endpoints changed (warm cache; unaffected proxies return their previous result:
 * what a server without a dependency index pays); `affected_ms`, only the proxies whose scope
 * contains the changed service (what the reconciler translates; bench/reconcile.ts measures that
 * path end to end). The validators are compiled before the clock starts, as the control plane
 * does before its first translation (`warmChecks`); `warm_checks_cpu_ms` reports that one-time
 * cost. Writes bench/results/translate.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeshModel, ProxyDescription } from '../src/model/index.js';
import { TranslationCache, translate, warmChecks } from '../src/translate/index.js';
import { benchMesh } from './_mesh.js';

const SERVICES = Number(process.argv[2] ?? 10_000);
const PROXIES = Number(process.argv[3] ?? 2_000);
/** Own certificate secret name: `default` (DESIGN.md §4), or `identity` to name it by SPIFFE ID. */
const SECRET = process.argv[4] ?? 'default';
const ownName = (p: ProxyDescription) => (SECRET === 'identity' ? p.identity : SECRET);

function buildModel(): { model: MeshModel; proxies: readonly ProxyDescription[] } {
  const { registry, policy, proxies } = benchMesh(SERVICES, PROXIES);
  return { model: { version: 'p1/r1', policy, registry }, proxies };
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
const w0 = process.cpuUsage();
warmChecks();
const w = process.cpuUsage(w0);
const cache = new TranslationCache();
const full = timeAll(model, proxies, cache);

// A service near the middle of the mesh (svc4242.ns42 at the default size).
const changedKey = [...model.registry.services.keys()][Math.floor(SERVICES * 0.4242)]!;
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
  warm_checks_cpu_ms: Math.round((w.user + w.system) / 1000),
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  resources_per_full_run: full.resources, error_diagnostics: full.errors + incremental.errors + affected.errors,
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), node: process.version, date: new Date().toISOString(),
};
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'translate.json'), JSON.stringify(result, null, 2) + '\n');
console.table(result);
