/**
 * The failing-value regexes of allow header conditions (header-failing.ts), differentially: for
 * many literals and candidate values, "some regex matches the value" must equal "the value fails
 * the condition", evaluated with RE2 itself (re2-wasm, as Envoy), and every regex must stay within
 * Envoy's RE2 program-size limit as policy validation computes it.
 */
import { describe, expect, it } from 'vitest';
import { failingValues } from '../../src/translate/header-failing.js';
import { re2ProgramSize } from '../../src/policy/re2-size.js';
import { ENVOY_MAX_PROGRAM_SIZE } from '../../src/policy/regex.js';
import { re2FullMatch } from './simulate.js';

const LITERALS = ['a', 'acme', 'a.b*c', 'x]y^z-\\\\w', 'tenant-0123456789', 'é-ü', 'v'.repeat(40), `${'abcdefghij'.repeat(6)}0123456789`];

function candidates(l: string): string[] {
  const out = new Set(['', 'x', l, `${l}x`, `${l},${l}`, l.slice(0, -1), l.toUpperCase(), `x${l}`]);
  for (let i = 0; i < l.length; i++) {
    out.add(l.slice(0, i));
    out.add(`${l.slice(0, i)}#${l.slice(i + 1)}`);
    out.add(`${l.slice(0, i)}#`);
  }
  return [...out];
}

describe('failing values of allow header conditions', () => {
  for (const literal of LITERALS) {
    for (const kind of ['exact', 'prefix'] as const) {
      it(`${kind} ${JSON.stringify(literal.length > 20 ? `${literal.slice(0, 12)}…(${literal.length})` : literal)}`, () => {
        const regexes = failingValues(kind === 'exact' ? { exact: literal } : { prefix: literal });
        expect(regexes).toBeDefined();
        for (const r of regexes!) expect(re2ProgramSize(r)).toBeLessThanOrEqual(ENVOY_MAX_PROGRAM_SIZE);
        for (const v of candidates(literal)) {
          const fails = kind === 'exact' ? v !== literal : !v.startsWith(literal);
          expect([v, regexes!.some((r) => re2FullMatch(r, v))]).toEqual([v, fails]);
        }
      });
    }
  }

  it('gives up on a value whose chunks no longer fit (the caller leaves the rule out)', () => {
    expect(failingValues({ exact: 'v'.repeat(120) })).toBeUndefined();
  });
});
