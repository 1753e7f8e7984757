/**
 * The size of the program RE2 compiles a pattern to (`RE2::ProgramSize()`), the number Envoy
 * compares with its `re2.max_program_size.error_level` (default 100) and NACKs a regex over.
 *
 * No build of RE2 on npm exposes that number, and Envoy compiles with Latin-1 encoding (each UTF-8
 * byte of the pattern is one character; measured on Envoy 1.40: `\x{100}` is rejected, `\pL` is 11
 * instructions) while the WASM build regex.ts uses compiles UTF-8. So this module models the steps
 * of RE2 that decide the number, each in its own file and named after the RE2 function it follows:
 * parsing with the parser's own rewrites and alternation factoring (re2-parse.ts, re2-factor.ts),
 * the required literal prefix after `^` that RE2 matches outside the program (`RequiredPrefix`,
 * here), simplification (re2-simplify.ts), then compilation, optimisation and flattening
 * (re2-prog.ts).
 *
 * test/policy/regex.test.ts checks the result against the sizes Envoy 1.40 reported for a table of
 * patterns (testdata/regex/envoy-program-sizes.tsv) and, where an Envoy binary is installed,
 * checks weft's verdict against Envoy's for a set of patterns on both sides of the limit.
 * Only patterns RE2 has accepted are measured.
 */
import { concat, EMPTY, Flag, type Re } from './re2-ast.js';
import { Re2Parser } from './re2-parse.js';
import { programSize } from './re2-prog.js';
import { simplify } from './re2-simplify.js';

/** Envoy's RE2 program size for `pattern` (one RE2 accepts). */
export function re2ProgramSize(pattern: string): number {
  const entire = new Re2Parser(pattern).parse(Flag.oneLine);
  return programSize(simplify(withoutRequiredPrefix(entire)));
}

/**
 * RE2's `RequiredPrefix`: `^` (once or more) then a literal: RE2 matches the literal itself and
 * compiles only what follows it (unanchored).
 */
function withoutRequiredPrefix(re: Re): Re {
  if (re.op !== 'cat') return re;
  let i = 0;
  while (i < re.subs.length && re.subs[i]!.op === 'bot') i++;
  if (i === 0 || i >= re.subs.length) return re;
  const lead = re.subs[i]!;
  if (lead.op !== 'lit' && lead.op !== 'str') return re;
  const rest = re.subs.slice(i + 1);
  return rest.length === 0 ? EMPTY : concat(rest);
}
