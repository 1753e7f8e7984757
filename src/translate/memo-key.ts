/**
 * What a memo key *is*: the narrowed input value its builder takes, compared as data. A builder
 * reads only the value it is given, so every field of that value is part of the key by
 * construction; there is no hand-listed key to forget a field in (STYLE.md "Derive a memo's key
 * from the value its builder takes").
 *
 * Two comparisons, same semantics:
 * - `sameValue(a, b)` walks two values (for inputs that hold large model objects): identical
 *   references are equal without walking, since model and IR values are immutable; otherwise
 *   arrays, Maps, Sets and plain objects are compared member by member, in order.
 * - `canonicalKey(v)` serialises a small value to a string (for parameters used as Map keys).
 *
 * Both are conservative: key order counts (`{a,b}` and `{b,a}` differ), an absent key differs from
 * one set to `undefined`, and values that are not plain data (functions, class instances other
 * than Map and Set) are equal only to themselves. A false "different" costs a rebuild; a false
 * "same" would serve the wrong configuration, so it is never risked.
 */

/** Structural equality of memo inputs (see the module comment). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) return Array.isArray(b) && sameList(a, b);
  if (a instanceof Map) return b instanceof Map && a.size === b.size && sameEntries(a, b);
  if (a instanceof Set) return b instanceof Set && a.size === b.size && sameIterated(a.values(), b.values());
  if (!isPlain(a) || !isPlain(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}

/** Same keys and values in the same order, without copying the maps. */
function sameEntries(a: ReadonlyMap<unknown, unknown>, b: ReadonlyMap<unknown, unknown>): boolean {
  const other = b.entries();
  for (const [k, v] of a) {
    const [k2, v2] = other.next().value as [unknown, unknown];
    if (!sameValue(k, k2) || !sameValue(v, v2)) return false;
  }
  return true;
}

function sameIterated(a: Iterator<unknown>, b: Iterator<unknown>): boolean {
  for (let x = a.next(), y = b.next(); !x.done; x = a.next(), y = b.next()) if (y.done || !sameValue(x.value, y.value)) return false;
  return true;
}

function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/**
 * `value`'s own properties on an object that `sameValue` compares by identity only (it is not
 * plain data). For large memo outputs used in other memos' inputs (a scope part, an inbound part):
 * their builder's memo already decides when a new one is due, so walking two of them member by
 * member would only find, at O(size) cost, what a rebuild already says; treating a new one as
 * different is the conservative answer (a lost hit at worst, never a wrong one). Not for
 * parameters: `canonicalKey` refuses such objects.
 */
export function comparedByIdentity<T extends object>(value: T): T {
  return Object.assign(Object.create(IdentityCompared.prototype) as T, value);
}

class IdentityCompared {}

/**
 * A string that is equal for two values only when `sameValue` holds for them (plain data; `0` and
 * `-0` get different keys, a harmless miss). Throws on functions and class instances: a parameter that is not data cannot be a key.
 */
export function canonicalKey(v: unknown): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'u';
    case 'bigint': return `${v}n`;
    case 'object': return v === null ? 'null' : objectKey(v);
    default: throw new TypeError(`memo parameter of type ${typeof v} is not data`);
  }
}

function objectKey(v: object): string {
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(',')}]`;
  if (v instanceof Map) return `M[${[...v].map(([k, x]) => `${canonicalKey(k)}:${canonicalKey(x)}`).join(',')}]`;
  if (v instanceof Set) return `S[${[...v].map(canonicalKey).join(',')}]`;
  if (!isPlain(v)) throw new TypeError(`memo parameter of class ${v.constructor?.name ?? 'unknown'} is not data`);
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${canonicalKey(x)}`).join(',')}}`;
}
