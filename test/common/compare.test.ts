import { describe, expect, it } from 'vitest';
import { byText, compareText } from '../../src/common/index.js';

describe('compareText', () => {
  it('sorts like Array.prototype.sort without a comparator (code units, not locale)', () => {
    const names = ['reviews.default', 'Reviews.default', 'ratings-v2', 'ratings.v2', 'ä', 'z', '', 'a', 'a', '10', '9'];
    expect([...names].sort(compareText)).toEqual([...names].sort());
    expect([...names].sort(compareText)).not.toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('returns 0 only for equal strings', () => {
    expect([compareText('a', 'a'), compareText('a', 'b'), compareText('b', 'a')]).toEqual([0, -1, 1]);
  });

  it('orders objects by a key with byText', () => {
    const rows = [{ id: 'b' }, { id: 'B' }, { id: 'a' }];
    expect(rows.sort(byText((r) => r.id)).map((r) => r.id)).toEqual(['B', 'a', 'b']);
  });
});
