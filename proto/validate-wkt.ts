/**
 * PGV rules on well-known message types: `duration`, `timestamp`, `any`, and scalar rules placed on
 * wrapper types (`google.protobuf.UInt32Value` with `uint32.gt: 0` checks the wrapped `value` when
 * the wrapper is set; an unset wrapper is only caught by `message.required`).
 *
 * The `required` flags are handled with presence in `validate.ts`; these checks see set values only.
 */
import protobuf from 'protobufjs';
import {
  list, noteUnsupported, orderedPreds, predsCheck, sub, toNanos,
  type Ordered, type RuleSet, type ValueCheck,
} from './validate-rules.js';
import { defaultOf, scalarCheck } from './validate-scalar.js';

/** google.protobuf wrapper message -> the scalar type it wraps. */
const wrappers: Readonly<Record<string, string>> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

/** The rule key whose `required` flag means "must be set" for a message type. */
export function presenceRuleKind(type: protobuf.Type): string {
  if (type.fullName === '.google.protobuf.Duration') return 'duration';
  if (type.fullName === '.google.protobuf.Timestamp') return 'timestamp';
  if (type.fullName === '.google.protobuf.Any') return 'any';
  return 'message';
}

function showNanos(n: number | bigint): string {
  return `${Number(n) / 1e9}s`;
}

function timeOrder(kind: string): Ordered<number | bigint> {
  return { kind, read: toNanos, cmp: (a, b) => (a < b ? -1 : a > b ? 1 : 0), show: showNanos };
}

function durationLike(kind: string, r: RuleSet): ValueCheck | undefined {
  for (const k of ['lt_now', 'gt_now', 'within']) if (r[k] !== undefined) noteUnsupported(`${kind}.${k} (needs a clock)`);
  return predsCheck(orderedPreds(timeOrder(kind), r), toNanos);
}

function anyCheck(r: RuleSet): ValueCheck | undefined {
  const inList = list(r.in).map(String);
  const notIn = list(r.not_in).map(String);
  if (inList.length === 0 && notIn.length === 0) return undefined;
  return (value, path, out) => {
    const url = typeUrlOf(value);
    if (inList.length > 0 && !inList.includes(url)) out.push({ path, rule: 'any.in', message: `type ${url} is not one of ${inList.join(', ')}` });
    if (notIn.includes(url)) out.push({ path, rule: 'any.not_in', message: `type ${url} is not allowed here` });
  };
}

/** The type URL of an `Any` written as `{ "@type" }` or `{ type_url, value }`. */
export function typeUrlOf(value: unknown): string {
  const r = value as Record<string, unknown>;
  const url = r['@type'] ?? r.type_url;
  return typeof url === 'string' ? url : '';
}

/**
 * The check of the field-level rules on a set value of message type `type`, or `undefined` when
 * there are none. Recursion into the message's own fields is done by the caller.
 */
export function messageRulesCheck(type: protobuf.Type, rules: RuleSet | undefined): ValueCheck | undefined {
  const kind = presenceRuleKind(type);
  if (kind === 'duration' || kind === 'timestamp') {
    const r = sub(rules, kind);
    return r ? durationLike(kind, r) : undefined;
  }
  if (kind === 'any') {
    const r = sub(rules, 'any');
    return r ? anyCheck(r) : undefined;
  }
  const wrapped = wrappers[type.fullName];
  if (wrapped !== undefined) return wrapperCheck(wrapped, rules);
  for (const [key, r] of Object.entries(rules ?? {})) {
    const onlyRequired = typeof r === 'object' && r !== null && Object.keys(r).every((k) => k === 'required');
    if (key !== 'message' && !onlyRequired) noteUnsupported(`${key} rules on a message field`);
  }
  return undefined;
}

function wrapperCheck(scalar: string, rules: RuleSet | undefined): ValueCheck | undefined {
  const check = scalarCheck(scalar, undefined, rules);
  if (!check) return undefined;
  const fallback = defaultOf(scalar, undefined);
  return (value, path, out) => {
    const inner = (value as Record<string, unknown>).value;
    check(inner ?? fallback, path, out);
  };
}
