/**
 * Enforces the one-way imports of DESIGN.md §2, and the purity of `src/translate`.
 *
 * Rules:
 * - A module may import only the modules listed for it in `allowed`.
 * - An import into another module goes through that module's `index.ts` (its public surface).
 * - `src/policy` ... `src/translate` must not import the packages in `forbiddenPackages`, and
 *   `src/translate` must not read the clock, randomness or the environment.
 * Exit code 1 with one `file:line: message` per violation; 0 when clean.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/**
 * module -> modules it may import. `proto` is the top-level proto/ directory. Every module may
 * also import `common` (shared definitions with no dependencies; see `mayImport`).
 */
const allowed: Record<string, readonly string[]> = {
  common: [],
  proto: [],
  policy: [],
  discovery: ['policy'],
  model: ['policy', 'discovery'],
  translate: ['model', 'proto'],
  ca: [],
  xds: ['proto'],
  controlplane: ['policy', 'discovery', 'model', 'translate', 'ca', 'xds', 'proto'],
  admin: ['controlplane', 'xds', 'policy', 'discovery', 'model', 'ca', 'proto'],
  inject: ['controlplane', 'policy', 'translate', 'ca'],
  cli: ['controlplane', 'admin', 'inject', 'xds', 'policy', 'discovery', 'model', 'translate', 'ca', 'proto'],
};

/** Packages that pure and computational layers must not touch (I/O belongs at the edges). */
const forbiddenPackages: Record<string, readonly string[]> = {
  translate: ['@grpc/grpc-js', 'fastify', 'prom-client', '@kubernetes/client-node', 'node:fs', 'fs', 'node:net', 'net', 'node:crypto', 'crypto'],
  model: ['@grpc/grpc-js', 'fastify', 'prom-client', '@kubernetes/client-node', 'node:net', 'net'],
  policy: ['@grpc/grpc-js', 'fastify', 'prom-client', '@kubernetes/client-node'],
  xds: ['fastify', 'prom-client', '@kubernetes/client-node', 'yaml'],
  common: ['@grpc/grpc-js', 'fastify', 'prom-client', '@kubernetes/client-node', 'node:fs', 'fs', 'node:net', 'net', 'node:crypto', 'crypto'],
  inject: ['@grpc/grpc-js', 'fastify', 'prom-client', '@kubernetes/client-node', 'node:fs', 'fs', 'node:net', 'net'],
};

const impurities: readonly [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'reads the clock (Date.now)'],
  [/\bnew Date\s*\(\s*\)/, 'reads the clock (new Date())'],
  [/\bperformance\.now\s*\(/, 'reads the clock (performance.now)'],
  [/\bMath\.random\s*\(/, 'uses randomness (Math.random)'],
  [/\bprocess\.env\b/, 'reads the environment (process.env)'],
];

const importRe = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function mayImport(from: string, to: string): boolean {
  return (to === 'common' && from !== 'common') || (allowed[from] ?? []).includes(to);
}

function moduleOf(file: string): string | undefined {
  const rel = path.relative(repo, file).split(path.sep);
  if (rel[0] === 'proto') return 'proto';
  if (rel[0] === 'src' && rel.length > 2) return rel[1];
  return undefined;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

export function checkFile(file: string): string[] {
  const from = moduleOf(file);
  if (!from) return [];
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const where = (i: number) => `${path.relative(repo, file)}:${lineOf(text, i)}`;
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? '';
    if (spec.startsWith('.')) {
      const target = path.resolve(path.dirname(file), spec);
      const to = moduleOf(target.endsWith('.js') ? target : target + '/x');
      if (!to || to === from) continue;
      if (!mayImport(from, to)) {
        problems.push(`${where(m.index!)}: ${from} may not import ${to} (DESIGN.md §2)`);
      } else if (!/(^|\/)index\.js$/.test(spec) && to !== 'proto') {
        problems.push(`${where(m.index!)}: import ${to} through its index.js, not ${spec}`);
      }
    } else if ((forbiddenPackages[from] ?? []).some((p) => spec === p || spec.startsWith(p + '/'))) {
      problems.push(`${where(m.index!)}: ${from} may not import ${spec} (I/O belongs at the edges)`);
    }
  }
  if (from === 'translate' || from === 'common') {
    for (const [re, what] of impurities) {
      const m = re.exec(text);
      if (m) problems.push(`${where(m.index)}: ${from} ${what}; pass it in the input instead`);
    }
  }
  return problems;
}

const files = [...walk(path.join(repo, 'src')), ...walk(path.join(repo, 'proto'))];
const problems = files.flatMap(checkFile);
for (const p of problems) console.error(p);
console.log(`layers: ${files.length} files checked, ${problems.length} violation(s)`);
process.exit(problems.length ? 1 : 0);
