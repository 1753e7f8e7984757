/**
 * Regexes are checked by the real RE2 (WASM build) plus Envoy's own limits: what passes is what
 * RE2 accepts, with RE2's error text when it does not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findEnvoy } from '../../scripts/mesh/envoy-bin.js';
import { re2ProgramSize } from '../../src/policy/re2-size.js';
import { ENVOY_MAX_PROGRAM_SIZE, re2CompileError, re2Problem, setRegexProgramLimit } from '../../src/policy/regex.js';
import { load, where, y } from './helpers.js';

const headerRegex = (re: string) => load(y('kind: TrafficPolicy', 'service: reviews', 'routes:', '  - match:', '      headers:', `        x-user: { regex: ${JSON.stringify(re)} }`));

describe('regexIsCheckedByRe2', () => {
  it.each([
    ['a{1001}', 'invalid repetition size: {1001}'],
    ['((a{30}){30}){30}', 'invalid repetition size: {30}'],
    ['(((a{10}){10}){10}){10}', 'invalid repetition size: {10}'],
    ['(?=a)', 'invalid perl operator: (?='],
    ['(a)\\1', 'invalid escape sequence: \\1'],
    ['\\u0041', 'invalid escape sequence: \\u'],
    ['\\cA', 'invalid escape sequence: \\c'],
    ['x{2,1}', 'invalid repetition size: {2,1}'],
  ])('rejects %s with RE2\'s error text', (re, text) => {
    const r = headerRegex(re);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT1013 routes[0].match.headers["x-user"].regex @ p.yaml:6:26']);
    expect(r.diagnostics[0]!.message).toBe(`invalid regex "${re}": ${text}`);
  });

  it.each(['(?i)bearer .+', '(?P<id>[0-9]+)', '(?s)a.b', '[[:alpha:]]+', '\\pL+', '\\Qa.b\\E', '^/api/v[0-9]+/.*$'])(
    'accepts %s, which RE2 accepts (JavaScript rejects some)', (re) => {
      const r = headerRegex(re);
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    },
  );
});

describe('regexMeetsEnvoyLimits', () => {
  it('rejects a program over Envoy\'s default size limit of 100 and accepts one at it', () => {
    expect(re2Problem('x{96}')).toBeUndefined();
    expect(re2Problem('x{97}')).toMatch(/^its RE2 program has 101 instructions, over Envoy's limit of 100/);
    expect(re2Problem('[a-z]{200}')).toMatch(/has 204 instructions/);
  });

  it('rejects an alternation whose program is over the limit although each branch is small (D7)', () => {
    const big = `^/(${Array.from({ length: 40 }, (_, i) => `p${i}[a-z]{1,9}`).join('|')})$`;
    expect(re2Problem(big)).toMatch(/^its RE2 program has 730 instructions/);
  });

  it('follows a raised limit (an Envoy runtime with a higher re2.max_program_size.error_level)', () => {
    try {
      setRegexProgramLimit(200);
      expect(re2Problem('x{150}')).toBeUndefined();
      expect(re2Problem('x{197}')).toMatch(/has 201 instructions, over Envoy's limit of 200/);
    } finally {
      setRegexProgramLimit(ENVOY_MAX_PROGRAM_SIZE);
    }
    expect(re2Problem('x{150}')).toMatch(/has 154 instructions, over Envoy's limit of 100/);
  });

  it('rejects escapes above \\x{FF}, which Envoy\'s Latin-1 RE2 refuses', () => {
    expect(re2Problem('\\x{100}')).toBe('\\x{100} is above \\x{FF}: Envoy compiles regexes as Latin-1 and rejects it');
    expect(re2Problem('\\x{FF}')).toBeUndefined();
  });

  it('refuses very long patterns before RE2 sees them', () => {
    expect(re2Problem('a'.repeat(1025))).toBe('longer than 1024 characters');
  });

  it('survives the WASM heap running out and keeps checking', () => {
    expect(re2CompileError('\\pN{1000}', 64 * 1024 * 1024)).toBe('pattern too large: RE2 ran out of memory compiling it');
    expect(re2CompileError('abc')).toBeUndefined();
    expect(re2CompileError('a{1001}')).toBe('invalid repetition size: {1001}');
  });
});

/** Patterns with the program size Envoy 1.40 reported for each (testdata/regex). */
const measured: [string, number][] = readFileSync(new URL('../../testdata/regex/envoy-program-sizes.tsv', import.meta.url), 'utf8')
  .split('\n').filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => { const [p, n] = l.split('\t'); return [JSON.parse(p!) as string, Number(n)]; });

describe('re2ProgramSizeEqualsEnvoy', () => {
  it('equals the size Envoy measured for every recorded pattern', () => {
    const differ = measured.filter(([p, n]) => re2ProgramSize(p) !== n).map(([p, n]) => `${p}: weft ${re2ProgramSize(p)}, Envoy ${n}`);
    expect(differ).toEqual([]);
    expect(measured.length).toBeGreaterThan(100);
  });

  const envoy = findEnvoy();
  it.skipIf(!envoy)('matches what a real Envoy reports (the recorded table is current)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-re2size-'));
    try {
      for (const [p, n] of measured.filter((_, i) => i % 12 === 0)) expect([p, envoyProgramSize(envoy!, dir, p)]).toEqual([p, n]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Envoy's RE2 program size for `regex`: validate a route with it under error level 0. */
function envoyProgramSize(envoy: string, dir: string, regex: string): number | string {
  const config = {
    layered_runtime: { layers: [{ name: 'static', static_layer: { 're2.max_program_size.error_level': 0 } }] },
    static_resources: { listeners: [{ name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
      filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
        stat_prefix: 'x',
        http_filters: [{ name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { safe_regex: { regex } }, direct_response: { status: 200 } }] }] },
      } }] }] }] },
  };
  const file = path.join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify(config));
  let out = '';
  try {
    execFileSync(envoy, ['--mode', 'validate', '-c', file, '-l', 'critical'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    out = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
  }
  const m = /program size of (\d+)/.exec(out);
  return m ? Number(m[1]) : out.slice(-200);
}
