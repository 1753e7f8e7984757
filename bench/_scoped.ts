/**
 * The scoped benchmark as a function (bench/scoped.ts is its command line; the smoke test calls
 * it directly). weft (`_weft-plane.ts`, default debounce) serves a mesh whose first namespace
 * holds `1 / namespaces` of the proxies; each round rewrites the TrafficPolicy of a service in
 * that namespace (a header-match value, the marker). Change→ACK runs from the file write (so it
 * includes the directory watch, debounce, policy load and last-good check) to each concerned
 * proxy's ACK of the RDS response carrying the marker; a receive window per round records who
 * received anything at all: the target is only the concerned proxies.
 */
import { TypeUrl } from '../proto/type-urls.js';
import { sharedNow } from './_ipc.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { MemoryRegistry } from './_memory-registry.js';
import { markedTrafficYaml, markerBytes, meshYaml, namespaceOf, proxiesIn, proxySpecs, service, type MeshShape } from './_scoped-mesh.js';
import { median, percentile, round2 } from './_stats.js';
import { WeftPlane } from './_weft-plane.js';

export interface ScopedOptions extends MeshShape {
  rounds: number;
  warmup: number;
  loadgens: number;
}

export interface ScopedRound {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** From the start of the flush (the debounce fired) to the ACKs: the work after waiting. */
  flush_p99_ms: number;
  concerned: number;
  acked: number;
  /** Proxies that received anything during the round. */
  receivers: number;
  /** Of those, proxies the change did not concern (target 0). */
  unconcerned_receivers: number;
  types_sent: string[];
  cpu_ms: number;
}

export interface ScopedReport {
  options: ScopedOptions;
  concerned_share: number;
  sync_s: number;
  rounds: ScopedRound[];
  p50_ms: number;
  p99_ms: number;
  flush_p99_ms: number;
  server_cpu_ms: number;
  only_concerned_received: boolean;
  all_acked: boolean;
  log_errors: number;
  log_problems: string[];
}

const POLICY_FILE = 'scoped.yaml';
const marker = (round: number) => `weft-mark-${String(round).padStart(6, '0')}`;

export async function runScoped(o: ScopedOptions): Promise<ScopedReport> {
  const registry = new MemoryRegistry(Array.from({ length: o.services }, (_, i) => service(o, i)));
  const plane = await WeftPlane.start({ policy: { 'mesh.yaml': meshYaml(o), [POLICY_FILE]: markedTrafficYaml(o, 0, marker(0)) }, registry });
  const specs = proxySpecs(o);
  const concerned = proxiesIn(specs, namespaceOf(o, 0));
  const group = new LoadgenGroup({ target: `127.0.0.1:${plane.port}`, proxies: specs, processes: o.loadgens, sds: true });
  try {
    const s0 = sharedNow();
    await group.sync();
    const syncS = (sharedNow() - s0) / 1000;
    await plane.reconciler.settled();
    const rounds: ScopedRound[] = [];
    for (let r = 1; r <= o.warmup + o.rounds; r++) {
      const result = await round(plane, group, o, r, concerned);
      if (r > o.warmup) rounds.push(result);
    }
    const med = (pick: (r: ScopedRound) => number) => round2(median(rounds.map(pick)));
    return {
      options: o,
      concerned_share: round2(concerned.length / specs.length),
      sync_s: round2(syncS),
      rounds,
      p50_ms: med((r) => r.p50_ms),
      p99_ms: med((r) => r.p99_ms),
      flush_p99_ms: med((r) => r.flush_p99_ms),
      server_cpu_ms: med((r) => r.cpu_ms),
      only_concerned_received: rounds.every((r) => r.unconcerned_receivers === 0),
      all_acked: rounds.every((r) => r.acked === r.concerned),
      log_errors: plane.log.errors, log_problems: plane.problems(),
    };
  } finally {
    await group.close();
    await plane.close();
  }
}

async function round(plane: WeftPlane, group: LoadgenGroup, o: ScopedOptions, r: number, concerned: readonly string[]): Promise<ScopedRound> {
  await group.openWindow();
  const id = await group.mark(TypeUrl.RouteConfiguration, markerBytes(marker(r)), concerned);
  const cpu0 = process.cpuUsage();
  const t0 = sharedNow();
  await plane.writePolicy(POLICY_FILE, markedTrafficYaml(o, 0, marker(r)));
  const acks = await group.collect(id, 30_000);
  await plane.reconciler.settled();
  const cpu = process.cpuUsage(cpu0);
  const counts = await group.windowCounts();
  const lat = [...acks.values()].map((at) => at - t0);
  const flush = plane.flushAfter(t0) ?? t0;
  const wanted = new Set(concerned);
  return {
    p50_ms: round2(percentile(lat, 50)),
    p99_ms: round2(percentile(lat, 99)),
    max_ms: round2(Math.max(...lat)),
    flush_p99_ms: round2(percentile([...acks.values()].map((at) => at - flush), 99)),
    concerned: concerned.length,
    acked: lat.length,
    receivers: counts.receivers.length,
    unconcerned_receivers: counts.receivers.filter((n) => !wanted.has(n)).length,
    types_sent: Object.keys(counts.byType).map((t) => t.split('.').pop()!).sort(),
    cpu_ms: round2((cpu.user + cpu.system) / 1000),
  };
}
