/**
 * What an AccessPolicy header condition means, as IR header matchers (docs/translation.md
 * "Header conditions").
 *
 * Envoy's RBAC matches a header sent several times against its values joined with "," (and an
 * application may read a list header such as `x-role: user, admin` element by element). So:
 *
 * - **allow** rules match exactly what was written against the whole value: a caller repeating a
 *   header gets a joined value the rule does not match, and is refused (fail closed);
 * - **deny** (and audit) rules match when *any* comma-separated element matches, case-insensitively
 *   for `exact` and `prefix`: `x-role: admin` also denies `x-role: user,Admin` and two `x-role`
 *   headers. That is one RE2 regex; when the value is too long for Envoy's program-size limit, the
 *   deny falls back to "the value contains it" (wider, still fail closed, WEFT4140).
 *   A deny `regex` is matched as written against the whole joined value (wrapping it could take
 *   it past Envoy's program-size limit, which policy validation checked it against as written),
 *   so it must allow for lists itself; `present` needs no rewriting.
 */
import type { StringMatch } from '../model/index.js';
import type { IrHeaderMatch } from './ir.js';
import { REGEX_BUDGET } from './path-match.js';

export interface DenyHeader { readonly match: IrHeaderMatch; readonly widened: boolean }

/** The matcher of one allow condition: as written, on the whole (joined) value. */
export function allowHeader(name: string, m: StringMatch): IrHeaderMatch {
  return { name, ...m };
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
