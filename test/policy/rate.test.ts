/** Rate limits as exact token buckets (issue 15 #6: a fractional rate was rounded silently). */
import { describe, expect, it } from 'vitest';
import { tokenBucket } from '../../src/policy/rate.js';
import { load, wheres, y } from './helpers.js';

describe('tokenBucket: the bucket runs exactly the rate asked for', () => {
  const table: [number, number, { tokensPerFill: number; fillIntervalMs: number } | undefined][] = [
    [5, 5, { tokensPerFill: 5, fillIntervalMs: 1000 }],
    [2.5, 3, { tokensPerFill: 1, fillIntervalMs: 400 }],
    [0.3, 3, { tokensPerFill: 3, fillIntervalMs: 10_000 }],
    [100, 10, { tokensPerFill: 5, fillIntervalMs: 50 }],
    [0.001, 1, { tokensPerFill: 1, fillIntervalMs: 1_000_000 }],
    [0.3, 1, undefined],
    [1000, 20, undefined],
    [1.0005, 10, undefined],
  ];
  for (const [rate, burst, expected] of table) {
    it(`${rate}/s, burst ${burst}`, () => {
      const b = tokenBucket(rate, burst);
      expect(b).toEqual(expected);
      if (b) {
        expect((b.tokensPerFill * 1000) / b.fillIntervalMs).toBeCloseTo(rate, 9);
        expect(b.tokensPerFill).toBeLessThanOrEqual(burst);
        expect(b.fillIntervalMs).toBeGreaterThanOrEqual(50);
        expect(Number.isInteger(b.fillIntervalMs)).toBe(true);
      }
    });
  }
});

describe('rateLimit in AccessPolicy', () => {
  const doc = (rl: string) => y('kind: AccessPolicy', 'service: app', 'rules: [{}]', `rateLimit: ${rl}`);
  it('resolves a fractional rate to its exact bucket', () => {
    const r = load(doc('{ requestsPerSecond: 2.5 }'));
    expect(r.ok && r.policy.access.get('app.default')![0]!.rateLimit).toEqual({ requestsPerSecond: 2.5, burst: 3, tokensPerFill: 1, fillIntervalMs: 400 });
  });
  it('refuses a rate its burst cannot run exactly, naming the burst it needs (WEFT2051)', () => {
    expect(wheres(doc('{ requestsPerSecond: 0.3 }'))).toEqual(['WEFT2051 rateLimit.requestsPerSecond @ p.yaml:4:33']);
    const r = load(doc('{ requestsPerSecond: 0.3, burst: 2 }'));
    expect(r.diagnostics.map((d) => d.path)).toEqual(['rateLimit.burst']);
    expect(r.diagnostics[0]!.message).toContain('3 tokens every 10000 ms, so burst must be at least 3');
  });
});
