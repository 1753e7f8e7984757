/**
 * Differential test of weft's regex program-size check against a real Envoy (D7): for patterns
 * on both sides of Envoy's default limit (100) and a seeded set of random ones, weft's computed
 * size equals the size Envoy's RE2 reports, and weft's verdict equals Envoy's: every pattern weft
 * accepts, Envoy accepts at its default limits; patterns weft rejects, Envoy NACKs.
 * Skipped by name without an Envoy binary (ENVOY_BIN or `envoy` on PATH).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envoyBin } from '../../e2e/envoy/env.js';
import { re2ProgramSize } from '../../src/policy/re2-size.js';
import { re2CompileError, re2Problem } from '../../src/policy/regex.js';

/** Families of patterns, each growing with `k`; the test takes the `k`s around the limit. */
const FAMILIES: ((k: number) => string)[] = [
  (k) => `x{${k}}`, (k) => `[a-z]{${k}}`, (k) => `(?:ab|cd){${k}}`, (k) => `(?i)ab{${k}}`, (k) => `.{${k}}`, (k) => `\\d{${k}}`,
  (k) => `(a|b){${k}}`, (k) => `(?:foo|foobar|food){${k}}`, (k) => `\\pL{${k}}`, (k) => `é{${k}}`, (k) => `^/api/v{${k}}`,
  (k) => `a{0,${k}}`, (k) => `\\W{${k}}`, (k) => `^/(${Array.from({ length: k }, (_, i) => `p${i}[a-z]{1,3}`).join('|')})$`,
  (k) => Array.from({ length: k }, (_, i) => `/v${i}/x`).join('|'), (k) => `(?:a|b|c|\\d){${k}}`, (k) => `(?m)^a{${k}}$`,
  (k) => `(?:a*b){${k}}`, (k) => `(?:a+?b??){${k}}`, (k) => `(?:\\bx){${k}}`, (k) => `(?s)a.{${k}}`,
  (k) => `^[a-f0-9]{8}(-[a-f0-9]{4}){${k}}$`, (k) => `(\\d{1,3}\\.){${k}}`, (k) => `abc(?:x|y){${k}}$`,
];

function aroundLimit(): string[] {
  const out: string[] = [];
  for (const f of FAMILIES) {
    let k = 1;
    while (k < 400 && re2ProgramSize(f(k)) <= 100) k++;
    for (const n of [k - 2, k - 1, k, k + 1]) if (n >= 1 && re2CompileError(f(n)) === undefined) out.push(f(n));
  }
  return out;
}

/** Random patterns from a small grammar of RE2 syntax, reproducible from `seed`. */
function randomPatterns(seed: number, count: number): string[] {
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T,>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!;
  const atoms = ['a', 'ab', 'abc', '.', '\\d', '\\w', '\\D', '[a-z]', '[^a]', '[A-Za-z]', '[0-9a-f]', '\\pL', 'é', '\\b', '^', '$', '\\.', '[[:alpha:]]', '(?i)k', '\\C', '[aA]', '(?s:.)', '/'];
  const repeatable = atoms.filter((a) => !['^', '$', '\\b'].includes(a));
  const gen = (d: number): string => {
    const r = rnd();
    if (d > 3 || r < 0.35) return pick(atoms);
    if (r < 0.55) return gen(d + 1) + gen(d + 1);
    if (r < 0.7) return Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => gen(d + 1)).join('|');
    if (r < 0.8) return `(${gen(d + 1)})`;
    if (r < 0.87) return `(?:${gen(d + 1)})`;
    const inner = rnd() < 0.5 ? `(?:${gen(d + 1)})` : pick(repeatable);
    return inner + pick(['*', '+', '?', '*?', '+?', `{${1 + Math.floor(rnd() * 4)}}`, `{0,${1 + Math.floor(rnd() * 3)}}`, '{2,}']);
  };
  const out = new Set<string>();
  while (out.size < count) {
    const p = (rnd() < 0.2 ? '^' : '') + gen(0) + (rnd() < 0.2 ? '$' : '');
    if (!p.includes("'") && re2CompileError(p) === undefined) out.add(p);
  }
  return [...out];
}

const dir = envoyBin ? mkdtempSync(path.join(tmpdir(), 'weft-re2-envoy-')) : '';
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

/** `envoy --mode validate` on one route per pattern; Envoy's exit status and log. */
function validate(patterns: readonly string[], runtime: Record<string, number>): { ok: boolean; log: string } {
  const routes = patterns.map((regex) => ({ match: { safe_regex: { regex } }, direct_response: { status: 200 } }));
  const hcm = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 'x',
    http_filters: [{ name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes }] },
  };
  const config = {
    layered_runtime: { layers: [{ name: 'static', static_layer: runtime }] },
    static_resources: { listeners: [{ name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 10000 } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcm }] }] }] },
  };
  const file = path.join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify(config));
  const r = spawnSync(envoyBin!, ['--mode', 'validate', '-c', file, '-l', 'warn'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { ok: r.status === 0, log: `${r.stdout}${r.stderr}` };
}

/** Envoy's program size for every pattern: all accepted, each logged above a warn level of 0. */
function envoySizes(patterns: readonly string[]): Map<string, number> {
  const { log } = validate(patterns, { 're2.max_program_size.error_level': 1_000_000, 're2.max_program_size.warn_level': 0 });
  return new Map([...log.matchAll(/regex '(.*?)' RE2 program size of (\d+) > max program size of 0 set for the warn/g)].map((m) => [m[1]!, Number(m[2])]));
}

const skip = envoyBin ? '' : ' (skipped: no envoy binary on PATH or ENVOY_BIN)';

describe('regex program sizes against a real Envoy', () => {
  const patterns = envoyBin ? [...aroundLimit(), ...randomPatterns(7, 300)] : [];

  it.skipIf(!envoyBin)(`weftSizeEqualsEnvoySizeAroundTheLimitAndForRandomPatterns${skip}`, () => {
    const sizes = envoySizes(patterns);
    expect(sizes.size).toBe(patterns.length);
    expect(patterns.filter((p) => re2ProgramSize(p) !== sizes.get(p)).map((p) => `${p}: weft ${re2ProgramSize(p)}, Envoy ${sizes.get(p)}`)).toEqual([]);
  }, 60_000);

  it.skipIf(!envoyBin)(`envoyAcceptsWhatWeftAcceptsAndNacksWhatWeftRejects${skip}`, () => {
    const accepted = patterns.filter((p) => re2Problem(p) === undefined);
    const rejected = patterns.filter((p) => re2Problem(p) !== undefined);
    expect(rejected.length).toBeGreaterThan(40);
    const all = validate(accepted, {});
    expect(all.ok, all.log.slice(-400)).toBe(true);
    // Envoy stops at the first rejected regex: check the ones just over the limit one by one.
    for (const p of rejected.filter((q) => re2ProgramSize(q) <= 104)) {
      const one = validate([p], {});
      expect([p, one.ok, /RE2 program size of \d+ > max program size of 100/.test(one.log)]).toEqual([p, false, true]);
    }
  }, 120_000);
});
