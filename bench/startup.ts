/**
 * `npm run bench -- startup [--rounds 10]`: start-up of the built CLI (`node bin/weft.js`, compiled
 * JavaScript in dist/), as a user pays it. PERFORMANCE.md-style: medians over rounds after one
 * warm-up, load average recorded. Writes bench/results/startup-node<major>.json (run it with each
 * Node: `.cache/node-24/bin/node --import tsx bench/run.ts startup` for 24).
 *
 * - `help`: `weft --help`, process start to exit (target ≤ 300 ms).
 * - `status`: `weft status` against a running weft with the example loaded, start to exit
 *   (target ≤ 500 ms).
 * - `serve`: `weft serve --example` (ephemeral ports, a state dir whose CA the warm-up created),
 *   start until it prints "weft is serving" (the control plane and admin API are up and the first
 *   policy load is done); /readyz is then checked once (target ≤ 1.5 s).
 * - `stale check`: `node scripts/build.mjs --if-stale` on a built tree, which `npm start` adds.
 *
 * The figures are whole-process wall times from this (parent) process; `farm-bench -- node
 * bin/weft.js --help` gives CPU and peak memory of the same command.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, round2 } from './_stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'weft.js');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 10;
const TARGETS_MS = { help: 300, status: 500, serve: 1500 } as const;

interface Figure {
  readonly median_ms: number;
  readonly p90_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  readonly rounds_ms: readonly number[];
}

function figure(samples: readonly number[]): Figure {
  const ms = samples.map(round2);
  return { median_ms: round2(median(ms)), p90_ms: round2(percentile(ms, 90)), min_ms: Math.min(...ms), max_ms: Math.max(...ms), rounds_ms: ms };
}

/** Wall time of `node args...` from spawn to exit; throws when it exits non-zero. */
function timeRun(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

/** Runs `fn` once to warm caches, then ROUNDS times; returns the measured rounds. */
async function rounds(fn: () => number | Promise<number>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) out.push(await fn());
  return out;
}

interface Served {
  readonly readyMs: number;
  readonly adminUrl: string;
  stop(): Promise<void>;
}

/** Starts `weft serve --example`; resolves when it prints that it is serving. */
function serve(stateDir: string): Promise<Served> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--example', '--quiet', '--state-dir', stateDir, '--xds-port', '0', '--admin-port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`weft serve exited ${code} before serving: ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const admin = /admin API\s+(http:\/\/\S+)\s/.exec(out);
      if (!admin) return;
      const readyMs = performance.now() - t0;
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ readyMs, adminUrl: admin[1]!, stop: async () => (child.kill('SIGTERM'), await exited) });
    });
  });
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed; fix the tsc errors above');
  const load0 = os.loadavg()[0]!;
  const stale = await rounds(() => timeRun([path.join(root, 'scripts', 'build.mjs'), '--if-stale']));
  const help = await rounds(() => timeRun([bin, '--help']));

  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'weft-bench-startup-'));
  const readyStatus: number[] = [];
  const serveMs = await rounds(async () => {
    const s = await serve(stateDir);
    readyStatus.push(await readyz(s.adminUrl));
    await s.stop();
    return s.readyMs;
  });
  const running = await serve(stateDir);
  const status = await rounds(() => timeRun([bin, 'status', '--admin-url', running.adminUrl]));
  await running.stop();

  const results = {
    help: figure(help),
    status: figure(status),
    serve_example_ready: { ...figure(serveMs), readyz_statuses: [...new Set(readyStatus)] },
    stale_check: figure(stale),
    targets_ms: TARGETS_MS,
    met: { help: median(help) <= TARGETS_MS.help, status: median(status) <= TARGETS_MS.status, serve: median(serveMs) <= TARGETS_MS.serve },
    rounds: ROUNDS,
    load_average: { start: round2(load0), end: round2(os.loadavg()[0]!) },
    uptime: spawnSync('uptime', { encoding: 'utf8' }).stdout?.trim(),
    node: process.version,
    cpus: os.cpus().length,
    memory_gib: round2(os.totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
  const row = (name: string, f: Figure, target?: number) =>
    `${name.padEnd(22)} median ${String(f.median_ms).padStart(8)} ms  p90 ${String(f.p90_ms).padStart(8)}  min ${String(f.min_ms).padStart(8)}  max ${String(f.max_ms).padStart(8)}${target ? `  target ≤ ${target}` : ''}`;
  console.log(row('weft --help', results.help, TARGETS_MS.help));
  console.log(row('weft status', results.status, TARGETS_MS.status));
  console.log(row('weft serve --example', results.serve_example_ready, TARGETS_MS.serve));
  console.log(row('build --if-stale (fresh)', results.stale_check));
  console.log(`readyz after "serving": ${results.serve_example_ready.readyz_statuses.join(', ')}; ${results.uptime}; node ${process.version}`);
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results', `startup-node${process.versions.node.split('.')[0]}.json`), JSON.stringify(results, null, 2) + '\n');
}

await main();
