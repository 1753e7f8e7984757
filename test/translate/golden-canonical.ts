/**
 * Canonical proto3 JSON of a resource, for goldens: what the proxy receives, not what translate
 * happened to build.
 *
 * The message is encoded as the xDS encoder encodes it (`src/xds/encoder.ts`: the same protobufjs
 * types, `fromObject` then `encode`), decoded again, and printed by the proto3 JSON rules, with the proto field names kept
 * (`preserving_proto_field_name`, snake_case):
 * - fields without presence (proto3 scalars and enums outside a oneof) are omitted at their
 *   default (`0`, `""`, `false`, the enum's zero value), whether or not the builder set them;
 *   messages, oneof members and `optional` fields are printed when set, even when empty;
 * - enums by name, 64-bit integers as decimal strings, bytes as base64;
 * - `Any` expanded as `{ "@type": ..., ...fields }`; `Duration` as `"1.500s"`; wrapper types
 *   (`UInt32Value`, `BoolValue`, ...) as their value; `Struct`/`Value`/`ListValue` as plain JSON.
 * Key order is left to the YAML printer (sorted).
 */
import protobuf from 'protobufjs';
import { envoyRoot, messageType } from '../../proto/index.js';

type Obj = Record<string, unknown>;

const printOptions: protobuf.IConversionOptions = { enums: String, longs: String, bytes: String, defaults: false, json: true };

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']);

/** `typeName` is a full message name without the leading dot. */
export function canonicalResource(typeName: string, message: object): unknown {
  const type = messageType(typeName);
  const decoded = type.decode(type.encode(type.fromObject(message)).finish());
  return canonicalOf(type, type.toObject(decoded, printOptions));
}

function canonicalOf(type: protobuf.Type, obj: Obj): unknown {
  const full = type.fullName.slice(1);
  if (full === 'google.protobuf.Any') return anyOf(obj);
  if (full === 'google.protobuf.Duration') return durationOf(obj);
  if (full === 'google.protobuf.Struct') return structOf(obj);
  if (full === 'google.protobuf.Value') return valueOf(obj);
  if (full === 'google.protobuf.ListValue') return ((obj.values ?? []) as Obj[]).map(valueOf);
  if (full.startsWith('google.protobuf.') && WRAPPERS.has(type.name)) return obj.value ?? defaultOf(type.fields.value as protobuf.Field);
  const out: Obj = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) throw new Error(`${full}: decoded key ${key} is not a field`);
    field.resolve();
    if (field.map) out[key] = Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, valueOfField(field, v)]));
    else if (field.repeated) out[key] = (value as unknown[]).map((v) => valueOfField(field, v));
    else if (!hasPresence(field) && value === defaultOf(field)) continue;
    else out[key] = valueOfField(field, value);
  }
  return out;
}

function valueOfField(field: protobuf.Field, value: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type ? canonicalOf(field.resolvedType, value as Obj) : value;
}

/** Messages and oneof members (proto3 `optional` is a synthetic oneof) have presence. */
function hasPresence(field: protobuf.Field): boolean {
  return field.resolvedType instanceof protobuf.Type || field.partOf !== null;
}

/** The printed form of a field's zero value, as `toObject` with `printOptions` would give it. */
function defaultOf(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return Object.keys(field.resolvedType.values).find((k) => field.resolvedType instanceof protobuf.Enum && field.resolvedType.values[k] === 0);
  switch (field.type) {
    case 'bool': return false;
    case 'string': case 'bytes': return '';
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64': return '0';
    default: return 0;
  }
}

function anyOf(obj: Obj): unknown {
  const url = obj['@type'];
  if (typeof url !== 'string') throw new Error('Any without @type');
  const inner = envoyRoot().lookup(`.${url.slice(url.lastIndexOf('/') + 1)}`);
  if (!(inner instanceof protobuf.Type)) throw new Error(`Any names a type that is not loaded: ${url}`);
  const { '@type': _, ...fields } = obj;
  const body = canonicalOf(inner, fields);
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? { '@type': url, ...body } : { '@type': url, value: body };
}

function durationOf(obj: Obj): string {
  const seconds = BigInt((obj.seconds as string | undefined) ?? '0');
  const nanos = Number(obj.nanos ?? 0);
  if (nanos === 0) return `${seconds}s`;
  const sign = seconds < 0n || nanos < 0 ? '-' : '';
  const abs = seconds < 0n ? -seconds : seconds;
  let frac = String(Math.abs(nanos)).padStart(9, '0');
  while (frac.endsWith('000')) frac = frac.slice(0, -3);
  return `${sign}${abs}.${frac}s`;
}

function structOf(obj: Obj): Obj {
  return Object.fromEntries(Object.entries((obj.fields ?? {}) as Obj).map(([k, v]) => [k, valueOf(v as Obj)]));
}

function valueOf(v: Obj): unknown {
  if ('nullValue' in v) return null;
  if ('numberValue' in v) return v.numberValue;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('structValue' in v) return structOf(v.structValue as Obj);
  if ('listValue' in v) return ((v.listValue as Obj).values as Obj[] | undefined ?? []).map(valueOf);
  throw new Error(`google.protobuf.Value without a kind: ${JSON.stringify(v)}`);
}
