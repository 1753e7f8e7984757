/**
 * Golden tests for `weft inject`: testdata/inject/<case>.in.yaml (+ optional <case>.options.json)
 * → <case>.out.yaml and, when there are diagnostics, <case>.diag.txt.
 * `UPDATE_GOLDEN=1 npx vitest run test/deploy` rewrites them and deletes orphans.
 */
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { POD_PATHS, injectManifests, type InjectOptions } from '../../src/inject/index.js';
import { TEST_OPTIONS } from './inject-options.js';
import { formatDiagnostic } from '../../src/policy/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../testdata/inject');
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

function optionsOf(name: string): InjectOptions {
  const file = path.join(dir, `${name}.options.json`);
  return existsSync(file) ? { ...TEST_OPTIONS, ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<InjectOptions>) } : TEST_OPTIONS;
}

function run(name: string) {
  const input = readFileSync(path.join(dir, `${name}.in.yaml`), 'utf8');
  const result = injectManifests(input, `${name}.in.yaml`, optionsOf(name));
  const diag = result.diagnostics.map(formatDiagnostic).join('\n');
  return { input, result, diag: diag ? `${diag}\n` : '' };
}

function golden(file: string, actual: string | undefined): void {
  const p = path.join(dir, file);
  if (update) {
    if (actual === undefined) {
      if (existsSync(p)) unlinkSync(p);
    } else writeFileSync(p, actual);
    return;
  }
  if (actual === undefined) expect(existsSync(p), `${file} should not exist`).toBe(false);
  else expect(actual).toBe(readFileSync(p, 'utf8'));
}

describe('weft inject golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(3));

  for (const name of cases) {
    it(`${name}: output and diagnostics match the golden files`, () => {
      const { result, diag } = run(name);
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      golden(`${name}.out.yaml`, result.text);
      golden(`${name}.diag.txt`, diag || undefined);
    });

    it(`${name}: injecting the output again changes nothing`, () => {
      const first = run(name).result;
      const second = injectManifests(first.text, `${name}.out.yaml`, optionsOf(name));
      expect(second.changed).toBe(false);
      expect(second.text).toBe(first.text);
      expect(second.injected).toEqual(first.injected);
    });

    it(`${name}: documents that are not workloads keep their value`, () => {
      const { input, result } = run(name);
      const before = parseAllDocuments(input) as unknown as { toJS(): { kind?: string } | null }[];
      const after = parseAllDocuments(result.text) as unknown as { toJS(): { kind?: string } | null }[];
      expect(after.length).toBe(before.length);
      before.forEach((doc, i) => {
        const value = doc.toJS();
        if (!Object.keys(POD_PATHS).includes(value?.kind ?? '')) expect(after[i]!.toJS()).toEqual(value);
      });
    });
  }

  if (update) {
    it('removes orphaned golden files', () => {
      for (const f of readdirSync(dir)) {
        const m = /^(.*)\.(out\.yaml|diag\.txt|options\.json)$/.exec(f);
        if (m && !cases.includes(m[1]!)) unlinkSync(path.join(dir, f));
      }
    });
  }
});
