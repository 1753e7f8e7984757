/**
 * A strict codec between weft's plain resource objects and protobuf bytes.
 *
 * Plain objects are in protobufjs keepCase form (see `index.ts`). protobufjs's own `fromObject`
 * silently drops keys that are not fields, so a misspelt field would vanish from the wire and
 * Envoy would apply its default instead. Everything here first checks the object's shape
 * (`checkShape`, in `validate-shape.ts`) and refuses to encode anything that does not fit.
 *
 * Contract:
 * - Inputs are never mutated; outputs are fresh objects owned by the caller.
 * - Shape errors are programming errors in the code that built the object, not user input, so
 *   `toMessage`/`encode`/`canonicalJson` throw a `CodecError` listing every problem with its path.
 * - An unknown `typeName` throws protobufjs's lookup error.
 */
import protobuf from 'protobufjs';
import { checkShape, typeNamed, type ShapeError } from './validate-shape.js';

export { checkShape, type ShapeError } from './validate-shape.js';

/** Thrown when an object does not fit its message type; `errors` holds every problem found. */
export class CodecError extends Error {
  readonly errors: readonly ShapeError[];
  constructor(typeName: string, errors: readonly ShapeError[]) {
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(`${typeName}: ${first ? `${first.path || '<root>'}: ${first.message}` : 'invalid'}${more}`);
    this.name = 'CodecError';
    this.errors = errors;
  }
}

/** Options for `decodeToObject`: Any comes back as `{ "@type", ...fields }` thanks to `json`. */
const decodeOptions: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  defaults: false,
  json: true,
};

/** Options for `canonicalJson`: 64-bit integers as decimal strings so no precision is lost. */
const canonicalOptions: protobuf.IConversionOptions = {
  enums: String,
  longs: String,
  bytes: String,
  defaults: false,
  json: true,
};

/**
 * Builds a protobufjs message of `typeName` from `obj`, after checking that every key of `obj`
 * (recursively, through repeated fields, maps and `Any` payloads) is a field of its type and every
 * value has a fitting JS type. Throws `CodecError` otherwise.
 */
export function toMessage(typeName: string, obj: object): protobuf.Message {
  const type = typeNamed(typeName);
  const errors = checkShape(type, obj);
  if (errors.length > 0) throw new CodecError(typeName, errors);
  return type.fromObject(obj as Record<string, unknown>);
}

/** Encodes `obj` as `typeName` to wire bytes; throws `CodecError` on a shape error. */
export function encode(typeName: string, obj: object): Uint8Array {
  return typeNamed(typeName).encode(toMessage(typeName, obj)).finish();
}

/**
 * Decodes wire bytes into a plain object: enums as names, 64-bit integers as numbers, defaults
 * omitted, `Any` as `{ "@type": ..., ...fields }`. Throws protobufjs's error on malformed bytes.
 */
export function decodeToObject(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = typeNamed(typeName);
  return type.toObject(type.decode(bytes), decodeOptions);
}

/**
 * A stable text form of `obj` for golden files: checked like `toMessage`, normalised through
 * protobufjs (defaults dropped, enums by name, 64-bit integers as strings, bytes as base64), object
 * keys sorted at every level, two-space indented. Equal messages give equal strings.
 */
export function canonicalJson(typeName: string, obj: object): string {
  const type = typeNamed(typeName);
  const plain = type.toObject(toMessage(typeName, obj), canonicalOptions);
  return JSON.stringify(sortKeys(plain), null, 2);
}

/** Deep copy of a JSON-like value with every object's keys in code-unit order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = sortKeys((value as Record<string, unknown>)[key]);
  }
  return out;
}
