/**
 * `npm run bench -- reconcile [services] [proxies]`: the one-change path end to end, through the
 * real Reconciler — model diff → translation of the proxies the change reaches → encode → intern →
 * snapshot cache set — for an endpoint change and a policy change (whose trial translation for the
 * last-good rule is included), at mesh scale. Default 10,000 services and 2,000 proxies, the mesh
 * of bench/translate.ts (namespaces of 100 services that each reach only themselves).
 *
 * Proxies attach as plaintext streams (no keys: SDS material is not what is measured). Policy
 * reloads hand the reconciler a new PolicySet whose every TrafficPolicy is a new object, as the
 * loader produces on each load, so the diff's by-value comparison is paid as it is in production.
 * Writes bench/results/reconcile.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reconciler, memoryLogger, type CertificateSource, type PolicySource } from '../src/controlplane/index.js';
import type { RegistryChange, RegistrySource, ServiceRegistry } from '../src/discovery/index.js';
import type { Diagnostic, PolicySet } from '../src/policy/index.js';
import type { Service } from '../src/model/index.js';
import { ResourceEncoder, SnapshotCache, type NodeInfo, type StreamInfo } from '../src/xds/index.js';
import { benchMesh, PER_NAMESPACE } from './_mesh.js';

const SERVICES = Number(process.argv[2] ?? 10_000);
const PROXIES = Number(process.argv[3] ?? 2_000);
const ROUNDS = 20;

class BenchRegistry implements RegistrySource {
  readonly kind = 'static' as const;
  synced = true;
  private readonly listeners: ((c: RegistryChange) => void)[] = [];
  constructor(private registry: ServiceRegistry) {}
  current() { return this.registry; }
  async start() {}
  async stop() {}
  onChange(l: (c: RegistryChange) => void) { this.listeners.push(l); return () => undefined; }
  onError(_l: (d: readonly Diagnostic[]) => void) { return () => undefined; }
  replace(service: Service) {
    this.registry = { version: `${this.registry.version}+`, services: new Map(this.registry.services).set(service.key, service) };
    for (const l of this.listeners) l({ registry: this.registry, changed: new Set([service.key]) });
  }
}

class BenchPolicy {
  private listener?: () => void;
  constructor(public policy: PolicySet) {}
  async load() { return { ok: true as const, load: { policy: this.policy, label: this.policy.version } }; }
  watch(l: () => void) { this.listener = l; }
  stop() {}
  replace(policy: PolicySet) { this.policy = policy; this.listener?.(); }
}

const noCerts: CertificateSource = { certificate: () => undefined, bundle: () => ({ pems: [], sequence: 1 }), onRotate: () => undefined, release: () => undefined };

function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

const { registry, policy, proxies } = benchMesh(SERVICES, PROXIES);
const registrySource = new BenchRegistry(registry);
const policySource = new BenchPolicy(policy);
const touchedPerChange: number[] = [];
const rec = new Reconciler({
  policy: policySource as unknown as PolicySource, registry: registrySource, cache: new SnapshotCache(), plaintextCache: new SnapshotCache(),
  encoder: new ResourceEncoder(), certificates: noCerts, trustDomain: 'cluster.local', log: memoryLogger(),
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

/** `BENCH_PROFILE=<dir>` writes a CPU profile of each measured phase (not of the setup). */
async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => session.post(method, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  const out = await run();
  const { profile } = (await post('Profiler.stop')) as { profile: object };
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
  return out;
}

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

const changed = registry.services.get(`svc${PER_NAMESPACE * 42 + 42}.ns42`)!;
const endpoint = await profiled('endpoint', () => measure((round) => {
  const next = { ...changed, endpoints: changed.endpoints.slice(round % 2) };
  return () => registrySource.replace(next);
}));

const target = `svc${PER_NAMESPACE * 7 + 7}.ns7`;
const policyChange = await profiled('policy', () => measure((round) => {
  // A reload: every TrafficPolicy a new object; one of them with another weight.
  const traffic = new Map([...policySource.policy.traffic].map(([k, t]) => [k, structuredClone(t)]));
  const t = traffic.get(target)!;
  traffic.set(target, { ...t, routes: [t.routes[0]!, { ...t.routes[1]!, backends: [{ ...t.routes[1]!.backends![0]!, weight: 80 + (round % 2) * 10 }, { ...t.routes[1]!.backends![1]!, weight: 20 - (round % 2) * 10 }] }] });
  const next = { ...policySource.policy, version: `p${round}`, traffic };
  return () => policySource.replace(next);
}));

const result = {
  services: SERVICES, proxies: PROXIES, rounds: ROUNDS,
  connect_all_cpu_ms: Math.round(connectCpu),
  endpoint_change: endpoint,
  policy_change: policyChange,
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), node: process.version, date: new Date().toISOString(),
};
rec.stop();
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'reconcile.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
