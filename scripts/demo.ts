/**
 * `npm run demo` (tsx scripts/demo.ts [--duration 5s] [--proxyless]): weft and a small gRPC mesh on
 * this machine, with live traffic per reviews version drawn once a second. Edit the printed policy
 * file (the canary weights) and watch the bars move, and the service map at /ui with them.
 *
 * Where an Envoy binary is found (scripts/mesh/envoy-bin.ts: ENVOY_BIN, PATH, or the .cache/envoy
 * virtualenv of scripts/install-envoy.sh) the frontend calls reviews through a real Envoy sidecar,
 * whose per-edge stats stream to weft: the map then shows live rates, error rates and p99 per
 * version beside the canary weights. Without one, or with --proxyless, the frontend is a proxyless
 * gRPC client (gRPC reports no per-edge stats, so the map shows the routes and proxies only).
 *
 * Everything runs from a temp directory (a copy of examples/grpc-mesh/policy and a registry with
 * free ports), removed on exit. Ctrl-C, SIGTERM, SIGHUP and the end of --duration all stop the mesh
 * processes and weft and exit 0; mesh processes also exit by themselves if this process dies
 * (they watch their stdin pipe, see scripts/mesh/wire.ts).
 */
import path from 'node:path';
import { renderLine, renderScreen, type Frame } from './mesh/bars.js';
import { findEnvoy } from './mesh/envoy-bin.js';
import { startTrafficMesh, type TrafficMesh } from './mesh/traffic-mesh.js';
import { tally, type Outcome } from './mesh/wire.js';

interface Args {
  readonly durationMs?: number;
  readonly proxyless: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const usage = () => {
    process.stderr.write('usage: demo [--duration 5s|500ms|2m] [--proxyless]\n');
    process.exit(2);
  };
  const known = new Set(['--duration', '--proxyless']);
  if (argv.some((a, i) => a.startsWith('-') && !known.has(a) && argv[i - 1] !== '--duration')) usage();
  const proxyless = argv.includes('--proxyless');
  const i = argv.indexOf('--duration');
  if (i < 0) return { proxyless };
  const m = /^(\d+)(ms|s|m)?$/.exec(argv[i + 1] ?? '');
  if (!m) usage();
  return { proxyless, durationMs: Number(m![1]) * (m![2] === 'ms' ? 1 : m![2] === 'm' ? 60_000 : 1000) };
}

type PolicyState = { version?: string; loadedAt?: string; lastError?: { at: string; diagnostics: { code: string; message: string; source?: { file: string; line: number; col: number } }[] } };

/** The policy version and, when the last change was rejected after the last good load, why. */
async function policyState(mesh: TrafficMesh): Promise<Pick<Frame, 'policyVersion' | 'policyError'>> {
  try {
    const p = (await (await fetch(mesh.weft.admin.url + '/api/v1/policy')).json()) as PolicyState;
    const rejected = p.lastError && (!p.loadedAt || p.lastError.at > p.loadedAt);
    const error = rejected
      ? p.lastError!.diagnostics.slice(0, 3).map((d) => `  ${d.source ? `${path.basename(d.source.file)}:${d.source.line}:${d.source.col} ` : ''}${d.message} [${d.code}]`).join('\n')
      : undefined;
    return { policyVersion: p.version ?? '(none)', ...(error ? { policyError: error } : {}) };
  } catch {
    return { policyVersion: '(admin API unreachable)' };
  }
}

/** One second of traffic: mostly plain calls, a few marked as a tester (routed to v3). */
async function tick(mesh: TrafficMesh): Promise<Outcome[]> {
  const [plain, tester] = await Promise.all([
    mesh.driver.run({ ...mesh.reviews, calls: 90, concurrency: 3, deadlineMs: 2_000 }),
    mesh.driver.run({ ...mesh.reviews, calls: 10, concurrency: 1, deadlineMs: 2_000, headers: { 'x-user': 'tester' } }),
  ]);
  return [...plain, ...tester];
}

async function loop(mesh: TrafficMesh, policyFile: string, stopped: () => boolean): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const start = Date.now();
  while (!stopped()) {
    const began = Date.now();
    // A stop in mid-tick closes the frontend under the batch: that error is the stop, not a failure.
    const outcomes = await tick(mesh).catch((err: Error) => {
      if (stopped()) return [];
      throw err;
    });
    if (stopped()) break;
    const via = mesh.sidecar ? 'an Envoy sidecar' : 'proxyless gRPC';
    const frame: Frame = { elapsedS: Math.round((Date.now() - start) / 1000), counts: tally(outcomes), via, ...(await policyState(mesh)) };
    process.stdout.write(tty ? '\x1b[H\x1b[2J' + renderScreen(frame, policyFile, true) : renderLine(frame));
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - began))));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const envoy = args.proxyless ? undefined : findEnvoy();
  process.stdout.write(`starting weft and the mesh (frontend ${envoy ? `with an Envoy sidecar (${envoy})` : 'as a proxyless gRPC client'}, reviews v1/v2/v3, ratings)...\n`);
  const mesh = await startTrafficMesh({}, { canaryOnly: true, ...(envoy ? { envoy } : {}) });
  const policyFile = path.join(mesh.dir.policyDir, 'reviews.yaml');
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nstopping (${why}): mesh processes, weft, ${mesh.dir.root}\n`);
    await mesh.stop();
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(sig));
  // If whoever started us (npm, a shell) dies without a signal, we are re-parented: stop too.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void stop('parent process exited'), 1000).unref();
  const map = mesh.sidecar
    ? 'the canary\'s route weights per reviews version, and the live rate, error rate and p99 the sidecar streams'
    : 'the canary\'s route weights per reviews version; live traffic figures need Envoy sidecars (scripts/install-envoy.sh)';
  process.stdout.write(`weft admin API ${mesh.weft.admin.url}\nservice map ${mesh.weft.admin.url}/ui (${map})\nedit ${policyFile} to move the canary\n`);
  if (args.durationMs !== undefined) setTimeout(() => void stop('duration reached'), args.durationMs).unref();
  await loop(mesh, policyFile, () => stopping);
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`);
  process.exit(1);
});
