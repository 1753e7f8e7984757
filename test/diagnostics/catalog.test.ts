import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CodeInfo } from '../../src/common/index.js';
import { catalog, renderDiagnosticsDoc } from '../../scripts/gen-diagnostics-doc.js';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (p: string) => readFileSync(path.join(repo, p), 'utf8');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts')) out.push(path.relative(repo, p));
  }
  return out;
}

const src = sourceFiles(path.join(repo, 'src'));
const tableFiles = new Set(catalog.map((m) => m.file));
const entries = catalog.flatMap((m) => Object.entries(m.table).map(([name, info]) => ({ module: m, name, info })));
const byTable = new Map(catalog.map((m) => [m.tableName, m]));

describe('diagnostic code tables', () => {
  it('keeps docs/diagnostics.md equal to the page generated from the tables (npm run gen:diagnostics)', () => {
    expect(read('docs/diagnostics.md')).toBe(renderDiagnosticsDoc());
  });

  it('lists every code of every table in docs/diagnostics.md', () => {
    const doc = read('docs/diagnostics.md');
    expect(entries.filter((e) => !doc.includes(`| ${e.info.code} |`)).map((e) => e.info.code)).toEqual([]);
  });

  it('never gives one code two meanings: two different entries never share a code, an alias is never a live code', () => {
    const owner = new Map<string, CodeInfo>();
    const clashes: string[] = [];
    for (const { module, name, info } of entries) {
      const first = owner.get(info.code);
      if (first && first !== info) clashes.push(`${info.code}: ${module.tableName}.${name}`);
      owner.set(info.code, info);
    }
    const aliases = entries.flatMap((e) => e.info.aliases ?? []);
    expect(clashes).toEqual([]);
    expect(aliases.filter((a) => owner.has(a))).toEqual([]);
    expect(new Set(aliases).size).toBe(new Set(entries.flatMap((e) => (e.info.aliases ?? []).map((a) => `${a}>${e.info.code}`))).size);
  });

  it('keeps each module\'s own codes in its range, shaped WEFT and four digits, with a summary and an action', () => {
    const seen = new Set<CodeInfo>();
    const wrong: string[] = [];
    for (const { module, name, info } of entries) {
      if (!/^WEFT\d{4}$/.test(info.code) || !info.summary.trim() || !info.action.trim()) wrong.push(`${module.tableName}.${name}`);
      if (!seen.has(info) && !module.ranges.some((r) => info.code.startsWith(r))) wrong.push(`${module.tableName}.${name} ${info.code}`);
      seen.add(info);
    }
    expect(wrong).toEqual([]);
  });

  it('knows every code table in src (an exported `... satisfies CodeTable`)', () => {
    const found = src.flatMap((f) => [...read(f).matchAll(/^export const (\w+) = \{[\s\S]*?^\} as const satisfies CodeTable;/gm)].map((m) => `${f} ${m[1]}`));
    expect(found.sort()).toEqual(catalog.map((m) => `${m.file} ${m.tableName}`).sort());
  });

  it('has no WEFTnnnn literal in src outside the tables (comments may name codes)', () => {
    const literal = /['"`]WEFT\d{4}\b/;
    const comment = /^\s*(\*|\/\/|\/\*)/;
    const offenders = src.filter((f) => !tableFiles.has(f)).flatMap((f) =>
      read(f).split('\n').flatMap((line, i) => (literal.test(line) && !comment.test(line) ? [`${f}:${i + 1}`] : [])));
    expect(offenders).toEqual([]);
  });

  it('reports a code with the severity its table gives, wherever a diagnostic literal names both', () => {
    const site = /\b(\w+Codes)\.(\w+)\.code,\s*severity:\s*'(\w+)'/g;
    const sites = src.flatMap((f) => [...read(f).matchAll(site)].map(([, table, name, severity]) => ({ f, table: table!, name: name!, severity })));
    const wrong = sites.filter((s) => byTable.get(s.table)?.table[s.name]?.severity !== s.severity);
    expect(sites.length).toBeGreaterThanOrEqual(30);
    expect(wrong.map((s) => `${s.f}: ${s.table}.${s.name} as ${s.severity}`)).toEqual([]);
  });
});
