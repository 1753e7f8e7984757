/**
 * The fan-out benchmark as a function (bench/fanout.ts is its command line; the smoke test calls
 * it directly). For each target (weft, then the transport floor) it: starts the server in this
 * process with the same configuration for every proxy, measures RSS, forks the load generator,
 * waits for every proxy to be synced, measures RSS again (the idle cost), then runs rounds. A round
 * arms the load generator, changes one route configuration for every proxy, and ends when every
 * proxy has ACKed the new RDS version; latency is ACK time minus the time of the change, on a clock
 * shared by both processes.
 */
import { TypeUrl } from '../proto/type-urls.js';
import { buildMeshConfig } from './_config.js';
import { sharedNow } from './_ipc.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { LoopDelayProbe, forceGc, median, percentile, round2, rssMb, sleep } from './_stats.js';
import { floorTarget, weftTarget, type FanoutTarget, type TargetStats } from './_targets.js';

export interface FanoutOptions {
  proxies: number;
  rounds: number;
  /** Unmeasured rounds first (JIT warm-up of the push path). */
  warmup: number;
  configKb: number;
  /** Load-generator child processes. */
  loadgens: number;
  /** Which servers to measure; default both. */
  targets?: readonly ('weft' | 'floor')[];
}

export interface RoundResult {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  acked: number;
  cpu_s: number;
  event_loop_p99_ms: number;
}

export interface TargetResult {
  target: 'weft' | 'floor';
  rounds: RoundResult[];
  /** Medians over the measured rounds. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  server_cpu_s: number;
  event_loop_p99_ms: number;
  all_acked: boolean;
  sync_s: number;
  rss_mb: number;
  peak_rss_mb: number;
  idle_kb_per_proxy: number;
  loadgen_errors: number;
  stats: TargetStats;
}

const PAUSE_BETWEEN_ROUNDS_MS = 300;

async function measureRound(target: FanoutTarget, group: LoadgenGroup, round: number, n: number): Promise<RoundResult & { errors: number }> {
  await group.arm(round, TypeUrl.RouteConfiguration, 30_000 + n * 5);
  const probe = new LoopDelayProbe();
  probe.start();
  const cpu0 = process.cpuUsage();
  const t0 = sharedNow();
  target.change(round);
  const { ackAt, errors } = await group.results(round);
  const cpu = process.cpuUsage(cpu0);
  const loop = probe.stop();
  const lat = ackAt.filter((a): a is number => a !== null).map((a) => a - t0);
  return {
    p50_ms: round2(percentile(lat, 50)),
    p99_ms: round2(percentile(lat, 99)),
    max_ms: round2(Math.max(...lat)),
    acked: lat.length,
    cpu_s: round2((cpu.user + cpu.system) / 1e6),
    event_loop_p99_ms: round2(loop.p99Ms),
    errors,
  };
}

/** RSS after a forced GC, with a short settle so freed pages are returned. */
async function settledRssMb(): Promise<number> {
  forceGc();
  await sleep(200);
  forceGc();
  return rssMb();
}

async function runTarget(target: FanoutTarget, opts: FanoutOptions): Promise<TargetResult> {
  const nodeIds = Array.from({ length: opts.proxies }, (_, i) => `sidecar~10.1.${i >> 8}.${i & 255}~bench-${i}.default~default.svc.cluster.local`);
  const port = await target.start(nodeIds);
  const rssBefore = await settledRssMb();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
  const group = new LoadgenGroup({ target: `127.0.0.1:${port}`, nodeIds, processes: opts.loadgens });
  try {
    const syncStart = sharedNow();
    await group.sync();
    const syncS = (sharedNow() - syncStart) / 1000;
    await sleep(PAUSE_BETWEEN_ROUNDS_MS);
    const rssIdle = await settledRssMb();
    const rounds: RoundResult[] = [];
    let errors = 0;
    for (let r = 1; r <= opts.warmup + opts.rounds; r++) {
      const result = await measureRound(target, group, r, opts.proxies);
      errors = result.errors;
      if (r > opts.warmup) rounds.push(result);
      await sleep(PAUSE_BETWEEN_ROUNDS_MS);
    }
    return summarise(target, opts, rounds, { syncS, rssBefore, rssIdle, errors, peak });
  } finally {
    clearInterval(sampler);
    await group.close();
    await target.close();
  }
}

function summarise(
  target: FanoutTarget,
  opts: FanoutOptions,
  rounds: RoundResult[],
  m: { syncS: number; rssBefore: number; rssIdle: number; errors: number; peak: number },
): TargetResult {
  const med = (pick: (r: RoundResult) => number) => round2(median(rounds.map(pick)));
  return {
    target: target.name,
    rounds,
    p50_ms: med((r) => r.p50_ms),
    p99_ms: med((r) => r.p99_ms),
    max_ms: med((r) => r.max_ms),
    server_cpu_s: med((r) => r.cpu_s),
    event_loop_p99_ms: med((r) => r.event_loop_p99_ms),
    all_acked: rounds.every((r) => r.acked === opts.proxies),
    sync_s: round2(m.syncS),
    rss_mb: round2(rssMb()),
    peak_rss_mb: round2(Math.max(m.peak, rssMb())),
    idle_kb_per_proxy: round2(((m.rssIdle - m.rssBefore) * 1024) / opts.proxies),
    loadgen_errors: m.errors,
    stats: target.stats(),
  };
}

export interface FanoutReport {
  options: FanoutOptions;
  bytes_per_proxy: number;
  results: TargetResult[];
}

/** Runs the benchmark against each target in turn (weft first, then the floor). */
export async function runFanout(opts: FanoutOptions): Promise<FanoutReport> {
  const config = buildMeshConfig(opts.configKb);
  const results: TargetResult[] = [];
  for (const name of opts.targets ?? ['weft', 'floor']) {
    const target = name === 'weft' ? await weftTarget(config) : floorTarget(config);
    results.push(await runTarget(target, opts));
  }
  return { options: opts, bytes_per_proxy: config.bytesPerProxy, results };
}
