/**
 * `src/common`: the few definitions every module shares, with no dependencies of its own (any
 * module may import it; it imports nothing). Today: the order in which weft sorts names.
 */

/**
 * Orders two strings by UTF-16 code units (the order of `Array.prototype.sort()` without a
 * comparator): -1, 0 or 1. Never locale-aware, so every machine sorts names, and everything built
 * from sorted names, identically.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator of values by a string key in `compareText` order: `items.sort(byText((x) => x.name))`. */
export function byText<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareText(key(a), key(b));
}

/** The one diagnostic model (shape and code tables); see diagnostics.ts. */
export * from './diagnostics.js';
export * from './spiffe.js';
