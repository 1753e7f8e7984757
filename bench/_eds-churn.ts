/**
 * The eds-churn benchmark as a function (bench/eds-churn.ts is its command line; the smoke test
 * calls it directly). weft (`_weft-plane.ts`: the real reconciler, its default debounce of registry
 * changes unless told otherwise) serves a scoped mesh (`_scoped-mesh.ts`) to simulated proxies; endpoints then move
 * at a fixed rate, one per change. Per change, the proxies whose namespace holds the service
 * must ACK an EDS response carrying the new address: change→ACK is that ACK's time minus the
 * moment the registry published the change. A receive window over the whole churn records what
 * was sent: the target is EDS only, and only the changed clusters' assignments.
 */
import { TypeUrl } from '../proto/type-urls.js';
import { sharedNow } from './_ipc.js';
import type { TypeCount } from './_ipc.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { MemoryRegistry } from './_memory-registry.js';
import { EndpointChurn, meshYaml, proxiesIn, proxySpecs, service, type MeshShape } from './_scoped-mesh.js';
import { forceGc, percentile, round2, rssMb, sleep } from './_stats.js';
import { profiled } from './_profile.js';
import { WeftPlane } from './_weft-plane.js';

export interface ChurnOptions extends MeshShape {
  /** Endpoint changes per second, and how many. */
  rate: number;
  changes: number;
  loadgens: number;
  /** The reconciler's debounce of registry changes; undefined keeps its default. */
  registryDebounce?: { quietMs: number; maxMs: number };
}

export interface ChurnReport {
  options: ChurnOptions;
  sync_s: number;
  changes: number;
  /**
   * Changes whose new address a later change moved again before it was sent: their marker can
   * never arrive (the merged push carries the later address). They are not counted below.
   */
  superseded: number;
  /** (change, proxy) pairs that should have received the change, and those that did. */
  expected_deliveries: number;
  delivered: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** From the start of the flush that carried a change (the debounce fired) to the ACKs. */
  flush_p99_ms: number;
  server_cpu_ms_per_change: number;
  /** Reconciler rebuilds during the churn (changes merged by the debounce). */
  rebuilds: number;
  by_type: Record<string, Omit<TypeCount, 'names'> & { distinct_names: number }>;
  only_eds: boolean;
  /** Every EDS resource sent was the assignment of a cluster whose service changed. */
  only_changed_clusters: boolean;
  unexpected_names: string[];
  /** Proxies that received anything though no change concerned them. */
  unexpected_receivers: number;
  rss_mb: number;
  log_errors: number;
  log_problems: string[];
  log_warnings: number;
}

interface Sent {
  id: number;
  at: number;
  expect: string[];
  to: string;
  from: string;
}

export async function runEdsChurn(o: ChurnOptions): Promise<ChurnReport> {
  const services = Array.from({ length: o.services }, (_, i) => service(o, i));
  const registry = new MemoryRegistry(services);
  const plane = await WeftPlane.start({ policy: { 'mesh.yaml': meshYaml(o) }, registry, registryDebounce: o.registryDebounce });
  const specs = proxySpecs(o);
  const group = new LoadgenGroup({ target: `127.0.0.1:${plane.port}`, proxies: specs, processes: o.loadgens, sds: true });
  try {
    const s0 = sharedNow();
    await group.sync();
    const syncS = (sharedNow() - s0) / 1000;
    await plane.reconciler.settled();
    let rebuilds = 0;
    plane.events.on('translate', () => rebuilds++);
    await group.openWindow();
    const churn = new EndpointChurn(o);
    const sent: Sent[] = [];
    const hosts = new Set<string>();
    const cpu0 = process.cpuUsage();
    const start = sharedNow();
    await profiled('eds-churn', async () => {
      for (let k = 0; k < o.changes; k++) {
        const due = start + (k * 1000) / o.rate;
        const wait = due - sharedNow();
        if (wait > 0) await sleep(wait);
        const move = churn.next();
        const expect = proxiesIn(specs, move.namespace);
        const id = await group.mark(TypeUrl.ClusterLoadAssignment, move.marker, expect);
        hosts.add(`${move.key}.svc.cluster.local`);
        sent.push({ id, at: sharedNow(), expect, to: move.to, from: move.from });
        registry.moveEndpoints([move]);
      }
      await plane.reconciler.settled();
    });
    // A move whose address a later move replaced may never be sent: collect those last, without
    // waiting, once every other change has arrived (the last push carries everything by then).
    const replaced = sent.map((s, i) => sent.slice(i + 1).some((later) => later.from === s.to));
    const acks: Map<string, number>[] = new Array(sent.length);
    await Promise.all(sent.map(async (s, i) => void (!replaced[i] && (acks[i] = await group.collect(s.id, 30_000)))));
    await Promise.all(sent.map(async (s, i) => void (replaced[i] && (acks[i] = await group.collect(s.id, 0)))));
    const cpu = process.cpuUsage(cpu0);
    const counts = await group.windowCounts();
    const latencies: number[] = [];
    const afterFlush: number[] = [];
    let expected = 0;
    let superseded = 0;
    sent.forEach((s, i) => {
      const ackAt = acks[i]!;
      // Moved on again before reaching anyone: the later move's push carries only its address.
      if (ackAt.size === 0 && replaced[i]) return void superseded++;
      expected += s.expect.length;
      const flush = plane.flushAfter(s.at) ?? s.at;
      for (const id of s.expect) {
        const at = ackAt.get(id);
        if (at !== undefined) latencies.push(at - s.at), afterFlush.push(at - flush);
      }
    });
    const concerned = new Set(sent.flatMap((s) => s.expect));
    const eds = counts.byType[TypeUrl.ClusterLoadAssignment];
    const unexpected = (eds?.names ?? []).filter((n) => ![...hosts].some((h) => n.endsWith(`|${h}`)));
    forceGc();
    return {
      options: o,
      sync_s: round2(syncS),
      changes: sent.length,
      superseded,
      expected_deliveries: expected,
      delivered: latencies.length,
      p50_ms: round2(percentile(latencies, 50)),
      p99_ms: round2(percentile(latencies, 99)),
      max_ms: round2(Math.max(...latencies)),
      flush_p99_ms: round2(percentile(afterFlush, 99)),
      server_cpu_ms_per_change: round2((cpu.user + cpu.system) / 1000 / Math.max(1, sent.length)),
      rebuilds,
      by_type: Object.fromEntries(Object.entries(counts.byType).map(([t, c]) => [t.split('.').pop()!, { responses: c.responses, resources: c.resources, bytes: c.bytes, proxies: c.proxies, distinct_names: c.names.length }])),
      only_eds: Object.keys(counts.byType).every((t) => t === TypeUrl.ClusterLoadAssignment),
      only_changed_clusters: unexpected.length === 0,
      unexpected_names: unexpected.slice(0, 10),
      unexpected_receivers: counts.receivers.filter((r) => !concerned.has(r)).length,
      rss_mb: round2(rssMb()),
      log_errors: plane.log.errors,
      log_warnings: plane.log.warnings, log_problems: plane.problems(),
    };
  } finally {
    await group.close();
    await plane.close();
  }
}
