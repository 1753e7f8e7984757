/**
 * Request paths in policy: route `path.exact`/`path.prefix` and AccessPolicy `to.paths`. Envoy
 * normalises every request path before routing and RBAC see it (weft sets `normalize_path`,
 * `merge_slashes` and `path_with_escaped_slashes_action: REJECT_REQUEST`), so a policy path that
 * is not itself normal can never match anything, and a rule written as `deny /api/../admin` would
 * silently protect nothing. Such paths are errors (WEFT1021):
 * - a `.` or `..` segment, literal or percent-encoded (`%2e`): normalisation removes them;
 * - `//`: merged into one slash;
 * - `\`: read as `/` by the normaliser;
 * - `%2F`, `%5C`: requests holding them are rejected before matching;
 * - `?` or `#` where the query is not part of what is matched (exact route paths and access
 *   rules; a route prefix is matched against the path with its query).
 * In a prefix, the last segment may be cut anywhere (`/api/.well` is a fine prefix of
 * `/api/.well-known`), so only complete segments are checked there.
 */
import { isScalar } from 'yaml';
import { PolicyCodes } from './codes.js';
import { INVALID, report, type Schema } from './schema-dsl.js';
import { str } from './schema-scalars.js';

/** `exact`: a whole path; `prefix`: a route prefix; `rule`: an access path (`/a/b` or `/a/*`). */
export type PathKind = 'exact' | 'prefix' | 'rule';

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** Why `p` can never match a normalised request path, or undefined. */
export function pathProblem(p: string, kind: PathKind): string | undefined {
  const prefix = kind === 'prefix' || (kind === 'rule' && p.endsWith('*'));
  const body = kind === 'rule' && p.endsWith('*') ? p.slice(0, -1) : p;
  if (body.includes('//')) return 'has "//", which Envoy merges into one "/"';
  if (body.includes('\\')) return 'has "\\", which Envoy reads as "/"';
  if (/%(2f|5c)/i.test(body)) return 'has an encoded "/" or "\\" (%2F, %5C); Envoy rejects such requests';
  if (kind !== 'prefix' && /[?#]/.test(body)) return 'has "?" or "#"; the query and fragment are not part of the matched path';
  const segments = body.split('/').slice(1);
  const complete = prefix ? segments.slice(0, -1) : segments;
  const dot = complete.find((s) => DOT_SEGMENT.test(s));
  if (dot !== undefined) return `has a "${dot}" segment, which Envoy removes when it normalises the request path`;
  return undefined;
}

/**
 * A path field: the `format` checks of `str` (absolute, no whitespace), then `pathProblem`.
 * Reported at the value with the field path, as WEFT1021.
 */
export function matchPath(kind: PathKind, doc: string): Schema<string> {
  const inner = kind === 'rule'
    ? str({ pattern: /^\/[^*\s]*\*?$/, format: 'a path, or a prefix ending in "*"', doc })
    : str({ pattern: /^\/\S*$/, format: 'an absolute path starting with "/"', doc });
  return {
    expected: inner.expected,
    json: inner.json,
    check(node, cx, path) {
      const v = inner.check(node, cx, path);
      if (v === INVALID || !isScalar(node)) return v;
      const problem = pathProblem(v, kind);
      return problem ? report(cx, PolicyCodes.unmatchablePath.code, path, node, `path can never match: it ${problem}`) : v;
    },
  };
}
