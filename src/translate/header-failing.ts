/**
 * Regexes for the header values that fail an allow condition, so that an allow rule can require
 * *every* value of a repeated header to satisfy it (header-match.ts says why): RE2 has no
 * complement, so "does not start with L" is spelled out as "starts with L[0:a], then does not
 * continue with L[a:b]" for consecutive chunks [a, b) of L, each chunk a nested alternation
 * `(?:[^c].*|c(?:…)?)?`, and each regex kept under Envoy's program-size limit (path-match.ts
 * `REGEX_BUDGET`). Those regexes together match exactly the failing values; a value that fails
 * matches one of them.
 */
import { REGEX_BUDGET } from './path-match.js';

/** Fixed cost of one regex (match, alternation scaffolding); RE2 gives 8. REGEX_BUDGET keeps a
 * margin of 10 below Envoy's limit, and test/translate/header-failing.test.ts checks real sizes. */
const BASE = 10;

/**
 * Regexes matching exactly the values that fail `exact: L` or `prefix: L` (case-sensitive, full
 * match), or undefined when L is too long for regexes under the limit (its chunks' literal
 * prefixes alone grow past it).
 */
export function failingValues(m: { readonly exact: string } | { readonly prefix: string }): string[] | undefined {
  const literal = 'exact' in m ? m.exact : m.prefix;
  const chars = [...literal];
  const out: string[] = [];
  let a = 0;
  let prefixCost = BASE;
  while (a < chars.length) {
    let b = a;
    let cost = prefixCost;
    while (b < chars.length && cost + levelCost(chars[b]!) <= REGEX_BUDGET) cost += levelCost(chars[b++]!);
    if (b === a) return undefined;
    out.push(`${escape(chars.slice(0, a).join(''))}${notPrefix(chars.slice(a, b))}`);
    for (const c of chars.slice(a, b)) prefixCost += literalCost(c);
    a = b;
  }
  if ('exact' in m) {
    if (prefixCost + 4 > REGEX_BUDGET) return undefined;
    out.push(`${escape(literal)}.+`);
  }
  // An empty prefix fails nothing; an empty exact value fails every non-empty value (`.+`).
  return out;
}

/** Strings that do not start with `chunk` (shorter ones included). */
function notPrefix(chunk: readonly string[]): string {
  const [c, ...rest] = chunk;
  const differs = `[^${classEscape(c!)}].*`;
  return rest.length ? `(?:${differs}|${escape(c!)}${notPrefix(rest)})?` : `(?:${differs})?`;
}

function escape(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function classEscape(c: string): string {
  return c.replace(/[\\\]^-]/g, '\\$&');
}

/** RE2 gives 7 instructions per nesting level of an ASCII character; other characters are
 * several bytes (Envoy compiles UTF-8 byte ranges), so a generous bound. */
function levelCost(c: string): number {
  return c.charCodeAt(0) < 0x80 ? 7 : 20;
}

function literalCost(c: string): number {
  return c.charCodeAt(0) < 0x80 ? 1 : 4;
}
