/**
 * The soak benchmark as a function (bench/soak.ts is its command line; the smoke test calls it
 * directly). weft (`_weft-plane.ts`) serves a scoped mesh to connected proxies while `steps`
 * steps run back to back; each step rewrites a TrafficPolicy (a different service each step, so
 * old content must be freed) and moves `endpointChanges / steps` endpoints in one registry
 * version, then waits until the policy change has reached every proxy it concerns. RSS is taken
 * after a full GC at the end of warm-up (the first 10 % of steps) and every 10 % after; the
 * figures are the growth from warm-up to the end (`rss_growth_pct`, last sample minus the first)
 * and the same growth along the least-squares line through every sample (`rss_trend_growth_pct`:
 * one sample's noise, a few % from run to run, moves it less). Bounded by `maxSeconds`: a soak
 * cut short says how many steps it ran.
 */
import { TypeUrl } from '../proto/type-urls.js';
import { sharedNow } from './_ipc.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { MemoryRegistry } from './_memory-registry.js';
import { EndpointChurn, markedTrafficYaml, markerBytes, meshYaml, namespaceOf, proxiesIn, proxySpecs, service, type MeshShape } from './_scoped-mesh.js';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { forceGc, percentile, round2, rssMb, sleep, trendGrowthPct } from './_stats.js';
import { WeftPlane } from './_weft-plane.js';

export interface SoakOptions extends MeshShape {
  /** Policy changes (one per step) and endpoint changes (spread evenly over the steps). */
  policyChanges: number;
  endpointChanges: number;
  loadgens: number;
  maxSeconds: number;
  debounce?: { quietMs: number; maxMs: number };
}

export interface SoakReport {
  options: SoakOptions;
  steps_run: number;
  endpoint_changes_run: number;
  cut_short: boolean;
  seconds: number;
  rss_warm_mb: number;
  rss_end_mb: number;
  rss_growth_pct: number;
  rss_trend_growth_pct: number;
  heap_warm_mb: number;
  heap_end_mb: number;
  heap_trend_growth_pct: number;
  /** [step, RSS MiB after GC] from the end of warm-up on. */
  samples: [number, number][];
  /** [step, V8 heap used MiB after GC], the same steps. */
  heap_samples: [number, number][];
  /** [step, ArrayBuffer and Buffer memory MiB after GC] (outside the V8 heap, inside RSS). */
  buffer_samples: [number, number][];
  step_p99_ms: number;
  undelivered: number;
  live_streams: number;
  log_errors: number;
  log_problems: string[];
}

const POLICY_FILE = 'soak.yaml';
const marker = (step: number) => `weft-soak-${String(step).padStart(7, '0')}`;

async function settledMemory(): Promise<{ rss: number; heap: number; buffers: number }> {
  forceGc();
  await sleep(200);
  forceGc();
  const m = process.memoryUsage();
  return { rss: rssMb(), heap: m.heapUsed / 2 ** 20, buffers: m.arrayBuffers / 2 ** 20 };
}

/** `BENCH_HEAP=<dir>`: a heap snapshot at each memory sample, to find what grows (DevTools' comparison view). */
function heapSnapshot(name: string): void {
  const dir = process.env.BENCH_HEAP;
  if (dir) writeHeapSnapshot(path.join(dir, `soak-${name}.heapsnapshot`));
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const registry = new MemoryRegistry(Array.from({ length: o.services }, (_, i) => service(o, i)));
  const plane = await WeftPlane.start({ policy: { 'mesh.yaml': meshYaml(o), [POLICY_FILE]: markedTrafficYaml(o, 0, marker(0)) }, registry, debounce: o.debounce });
  const specs = proxySpecs(o);
  const group = new LoadgenGroup({ target: `127.0.0.1:${plane.port}`, proxies: specs, processes: o.loadgens, sds: true });
  try {
    await group.sync();
    await plane.reconciler.settled();
    const churn = new EndpointChurn(o, 7);
    const perStep = Math.round(o.endpointChanges / o.policyChanges);
    const warmup = Math.max(1, Math.round(o.policyChanges / 10));
    const sampleEvery = Math.max(1, Math.round(o.policyChanges / 10));
    const samples: [number, number][] = [];
    const heapSamples: [number, number][] = [];
    const bufferSamples: [number, number][] = [];
    const stepMs: number[] = [];
    let warm = { rss: 0, heap: 0, buffers: 0 };
    let undelivered = 0;
    let step = 0;
    const t0 = sharedNow();
    const deadline = t0 + o.maxSeconds * 1000;
    while (step < o.policyChanges && sharedNow() < deadline) {
      step++;
      const i = step % o.services;
      const concerned = proxiesIn(specs, namespaceOf(o, i));
      const id = await group.mark(TypeUrl.RouteConfiguration, markerBytes(marker(step)), concerned);
      const s0 = sharedNow();
      registry.moveEndpoints(Array.from({ length: perStep }, () => churn.next()));
      await plane.writePolicy(POLICY_FILE, markedTrafficYaml(o, i, marker(step)));
      const acks = await group.collect(id, 30_000);
      undelivered += concerned.length - acks.size;
      stepMs.push(sharedNow() - s0);
      if (step === warmup || (step > warmup && step % sampleEvery === 0)) {
        await plane.reconciler.settled();
        const m = await settledMemory();
        if (step === warmup) warm = m;
        samples.push([step, round2(m.rss)]);
        heapSamples.push([step, round2(m.heap)]);
        bufferSamples.push([step, round2(m.buffers)]);
        heapSnapshot(`step-${step}`);
      }
    }
    await plane.reconciler.settled();
    const end = await settledMemory();
    heapSnapshot('end');
    return {
      options: o, steps_run: step, endpoint_changes_run: step * perStep, cut_short: step < o.policyChanges,
      seconds: round2((sharedNow() - t0) / 1000),
      rss_warm_mb: round2(warm.rss), rss_end_mb: round2(end.rss), rss_growth_pct: round2(((end.rss - warm.rss) / warm.rss) * 100),
      rss_trend_growth_pct: round2(trendGrowthPct([...samples, [step, end.rss]])),
      heap_warm_mb: round2(warm.heap), heap_end_mb: round2(end.heap),
      heap_trend_growth_pct: round2(trendGrowthPct([...heapSamples, [step, end.heap]])),
      samples, heap_samples: heapSamples, buffer_samples: bufferSamples, step_p99_ms: round2(percentile(stepMs, 99)), undelivered,
      live_streams: plane.server.streams().length, log_errors: plane.log.errors, log_problems: plane.problems(),
    };
  } finally {
    await group.close();
    await plane.close();
  }
}
