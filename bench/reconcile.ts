/**
 * `npm run bench -- reconcile [services] [proxies]`: the one-change path end to end, through the
 * real Reconciler — model diff → translation of the proxies the change reaches → encode → intern →
 * snapshot cache set — for an endpoint change (delivered as a registry source does: the next
 * registry with the key that changed, made before the clock starts) and a policy change (whose
 * trial translation for the last-good rule is included), at mesh scale. Default 10,000 services
 * and 2,000 proxies, the mesh of bench/translate.ts (namespaces of 100 services that each reach
 * only themselves).
 *
 * Proxies attach as plaintext streams (no keys: SDS material is not what is measured). Policy
 * changes are measured twice: `policy_change` hands the reconciler a PolicySet whose every
 * TrafficPolicy is a new object (a load without the load cache, or a policy rewritten in every
 * file), so the diff compares them all by value; `policy_change_unchanged_objects_kept` keeps the
 * unchanged objects, as the policy directory source's load cache now delivers an edit of one file.
 * Writes bench/results/reconcile.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reconciler, memoryLogger } from '../src/controlplane/index.js';
import { MemoryPolicySource, MemoryRegistrySource, NO_CERTIFICATES } from '../test/support/memory-sources.js';
import { ResourceEncoder, SnapshotCache, type NodeInfo, type StreamInfo } from '../src/xds/index.js';
import type { TrafficPolicy } from '../src/model/index.js';
import { benchMesh } from './_mesh.js';
import { profiled } from './_profile.js';

const SERVICES = Number(process.argv[2] ?? 10_000);
const PROXIES = Number(process.argv[3] ?? 2_000);
const ROUNDS = 20;

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

const { registry, policy, proxies } = benchMesh(SERVICES, PROXIES);
const registrySource = new MemoryRegistrySource(registry);
const policySource = new MemoryPolicySource(policy);
const touchedPerChange: number[] = [];
const rec = new Reconciler({
  policy: policySource.asSource, registry: registrySource, cache: new SnapshotCache(), plaintextCache: new SnapshotCache(),
  encoder: new ResourceEncoder(), certificates: NO_CERTIFICATES, trustDomain: 'cluster.local', log: memoryLogger(),
  debounce: { quietMs: 0, maxMs: 10 }, hooks: { onTranslate: (_ms, n) => touchedPerChange.push(n) },
});
await rec.start();

// Connect every proxy: each translates once.
const c0 = process.cpuUsage();
for (const [i, p] of proxies.entries()) {
  const node: NodeInfo = { id: p.id, cluster: '', metadata: { namespace: p.namespace, service_account: p.serviceAccount, interception: 'iptables', instance_ips: p.ips.join(',') }, userAgentName: 'envoy', userAgentVersion: '' };
  const stream = { id: i + 1, service: 'ads', delta: false, peer: 'bench', openedAt: 0, secure: false, node, types: () => [] } as unknown as StreamInfo & { key?: string; principal?: unknown };
  const auth = rec.authenticate({ stream, node }, 'plaintext');
  if (!auth.ok) throw new Error(auth.message);
  stream.key = auth.key;
  stream.principal = auth.principal;
  rec.streamBound(stream);
}
const connectCpu = cpuMs(c0);

/** `prepare(round)` builds the next input outside the measurement and returns what applies it. */
async function measure(prepare: (round: number) => () => void): Promise<{ cpu_ms_median: number; cpu_ms_max: number; proxies_translated: number }> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const apply = prepare(round);
    const t = process.cpuUsage();
    apply();
    await rec.settled();
    samples.push(cpuMs(t));
  }
  samples.sort((a, b) => a - b);
  return { cpu_ms_median: Number(samples[samples.length >> 1]!.toFixed(2)), cpu_ms_max: Number(samples.at(-1)!.toFixed(2)), proxies_translated: touchedPerChange.at(-1) ?? 0 };
}

// Services near 42 % and 7 % of the mesh (svc4242.ns42 and svc707.ns7 at the default size).
const keys = [...registry.services.keys()];
const changed = registry.services.get(keys[Math.floor(SERVICES * 0.4242)]!)!;
const endpoint = await profiled('endpoint', () => measure((round) => {
  // As a registry source delivers it: the next registry and the key that changed, both made
  // before the clock starts (a real source builds them from its watch event, not the reconciler).
  const next = { ...changed, endpoints: changed.endpoints.slice(round % 2) };
  const nextRegistry = { version: `r${round}`, services: new Map(registrySource.current().services).set(next.key, next) };
  const changedKeys = new Set([next.key]);
  return () => registrySource.set(nextRegistry, changedKeys);
}));

const target = keys[Math.floor(SERVICES * 0.0707)]!;
/** `traffic` with `target`'s second route split `first` / 100 - `first`, as the policy `version`;
 * returns what applies it. */
function reweighted(traffic: Map<string, TrafficPolicy>, first: number, version: string): () => void {
  const t = traffic.get(target)!;
  const [a, b] = t.routes[1]!.backends!;
  traffic.set(target, { ...t, routes: [t.routes[0]!, { ...t.routes[1]!, backends: [{ ...a!, weight: first }, { ...b!, weight: 100 - first }] }] });
  const next = { ...policySource.policy, version, traffic };
  return () => policySource.set(next);
}

const policyChange = await profiled('policy', () => measure((round) => {
  // A reload: every TrafficPolicy a new object; one of them with another weight.
  const traffic = new Map([...policySource.policy.traffic].map(([k, t]) => [k, structuredClone(t)]));
  return reweighted(traffic, 80 + (round % 2) * 10, `p${round}`);
}));

// The same change as the policy directory source now loads it (load-cache.ts): the objects of
// unchanged files are the previous objects, only the edited policy is new.
const policyCached = await profiled('policy-cached', () => measure((round) => {
  return reweighted(new Map(policySource.policy.traffic), 70 + (round % 2) * 10, `q${round}`);
}));

const result = {
  services: SERVICES, proxies: PROXIES, rounds: ROUNDS,
  connect_all_cpu_ms: Math.round(connectCpu),
  endpoint_change: endpoint,
  policy_change: policyChange,
  policy_change_unchanged_objects_kept: policyCached,
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), node: process.version, date: new Date().toISOString(),
};
rec.stop();
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'reconcile.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
