/**
 * `npm run bench -- <name> [args...]`: runs bench/<name>.ts. Each benchmark writes
 * bench/results/<name>.json and prints a table; BENCHMARKS.md collects the figures.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(2);
}
process.argv = [process.argv[0]!, path.join(dir, `${name}.ts`), ...rest];
await import(`./${name}.ts`);
