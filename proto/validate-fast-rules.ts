/**
 * The PGV rules of one field as the compiled walk in `validate-fast.ts` needs them: a yes/no test
 * of a set value, and whether leaving the field unset already breaks a rule. Together with the
 * type's required oneofs they cover what the reporter's field checks do (own value rules,
 * `required`, the proto3 default of an unset scalar, item and pair counts, `unique`, map keys,
 * `no_sparse`); descending into nested messages is left to the walk.
 *
 * Contract:
 * - A value test is run only on a set value whose shape is known to fit (the walk checks a value's
 *   shape first), so it never meets the malformed values the reporting validator must survive.
 *   It reads nothing but that value: the walk calls it with the value it already holds.
 * - The value rules are the very closures the reporting validator runs (`validate-message.ts`),
 *   called with an empty path into a scratch list that is emptied before a test returns: a test
 *   fails exactly when the reporter would report something for that value, and allocates nothing
 *   when it passes.
 */
import protobuf from 'protobufjs';
import {
  countCheck, defaultViolations, elementOwnCheck, mapKeyReader, requiredRule, uniqueCheck,
} from './validate-message.js';
import { fieldRules, sub, type RuleSet, type ValueCheck, type Violation } from './validate-rules.js';
import { scalarCheck } from './validate-scalar.js';

type Obj = Record<string, unknown>;

/** Whether one set (and well-shaped) value of a field satisfies the field's rules. */
export type ValueTest = (value: unknown) => boolean;

/** One field's rules: the test of a set value (none when nothing applies) and whether unset fails. */
export interface FieldRules {
  readonly set: ValueTest | undefined;
  readonly unsetFails: boolean;
}

const scratch: Violation[] = [];
const hasOwn = Object.prototype.hasOwnProperty;
const none: FieldRules = { set: undefined, unsetFails: false };

/** Whether nothing was reported into the scratch list since it was last emptied; empties it. */
function clean(): boolean {
  if (scratch.length === 0) return true;
  scratch.length = 0;
  return false;
}

/** Whether `check` reports nothing for `value`; leaves the scratch list empty either way. */
function passes(check: ValueCheck, value: unknown): boolean {
  check(value, '', scratch);
  return clean();
}

/** The rules of `field`, read and compiled once by the caller. */
function fieldRuleTests(field: protobuf.Field): FieldRules {
  const rules = fieldRules(field);
  if (field.map) return mapRules(field, rules);
  if (field.repeated) return repeatedRules(field, rules);
  return singularRules(field, rules);
}

/**
 * Bits per type for the compiled walk: one per oneof that can clash (more than one member), one per
 * field or required oneof that must be set; and each field's value test (with rules only).
 */
export interface Bits {
  readonly clash: ReadonlyMap<protobuf.OneOf, number>;
  readonly need: ReadonlyMap<protobuf.Field | protobuf.OneOf, number>;
  readonly needed: number;
  readonly tests: ReadonlyMap<protobuf.Field, ValueTest | undefined>;
}

/**
 * Envoy's types have at most two clashable oneofs and a dozen fields with rules; a type with more
 * than 31 of either gets no bits, and its check always answers no (the reporters decide).
 */
export function bitsOf(type: protobuf.Type, rules: boolean): Bits | undefined {
  const clashable = type.oneofsArray.filter((o) => o.oneof.length > 1);
  const must: (protobuf.Field | protobuf.OneOf)[] = rules ? type.oneofsArray.filter((o) => o.options?.['(validate.required)'] === true) : [];
  const tests = new Map<protobuf.Field, ValueTest | undefined>();
  for (const field of rules ? type.fieldsArray : []) {
    const r = fieldRuleTests(field);
    tests.set(field, r.set);
    if (r.unsetFails) must.push(field);
  }
  if (clashable.length > 31 || must.length > 31) return undefined;
  const bit = (i: number) => 2 ** i | 0;
  return { clash: new Map(clashable.map((o, i) => [o, bit(i)])), need: new Map(must.map((m, i) => [m, bit(i)])),
    needed: must.reduce((acc, _m, i) => acc | bit(i), 0), tests };
}

/** Mirrors `singularField` of the reporter, without its recursion. */
function singularRules(field: protobuf.Field, rules: RuleSet | undefined): FieldRules {
  const own = elementOwnCheck(field, rules);
  const set: ValueTest | undefined = own && ((v) => passes(own, v));
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const required = field.partOf ? undefined : requiredRule(resolved, rules);
    return { set, unsetFails: required !== undefined };
  }
  if (!own) return none;
  // Oneof members and proto3 `optional` scalars have presence; any other is checked as its default.
  return { set, unsetFails: !field.partOf && defaultViolations(field, own).length > 0 };
}

type Counts = ReturnType<typeof countCheck>;

function countsFailAtZero(counts: Counts): boolean {
  counts?.(0, '', scratch);
  return !clean();
}

/** Mirrors `repeatedField` of the reporter, without its recursion: a set value is an array. */
function repeatedRules(field: protobuf.Field, rules: RuleSet | undefined): FieldRules {
  const r = sub(rules, 'repeated');
  const own = elementOwnCheck(field, sub(r, 'items'));
  const counts = countCheck('repeated', 'min_items', 'max_items', r, 'items');
  const unique = r?.unique === true;
  if (!own && !counts && !unique) return none;
  const set: ValueTest = (v) => {
    const items = v as readonly unknown[];
    counts?.(items.length, '', scratch);
    if (unique) uniqueCheck(items, '', scratch);
    if (!clean()) return false;
    if (own) for (let i = 0; i < items.length; i++) if (!passes(own, items[i])) return false;
    return true;
  };
  return { set, unsetFails: countsFailAtZero(counts) };
}

/**
 * Mirrors `mapField` of the reporter, without its recursion: a set value is a plain object whose
 * values are all set (the shape check rejects a map holding `null`), so `no_sparse` always holds.
 */
function mapRules(field: protobuf.Field, rules: RuleSet | undefined): FieldRules {
  const r = sub(rules, 'map');
  const keyType = (field as unknown as protobuf.MapField).keyType;
  const keyCheck = scalarCheck(keyType, undefined, sub(r, 'keys'));
  const own = elementOwnCheck(field, sub(r, 'values'));
  const counts = countCheck('map', 'min_pairs', 'max_pairs', r, 'pairs');
  if (!keyCheck && !own && !counts) return none;
  const keyOf = mapKeyReader(keyType);
  const set: ValueTest = (v) => {
    const map = v as Obj;
    let pairs = 0;
    for (const key in map) {
      if (!hasOwn.call(map, key)) continue;
      pairs++;
      if (keyCheck && !passes(keyCheck, keyOf(key))) return false;
      if (own && !passes(own, map[key])) return false;
    }
    counts?.(pairs, '', scratch);
    return clean();
  };
  return { set, unsetFails: countsFailAtZero(counts) };
}
