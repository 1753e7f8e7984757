/**
 * The fan-out benchmark as a function (bench/fanout.ts and bench/idle.ts are its command lines;
 * the smoke test calls it directly). For each target (weft, the transport floor, the
 * go-control-plane peer) it: starts the server with the same configuration for every proxy,
 * measures the server's RSS, forks the load generator,
 * waits for every proxy to be synced, measures RSS again (the idle cost), then runs rounds. A round
 * arms the load generator, changes one route configuration for every proxy, and ends when every
 * proxy has ACKed the new RDS version; latency is ACK time minus the time of the change, on a clock
 * shared by both processes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TypeUrl } from '../proto/type-urls.js';
import { buildMeshConfig, type MeshConfig } from './_config.js';
import { GoPeer } from './_gocp.js';
import { gocpTarget } from './_gocp-target.js';
import { sharedNow } from './_ipc.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { profiled } from './_profile.js';
import { LoopDelayProbe, median, percentile, round2, round3, sleep } from './_stats.js';
import { floorTarget, weftTarget, type FanoutTarget, type TargetName, type TargetStats } from './_targets.js';

const execFileAsync = promisify(execFile);

export interface FanoutOptions {
  proxies: number;
  rounds: number;
  /** Unmeasured rounds first (JIT warm-up of the push path). */
  warmup: number;
  configKb: number;
  /** Load-generator child processes. */
  loadgens: number;
  /** Which servers to measure; default all three (the peer is skipped without Go). */
  targets?: readonly TargetName[];
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
  target: TargetName;
  rounds: RoundResult[];
  /** RSS with every snapshot set and no proxy connected (after a full GC). */
  rss_before_mb: number;
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
  const cpu0 = await target.cpuSeconds();
  probe.start();
  const t0 = sharedNow();
  await target.change(round);
  const { ackAt, errors } = await group.results(round);
  const loop = probe.stop();
  const cpu = (await target.cpuSeconds()) - cpu0;
  const lat = ackAt.filter((a): a is number => a !== null).map((a) => a - t0);
  return {
    p50_ms: round2(percentile(lat, 50)),
    p99_ms: round2(percentile(lat, 99)),
    max_ms: round2(Math.max(...lat)),
    acked: lat.length,
    cpu_s: round3(cpu),
    event_loop_p99_ms: round2(loop.p99Ms),
    errors,
  };
}

async function runTarget(target: FanoutTarget, opts: FanoutOptions): Promise<TargetResult> {
  const nodeIds = Array.from({ length: opts.proxies }, (_, i) => `sidecar~10.1.${i >> 8}.${i & 255}~bench-${i}.default~default.svc.cluster.local`);
  const port = await target.start(nodeIds);
  const rssBefore = await target.settledRssMb();
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, target.rssMb())), 50);
  const group = new LoadgenGroup({ target: `127.0.0.1:${port}`, proxies: nodeIds.map((id) => ({ id })), processes: opts.loadgens });
  try {
    const syncStart = sharedNow();
    await group.sync();
    const syncS = (sharedNow() - syncStart) / 1000;
    await sleep(PAUSE_BETWEEN_ROUNDS_MS);
    const rssIdle = await target.settledRssMb();
    const rounds: RoundResult[] = [];
    let errors = 0;
    // Profiles this process: the server itself for weft and the floor, only the client for the Go peer.
    await profiled(`fanout-${target.name}`, async () => {
      for (let r = 1; r <= opts.warmup + opts.rounds; r++) {
        const result = await measureRound(target, group, r, opts.proxies);
        errors = result.errors;
        if (r > opts.warmup) rounds.push(result);
        await sleep(PAUSE_BETWEEN_ROUNDS_MS);
      }
    });
    const rssEnd = target.rssMb();
    return summarise(target, opts, rounds, { syncS, rssBefore, rssIdle, rssEnd, errors, peak });
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
  m: { syncS: number; rssBefore: number; rssIdle: number; rssEnd: number; errors: number; peak: number },
): TargetResult {
  const med = (pick: (r: RoundResult) => number) => round2(median(rounds.map(pick)));
  return {
    target: target.name,
    rounds,
    rss_before_mb: round2(m.rssBefore),
    p50_ms: med((r) => r.p50_ms),
    p99_ms: med((r) => r.p99_ms),
    max_ms: med((r) => r.max_ms),
    server_cpu_s: round3(median(rounds.map((r) => r.cpu_s))),
    event_loop_p99_ms: med((r) => r.event_loop_p99_ms),
    all_acked: rounds.every((r) => r.acked === opts.proxies),
    sync_s: round2(m.syncS),
    rss_mb: round2(m.rssEnd),
    peak_rss_mb: round2(Math.max(m.peak, m.rssEnd)),
    idle_kb_per_proxy: round2(((m.rssIdle - m.rssBefore) * 1024) / opts.proxies),
    loadgen_errors: m.errors,
    stats: target.stats(),
  };
}

export interface FanoutReport {
  options: FanoutOptions;
  bytes_per_proxy: number;
  results: TargetResult[];
  /** Why the go-control-plane peer did not run (no Go, build failed), when it was asked for. */
  peer_skipped?: string;
}

async function makeTarget(name: TargetName, config: MeshConfig, peerBinary: string | undefined): Promise<FanoutTarget> {
  if (name === 'weft') return weftTarget(config);
  if (name === 'floor') return floorTarget(config);
  return gocpTarget(config, peerBinary!);
}

/**
 * One target in a fresh child process (`_fanout-child.ts`), so that its RSS figures start from
 * a clean process: a target measured after another in the same process reuses the memory the
 * first one freed (the allocator keeps it), and looked several times cheaper than it is (the
 * transport floor's 5-12 KB per proxy in earlier runs).
 */
async function runIsolated(name: TargetName, opts: FanoutOptions, peerBinary: string | undefined): Promise<TargetResult> {
  const child = fileURLToPath(new URL('./_fanout-child.ts', import.meta.url));
  const args = ['--expose-gc', '--import', 'tsx', child, JSON.stringify({ name, opts, peerBinary })];
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 16 * 2 ** 20 });
  const last = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last) as TargetResult;
}

/** The child's side: one target, its result as the last line of stdout. */
export async function runOneTarget(name: TargetName, opts: FanoutOptions, peerBinary: string | undefined): Promise<TargetResult> {
  return runTarget(await makeTarget(name, buildMeshConfig(opts.configKb), peerBinary), opts);
}

/** Runs the benchmark against each target in turn (weft, the floor, then the peer), each in its own process. */
export async function runFanout(opts: FanoutOptions): Promise<FanoutReport> {
  const config = buildMeshConfig(opts.configKb);
  const results: TargetResult[] = [];
  let names = opts.targets ?? ['weft', 'floor', 'go-control-plane'];
  let peerSkipped: string | undefined;
  let peerBinary: string | undefined;
  if (names.includes('go-control-plane')) {
    const b = GoPeer.binary();
    if ('skipped' in b) {
      peerSkipped = b.skipped;
      names = names.filter((n) => n !== 'go-control-plane');
    } else peerBinary = b.path;
  }
  for (const name of names) results.push(await runIsolated(name, opts, peerBinary));
  return { options: opts, bytes_per_proxy: config.bytesPerProxy, results, ...(peerSkipped ? { peer_skipped: peerSkipped } : {}) };
}
