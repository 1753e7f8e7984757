/**
 * `npx tsx bench/registry.ts` (or `npm run bench -- registry`): the static registry at scale.
 *
 * Writes a 100,000-endpoint registry (2,000 services x 50 endpoints) to a temp dir and measures:
 * - full_ms: a cold parse + validate + diff of the whole file by a fresh parser (no chunk cache);
 * - one_change_ms: from writing a one-endpoint change (atomic rename) to the RegistryChange event
 *   of a running StaticRegistrySource (file watch, debounce, read, parse, diff included).
 * Medians over `--rounds` (default 5), plus the CPU time of the full path and the load average,
 * because these machines are shared. Writes bench/results/registry.json.
 * Targets (docs/PERFORMANCE.md class): one change <= 200 ms, full <= 500 ms.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StaticRegistrySource, type RegistryChange } from '../src/discovery/index.js';
import { EMPTY_REGISTRY, nextRegistry } from '../src/discovery/registry-build.js';
import { RegistryFileParser } from '../src/discovery/static-parse.js';

const SERVICES = 2000;
const PER_SERVICE = 50;
const DEBOUNCE_MS = 50;
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;

function registryText(changedService: number, round: number): string {
  const out: string[] = ['services:'];
  for (let i = 0; i < SERVICES; i++) {
    out.push(`  - name: svc-${i}`, `    namespace: ns-${i % 20}`, '    ports: [{ name: http, port: 8080, targetPort: 8080, protocol: http }]', '    endpoints:');
    for (let j = 0; j < PER_SERVICE; j++) {
      const version = i === changedService && j === 0 ? `r${round}` : `v${j % 3}`;
      out.push(`      - { address: 10.${(i >> 8) & 255}.${i & 255}.${j + 1}, labels: { app: svc-${i}, version: ${version} }, zone: zone-${j % 3} }`);
    }
  }
  return out.join('\n') + '\n';
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Wall and CPU milliseconds of one cold parse + diff (CPU time shows the cost on a busy machine). */
function fullParse(text: string): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = new RegistryFileParser().parse(text, 'bench.yaml');
  if (result.diagnostics.length > 0) throw new Error('benchmark registry rejected');
  nextRegistry(EMPTY_REGISTRY, result.drafts, 'cluster.local');
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function oneChange(source: StaticRegistrySource, file: string, round: number): Promise<number> {
  const text = registryText(0, round + 1);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const changed = new Promise<RegistryChange>((resolve) => {
    const off = source.onChange((c) => {
      off();
      resolve(c);
    });
  });
  const t0 = performance.now();
  renameSync(tmp, file);
  const change = await changed;
  const ms = performance.now() - t0;
  if (change.changed.size !== 1) throw new Error(`expected one changed service, got ${change.changed.size}`);
  return ms;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-bench-registry-'));
  const file = path.join(dir, 'registry.yaml');
  try {
    const text = registryText(-1, 0);
    writeFileSync(file, text);
    const runs = Array.from({ length: rounds }, () => fullParse(text));
    const full = runs.map((r) => r.wall);
    const source = new StaticRegistrySource(file, { debounceMs: DEBOUNCE_MS });
    await source.start();
    const change: number[] = [];
    for (let r = 0; r < rounds; r++) change.push(await oneChange(source, file, r));
    await source.stop();
    const result = {
      endpoints: SERVICES * PER_SERVICE,
      file_bytes: Buffer.byteLength(text),
      one_change_ms: Math.round(median(change)),
      one_change_debounce_ms: DEBOUNCE_MS,
      full_ms: Math.round(median(full)),
      full_cpu_ms: Math.round(median(runs.map((r) => r.cpu))),
      load_average_1m: Number(loadavg()[0]?.toFixed(2)),
      rounds,
      samples: { one_change_ms: change.map(Math.round), full_ms: full.map(Math.round) },
      cores: cpus().length,
      targets: { one_change_ms: 200, full_ms: 500 },
      node: process.version,
      date: new Date().toISOString(),
    };
    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'registry.json'), JSON.stringify(result, null, 2) + '\n');
    console.table({ one_change_ms: result.one_change_ms, full_ms: result.full_ms, full_cpu_ms: result.full_cpu_ms, endpoints: result.endpoints, load_average_1m: result.load_average_1m });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
