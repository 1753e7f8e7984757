/**
 * Fan-out benchmark: one route change → every proxy ACKed, against weft and the transport floor.
 *
 *   npx tsx bench/fanout.ts [--proxies 1000] [--rounds 5] [--warmup 1] [--config-kb 10]
 *                           [--loadgens 2] [--only weft|floor|go-control-plane] [--out fanout]
 *   npm run bench -- fanout --proxies 5000
 *
 * Writes bench/results/fanout.json (or --out NAME) and prints a table. Method: docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runFanout, type FanoutOptions, type FanoutReport } from './_fanout-harness.js';
import { printTable, summaryRow } from './_fanout-report.js';
import type { TargetName } from './_targets.js';

function options(): FanoutOptions {
  const { values } = parseArgs({
    options: {
      proxies: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'config-kb': { type: 'string', default: '10' },
      loadgens: { type: 'string', default: '2' },
      only: { type: 'string' },
      out: { type: 'string', default: 'fanout' },
    },
  });
  outName = values.out!;
  const int = (v: string | undefined, name: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be an integer in [${min}, ${max}], got ${v}`);
      process.exit(2);
    }
    return n;
  };
  const only = values.only as TargetName | undefined;
  if (only !== undefined && !['weft', 'floor', 'go-control-plane'].includes(only)) {
    console.error(`--only must be weft, floor or go-control-plane, got ${only}`);
    process.exit(2);
  }
  return {
    proxies: int(values.proxies, 'proxies', 1, 10_000),
    rounds: int(values.rounds, 'rounds', 1, 50),
    warmup: int(values.warmup, 'warmup', 0, 10),
    configKb: int(values['config-kb'], 'config-kb', 1, 4096),
    loadgens: int(values.loadgens, 'loadgens', 1, 4),
    targets: only ? [only] : ['weft', 'floor', 'go-control-plane'],
  };
}

let outName = 'fanout';

function write(report: FanoutReport, loadBefore: number): string {
  const file = fileURLToPath(new URL(`./results/${outName}.json`, import.meta.url));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const machine = { cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}`,
    // Other work on the machine inflates every figure; the 1-minute load average says how much.
    loadavg_1m_before: loadBefore, loadavg_1m_after: os.loadavg()[0], uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(),
    commit: execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim() };
  const out = { benchmark: 'fanout', date: new Date().toISOString(), machine, summary: summaryRow(report), ...report };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  return file;
}

const loadBefore = os.loadavg()[0]!;
const report = await runFanout(options());
printTable(report);
console.log(`\nwrote ${write(report, loadBefore)}`);
