/**
 * Shared vocabulary of the PGV (protoc-gen-validate) validator: violations, compiled checks, how
 * `(validate.rules)` annotations are read from protobufjs, and the generic comparisons that numeric,
 * duration and timestamp rules share.
 *
 * Rules are read from `field.parsedOptions`, where protobufjs keeps the text-format option values
 * as plain objects (`[{"(validate.rules)":{"string":{"min_len":1}}}]`). protobufjs does not check
 * them against validate.proto, so a repeated list holding one value may arrive as a bare value:
 * `list()` normalises that.
 */
import protobuf from 'protobufjs';

/** One broken rule. `path` is like `filter_chains[0].filters[1].typed_config.stat_prefix`. */
export interface Violation {
  readonly path: string;
  /** The PGV rule, e.g. `string.min_len`, `oneof.required`, `any.type`. */
  readonly rule: string;
  readonly message: string;
}

/** Checks one present value (already defaulted where proto3 says so) and appends violations. */
export type ValueCheck = (value: unknown, path: string, out: Violation[]) => void;

/** A FieldRules message (or one of its nested rule messages) as protobufjs parsed it. */
export type RuleSet = Readonly<Record<string, unknown>>;

/** A single test of a normalised value; compiled once per field. */
export interface Pred<T> {
  readonly rule: string;
  readonly message: string;
  readonly ok: (value: T) => boolean;
}

const unsupported = new Set<string>();

/** Records a rule this validator does not implement; reported by `unsupportedRules()`. */
export function noteUnsupported(rule: string): void {
  unsupported.add(rule);
}

/** Rules met so far (in any compiled type) that are not checked, sorted. */
export function unsupportedRules(): readonly string[] {
  return [...unsupported].sort();
}

/** The merged `(validate.rules)` of a field, or `undefined` when it has none. */
export function fieldRules(field: protobuf.Field): RuleSet | undefined {
  let merged: Record<string, unknown> | undefined;
  const entries: unknown[] = Array.isArray(field.parsedOptions) ? field.parsedOptions : [];
  for (const entry of entries) {
    const rules = (entry as Record<string, unknown>)['(validate.rules)'];
    if (rules && typeof rules === 'object') merged = deepMerge(merged ?? {}, rules as Record<string, unknown>);
  }
  return merged;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(from)) {
    const prev = into[key];
    const bothObjects = isPlain(prev) && isPlain(value);
    into[key] = bothObjects ? deepMerge({ ...prev }, value) : value;
  }
  return into;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A nested rule message, e.g. `sub(rules, 'string')`, or `undefined`. */
export function sub(rules: RuleSet | undefined, key: string): RuleSet | undefined {
  const v = rules?.[key];
  return isPlain(v) ? v : undefined;
}

/** A repeated rule value as an array (protobufjs gives a single-element list as a bare value). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A ValueCheck running every predicate on `norm(value)`; `undefined` when there are none. */
export function predsCheck<T>(preds: readonly Pred<T>[], norm: (v: unknown) => T): ValueCheck | undefined {
  if (preds.length === 0) return undefined;
  return (value, path, out) => {
    const v = norm(value);
    for (const p of preds) if (!p.ok(v)) out.push({ path, rule: p.rule, message: p.message });
  };
}

/** Runs each check in order; `undefined` when there are none, the check itself when only one. */
export function allOf(checks: readonly (ValueCheck | undefined)[]): ValueCheck | undefined {
  const present = checks.filter((c): c is ValueCheck => c !== undefined);
  if (present.length <= 1) return present[0];
  return (value, path, out) => {
    for (const c of present) c(value, path, out);
  };
}

/** How an ordered kind (numbers, durations, timestamps) reads rule values and compares. */
export interface Ordered<T> {
  readonly kind: string;
  readonly read: (ruleValue: unknown) => T;
  readonly cmp: (a: T, b: T) => number;
  readonly show: (v: T) => string;
}

/**
 * PGV's const / lt / lte / gt / gte / in / not_in for an ordered kind. When both bounds are given
 * and the upper one is below the lower one, PGV means "outside the range", not "never valid".
 */
export function orderedPreds<T>(o: Ordered<T>, rules: RuleSet): Pred<T>[] {
  const preds: Pred<T>[] = [];
  const k = o.kind;
  if (rules.const !== undefined) {
    const c = o.read(rules.const);
    preds.push({ rule: `${k}.const`, message: `must equal ${o.show(c)}`, ok: (v) => o.cmp(v, c) === 0 });
  }
  preds.push(...boundPreds(o, rules));
  const inList = list(rules.in).map(o.read);
  if (inList.length > 0) {
    preds.push({ rule: `${k}.in`, message: `must be one of ${inList.map(o.show).join(', ')}`, ok: (v) => inList.some((x) => o.cmp(v, x) === 0) });
  }
  const notIn = list(rules.not_in).map(o.read);
  if (notIn.length > 0) {
    preds.push({ rule: `${k}.not_in`, message: `must not be one of ${notIn.map(o.show).join(', ')}`, ok: (v) => !notIn.some((x) => o.cmp(v, x) === 0) });
  }
  return preds;
}

function boundPreds<T>(o: Ordered<T>, rules: RuleSet): Pred<T>[] {
  const loKey = rules.gt !== undefined ? 'gt' : rules.gte !== undefined ? 'gte' : undefined;
  const hiKey = rules.lt !== undefined ? 'lt' : rules.lte !== undefined ? 'lte' : undefined;
  const lo = loKey && o.read(rules[loKey]);
  const hi = hiKey && o.read(rules[hiKey]);
  const above = (v: T) => (loKey === 'gt' ? o.cmp(v, lo as T) > 0 : o.cmp(v, lo as T) >= 0);
  const below = (v: T) => (hiKey === 'lt' ? o.cmp(v, hi as T) < 0 : o.cmp(v, hi as T) <= 0);
  const words: Record<string, string> = { gt: 'greater than', gte: 'at least', lt: 'less than', lte: 'at most' };
  if (loKey && hiKey && o.cmp(hi as T, lo as T) < 0) {
    const message = `must be ${words[hiKey]} ${o.show(hi as T)} or ${words[loKey]} ${o.show(lo as T)}`;
    return [{ rule: `${o.kind}.${loKey}_${hiKey}`, message, ok: (v) => below(v) || above(v) }];
  }
  const preds: Pred<T>[] = [];
  if (loKey) preds.push({ rule: `${o.kind}.${loKey}`, message: `must be ${words[loKey]} ${o.show(lo as T)}`, ok: above });
  if (hiKey) preds.push({ rule: `${o.kind}.${hiKey}`, message: `must be ${words[hiKey]} ${o.show(hi as T)}`, ok: below });
  return preds;
}

/** A number from a JS number, decimal string or Long-like object (64-bit fields). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'object' && v !== null && typeof (v as { toNumber?: unknown }).toNumber === 'function') {
    return (v as { toNumber(): number }).toNumber();
  }
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high) * 2 ** 32 + (low >>> 0);
  }
  return Number.NaN;
}

/** Numbers compared as PGV compares them. */
export function numberOrder(kind: string): Ordered<number> {
  return { kind, read: toNumber, cmp: (a, b) => (a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN), show: String };
}

/**
 * Nanoseconds of a `{ seconds, nanos }` value (Duration or Timestamp): a number while that is exact
 * (under about 104 days), a bigint beyond. JS compares numbers and bigints exactly with `<`.
 */
export function toNanos(v: unknown): number | bigint {
  const r = (typeof v === 'object' && v !== null ? v : {}) as { seconds?: unknown; nanos?: unknown };
  const seconds = whole(r.seconds);
  const nanos = whole(r.nanos);
  if (Math.abs(seconds) < 9_000_000) return seconds * 1e9 + nanos;
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function whole(v: unknown): number {
  const n = toNumber(v ?? 0);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** Appends `prefix` to the paths of `out[from..]`, for checks run with a path relative to it. */
export function rebase(out: Violation[], from: number, prefix: string): void {
  if (prefix === '') return;
  for (let i = from; i < out.length; i++) {
    const v = out[i]!;
    out[i] = { path: `${prefix}.${v.path}`, rule: v.rule, message: v.message };
  }
}
