/** Subscription bookkeeping (REFERENCE.md §1 "Subscriptions"), directly. */
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { Subscription } from '../../src/xds/subscription.js';

describe('Subscription', () => {
  it('treats an ACK repeating the list as no change and keeps its digest', () => {
    const s = new Subscription(TypeUrl.ClusterLoadAssignment);
    expect(s.applySotw(['a', 'b'])).toBe(false);
    const sig = s.signature;
    expect(s.applySotw(['a', 'b'])).toBe(false);
    expect(s.signature).toBe(sig);
    expect(s.describe()).toEqual(['a', 'b']);
  });

  it('sees a shrink when a repeated-looking list drops a name (same length, a duplicate instead)', () => {
    const s = new Subscription(TypeUrl.ClusterLoadAssignment);
    s.applySotw(['a', 'b']);
    const sig = s.signature;
    expect(s.applySotw(['a', 'a'])).toBe(true);
    expect(s.describe()).toEqual(['a']);
    expect(s.signature).not.toBe(sig);
  });

  it('keeps legacy wildcard across repeated empty lists and leaves it when a name is given', () => {
    const s = new Subscription(TypeUrl.Cluster);
    s.applySotw([]);
    expect(s.applySotw([])).toBe(false);
    expect(s.wildcard).toBe(true);
    expect(s.applySotw(['a'])).toBe(true);
    expect(s.applySotw(['a'])).toBe(false);
    expect(s.wildcard).toBe(false);
  });

  it('decides the next SotW list afresh after a delta change', () => {
    const s = new Subscription(TypeUrl.ClusterLoadAssignment);
    const list = ['a', 'b'];
    s.applySotw(list);
    s.applyDelta([], ['b']);
    expect(s.applySotw(list)).toBe(false);
    expect(s.describe()).toEqual(['a', 'b']);
  });
});
