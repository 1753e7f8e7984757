/**
 * Regex checks for route, header and query matches, which Envoy (`safe_regex`) and proxyless gRPC
 * evaluate with Google RE2. A pattern passes when:
 * 1. RE2 itself compiles it: the real RE2 C++ library, built to WebAssembly (`@adguard/re2-wasm`,
 *    Google's re2-wasm with a memory limit), called directly without the package's JavaScript-to-RE2
 *    syntax translation, with RE2's default options as Envoy uses them. Its error text is
 *    reported as is (`invalid repetition size: {1001}`, `invalid perl operator: (?=`).
 * 2. It passes what Envoy adds on top of RE2: Envoy compiles with Latin-1 encoding, so `\x{...}`
 *    escapes above `FF` are rejected there, and it NACKs a regex whose compiled program is over
 *    `re2.max_program_size.error_level` (default 100); re2-size.ts computes the size Envoy's RE2
 *    reports for the pattern.
 * Patterns longer than `MAX_REGEX_CHARS` are refused before RE2 sees them: the WASM heap is a fixed
 * 16 MiB, and no pattern that long fits Envoy's program limit.
 * See https://github.com/google/re2/wiki/Syntax.
 */
import { createRequire } from 'node:module';
import { re2ProgramSize } from './re2-size.js';

/** Envoy's default `re2.max_program_size.error_level`. */
export const ENVOY_MAX_PROGRAM_SIZE = 100;
let programLimit = ENVOY_MAX_PROGRAM_SIZE;

/**
 * Sets the program size regexes are checked against (process-wide; default
 * `ENVOY_MAX_PROGRAM_SIZE`), for a fleet whose Envoy runtime raises
 * `re2.max_program_size.error_level`. The e2e NACK scenarios raise it above Envoy's so that a
 * route Envoy rejects gets through weft's validation. Clears the verdict cache.
 */
export function setRegexProgramLimit(limit: number): void {
  programLimit = limit;
  verdicts.clear();
}
export const MAX_REGEX_CHARS = 1024;
/**
 * RE2's `max_mem` for the check, 1 MiB. A program Envoy accepts (at most 100 instructions in its
 * Latin-1 compile) is at most a few thousand instructions in the UTF-8 compile here, far under
 * the budget; a larger pattern fails cleanly (`pattern too large - compile failed`) instead of
 * exhausting the WASM heap.
 */
export const RE2_MAX_MEM = 1024 * 1024;

interface WrappedRE2 {
  ok(): boolean;
  error(): string;
  delete(): void;
}
interface Re2Module {
  WrappedRE2: new (pattern: string, ignoreCase: boolean, multiline: boolean, dotAll: boolean, maxMem: number) => WrappedRE2;
}

const require = createRequire(import.meta.url);
const MODULE = '@adguard/re2-wasm/build/wasm/re2.js';
let engine: Re2Module | undefined;

/**
 * Compiles `pattern` with RE2; RE2's error text, or undefined when it compiles. An abort inside
 * the WASM module (its heap exhausted) is reported as such and the module is loaded afresh, since
 * an aborted Emscripten instance accepts no further calls.
 */
export function re2CompileError(pattern: string, maxMem = RE2_MAX_MEM): string | undefined {
  engine ??= require(MODULE) as Re2Module;
  let re: WrappedRE2 | undefined;
  try {
    re = new engine.WrappedRE2(pattern, false, false, false, maxMem);
    return re.ok() ? undefined : re.error();
  } catch {
    delete require.cache[require.resolve(MODULE)];
    engine = undefined;
    re = undefined;
    return 'pattern too large: RE2 ran out of memory compiling it';
  } finally {
    re?.delete();
  }
}

const CACHE_ENTRIES = 4096;
/** Verdicts by pattern (a reload re-checks every regex of the policy; most are unchanged). */
const verdicts = new Map<string, string | undefined>();

/** Why `pattern` is not usable by RE2 and Envoy, or undefined when it is. Results are cached. */
export function re2Problem(pattern: string): string | undefined {
  if (verdicts.has(pattern)) return verdicts.get(pattern);
  const verdict = check(pattern);
  if (verdicts.size >= CACHE_ENTRIES) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(pattern, verdict);
  return verdict;
}

function check(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_CHARS) return `longer than ${MAX_REGEX_CHARS} characters`;
  const error = re2CompileError(pattern);
  if (error !== undefined) return error;
  for (const wide of pattern.matchAll(/\\x\{0*([0-9A-Fa-f]{3,})\}/g)) {
    if (parseInt(wide[1]!, 16) > 0xff && !escaped(pattern, wide.index)) {
      return `${wide[0]} is above \\x{FF}: Envoy compiles regexes as Latin-1 and rejects it`;
    }
  }
  const size = re2ProgramSize(pattern);
  if (size > programLimit) {
    return `its RE2 program has ${size} instructions, over Envoy's limit of ${programLimit} (re2.max_program_size.error_level); shorten repeats such as x{n} or split the alternatives over several routes`;
  }
  return undefined;
}

/** True when the backslash at `i` is itself escaped (preceded by an odd run of backslashes). */
function escaped(pattern: string, i: number): boolean {
  let n = 0;
  for (let k = i - 1; k >= 0 && pattern[k] === '\\'; k--) n++;
  return n % 2 === 1;
}
