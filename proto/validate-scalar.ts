/**
 * Compiles PGV rules for scalar values (numbers, bool, enum) into checks. Strings and bytes are in
 * `validate-string.ts`.
 *
 * Proto3 defaulting happens in the caller: a check receives the value Envoy will see, so an unset
 * `uint32` with `gt: 0` arrives here as 0 and fails, as it does in Envoy.
 */
import protobuf from 'protobufjs';
import {
  list, noteUnsupported, numberOrder, orderedPreds, predsCheck, sub, toNumber,
  type Pred, type RuleSet, type ValueCheck,
} from './validate-rules.js';
import { bytesCheck, stringCheck } from './validate-string.js';

const numericKinds = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64',
]);

/** The rule key PGV uses for a scalar proto type (`enum` for enums). */
export function ruleKindOf(protoType: string, enumType: protobuf.Enum | undefined): string {
  return enumType ? 'enum' : protoType;
}

/** The proto3 default a check sees when a non-presence scalar is unset. */
export function defaultOf(protoType: string, enumType: protobuf.Enum | undefined): unknown {
  if (enumType) return 0;
  if (protoType === 'string') return '';
  if (protoType === 'bool') return false;
  if (protoType === 'bytes') return new Uint8Array(0);
  return 0;
}

/** Whether `value` equals its type's default, for `ignore_empty`. */
export function isEmptyScalar(value: unknown): boolean {
  if (value instanceof Uint8Array || typeof value === 'string') return value.length === 0;
  if (typeof value === 'boolean') return !value;
  return toNumber(value) === 0;
}

/**
 * The check for one scalar value of `protoType` under `rules` (a FieldRules), or `undefined` when
 * no rule applies. Rule kinds that do not match the field's type are recorded as unsupported.
 */
export function scalarCheck(protoType: string, enumType: protobuf.Enum | undefined, rules: RuleSet | undefined): ValueCheck | undefined {
  const kind = ruleKindOf(protoType, enumType);
  for (const key of Object.keys(rules ?? {})) {
    if (key !== kind && key !== 'message') noteUnsupported(`${key} rules on a ${kind} field`);
  }
  const r = sub(rules, kind);
  if (!r) return undefined;
  const check = kindCheck(kind, enumType, r);
  if (!check || r.ignore_empty !== true) return check;
  return (value, path, out) => {
    if (!isEmptyScalar(value)) check(value, path, out);
  };
}

function kindCheck(kind: string, enumType: protobuf.Enum | undefined, r: RuleSet): ValueCheck | undefined {
  if (kind === 'string') return stringCheck(r);
  if (kind === 'bytes') return bytesCheck(r);
  if (kind === 'bool') return boolCheck(r);
  if (kind === 'enum' && enumType) return enumCheck(enumType, r);
  if (numericKinds.has(kind)) return predsCheck(orderedPreds(numberOrder(kind), r), toNumber);
  noteUnsupported(`${kind} rules`);
  return undefined;
}

function boolCheck(r: RuleSet): ValueCheck | undefined {
  if (r.const === undefined) return undefined;
  const want = r.const === true;
  return predsCheck([{ rule: 'bool.const', message: `must be ${want}`, ok: (v: boolean) => v === want }], (v) => v === true);
}

/** Enum values arrive as names or numbers; both are turned into the number Envoy receives. */
function enumCheck(e: protobuf.Enum, r: RuleSet): ValueCheck | undefined {
  const name = e.fullName.slice(1);
  const preds: Pred<number>[] = [];
  if (r.defined_only === true) {
    preds.push({ rule: 'enum.defined_only', message: `must be a defined value of ${name}`, ok: (v) => e.valuesById[v] !== undefined });
  }
  if (r.const !== undefined) {
    const c = enumNumber(e, r.const);
    preds.push({ rule: 'enum.const', message: `must be ${e.valuesById[c] ?? c}`, ok: (v) => v === c });
  }
  const inList = list(r.in).map((x) => enumNumber(e, x));
  if (inList.length > 0) {
    preds.push({ rule: 'enum.in', message: `must be one of ${inList.map((n) => e.valuesById[n] ?? n).join(', ')}`, ok: (v) => inList.includes(v) });
  }
  const notIn = list(r.not_in).map((x) => enumNumber(e, x));
  if (notIn.length > 0) {
    preds.push({ rule: 'enum.not_in', message: `must not be ${notIn.map((n) => e.valuesById[n] ?? n).join(', ')}`, ok: (v) => !notIn.includes(v) });
  }
  return predsCheck(preds, (v) => enumNumber(e, v));
}

/** The number of an enum value given by name or number; NaN for an unknown name. */
export function enumNumber(e: protobuf.Enum, v: unknown): number {
  if (typeof v === 'string') return e.values[v] ?? Number.NaN;
  return toNumber(v);
}
