/**
 * What an AccessPolicy path means (docs/translation.md "Path semantics"), as IR path matchers.
 *
 * A rule is evaluated against the path Envoy's HCM leaves after its own normalisation
 * (http-filters.ts): query and fragment removed (`url_path`), RFC 3986 normalisation (`%2e`,
 * `%61`, `.` and `..` segments), merged slashes, and `%2F`/`%5C` rejected with 400. What that
 * cannot see is what application servers do on top: Tomcat, Jetty, Spring and others drop
 * `;parameters` from every segment and treat `/admin/` as `/admin`. So:
 *
 * - **deny** rules cover every spelling such a server reads as the written path, matched
 *   case-insensitively (fail closed): `/admin` also denies `/admin/`, `/admin;x=y`,
 *   `/admin;x/`, `/ADMIN`, and `/api/admin` denies `/api;x/admin`; `/admin/*` denies `/admin`
 *   itself and everything below it; `/adm*` everything starting with `/adm` (parameters allowed in
 *   the segments before); `/*` everything.
 * - **allow** rules admit exactly what was written, case-sensitively: `/p` is exactly `/p`,
 *   `/p/*` and `/p*` are literal prefixes (`/p/` and `/p`).
 *
 * Deny forms are one RE2 regex (Envoy matches the full string). Envoy refuses a regex whose RE2
 * program exceeds `re2.max_program_size.error_level` (default 100), so a path whose regex could
 * exceed `REGEX_BUDGET` is denied by a wider, regex-free set instead (still fail closed, WEFT4112).
 */
import type { IrPathMatch } from './ir.js';

/** Upper bound we allow for the RE2 program size of one deny regex (Envoy's limit is 100). */
export const REGEX_BUDGET = 90;

/** `;parameters` of one segment: what servers strip. */
const PARAMS = '(?:;[^/]*)?';

export interface DenyPaths { readonly matchers: readonly IrPathMatch[]; readonly widened: boolean }

/** Matchers of one allow path: exactly as written. */
export function allowPath(path: string): IrPathMatch {
  return path.endsWith('*') ? { prefix: path.slice(0, -1) || '/' } : { exact: path };
}

/** Matchers of one deny path: every spelling of it (see the module comment). */
export function denyPath(path: string): DenyPaths {
  const p = canonical(path);
  if (p === '/*' || p === '*') return { matchers: [{ prefix: '/' }], widened: false };
  const shape = shapeOf(p);
  const regex = `(?i)${shape.segments.map((s) => `/${escape(s)}${PARAMS}`).join('')}${shape.partial === undefined ? '' : `/${escape(shape.partial)}.*`}${shape.tail}`;
  if (programSizeBound(regex) <= REGEX_BUDGET) return { matchers: [{ regex }], widened: false };
  return { matchers: widened(shape), widened: true };
}

interface Shape {
  /** Whole segments, each of which may carry `;parameters`. */
  readonly segments: readonly string[];
  /** `/adm*`: the unfinished last segment. */
  readonly partial?: string;
  /** What may follow: a trailing slash (exact), or anything below (`/*`), or nothing more. */
  readonly tail: string;
}

function shapeOf(p: string): Shape {
  if (p.endsWith('/*')) return { segments: split(p.slice(0, -2)), tail: '(?:/.*)?' };
  if (p.endsWith('*')) {
    const parts = split(p.slice(0, -1));
    return { segments: parts.slice(0, -1), partial: parts[parts.length - 1] ?? '', tail: '' };
  }
  const segments = split(p);
  return segments.length === 0 ? { segments, tail: `/${PARAMS}` } : { segments, tail: `(?:/${PARAMS})?` };
}

function split(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

/** The rule path as a normalised request path would spell it: unreserved `%XX` decoded, slashes
 * merged, a trailing slash dropped (it is covered by the forms above). */
function canonical(path: string): string {
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (m, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m;
  });
  const merged = decoded.replace(/\/{2,}/g, '/');
  return merged.length > 1 && merged.endsWith('/') ? merged.slice(0, -1) : merged;
}

function escape(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * An upper bound on RE2's program size for the regexes built here. Envoy compiles Latin-1, so a
 * literal is one instruction per byte (two for a non-ASCII byte under case folding); `[^/]` and
 * `.` are at most four with their ranges; `?` and `*` at most two; match and fail two more.
 */
export function programSizeBound(regex: string): number {
  const body = regex.startsWith('(?i)') ? regex.slice(4) : regex;
  let size = 2;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (body.startsWith('(?:', i)) i += 2;
    else if (body.startsWith('[^/]', i)) { size += 4; i += 3; }
    else if (c === '(' || c === ')') continue;
    else if (c === '.') size += 4;
    else if (c === '?' || c === '*') size += 2;
    else size += literalSize(c === '\\' ? body[++i] ?? '' : c);
  }
  return size;
}

function literalSize(c: string): number {
  const bytes = new TextEncoder().encode(c).length;
  return c.charCodeAt(0) < 0x80 ? bytes : 2 * bytes;
}

/**
 * Regex-free deny set for a path too long for one regex: the parameter-free spellings exactly,
 * parameters on the last segment, and — since parameters on earlier segments cannot be told apart
 * without a regex — every path below the first segment that carries a `;` at all.
 */
function widened(shape: Shape): IrPathMatch[] {
  const base = `/${shape.segments.join('/')}`;
  const first = `/${shape.segments[0] ?? shape.partial ?? ''}`;
  const out: IrPathMatch[] = [{ prefix: first, contains: ';' }];
  if (shape.partial !== undefined) out.push({ prefix: `${shape.segments.length ? base : ''}/${shape.partial}` });
  else if (shape.tail.startsWith('(?:/.*')) out.push({ exact: base }, { prefix: `${base}/` });
  else out.push({ exact: base }, { exact: `${base}/` });
  return out;
}
