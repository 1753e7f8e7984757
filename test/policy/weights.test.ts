import { describe, expect, it } from 'vitest';
import { load, where, y } from './helpers.js';

const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: reviews', 'subsets: { v1: { version: v1 }, v2: { version: v2 } }', 'routes:', ...lines);

describe('declared backend weights (issue 11 #7)', () => {
  it('rejectsARouteWhoseWeightsAreAllZero', () => {
    const r = load(tp('  - backends: [{ subset: v1, weight: 0 }, { subset: v2, weight: 0 }]'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT2001 routes[0].backends @ p.yaml:5:15']);
    expect(r.diagnostics[0]?.message).toContain('every backend weight is 0');
  });

  it('rejectsASingleBackendOfWeightZero', () => {
    expect(load(tp('  - backends: [{ subset: v1, weight: 0 }]')).diagnostics.map((d) => d.message)).toEqual([
      'every backend weight is 0: the route would send its traffic nowhere; give one backend a weight, or remove the route',
    ]);
  });

  it('acceptsAZeroWeightCanaryNextToAFullWeight', () => {
    const r = load(tp('  - backends: [{ subset: v1, weight: 100 }, { subset: v2, weight: 0 }]'));
    expect(r.diagnostics).toEqual([]);
  });
});
