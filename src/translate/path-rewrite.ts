/**
 * Gateway API path matches and replacements as what Envoy and gRPC can run.
 *
 * A `segmentPrefix` match (HTTPRoute `PathPrefix`) matches whole segments; Envoy has it as
 * `path_separated_prefix`, gRPC clients do not (gRFC A28: prefix, path and safe_regex only), so
 * they get the equivalent RE2 regex. A replacement (HTTPRoute `URLRewrite`, `RequestRedirect`) is an
 * Envoy `regex_rewrite` on the path: `prefix_rewrite` would turn `/api/x` with prefix `/api`
 * replaced by `/` into `//x`, which the Gateway API forbids (the replaced prefix keeps exactly one
 * `/` before the rest).
 */
import type { IrPathRewrite } from './ir.js';
import type { PathReplace } from '../model/index.js';

/** RE2 (and JavaScript) metacharacters escaped, so a path is matched literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
}

/** The RE2 regex, on the whole path, that a `segmentPrefix` match stands for. */
export function segmentPrefixRegex(prefix: string): string {
  return `${escapeRegex(prefix)}(/.*)?`;
}

/**
 * The rewrite of a replacement. `matched` is the route's `segmentPrefix` (or `/` for a route
 * matching every path) and is only read for prefix replacements.
 */
export function pathRewrite(replace: PathReplace, matched: string): IrPathRewrite {
  if ('full' in replace) return { pattern: '^.*$', substitution: replace.full };
  const to = replace.prefix === '/' ? '' : replace.prefix.replace(/\/+$/, '');
  if (matched === '/') return { pattern: '^/', substitution: `${to}/` };
  // `/api` → `/`: `/api`, `/api/` and `/api/x` become `/`, `/` and `/x`.
  if (to === '') return { pattern: `^${escapeRegex(matched)}/*`, substitution: '/' };
  return { pattern: `^${escapeRegex(matched)}`, substitution: to };
}
