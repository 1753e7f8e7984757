/**
 * `weft top`: per-edge golden metrics in the terminal, refreshed (like `top`): request rate,
 * error rate and p99 over the last 30 s from `GET /api/v1/edges`, busiest edge first. On a
 * terminal the screen is redrawn every `--interval`; `q` or Ctrl-C quits. Not on a terminal (a
 * pipe), each refresh prints the table once more; `-n` bounds the number of refreshes.
 *
 * Exit codes: 0 ok, 1 admin unreachable, 2 usage.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { EdgeView } from '../controlplane/index.js';
import { AdminClient, AdminClientError, type AdminClientOptions } from './admin-client.js';
import { processIo, withAdminFlags, type CliIo } from './status.js';
import { renderTable } from './table.js';

interface TopOptions extends AdminClientOptions {
  readonly interval: number;
  readonly iterations?: number;
}

const CLEAR = '\x1b[H\x1b[2J';
const fixed = (n: number, d: number) => n.toFixed(d);

/** The table, busiest edge first (ties by name, so the order is stable between refreshes). */
export function renderEdges(edges: readonly EdgeView[], at: Date): string {
  const rows = [...edges]
    .sort((a, b) => b.requestsPerSecond - a.requestsPerSecond || `${a.sourceWorkload}${a.destinationService}${a.destinationSubset}`.localeCompare(`${b.sourceWorkload}${b.destinationService}${b.destinationSubset}`))
    .map((e) => [`${e.sourceWorkload}.${e.sourceNamespace}`, `${e.destinationService}:${e.destinationPort}`, e.destinationSubset || '-',
      fixed(e.requestsPerSecond, 2), `${fixed(e.errorRate * 100, 1)}%`, e.p99Ms === undefined ? '-' : fixed(e.p99Ms, 1), String(e.totals.requests)]);
  const head = `weft top — ${edges.length} edge${edges.length === 1 ? '' : 's'}, rates over 30 s — ${at.toISOString()}\n\n`;
  return head + (rows.length ? renderTable(['SOURCE', 'DESTINATION', 'SUBSET', 'RPS', 'ERRORS', 'P99 MS', 'TOTAL'], rows) : 'no traffic reported yet (sidecars stream every 5 s)\n');
}

export async function runTop(opts: TopOptions, io: CliIo, tty = process.stdout.isTTY === true): Promise<number> {
  const client = new AdminClient(opts, io.env);
  let stop = false;
  let wake: (() => void) | undefined;
  const quit = () => ((stop = true), wake?.());
  const stdin = process.stdin;
  const keys = (b: Buffer) => { if (b.includes(0x71) || b.includes(0x03)) quit(); };
  if (tty && stdin.isTTY) { stdin.setRawMode(true); stdin.on('data', keys); stdin.resume(); }
  process.once('SIGINT', quit);
  try {
    for (let i = 0; !stop && (opts.iterations === undefined || i < opts.iterations); i++) {
      const { edges } = await client.get<{ edges: EdgeView[] }>('/api/v1/edges');
      io.out((tty ? CLEAR : i ? '\n' : '') + renderEdges(edges, new Date()));
      if (opts.iterations !== undefined && i + 1 >= opts.iterations) break;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, opts.interval).unref?.(); });
    }
    return 0;
  } catch (err) {
    io.err(`weft top: ${err instanceof AdminClientError ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', quit);
    if (tty && stdin.isTTY) { stdin.setRawMode(false); stdin.off('data', keys); stdin.pause(); }
  }
}

function positive(what: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${what} must be a number ≥ ${min}`);
    return n;
  };
}

export function topCommand(io: CliIo = processIo): Command {
  return withAdminFlags(new Command('top'))
    .description('show per-edge request rate, error rate and p99, refreshed (q or Ctrl-C quits)')
    .option('--interval <seconds>', 'refresh every this many seconds', positive('--interval', 0.2), 2)
    .option('-n, --iterations <count>', 'stop after this many refreshes', positive('-n', 1))
    .action(async (o: { interval: number; iterations?: number } & AdminClientOptions) => {
      process.exitCode = await runTop({ ...o, interval: o.interval * 1000 }, io);
    });
}
