/**
 * What an AccessPolicy header condition means, as IR header matchers (docs/translation.md
 * "Header conditions").
 *
 * A request may carry a header several times, or a list in one value (`x-role: user, admin`),
 * and applications read either element by element. Envoy's RBAC matches a repeated header value
 * by value, succeeding when any value matches (Envoy ≥ 1.38, runtime guard
 * `envoy.reloadable_features.rbac_match_headers_individually`, on by default); older Envoy and
 * gRPC match the values joined with ",". So, under either behaviour:
 *
 * - **allow** rules match what was written against each value, and require *every* value to match
 *   ("and no value matches one of the `failing` regexes", header-failing.ts), so `x-tenant: acme`
 *   sent together with `x-tenant: evil` is refused; a list in one value does not equal the written
 *   value either. An allow `regex` has no complement in RE2: validation refuses it (WEFT2013); a
 *   value too long to spell out its failing values leaves the rule out (WEFT4141, fail closed);
 * - **deny** (and audit) rules match when *any* comma-separated element of any value matches,
 *   case-insensitively for `exact` and `prefix`: `x-role: admin` also denies `x-role: user,Admin`
 *   and a second `x-role` header. That is one RE2 regex; when the value is too long for Envoy's
 *   program-size limit, the deny falls back to "the value contains it" (wider, still fail closed,
 *   WEFT4140). A deny `regex` is used as written (wrapping it could take it past the program-size
 *   limit policy validation checked it against), on each value or the joined value, so it must
 *   allow for lists itself; `present` needs no rewriting.
 */
import type { StringMatch } from '../model/index.js';
import type { IrHeaderMatch } from './ir.js';
import { REGEX_BUDGET } from './path-match.js';
import { failingValues } from './header-failing.js';

export interface DenyHeader { readonly match: IrHeaderMatch; readonly widened: boolean }

/**
 * The matcher of one allow condition: as written, on every value; undefined when the value is too
 * long to spell out its failing values (the rule is then left out: it admits nobody). `regex` is
 * refused at validation for allow rules (no complement in RE2).
 */
export function allowHeader(name: string, m: StringMatch): IrHeaderMatch | undefined {
  if ('present' in m) return { name, ...m };
  if ('regex' in m) return undefined;
  const failing = failingValues(m);
  return failing && { name, ...m, ...(failing.length ? { failing } : {}) };
}

/** Any element, optional whitespace around it, in a list joined by ",". */
const BEFORE = '(?:.*,)?[ \\t]*';
const AFTER = '[ \\t]*(?:,.*)?';
/** An upper bound on the program size of BEFORE and AFTER with the match instruction (RE2 gives 18). */
const WRAPPER_SIZE = 24;

/** The matcher of one deny condition: any element of the value (see the module comment). */
export function denyHeader(name: string, m: StringMatch): DenyHeader {
  if ('present' in m) return { match: { name, present: m.present }, widened: false };
  if ('regex' in m) return { match: { name, regex: m.regex }, widened: false };
  const literal = 'exact' in m ? m.exact : m.prefix;
  if (WRAPPER_SIZE + literalSize(literal) > REGEX_BUDGET) return { match: { name, contains: literal, ignoreCase: true }, widened: true };
  const tail = 'exact' in m ? AFTER : '.*';
  return { match: { name, regex: `(?i)${BEFORE}${escape(literal)}${tail}` }, widened: false };
}

function escape(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** RE2 instructions for a literal under case folding: one per ASCII byte, two per other byte. */
function literalSize(s: string): number {
  let size = 0;
  for (const c of s) size += c.charCodeAt(0) < 0x80 ? 1 : 2 * new TextEncoder().encode(c).length;
  return size;
}
