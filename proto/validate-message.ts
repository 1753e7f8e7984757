/**
 * Compiles a protobufjs message type into one closure that checks a plain keepCase object against
 * every PGV rule of the type and, recursively, of every set nested message, including `Any`
 * payloads (Envoy validates a typed_config when it unpacks it, so a bad filter config is rejected
 * just like a bad listener field).
 *
 * Contract:
 * - One compiled closure per message type for the life of the process (types are immutable once
 *   `envoyRoot()` is loaded); recursive types are handled by a late-bound entry.
 * - Types with nothing to check anywhere below them compile to `null` and are not descended into.
 * - Checks never throw on malformed objects; they may miss problems a shape check would report.
 * - These closures are the reporting stage: `validate.ts` runs them only for an object the
 *   compiled yes/no check (`validate-fast.ts`) rejects. The pieces of a field's check are exported
 *   for that check (`validate-fast-rules.ts`), so both stages share one implementation of each rule.
 */
import protobuf from 'protobufjs';
import { childPath, isSet, resolveAnyType } from './validate-lookup.js';
import { fieldRules, rebase, sub, toNumber, type RuleSet, type ValueCheck, type Violation } from './validate-rules.js';
import { defaultOf, scalarCheck } from './validate-scalar.js';
import { messageRulesCheck, presenceRuleKind } from './validate-wkt.js';

/** Checks one object of a known message type at `path`, appending to `out`. */
export type MessageCheck = (obj: Record<string, unknown>, path: string, out: Violation[]) => void;

type FieldCheck = (record: Record<string, unknown>, path: string, out: Violation[]) => void;

const compiled = new Map<protobuf.Type, MessageCheck | null>();
const anyFullName = '.google.protobuf.Any';

/** The compiled check for `type`, or `null` when nothing in or below it can be violated. */
export function messageCheck(type: protobuf.Type): MessageCheck | null {
  const hit = compiled.get(type);
  if (hit !== undefined) return hit;
  let done: MessageCheck | null = null;
  compiled.set(type, (obj, path, out) => done?.(obj, path, out));
  done = compileMessage(type);
  compiled.set(type, done);
  return done;
}

/** `(validate.disabled)` or `(validate.ignored)`: nothing in or below the type is checked. */
export function disabled(type: protobuf.Type): boolean {
  const o = type.options ?? {};
  return o['(validate.disabled)'] === true || o['(validate.ignored)'] === true;
}

function compileMessage(type: protobuf.Type): MessageCheck | null {
  if (disabled(type)) return null;
  const checks: FieldCheck[] = [];
  for (const field of type.fieldsArray) {
    const check = compileField(field);
    if (check) checks.push(check);
  }
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] === true) checks.push(oneofRequired(oneof));
  }
  if (checks.length === 0) return null;
  return (obj, path, out) => {
    for (const check of checks) check(obj, path, out);
  };
}

function oneofRequired(oneof: protobuf.OneOf): FieldCheck {
  const members = oneof.oneof;
  const message = `exactly one of ${members.join(', ')} must be set`;
  return (record, path, out) => {
    if (!members.some((m) => isSet(record[m]))) out.push({ path: childPath(path, oneof.name), rule: 'oneof.required', message });
  };
}

function compileField(field: protobuf.Field): FieldCheck | undefined {
  const rules = fieldRules(field);
  if (field.map) return mapField(field, rules);
  if (field.repeated) return repeatedField(field, rules);
  return singularField(field, rules);
}

/**
 * The check for one present element of `field` (a singular value, a repeated item or a map value):
 * its own rules, then recursion into message types unless `message.skip`.
 */
function elementCheck(field: protobuf.Field, rules: RuleSet | undefined): ValueCheck | undefined {
  const own = elementOwnCheck(field, rules);
  const resolved = field.resolvedType;
  if (!(resolved instanceof protobuf.Type)) return own;
  const recurse = skipsMessage(rules) ? undefined : recursion(resolved);
  if (!own || !recurse) return own ?? recurse;
  return (value, path, out) => {
    own(value, path, out);
    recurse(value, path, out);
  };
}

/** The rules on one present element of `field` alone, without recursion into its message type. */
export function elementOwnCheck(field: protobuf.Field, rules: RuleSet | undefined): ValueCheck | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageRulesCheck(resolved, rules);
  return scalarCheck(field.type, resolved instanceof protobuf.Enum ? resolved : undefined, rules);
}

/** Whether element rules say `message.skip`: PGV does not descend into that message. */
export function skipsMessage(rules: RuleSet | undefined): boolean {
  return sub(rules, 'message')?.skip === true;
}

function recursion(type: protobuf.Type): ValueCheck | undefined {
  if (type.fullName === anyFullName) return anyPayload;
  const check = messageCheck(type);
  if (!check) return undefined;
  return (value, path, out) => {
    if (typeof value === 'object' && value !== null) check(value as Record<string, unknown>, path, out);
  };
}

/** Validates the payload of an `Any` against the type its `@type` (or `type_url`) names. */
export function anyPayload(value: unknown, path: string, out: Violation[]): void {
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  const url = record['@type'] ?? record.type_url;
  if (url === undefined) return;
  const type = typeof url === 'string' ? resolveAnyType(url) : undefined;
  if (!type) {
    out.push({ path: childPath(path, '@type'), rule: 'any.type', message: `unknown type ${JSON.stringify(url)}: Envoy cannot unpack it` });
    return;
  }
  const check = messageCheck(type);
  if (!check) return;
  if ('@type' in record) return check(record, path, out);
  if (record.value instanceof Uint8Array) {
    let decoded: Record<string, unknown>;
    try {
      decoded = type.toObject(type.decode(record.value), { enums: String, longs: Number, json: true });
    } catch (e) {
      out.push({ path: childPath(path, 'value'), rule: 'any.decode', message: `not a valid ${type.name}: ${(e as Error).message}` });
      return;
    }
    check(decoded, path, out);
  }
}

/**
 * The rule that makes a message field required, if any. Envoy sometimes writes `any.required` on
 * a field that is not an `Any` (ExtensionConfigSource.config_source); its intent is plainly "must
 * be set", so every kind's `required` is treated as a presence check (the stricter reading).
 */
export function requiredRule(type: protobuf.Type, rules: RuleSet | undefined): string | undefined {
  const own = presenceRuleKind(type);
  for (const kind of [own, 'message', 'any', 'duration', 'timestamp']) {
    if (sub(rules, kind)?.required === true) return `${kind}.required`;
  }
  return undefined;
}

function singularField(field: protobuf.Field, rules: RuleSet | undefined): FieldCheck | undefined {
  const name = field.name;
  const element = elementCheck(field, rules);
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    // A oneof member's rules run only in the branch where it is the member set (PGV generates
    // them inside the oneof's switch), so `required` on one never fires: the oneof's own
    // `(validate.required)` covers absence.
    const required = field.partOf ? undefined : requiredRule(resolved, rules);
    if (!element && !required) return undefined;
    return (record, path, out) => {
      const v = record[name];
      if (isSet(v)) element?.(v, childPath(path, name), out);
      else if (required) out.push({ path: childPath(path, name), rule: required, message: 'is required' });
    };
  }
  if (!element) return undefined;
  // Members of a oneof (and proto3 `optional` fields, whose oneof is synthetic) have presence:
  // PGV checks them only when set. Every other scalar is checked with its default when unset.
  const hasPresence = Boolean(field.partOf);
  const unsetViolations = hasPresence ? [] : defaultViolations(field, element);
  return (record, path, out) => {
    const v = record[name];
    if (isSet(v)) {
      // Scalar checks use the path only to report, so it is built only when one fails.
      const before = out.length;
      element(v, name, out);
      if (out.length > before) rebase(out, before, path);
    } else if (unsetViolations.length > 0) {
      const at = childPath(path, name);
      for (const u of unsetViolations) out.push({ path: at, rule: u.rule, message: u.message });
    }
  };
}

/** What an unset scalar violates: its default is fixed, so this is worked out once per field. */
export function defaultViolations(field: protobuf.Field, element: ValueCheck): Violation[] {
  const resolved = field.resolvedType;
  const out: Violation[] = [];
  element(defaultOf(field.type, resolved instanceof protobuf.Enum ? resolved : undefined), '', out);
  return out;
}

function repeatedField(field: protobuf.Field, rules: RuleSet | undefined): FieldCheck | undefined {
  const name = field.name;
  const r = sub(rules, 'repeated');
  const element = elementCheck(field, sub(r, 'items'));
  const counts = countCheck('repeated', 'min_items', 'max_items', r, 'items');
  const unique = r?.unique === true;
  if (!element && !counts && !unique) return undefined;
  return (record, path, out) => {
    const raw = record[name];
    const items = Array.isArray(raw) ? raw : [];
    const where = childPath(path, name);
    counts?.(items.length, where, out);
    if (unique) uniqueCheck(items, where, out);
    if (element) for (let i = 0; i < items.length; i++) element(items[i], `${where}[${i}]`, out);
  };
}

export function uniqueCheck(items: readonly unknown[], path: string, out: Violation[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = typeof item === 'object' ? JSON.stringify(item) : `${typeof item}:${String(item)}`;
    if (seen.has(key)) {
      out.push({ path, rule: 'repeated.unique', message: `must not repeat ${JSON.stringify(item)}` });
      return;
    }
    seen.add(key);
  }
}

export function countCheck(kind: string, minKey: string, maxKey: string, r: RuleSet | undefined, noun: string) {
  const min = r?.[minKey] === undefined ? undefined : toNumber(r[minKey]);
  const max = r?.[maxKey] === undefined ? undefined : toNumber(r[maxKey]);
  if (min === undefined && max === undefined) return undefined;
  return (n: number, path: string, out: Violation[]) => {
    if (min !== undefined && n < min) out.push({ path, rule: `${kind}.${minKey}`, message: `must have at least ${min} ${noun}` });
    if (max !== undefined && n > max) out.push({ path, rule: `${kind}.${maxKey}`, message: `must have at most ${max} ${noun}` });
  };
}

function mapField(field: protobuf.Field, rules: RuleSet | undefined): FieldCheck | undefined {
  const name = field.name;
  const r = sub(rules, 'map');
  const keyCheck = scalarCheck((field as unknown as protobuf.MapField).keyType, undefined, sub(r, 'keys'));
  const valueCheck = elementCheck(field, sub(r, 'values'));
  const counts = countCheck('map', 'min_pairs', 'max_pairs', r, 'pairs');
  const noSparse = r?.no_sparse === true;
  if (!keyCheck && !valueCheck && !counts && !noSparse) return undefined;
  const keyOf = mapKeyReader((field as unknown as protobuf.MapField).keyType);
  return (record, path, out) => {
    const raw = record[name];
    const entries = typeof raw === 'object' && raw !== null ? Object.entries(raw) : [];
    const where = childPath(path, name);
    counts?.(entries.length, where, out);
    for (const [key, value] of entries) {
      const at = `${where}[${JSON.stringify(key)}]`;
      keyCheck?.(keyOf(key), at, out);
      if (isSet(value)) valueCheck?.(value, at, out);
      else if (noSparse) out.push({ path: at, rule: 'map.no_sparse', message: 'must not have an unset value' });
    }
  };
}

/** JS object keys are strings; map keys of other types are read back as their type. */
export function mapKeyReader(keyType: string): (key: string) => unknown {
  if (keyType === 'string') return (k) => k;
  if (keyType === 'bool') return (k) => k === 'true';
  return (k) => Number(k);
}
