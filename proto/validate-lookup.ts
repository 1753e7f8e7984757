/**
 * Lookups shared by the shape check, the PGV validator and their compiled fast paths: memoised
 * message types, `Any` type URLs, and the two tiny helpers every walker uses.
 *
 * Contract: pure lookups over the shared, never-mutated `envoyRoot()`; results are cached for the
 * process (types are immutable once loaded).
 */
import protobuf from 'protobufjs';
import { envoyRoot } from './index.js';

/** `parent.name`, or `name` at the root. */
export function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Present in the protobufjs sense: not `null` and not `undefined`. */
export function isSet(value: unknown): boolean {
  return value !== null && value !== undefined;
}

const anyTypes = new Map<string, protobuf.Type | null>();

/**
 * The loaded message type a type URL names (the part after its last `/`), or `undefined` when no
 * such message type is loaded. Results are cached per URL.
 */
export function resolveAnyType(typeUrl: string): protobuf.Type | undefined {
  let hit = anyTypes.get(typeUrl);
  if (hit === undefined) {
    const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const found = name === '' ? null : envoyRoot().lookup(name.startsWith('.') ? name : `.${name}`);
    hit = found instanceof protobuf.Type ? found : null;
    anyTypes.set(typeUrl, hit);
  }
  return hit ?? undefined;
}

let anyType: protobuf.Type | undefined;

/** Whether `type` is `google.protobuf.Any` (compared by identity: `fullName` is computed per call). */
export function isAnyType(type: protobuf.Type): boolean {
  anyType ??= envoyRoot().lookupType('.google.protobuf.Any');
  return type === anyType;
}

const typesByName = new Map<string, protobuf.Type>();

/**
 * The loaded message type `fullName` (no leading dot), memoised: protobufjs's own lookup walks the
 * namespace tree on every call. Throws protobufjs's error for a name that is not loaded.
 */
export function typeNamed(fullName: string): protobuf.Type {
  let type = typesByName.get(fullName);
  if (!type) {
    type = envoyRoot().lookupType(fullName);
    typesByName.set(fullName, type);
  }
  return type;
}
