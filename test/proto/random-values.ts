/**
 * Seeded random values for Envoy message types, for the differential test of the compiled check
 * (validate-fast.test.ts): objects built from a type's fields with values near the edges the shape
 * check and PGV rules care about (empty and odd strings, integers at and beyond 32-bit bounds,
 * unknown enum names, zero durations, unknown and encoded `Any` payloads), mixed with values of
 * the wrong JS type, and mutations of real resources that set, break or delete one field.
 */
import protobuf from 'protobufjs';
import { envoyRoot } from '../../proto/index.js';
import type { Rand } from '../translate/random-mesh.js';

type Obj = Record<string, unknown>;

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const STRINGS = ['', 'a', 'x-weft', 'x weft', 'x\nweft', ':authority', '10.0.0.1', '::1', 'reviews.default.svc', 'é😀',
  'spiffe://cluster.local/ns/default/sa/reviews', '/healthz', 'NaN', '80', 'a'.repeat(300), 'a\u0001b', 'A1b2=='];
const INTS = [0, 1, -1, 7, 80, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 31) - 1, 2 ** 53, 1.5, Number.NaN, '80', '-3', '9000000', 'x'];
const FLOATS = [0, 0.5, 1, 5, 100, -1, 1e300, 'NaN', 'Infinity', '-Infinity', '1', Number.NaN];
const BOOLS = [true, false, 'true', 0];
const BYTES = () => [new Uint8Array(0), new Uint8Array(4), new Uint8Array(16), new Uint8Array([1, 2, 3]), 'AAAA', 'YWJj', '!!'];
/** Values of the wrong JS type for most fields. */
const JUNK = () => [null, undefined, {}, [], 'str', 5, true, new Uint8Array(1), [1, 'a'], { value: 1 }];

/** Every message type of the loaded protos (for random `Any` payloads and per-type fuzzing). */
export function allMessageTypes(): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type) out.push(n);
      if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) walk(n);
    }
  };
  walk(envoyRoot());
  return out;
}

let payloadTypes: protobuf.Type[] | undefined;

function anyValue(r: Rand, depth: number): unknown {
  payloadTypes ??= allMessageTypes().filter((t) => t.fullName.startsWith('.envoy.'));
  const payload = pick(r, payloadTypes);
  const url = `type.googleapis.com/${payload.fullName.slice(1)}`;
  const roll = r();
  if (roll < 0.08) return { '@type': 'type.googleapis.com/envoy.not.a.Type' };
  if (roll < 0.12) return { '@type': 5 };
  if (roll < 0.2) return { type_url: url, value: encoded(payload, r, depth) };
  if (roll < 0.24) return { type_url: url, value: new Uint8Array([0x0a, 0xff]) };
  return { '@type': url, ...randomMessage(payload, r, depth + 1) };
}

function encoded(type: protobuf.Type, r: Rand, depth: number): Uint8Array {
  try {
    return type.encode(type.fromObject(randomMessage(type, r, depth + 1))).finish();
  } catch {
    return new Uint8Array(0);
  }
}

function durationValue(r: Rand): unknown {
  return pick(r, [{ seconds: 0 }, { seconds: 1 }, { nanos: 1_000_000 }, { seconds: -1, nanos: 0 }, { seconds: 4294967296 },
    { seconds: '5' }, { seconds: 1, nanos: 1.5 }, {}]);
}

/** One element value of `field` (a singular value, a repeated item or a map value). */
export function elementValue(field: protobuf.Field, r: Rand, depth: number): unknown {
  if (r() < 0.06) return pick(r, JUNK());
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    return r() < 0.75 ? pick(r, Object.keys(resolved.values)) : pick(r, [99, 'NOPE', 1.5, 0, -1, 'toString']);
  }
  if (resolved instanceof protobuf.Type) {
    const name = resolved.fullName;
    if (name === '.google.protobuf.Any') return anyValue(r, depth);
    if (name === '.google.protobuf.Duration' || name === '.google.protobuf.Timestamp') return durationValue(r);
    return randomMessage(resolved, r, depth + 1);
  }
  switch (field.type) {
    case 'string': return pick(r, STRINGS);
    case 'bool': return pick(r, BOOLS);
    case 'bytes': return pick(r, BYTES());
    case 'double': case 'float': return pick(r, FLOATS);
    default: return r() < 0.1 ? { low: 1, high: 0 } : pick(r, INTS);
  }
}

/** A value for `field` as a whole: an element, an array of them, or a map of them. */
export function fieldValue(field: protobuf.Field, r: Rand, depth: number): unknown {
  if (r() < 0.04) return pick(r, JUNK());
  if (field.map) {
    const out: Obj = {};
    const n = Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out[pick(r, ['', 'a', 'k1', '7', 'true'])] = r() < 0.05 ? null : elementValue(field, r, depth);
    return out;
  }
  if (field.repeated) {
    const n = pick(r, [0, 1, 1, 2, 3]);
    const items = Array.from({ length: n }, () => elementValue(field, r, depth));
    return r() < 0.1 && items.length > 0 ? [...items, items[0]] : items;
  }
  return elementValue(field, r, depth);
}

/** A random object of `type`: a few of its fields (more near the root), sometimes an unknown key. */
export function randomMessage(type: protobuf.Type, r: Rand, depth = 0): Obj {
  const out: Obj = {};
  const fields = type.fieldsArray;
  if (depth > 4 || fields.length === 0) return out;
  const n = Math.min(fields.length, Math.floor(r() * (depth === 0 ? 8 : 4)));
  for (let i = 0; i < n; i++) {
    const field = pick(r, fields);
    out[field.name] = fieldValue(field, r, depth);
  }
  if (r() < 0.03) out.bogus_field = 1;
  return out;
}

interface Site { readonly type: protobuf.Type; readonly record: Obj }

/** Every message record in `obj` (a `type`), with its type; `Any` payloads as their payload type. */
function sites(type: protobuf.Type, obj: unknown, out: Site[]): Site[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof Uint8Array) return out;
  const record = obj as Obj;
  let own = type;
  if (type.fullName === '.google.protobuf.Any' && typeof record['@type'] === 'string') {
    const found = envoyRoot().lookup(`.${(record['@type'] as string).split('/').pop()}`);
    if (!(found instanceof protobuf.Type)) return out;
    own = found;
  }
  out.push({ type: own, record });
  for (const field of own.fieldsArray) {
    const v = record[field.name];
    if (!(field.resolvedType instanceof protobuf.Type) || v === null || v === undefined) continue;
    const items = field.map && typeof v === 'object' ? Object.values(v) : Array.isArray(v) ? v : [v];
    for (const item of items) sites(field.resolvedType, item, out);
  }
  return out;
}

/**
 * A copy of `obj` (a `type`) with one to three random edits, each at a random message inside it:
 * a field set to a random value, a present field deleted, or an unknown key added.
 */
export function mutate(type: protobuf.Type, obj: object, r: Rand): Obj {
  const copy = structuredClone(obj) as Obj;
  const edits = 1 + Math.floor(r() * 3);
  for (let i = 0; i < edits; i++) {
    const site = pick(r, sites(type, copy, []));
    const present = Object.keys(site.record).filter((k) => k !== '@type');
    const roll = r();
    if (roll < 0.25 && present.length > 0) delete site.record[pick(r, present)];
    else if (roll < 0.3) site.record[`${pick(r, [...present, 'name'])}_typo`] = 'x';
    else if (site.type.fieldsArray.length > 0) {
      const field = pick(r, site.type.fieldsArray);
      site.record[field.name] = fieldValue(field, r, 3);
    }
  }
  return copy;
}
