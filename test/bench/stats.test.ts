/**
 * The benchmarks' statistics that decide a target: `trendGrowthPct` (soak) reads growth off the
 * least-squares line, so one noisy end sample cannot make or break the 5 % target.
 */
import { describe, expect, it } from 'vitest';
import { trendGrowthPct } from '../../bench/_stats.js';

describe('trendGrowthPct', () => {
  it('is the rise of a straight line in % of its start', () => {
    expect(trendGrowthPct([[100, 400], [550, 410], [1000, 420]])).toBeCloseTo(5, 10);
    expect(trendGrowthPct([[0, 200], [10, 190]])).toBeCloseTo(-5, 10);
  });
  it('moves less than last-minus-first when only the end sample jumps', () => {
    const flat: [number, number][] = Array.from({ length: 10 }, (_, i) => [100 * (i + 1), 460]);
    const jumped: [number, number][] = [...flat.slice(0, -1), [1000, 483]];
    const endToEnd = ((483 - 460) / 460) * 100;
    expect(trendGrowthPct(jumped)).toBeGreaterThan(0);
    expect(trendGrowthPct(jumped)).toBeLessThan(endToEnd / 2);
  });
  it('is 0 without two distinct steps', () => {
    expect(trendGrowthPct([])).toBe(0);
    expect(trendGrowthPct([[5, 1], [5, 2]])).toBe(0);
  });
});
