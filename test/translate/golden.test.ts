/**
 * Translation goldens: every directory under testdata/golden/ is a case (golden-case.ts) whose
 * translated resources must equal its `expected/*.yaml`. A missing, changed or orphaned golden
 * fails, in CI and locally; only `UPDATE_GOLDEN=1` (`npm run golden:update`) rewrites them and
 * deletes orphans. docs/translation.md "Golden cases" describes the layout.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadGoldenCase, renderGoldens } from './golden-case.js';
import { compareGoldens, goldenProblems, orphanCaseDirs, updating } from './golden.js';

const root = path.resolve(import.meta.dirname, '../../testdata/golden');
const cases = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'proxy.yaml')))
  .map((e) => e.name)
  .sort();

describe('translation goldens (testdata/golden/<case>/ → expected/*.yaml)', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  for (const name of cases) {
    it(`${name} translates to its goldens`, async () => {
      const c = await loadGoldenCase(path.join(root, name));
      const result = translate({ model: c.model, proxy: c.proxy, cache: new TranslationCache() });
      const outcome = compareGoldens(path.join(root, name, 'expected'), renderGoldens(c, result), { update: updating });
      for (const changed of outcome.changed) if (!updating) expect(changed.actual, `${name}/expected/${changed.file}`).toBe(changed.expected);
      expect(goldenProblems(`testdata/golden/${name}/expected`, outcome, updating)).toEqual([]);
    });
  }

  // The goldens above use a fresh cache per case. Translating every case through one shared cache,
  // forwards and then backwards, must give the same goldens: a memo key that misses part of its
  // input (ids repeat across cases: client-1, web-1) would hand one case another's resources.
  it.skipIf(updating)('every case gives its goldens through one cache shared by all cases, in either order', async () => {
    const loaded = await Promise.all(cases.map(async (name) => ({ name, c: await loadGoldenCase(path.join(root, name)) })));
    const cache = new TranslationCache();
    const problems: string[] = [];
    for (const { name, c } of [...loaded, ...[...loaded].reverse()]) {
      const outcome = compareGoldens(path.join(root, name, 'expected'), renderGoldens(c, translate({ model: c.model, proxy: c.proxy, cache })), { update: false });
      problems.push(...goldenProblems(`testdata/golden/${name}/expected (shared cache)`, outcome, false));
    }
    expect(problems).toEqual([]);
  });

  it('every case directory has inputs (UPDATE_GOLDEN=1 removes directories left with only goldens)', () => {
    const orphans = orphanCaseDirs(root, updating);
    if (!updating) expect(orphans).toEqual([]);
  });
});

describe('compareGoldens', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const temp = (files: Record<string, string>) => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-golden-'));
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
    return dir;
  };

  it('reports a missing golden as a failure and does not write it', () => {
    const d = temp({});
    const outcome = compareGoldens(d, new Map([['clusters.yaml', 'a: 1\n']]), { update: false });
    expect(outcome.missing).toEqual(['clusters.yaml']);
    expect(goldenProblems('x', outcome, false)).toEqual([expect.stringContaining('x/clusters.yaml: golden file missing')]);
    expect(readdirSync(d)).toEqual([]);
  });

  it('does not create a missing golden directory', () => {
    const d = path.join(temp({}), 'expected');
    const outcome = compareGoldens(d, new Map([['meta.yaml', 'x\n']]), { update: false });
    expect(goldenProblems('x', outcome, false)).toHaveLength(1);
    expect(existsSync(d)).toBe(false);
  });

  it('reports a changed golden at its first differing line and leaves the file as it was', () => {
    const d = temp({ 'routes.yaml': 'a: 1\nb: 2\n' });
    const outcome = compareGoldens(d, new Map([['routes.yaml', 'a: 1\nb: 3\n']]), { update: false });
    expect(goldenProblems('x', outcome, false)).toEqual([expect.stringContaining('line 2: expected "b: 2", got "b: 3"')]);
    expect(readFileSync(path.join(d, 'routes.yaml'), 'utf8')).toBe('a: 1\nb: 2\n');
  });

  it('reports an orphan golden and keeps it', () => {
    const d = temp({ 'meta.yaml': 'x\n', 'routes.yaml': 'old\n' });
    const outcome = compareGoldens(d, new Map([['meta.yaml', 'x\n']]), { update: false });
    expect(outcome.orphans).toEqual(['routes.yaml']);
    expect(goldenProblems('x', outcome, false)).toEqual([expect.stringContaining('x/routes.yaml: golden file without output')]);
    expect(readdirSync(d).sort()).toEqual(['meta.yaml', 'routes.yaml']);
  });

  it('in update mode writes missing and changed goldens and deletes orphans', () => {
    const d = temp({ 'meta.yaml': 'old\n', 'routes.yaml': 'old\n', 'same.yaml': 's\n' });
    const actual = new Map([['meta.yaml', 'new\n'], ['clusters.yaml', 'c\n'], ['same.yaml', 's\n']]);
    const outcome = compareGoldens(d, actual, { update: true });
    expect(outcome.written).toEqual(['clusters.yaml', 'meta.yaml']);
    expect(outcome.deleted).toEqual(['routes.yaml']);
    expect(readdirSync(d).sort()).toEqual(['clusters.yaml', 'meta.yaml', 'same.yaml']);
    expect(readFileSync(path.join(d, 'meta.yaml'), 'utf8')).toBe('new\n');
    expect(compareGoldens(d, actual, { update: false })).toEqual({ missing: [], changed: [], orphans: [], written: [], deleted: [] });
  });

  it('finds case directories without inputs; update removes only those holding nothing but goldens', () => {
    const d = temp({});
    mkdirSync(path.join(d, 'gone', 'expected'), { recursive: true });
    mkdirSync(path.join(d, 'half', 'policy'), { recursive: true });
    mkdirSync(path.join(d, 'case', 'expected'), { recursive: true });
    writeFileSync(path.join(d, 'case', 'proxy.yaml'), 'id: p\n');
    expect(orphanCaseDirs(d, false)).toEqual(['gone', 'half']);
    expect(existsSync(path.join(d, 'gone'))).toBe(true);
    expect(orphanCaseDirs(d, true)).toEqual(['gone', 'half']);
    expect(readdirSync(d).sort()).toEqual(['case', 'half']);
  });
});
