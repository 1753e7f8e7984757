/**
 * The cache must never change what a proxy gets: for random (seeded) sequences of proxies and
 * model changes, translating with one warm TranslationCache shared by every proxy (as the
 * reconciler does) gives byte-identical canonical JSON to translating each proxy with a fresh
 * cache. A failure prints the seed and the step, which replay exactly.
 */
import { describe, expect, it } from 'vitest';
import type { MeshModel, ProxyDescription } from '../../src/model/index.js';
import { TranslationCache, translate, type TranslateResult } from '../../src/translate/index.js';
import { baseModel, randomChange, randomProxy, rng } from './random-mesh.js';

/** JSON with object keys sorted at every level; Maps become sorted objects. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), x]));
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

const view = (r: TranslateResult) => stableJson({ ir: r.ir, resources: r.resources, diagnostics: r.diagnostics, secrets: r.secrets });

interface Step { readonly model: MeshModel; readonly proxy: ProxyDescription; readonly ownSecretName?: string }

/** Runs one seeded sequence; returns the first step whose warm and fresh outputs differ. */
function firstDivergence(seed: number, steps: number): string | undefined {
  const r = rng(seed);
  const warm = new TranslationCache();
  let model = baseModel();
  for (let i = 0; i < steps; i++) {
    if (r() < 0.3) model = randomChange(model, r);
    const proxy = randomProxy(r);
    const step: Step = { model, proxy, ...(r() < 0.3 ? { ownSecretName: proxy.identity } : {}) };
    const shared = view(translate({ ...step, cache: warm }));
    const fresh = view(translate({ ...step, cache: new TranslationCache() }));
    if (shared !== fresh) return `seed ${seed} step ${i}: proxy ${step.proxy.id} (${step.proxy.kind}, ${step.proxy.interception})`;
  }
  return undefined;
}

describe('translation cache differential', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`warmSharedCacheEqualsFreshCache (seed ${seed})`, () => {
      expect(firstDivergence(seed, 120)).toBeUndefined();
    });
  }
});
