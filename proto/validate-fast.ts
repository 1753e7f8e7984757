/**
 * Compiled yes/no checks of a plain keepCase object: does it fit its message type's shape, and
 * (for a whole resource) does it also break no PGV rule? They decide the common case, a resource
 * with no problem, without building a path, a message or an array; only when the answer is no do
 * the reporting walks (`shapeErrors`, the `validateMessage` closures) run to say what is wrong.
 *
 * Why: every generated resource is checked before it is sent, and almost all of them are fine, so
 * the cost that matters is the cost of saying "fine". The reporting walks build a path string for
 * every nested message and array element; this walk builds none.
 *
 * Contract:
 * - `shapeFits(type, obj)` is true exactly when `shapeErrors(type, obj)` is empty, and
 *   `resourceFits(type, obj)` is true exactly when the shape errors and the PGV violations are
 *   both empty (test/proto/validate-fast.test.ts checks both over real and broken resources). A
 *   false answer is allowed to be pessimistic in one odd case: a key naming an `Object.prototype`
 *   member (`toString`) is never a field here.
 * - Pure, never throws, never mutates its input. One closure per (message type, with or without
 *   rules), compiled on first use and kept for the process; `Any` payloads are compiled by type URL.
 * - A field's PGV test runs on its value only after that value's shape (its whole subtree) was
 *   found to fit, which is what lets the rule tests assume well-formed values. Rules on unset
 *   fields (`required`, a default that breaks a bound, `min_items`, required oneofs) are bits
 *   checked once the record's keys are walked: nothing is read twice.
 */
import protobuf from 'protobufjs';
import { isAnyType, resolveAnyType } from './validate-lookup.js';
import { anyPayload, disabled, messageCheck, skipsMessage } from './validate-message.js';
import { fieldRules, sub, type RuleSet, type Violation } from './validate-rules.js';
import { bitsOf, type Bits, type ValueTest } from './validate-fast-rules.js';

type Obj = Record<string, unknown>;
/** Whether a record fits; `payload` says it is an `Any`'s payload, whose `@type` key is no field. */
type Fits = (record: Obj, payload: boolean) => boolean;

// Element kinds (what one value of a field must be) and field forms.
const STRING = 0, BOOL = 1, INT32 = 2, INT64 = 3, UINT64 = 4, FLOAT = 5, BYTES = 6, ENUM = 7, MESSAGE = 8, ANY = 9, NEVER = 10;
const SINGULAR = 0, REPEATED = 1, MAP = 2;

/** One field as the walk sees it. Every slot has the same properties, so reads stay monomorphic. */
interface Slot {
  readonly form: number;
  readonly kind: number;
  readonly lo: number;
  readonly hi: number;
  readonly values: Readonly<Record<string, number>> | undefined;
  readonly child: Fits | undefined;
  /** For `ANY`: whether the payload's rules are checked too. */
  readonly rules: boolean;
  /** The bit of the field's oneof among its type's oneofs with several members, else 0. */
  readonly bit: number;
  /** The PGV test of a set value (checked with rules only). */
  readonly test: ValueTest | undefined;
  /** The bit that records the field as set, when being unset (or its whole oneof unset) fails. */
  readonly need: number;
}

const hasOwn = Object.prototype.hasOwnProperty;
const int64Signed = /^-?\d+$/;
const int64Unsigned = /^\d+$/;
const base64 = /^[A-Za-z0-9+/_-]*=*$/;
const int32Ranges: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
};
const scalarKinds: Readonly<Record<string, number>> = {
  string: STRING, bool: BOOL, double: FLOAT, float: FLOAT, bytes: BYTES,
  int64: INT64, sint64: INT64, sfixed64: INT64, uint64: UINT64, fixed64: UINT64,
};

/** Whether `obj` fits `type`'s shape (no unknown keys, fitting JS types, no oneof clash, known `Any` types). */
export function shapeFits(type: protobuf.Type, obj: unknown): boolean {
  if (!isRecord(obj)) return false;
  return isAnyType(type) ? anyFits(obj, false, fitsOf(type, false)) : fitsOf(type, false)(obj, false);
}

/**
 * Whether `obj` fits `type`'s shape and breaks none of the PGV rules in or below it. A bare `Any`
 * at the root is a special case of the reporters: its payload's shape is checked, but PGV reads it
 * as an Any message (whose own fields carry no rules) and does not descend.
 */
export function resourceFits(type: protobuf.Type, obj: unknown): boolean {
  if (isAnyType(type)) return messageCheck(type) === null && shapeFits(type, obj);
  return isRecord(obj) && fitsOf(type, true)(obj, false);
}

/**
 * A plain object (prototype `Object.prototype` or `null`): it passes `checkMessage`'s test (an
 * object, not an array or bytes), and its fields are its own keys. Anything else, such as a
 * protobufjs message instance with defaults on its prototype, is left to the reporters.
 */
function isRecord(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const compiled = [new Map<protobuf.Type, Fits>(), new Map<protobuf.Type, Fits>()] as const;

/** The check of `type`, with its rules when `rules`; compiled once, late-bound for recursive types. */
function fitsOf(type: protobuf.Type, rules: boolean): Fits {
  // A type PGV does not check (disabled, or nothing to check in or below it) only has a shape.
  const withRules = rules && !disabled(type) && messageCheck(type) !== null;
  const cache = compiled[withRules ? 1 : 0];
  const hit = cache.get(type);
  if (hit) return hit;
  let done: Fits | undefined;
  cache.set(type, (record, payload) => done!(record, payload));
  done = compileType(type, withRules);
  cache.set(type, done);
  return done;
}

/**
 * The check of one type, in one pass over the record's own keys: each must be a field whose set
 * value fits (its shape, then with rules its PGV test); at most one member of each oneof may be
 * set; and with rules, every field (or required oneof) that must not be unset is seen set. A
 * record is a plain object, so its set fields are exactly its own keys with set values.
 */
function compileType(type: protobuf.Type, rules: boolean): Fits {
  const plan = bitsOf(type, rules);
  if (!plan) return () => false;
  const slots = new Map<string, Slot>();
  for (const field of type.fieldsArray) slots.set(field.name, slotOf(field, rules, plan));
  const needed = plan.needed;
  return (record, payload) => {
    let members = 0;
    let seen = 0;
    for (const key in record) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      const slot = slots.get(key);
      if (slot === undefined) {
        if (payload && key === '@type') continue;
        return false;
      }
      const v = record[key];
      if (v === null || v === undefined) continue;
      if (slot.bit !== 0) {
        if ((members & slot.bit) !== 0) return false;
        members |= slot.bit;
      }
      if (slot.form === SINGULAR ? !elementFits(slot, v) : !collectionFits(slot, v)) return false;
      if (slot.test !== undefined && !slot.test(v)) return false;
      seen |= slot.need;
    }
    return (seen & needed) === needed;
  };
}

/** What one field needs, resolved once: its form, its element kind and the kind's parameters. */
function slotOf(field: protobuf.Field, rules: boolean, bits: Bits): Slot {
  const form = field.map ? MAP : field.repeated ? REPEATED : SINGULAR;
  const resolved = field.resolvedType;
  const oneof = field.partOf;
  const need = (bits.need.get(field) ?? 0) | (oneof ? bits.need.get(oneof) ?? 0 : 0);
  const bit = oneof ? bits.clash.get(oneof) ?? 0 : 0;
  const base = { form, kind: NEVER, lo: 0, hi: 0, values: undefined, child: undefined, rules: false, bit, test: bits.tests.get(field), need };
  if (resolved instanceof protobuf.Enum) return { ...base, kind: ENUM, values: resolved.values };
  if (resolved instanceof protobuf.Type) {
    const descend = rules && !skipsMessage(elementRules(field));
    if (isAnyType(resolved)) return { ...base, kind: ANY, child: fitsOf(resolved, false), rules: descend };
    return { ...base, kind: MESSAGE, child: fitsOf(resolved, descend) };
  }
  const range = int32Ranges[field.type];
  if (range) return { ...base, kind: INT32, lo: range[0], hi: range[1] };
  return { ...base, kind: scalarKinds[field.type] ?? NEVER };
}

/** The rules that apply to one element of `field` (PGV nests them under `items` / `values`). */
function elementRules(field: protobuf.Field): RuleSet | undefined {
  const rules = fieldRules(field);
  if (field.map) return sub(sub(rules, 'map'), 'values');
  if (field.repeated) return sub(sub(rules, 'repeated'), 'items');
  return rules;
}

/** A repeated or map field's value. */
function collectionFits(slot: Slot, v: unknown): boolean {
  if (slot.form === REPEATED) {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!elementFits(slot, v[i])) return false;
    return true;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  for (const key in v) {
    if (hasOwn.call(v, key) && !elementFits(slot, (v as Obj)[key])) return false;
  }
  return true;
}

/** `scalarProblem` / `enumProblem` / `checkMessage` of `validate-shape.ts`, as a yes/no per kind. */
function elementFits(slot: Slot, v: unknown): boolean {
  switch (slot.kind) {
    case STRING: return typeof v === 'string';
    case BOOL: return typeof v === 'boolean';
    case INT32: return typeof v === 'number' && Number.isInteger(v) && v >= slot.lo && v <= slot.hi;
    case INT64: return int64Fits(v, false);
    case UINT64: return int64Fits(v, true);
    case FLOAT: return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
    case BYTES: return v instanceof Uint8Array || (typeof v === 'string' && base64.test(v));
    case ENUM: return typeof v === 'string' ? v in slot.values! : typeof v === 'number' && Number.isInteger(v);
    case MESSAGE: return isRecord(v) && slot.child!(v, false);
    case ANY: return anyFits(v, slot.rules, slot.child!);
    default: return false;
  }
}

function int64Fits(v: unknown, unsigned: boolean): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && (!unsigned || v >= 0);
  if (typeof v === 'string') return (unsigned ? int64Unsigned : int64Signed).test(v);
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v;
}

const payloads = [new Map<string, Fits | null>(), new Map<string, Fits | null>()] as const;
const scratch: Violation[] = [];

/**
 * An `Any` value. With `@type` its other keys are the payload's fields; as `{ type_url, value }`
 * it is an ordinary message (`own` is the Any type's shape check), and its encoded payload (rare
 * in weft) goes to the reporter's decoder.
 */
function anyFits(v: unknown, rules: boolean, own: Fits): boolean {
  if (!isRecord(v)) return false;
  if ('@type' in v) {
    const url = v['@type'];
    if (typeof url !== 'string') return false;
    const fits = payloadFits(url, rules);
    return fits !== null && fits(v, true);
  }
  if (!own(v, false)) return false;
  if (!rules) return true;
  anyPayload(v, '', scratch);
  if (scratch.length === 0) return true;
  scratch.length = 0;
  return false;
}

function payloadFits(url: string, rules: boolean): Fits | null {
  const cache = payloads[rules ? 1 : 0];
  let hit = cache.get(url);
  if (hit === undefined) {
    const type = resolveAnyType(url);
    hit = type ? fitsOf(type, rules) : null;
    cache.set(url, hit);
  }
  return hit;
}
