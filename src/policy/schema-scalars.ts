/**
 * Scalar schema builders: strings, numbers, booleans, enums, durations, regular expressions,
 * header names and HTTP status codes. Each converts the YAML scalar into its resolved form
 * (e.g. a duration into milliseconds) so the resolver never re-parses text.
 */
import { quote } from './excerpt.js';
import { isScalar } from 'yaml';
import { PolicyCodes } from './codes.js';
import { INVALID, report, typeError, type Schema } from './schema-dsl.js';
import { nearest } from './suggest.js';
import { re2Problem } from './regex.js';
import { parseDuration } from './duration.js';

export interface StrOpts {
  readonly pattern?: RegExp;
  /** Shown when `pattern` does not match, e.g. `a service name like reviews.default`. */
  readonly format?: string;
  readonly code?: string;
  readonly doc?: string;
}

export function str(opts: StrOpts = {}): Schema<string> {
  return {
    expected: 'a string',
    json: () => ({
      type: 'string',
      minLength: 1,
      ...(opts.pattern && { pattern: opts.pattern.source }),
      ...(opts.doc && { description: opts.doc }),
    }),
    check(node, cx, path) {
      if (!isScalar(node) || typeof node.value !== 'string') return typeError(cx, path, node, this.expected);
      const v = node.value;
      if (v === '') return report(cx, opts.code ?? PolicyCodes.invalidFormat.code, path, node, 'must not be empty');
      if (opts.pattern && !opts.pattern.test(v)) {
        const what = opts.format ?? `a string matching ${opts.pattern.source}`;
        return report(cx, opts.code ?? PolicyCodes.invalidFormat.code, path, node, `${quote(v)} is not ${what}`);
      }
      return v;
    },
  };
}

export interface NumOpts {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly code?: string;
  readonly doc?: string;
}

export function num(opts: NumOpts = {}): Schema<number> {
  const expected = opts.integer ? 'an integer' : 'a number';
  return {
    expected,
    json: () => ({
      type: opts.integer ? 'integer' : 'number',
      ...(opts.min !== undefined && { minimum: opts.min }),
      ...(opts.max !== undefined && { maximum: opts.max }),
      ...(opts.doc && { description: opts.doc }),
    }),
    check(node, cx, path) {
      if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
        return typeError(cx, path, node, expected);
      }
      const v = node.value;
      if (opts.integer && !Number.isInteger(v)) return typeError(cx, path, node, expected);
      const low = opts.min !== undefined && v < opts.min;
      const high = opts.max !== undefined && v > opts.max;
      if (low || high) {
        const range = `${opts.min ?? '-∞'}–${opts.max ?? '∞'}`;
        return report(cx, opts.code ?? PolicyCodes.outOfRange.code, path, node, `${v} is outside ${range}`);
      }
      return v;
    },
  };
}

export const int = (opts: Omit<NumOpts, 'integer'> = {}): Schema<number> => num({ ...opts, integer: true });

/** A percentage, 0–100 inclusive (fractions allowed: `0.5` is one request in 200). */
export const percent = (doc?: string): Schema<number> => num({ min: 0, max: 100, doc });

/** An HTTP status code in [lo, hi]. */
export const httpStatus = (lo: number, hi: number, doc?: string): Schema<number> =>
  num({ integer: true, min: lo, max: hi, code: PolicyCodes.invalidHttpStatus.code, doc });

export function bool(doc?: string): Schema<boolean> {
  return {
    expected: 'true or false',
    json: () => ({ type: 'boolean', ...(doc && { description: doc }) }),
    check(node, cx, path) {
      if (!isScalar(node) || typeof node.value !== 'boolean') return typeError(cx, path, node, this.expected);
      return node.value;
    },
  };
}

/** One of a fixed set of strings (or numbers); unknown values get a suggestion. */
export function oneOf<const V extends string | number | boolean>(values: readonly V[], doc?: string): Schema<V> {
  const expected = `one of ${values.join(', ')}`;
  return {
    expected,
    json: () => ({ enum: values, ...(doc && { description: doc }) }),
    check(node, cx, path) {
      const v = isScalar(node) ? node.value : undefined;
      if ((values as readonly unknown[]).includes(v)) return v as V;
      if (!isScalar(node) || (typeof v !== 'string' && typeof v !== 'number')) return typeError(cx, path, node, expected);
      const best = nearest(String(v), values.map(String));
      const hint = best ? `; did you mean "${best}"?` : '';
      return report(cx, PolicyCodes.invalidEnum.code, path, node, `${quote(v)} is not ${expected}${hint}`);
    },
  };
}

/** A duration such as `250ms`, `1.5s`, `2m`, `1h` or `1m30s`; yields milliseconds. */
export function duration(doc?: string): Schema<number> {
  return {
    expected: 'a duration',
    json: () => ({ type: 'string', pattern: DURATION_PATTERN, ...(doc && { description: doc }) }),
    check(node, cx, path) {
      if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) {
        return typeError(cx, path, node, this.expected);
      }
      const ms = parseDuration(String(node.value));
      if (typeof ms === 'string') return report(cx, PolicyCodes.invalidDuration.code, path, node, ms);
      return ms;
    },
  };
}

const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** A regular expression valid for both JavaScript and RE2 (which Envoy uses). */
export function regex(doc?: string): Schema<string> {
  return {
    expected: 'a regular expression',
    json: () => ({ type: 'string', format: 'regex', minLength: 1, ...(doc && { description: doc }) }),
    check(node, cx, path) {
      if (!isScalar(node) || typeof node.value !== 'string') return typeError(cx, path, node, this.expected);
      const problem = re2Problem(node.value);
      if (problem) return report(cx, PolicyCodes.invalidRegex.code, path, node, `invalid regex ${quote(node.value)}: ${problem}`);
      return node.value;
    },
  };
}

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";

/**
 * An HTTP header name (an RFC 9110 token), lowercased because HTTP/2 and Envoy compare lowercase.
 * `pseudo` also admits `:authority`-style pseudo-headers, which may be matched but not rewritten.
 */
export function headerName(pseudo: boolean): Schema<string> {
  const pattern = new RegExp(`^${pseudo ? ':?' : ''}${TOKEN}$`);
  const inner = str({ pattern, code: PolicyCodes.invalidHeaderName.code, format: 'a valid HTTP header name' });
  return {
    expected: 'a header name',
    json: inner.json,
    check(node, cx, path) {
      const v = inner.check(node, cx, path);
      return v === INVALID ? v : v.toLowerCase();
    },
  };
}

/**
 * A header a route may add or remove. Envoy refuses `host` and `:`-prefixed pseudo-headers in
 * `*_headers_to_add` / `*_headers_to_remove` (router HeaderParser: ":-prefixed or host headers may
 * not be modified" / "... removed") and NACKs the whole route configuration, so they get their
 * own code here, before the token check that would call `:path` merely malformed.
 */
export function rewritableHeaderName(): Schema<string> {
  const name = headerName(false);
  return {
    expected: name.expected,
    json: () => ({ ...name.json(), not: { pattern: '^[Hh][Oo][Ss][Tt]$' } }),
    check(node, cx, path) {
      const v = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      if (v !== undefined && (v.startsWith(':') || v.toLowerCase() === 'host')) {
        return report(cx, PolicyCodes.headerNotRewritable.code, path, node, notRewritable(v));
      }
      return name.check(node, cx, path);
    },
  };
}

const INSTEAD: Readonly<Record<string, string>> = {
  ':path': 'to send callers elsewhere, use a route redirect with path',
  ':scheme': 'to send callers elsewhere, use a route redirect with scheme',
};

function notRewritable(v: string): string {
  const lower = v.toLowerCase();
  const what = lower === 'host' || lower === ':authority' ? 'rewriting the host is not supported (the Host a caller sends selects the destination)'
    : INSTEAD[lower] ?? 'rewriting pseudo-headers is not supported';
  return `${quote(v)} cannot be added or removed by a header rewrite: Envoy refuses host and ":"-prefixed headers there and would reject the whole route configuration; ${what}`;
}
