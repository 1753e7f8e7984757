/**
 * Structural check of a plain keepCase object against a protobufjs message type: every key must be
 * a field, every value must have a JS type protobufjs will encode as meant, at most one member of
 * each oneof may be set, and every `Any` must name a loaded type.
 *
 * Why: protobufjs's `fromObject` drops unknown keys and coerces wrong types (`"80"` for a uint32
 * becomes 80, `{}` for a string becomes "[object Object]"), so mistakes vanish instead of failing.
 *
 * Contract: pure; never throws for any input object; never mutates it. The lookup helpers of
 * `validate-lookup.ts` are re-exported here for older importers.
 */
import protobuf from 'protobufjs';
import { shapeFits } from './validate-fast.js';
import { childPath, isAnyType, isSet, resolveAnyType } from './validate-lookup.js';

export { childPath, isAnyType, isSet, resolveAnyType, typeNamed } from './validate-lookup.js';

/** One structural problem; `path` is like `filter_chains[0].filters[1].typed_config.name`. */
export interface ShapeError {
  readonly path: string;
  readonly message: string;
}

type Obj = Record<string, unknown>;

const NONE: readonly ShapeError[] = Object.freeze([]);

/**
 * Every structural problem of `obj` as a `type`; empty when it fits. The result is read-only: the
 * common case (it fits, decided by the compiled check in `validate-fast.ts`) returns one shared
 * frozen empty array; otherwise `shapeErrors` reports.
 */
export function checkShape(type: protobuf.Type, obj: unknown): readonly ShapeError[] {
  return shapeFits(type, obj) ? NONE : shapeErrors(type, obj);
}

/**
 * The reporting walk behind `checkShape`: every problem with its path, in key order (oneof clashes
 * after the keys of their message). It builds paths as it goes, so it runs only once a problem is
 * known to exist; it is also the reference the compiled check is tested against.
 */
export function shapeErrors(type: protobuf.Type, obj: unknown): ShapeError[] {
  const errors: ShapeError[] = [];
  checkMessage(type, obj, '', errors);
  return errors;
}

function checkMessage(type: protobuf.Type, obj: unknown, path: string, out: ShapeError[]): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array) {
    out.push({ path, message: `expected an object for ${type.fullName.slice(1)}` });
    return;
  }
  const record = obj as Obj;
  if ('@type' in record && isAnyType(type)) {
    checkAnyPayload(record, path, out);
    return;
  }
  checkFields(type, record, path, out, undefined);
}

function checkAnyPayload(record: Obj, path: string, out: ShapeError[]): void {
  const url = record['@type'];
  const payload = typeof url === 'string' ? resolveAnyType(url) : undefined;
  if (payload === undefined) {
    out.push({ path: childPath(path, '@type'), message: `unknown type ${JSON.stringify(url)}: no such message type is loaded` });
    return;
  }
  checkFields(payload, record, path, out, '@type');
}

/** Per type: its oneofs with more than one member (single-member synthetic oneofs cannot clash). */
const oneofCache = new Map<protobuf.Type, readonly protobuf.OneOf[]>();

function clashableOneofs(type: protobuf.Type): readonly protobuf.OneOf[] {
  let hit = oneofCache.get(type);
  if (!hit) {
    hit = type.oneofsArray.filter((o) => o.oneof.length > 1);
    oneofCache.set(type, hit);
  }
  return hit;
}

function checkFields(type: protobuf.Type, record: Obj, path: string, out: ShapeError[], skip: string | undefined): void {
  const fields = type.fields;
  for (const key in record) {
    if (key === skip || !Object.prototype.hasOwnProperty.call(record, key)) continue;
    const field = fields[key];
    if (!field) out.push({ path: childPath(path, key), message: `unknown field "${key}" of ${type.fullName.slice(1)}` });
    else if (isSet(record[key])) checkField(field, record[key], path, key, out);
  }
  for (const oneof of clashableOneofs(type)) {
    let count = 0;
    for (const name of oneof.oneof) if (isSet(record[name])) count++;
    if (count > 1) {
      const set = oneof.oneof.filter((name) => isSet(record[name]));
      out.push({ path: childPath(path, oneof.name), message: `oneof has ${count} members set: ${set.join(', ')}` });
    }
  }
}

/** Checks the value of `field` (key `key` under `parent`); paths are built only when needed. */
function checkField(field: protobuf.Field, value: unknown, parent: string, key: string, out: ShapeError[]): void {
  const resolved = field.resolvedType;
  if (!field.map && !field.repeated && !(resolved instanceof protobuf.Type)) {
    const problem = resolved instanceof protobuf.Enum ? enumProblem(resolved, value) : scalarProblem(field.type, value);
    if (problem) out.push({ path: childPath(parent, key), message: problem });
    return;
  }
  const path = childPath(parent, key);
  if (field.map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push({ path, message: 'expected an object for a map field' });
      return;
    }
    for (const [k, item] of Object.entries(value)) checkElement(field, item, `${path}[${JSON.stringify(k)}]`, out);
  } else if (field.repeated) {
    if (!Array.isArray(value)) {
      out.push({ path, message: 'expected an array for a repeated field' });
      return;
    }
    for (let i = 0; i < value.length; i++) checkElement(field, value[i], `${path}[${i}]`, out);
  } else {
    checkElement(field, value, path, out);
  }
}

function checkElement(field: protobuf.Field, value: unknown, path: string, out: ShapeError[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return checkMessage(resolved, value, path, out);
  const problem = resolved instanceof protobuf.Enum ? enumProblem(resolved, value) : scalarProblem(field.type, value);
  if (problem) out.push({ path, message: problem });
}

function enumProblem(e: protobuf.Enum, value: unknown): string | undefined {
  if (typeof value === 'string') return value in e.values ? undefined : `"${value}" is not a value of enum ${e.fullName.slice(1)}`;
  if (typeof value === 'number' && Number.isInteger(value)) return undefined;
  return `expected an enum name or integer for ${e.fullName.slice(1)}`;
}

const int32Range: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const int64Types = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/** Why `value` cannot stand for a scalar of proto type `type`, or `undefined` when it can. */
function scalarProblem(type: string, value: unknown): string | undefined {
  const range = int32Range[type];
  if (range) {
    const ok = typeof value === 'number' && Number.isInteger(value) && value >= range[0] && value <= range[1];
    return ok ? undefined : `expected an integer in [${range[0]}, ${range[1]}] for ${type}`;
  }
  if (int64Types.has(type)) return isInt64(value, type.startsWith('u') || type === 'fixed64') ? undefined : `expected an integer (number, decimal string or Long) for ${type}`;
  switch (type) {
    case 'string': return typeof value === 'string' ? undefined : 'expected a string';
    case 'bool': return typeof value === 'boolean' ? undefined : 'expected a boolean';
    case 'double':
    case 'float': return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? undefined : `expected a number for ${type}`;
    case 'bytes': return value instanceof Uint8Array || (typeof value === 'string' && /^[A-Za-z0-9+/_-]*=*$/.test(value)) ? undefined : 'expected a Uint8Array or base64 string for bytes';
    default: return `unsupported scalar type ${type}`;
  }
}

function isInt64(value: unknown, unsigned: boolean): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && (!unsigned || value >= 0);
  if (typeof value === 'string') return (unsigned ? /^\d+$/ : /^-?\d+$/).test(value);
  return typeof value === 'object' && value !== null && 'low' in value && 'high' in value;
}
