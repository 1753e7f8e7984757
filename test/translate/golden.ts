/**
 * Golden-file comparison for translation cases (testdata/golden/<case>/expected/*.yaml).
 *
 * Contract:
 * - `compareGoldens(dir, actual, { update: false })` only reads: a golden that is missing, differs
 *   from `actual`, or has no counterpart in `actual` (an orphan) is reported, and nothing on disk
 *   changes. Callers fail the test on any problem (`goldenProblems`), in CI and locally alike.
 * - With `{ update: true }` (only when `UPDATE_GOLDEN=1`, see `updating`) it writes every missing or
 *   changed golden and deletes orphans, and reports what it wrote and deleted.
 * - `dir` holds only golden files; every `*.yaml` in it is one. It is created when updating.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** True only when the run was asked to rewrite goldens (`UPDATE_GOLDEN=1`). */
export const updating = process.env.UPDATE_GOLDEN === '1';

export interface ChangedGolden {
  readonly file: string;
  readonly expected: string;
  readonly actual: string;
}

export interface GoldenOutcome {
  readonly missing: readonly string[];
  readonly changed: readonly ChangedGolden[];
  readonly orphans: readonly string[];
  /** Files written and deleted (update mode only). */
  readonly written: readonly string[];
  readonly deleted: readonly string[];
}

/** Compares `actual` (golden file name → text) with `dir`; see the module contract. */
export function compareGoldens(dir: string, actual: ReadonlyMap<string, string>, opts: { readonly update: boolean }): GoldenOutcome {
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
  const missing: string[] = [];
  const changed: ChangedGolden[] = [];
  for (const [file, text] of [...actual].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!present.includes(file)) missing.push(file);
    else {
      const expected = readFileSync(path.join(dir, file), 'utf8');
      if (expected !== text) changed.push({ file, expected, actual: text });
    }
  }
  const orphans = present.filter((f) => !actual.has(f));
  if (!opts.update) return { missing, changed, orphans, written: [], deleted: [] };
  mkdirSync(dir, { recursive: true });
  const written = [...missing, ...changed.map((c) => c.file)].sort();
  for (const file of written) writeFileSync(path.join(dir, file), actual.get(file) as string);
  for (const file of orphans) unlinkSync(path.join(dir, file));
  return { missing, changed, orphans, written, deleted: orphans };
}

/**
 * One message per problem, empty when the goldens match (or were just rewritten). Changed files
 * name the first differing line so the failure reads without a diff tool.
 */
export function goldenProblems(where: string, outcome: GoldenOutcome, update: boolean): string[] {
  if (update) return [];
  const fix = 'run `npm run golden:update` and review the diff';
  return [
    ...outcome.missing.map((f) => `${where}/${f}: golden file missing (${fix})`),
    ...outcome.changed.map((c) => `${where}/${c.file}: output differs from the golden at ${firstDifference(c.expected, c.actual)} (${fix})`),
    ...outcome.orphans.map((f) => `${where}/${f}: golden file without output, an orphan (${fix}; it deletes orphans)`),
  ];
}

function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  return `line ${i + 1}: expected ${JSON.stringify(e[i] ?? '<end of file>')}, got ${JSON.stringify(a[i] ?? '<end of file>')}`;
}

/**
 * Case directories under `root` that have no inputs (no `proxy.yaml`). When updating, a directory
 * holding nothing but its `expected/` goldens is deleted (the case was removed); anything else is
 * left for a person to fix. Returns the names found.
 */
export function orphanCaseDirs(root: string, update: boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || existsSync(path.join(root, entry.name, 'proxy.yaml'))) continue;
    found.push(entry.name);
    const only = readdirSync(path.join(root, entry.name));
    if (update && only.length === 1 && only[0] === 'expected') rmSync(path.join(root, entry.name), { recursive: true });
  }
  return found.sort();
}
