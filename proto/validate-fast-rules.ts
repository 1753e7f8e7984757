/**
 * The PGV rules of one message type as yes/no tests of a record, for the compiled walk in
 * `validate-fast.ts`. Each test covers the rules a field carries itself (its own value rules,
 * `required`, the proto3 default of an unset scalar, item and pair counts, `unique`, map keys,
 * `no_sparse`) and a type's required oneofs; descending into nested messages is left to the walk.
 *
 * Contract:
 * - A test is run only on a record whose shape is known to fit (every value has the JS type its
 *   field needs, at every depth), so it never meets the malformed values the reporting validator
 *   must survive.
 * - The value rules are the very closures the reporting validator runs (`validate-message.ts`),
 *   called with an empty path into a scratch list that is emptied before a test returns: a test
 *   fails exactly when the reporter would report something for that field, and allocates nothing
 *   when it passes.
 */
import protobuf from 'protobufjs';
import { isSet } from './validate-lookup.js';
import {
  countCheck, defaultViolations, elementOwnCheck, mapKeyReader, requiredRule, uniqueCheck,
} from './validate-message.js';
import { fieldRules, sub, type RuleSet, type ValueCheck, type Violation } from './validate-rules.js';
import { scalarCheck } from './validate-scalar.js';

type Obj = Record<string, unknown>;

/** Whether `record` satisfies one field's (or one oneof's) rules. */
export type RecordTest = (record: Obj) => boolean;

const scratch: Violation[] = [];
const hasOwn = Object.prototype.hasOwnProperty;
const noItems: readonly unknown[] = Object.freeze([]);

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

/** Every rule test of `type`'s own fields and oneofs, in field order; empty when it has none. */
export function ruleTests(type: protobuf.Type): RecordTest[] {
  const tests: RecordTest[] = [];
  for (const field of type.fieldsArray) {
    const rules = fieldRules(field);
    const test = field.map ? mapTest(field, rules) : field.repeated ? repeatedTest(field, rules) : singularTest(field, rules);
    if (test) tests.push(test);
  }
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] === true) tests.push(oneofTest(oneof.oneof));
  }
  return tests;
}

function oneofTest(members: readonly string[]): RecordTest {
  return (record) => {
    for (let i = 0; i < members.length; i++) if (isSet(record[members[i]!])) return true;
    return false;
  };
}

/** Mirrors `singularField` of the reporter, without its recursion. */
function singularTest(field: protobuf.Field, rules: RuleSet | undefined): RecordTest | undefined {
  const name = field.name;
  const own = elementOwnCheck(field, rules);
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    const required = field.partOf ? undefined : requiredRule(resolved, rules);
    if (!own && !required) return undefined;
    return (record) => {
      const v = record[name];
      if (v === null || v === undefined) return required === undefined;
      return own === undefined || passes(own, v);
    };
  }
  if (!own) return undefined;
  const unsetFails = field.partOf ? false : defaultViolations(field, own).length > 0;
  return (record) => {
    const v = record[name];
    if (v === null || v === undefined) return !unsetFails;
    return passes(own, v);
  };
}

/** Mirrors `repeatedField` of the reporter, without its recursion. */
function repeatedTest(field: protobuf.Field, rules: RuleSet | undefined): RecordTest | undefined {
  const name = field.name;
  const r = sub(rules, 'repeated');
  const own = elementOwnCheck(field, sub(r, 'items'));
  const counts = countCheck('repeated', 'min_items', 'max_items', r, 'items');
  const unique = r?.unique === true;
  if (!own && !counts && !unique) return undefined;
  return (record) => {
    const raw = record[name];
    const items = Array.isArray(raw) ? raw : noItems;
    counts?.(items.length, '', scratch);
    if (unique) uniqueCheck(items, '', scratch);
    if (!clean()) return false;
    if (own) for (let i = 0; i < items.length; i++) if (!passes(own, items[i])) return false;
    return true;
  };
}

/** Mirrors `mapField` of the reporter, without its recursion. */
function mapTest(field: protobuf.Field, rules: RuleSet | undefined): RecordTest | undefined {
  const name = field.name;
  const r = sub(rules, 'map');
  const keyType = (field as unknown as protobuf.MapField).keyType;
  const keyCheck = scalarCheck(keyType, undefined, sub(r, 'keys'));
  const own = elementOwnCheck(field, sub(r, 'values'));
  const counts = countCheck('map', 'min_pairs', 'max_pairs', r, 'pairs');
  const noSparse = r?.no_sparse === true;
  if (!keyCheck && !own && !counts && !noSparse) return undefined;
  const keyOf = mapKeyReader(keyType);
  return (record) => {
    const raw = record[name];
    let pairs = 0;
    if (typeof raw === 'object' && raw !== null) {
      for (const key in raw) {
        if (!hasOwn.call(raw, key)) continue;
        pairs++;
        const value = (raw as Obj)[key];
        if (keyCheck && !passes(keyCheck, keyOf(key))) return false;
        if (isSet(value)) { if (own && !passes(own, value)) return false; } else if (noSparse) return false;
      }
    }
    counts?.(pairs, '', scratch);
    return clean();
  };
}
