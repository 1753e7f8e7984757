/**
 * The memo key is the builder's input value: equal values share, any difference (a field added,
 * a key reordered, another builder in the same slot) never does.
 */
import { describe, expect, it } from 'vitest';
import { TranslationCache } from '../../src/translate/index.js';
import { canonicalKey, sameValue } from '../../src/translate/memo-key.js';

describe('memo keys', () => {
  it('compares inputs as data: equal content is the same key whatever the identity', () => {
    const service = { key: 'a.b', ports: [{ port: 1 }], subsets: new Map([['v1', { version: 'v1' }]]) };
    expect(sameValue(service, structuredClone(service))).toBe(true);
    expect(sameValue({ a: [1, { b: new Set(['x']) }] }, { a: [1, { b: new Set(['x']) }] })).toBe(true);
    expect(sameValue(NaN, NaN)).toBe(true);
  });

  it('treats every difference as another key, conservatively', () => {
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameValue({ a: undefined }, {})).toBe(false);
    expect(sameValue({ labels: { version: 'v1' } }, { labels: { version: 'v2' } })).toBe(false);
    expect(sameValue([1, 2], [1, 2, 3])).toBe(false);
    expect(sameValue(new Map([['k', 1]]), new Map([['k', 2]]))).toBe(false);
    expect(sameValue(() => 1, () => 1)).toBe(false);
    expect(sameValue(new Date(0), new Date(0))).toBe(false);
  });

  it('serialises parameters so that equal data gives equal strings and refuses non-data', () => {
    expect(canonicalKey({ kind: 'envoy', secretName: 'default' })).toBe(canonicalKey({ kind: 'envoy', secretName: 'default' }));
    expect(canonicalKey({ a: '1' })).not.toBe(canonicalKey({ a: 1 }));
    expect(canonicalKey({ a: undefined })).not.toBe(canonicalKey({}));
    expect(canonicalKey(['a,b'])).not.toBe(canonicalKey(['a', 'b']));
    expect(() => canonicalKey({ f: () => 1 })).toThrow(/not data/);
    expect(() => canonicalKey(new Date(0))).toThrow(/not data/);
  });
});

describe('TranslationCache.memo', () => {
  const double = (input: { n: number }) => ({ value: input.n * 2 });
  const triple = (input: { n: number }) => ({ value: input.n * 3 });

  it('reuses a value only for an equal input and the same builder', () => {
    const cache = new TranslationCache();
    const first = cache.memo('slot', { n: 1 }, double);
    expect(cache.memo('slot', { n: 1 }, double)).toBe(first);
    expect(cache.memo('slot', { n: 2 }, double)).toEqual({ value: 4 });
    expect(cache.memo('slot', { n: 2 }, triple)).toEqual({ value: 6 });
  });

  it('keeps up to capacity variants in one slot, most recent first', () => {
    const cache = new TranslationCache();
    const a = cache.memo('slot', { n: 1 }, double, 2);
    const b = cache.memo('slot', { n: 2 }, double, 2);
    expect(cache.memo('slot', { n: 1 }, double, 2)).toBe(a);
    cache.memo('slot', { n: 3 }, double, 2);
    expect(cache.memo('slot', { n: 1 }, double, 2)).toBe(a);
    expect(cache.memo('slot', { n: 2 }, double, 2)).not.toBe(b);
  });

  it('derives once per object, builder and parameter value', () => {
    const cache = new TranslationCache();
    const from = { name: 'x' };
    const tag = (o: { name: string }, p: { suffix: string }) => ({ text: `${o.name}${p.suffix}` });
    const first = cache.derive(from, { suffix: '!' }, tag);
    expect(cache.derive(from, { suffix: '!' }, tag)).toBe(first);
    expect(cache.derive(from, { suffix: '?' }, tag)).toEqual({ text: 'x?' });
    expect(cache.derive({ name: 'x' }, { suffix: '!' }, tag)).not.toBe(first);
  });
});
