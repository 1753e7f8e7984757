/**
 * Locality-aware endpoints: the priority and weight of each locality relative to the caller
 * (build-locality.ts), and the cache contract that follows from EDS depending on the caller's
 * locality: callers in one locality share their endpoints, callers elsewhere get their own, and
 * clusters stay shared by all.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import type { LocalityPolicy, ProxyDescription, TrafficPolicy } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { localityPlan, placeLocalities, type LocalityKey, type LocalityPlan } from '../../src/translate/build-locality.js';
import { loadGoldenCase } from './golden-case.js';

const loc = (region: string, zone: string, endpoints = 1): LocalityKey => ({ region, zone, endpoints });
const any = (region: string, zone = '*') => ({ region, zone });
const plan = (region: string, zone: string, rest: Partial<LocalityPlan> = {}): LocalityPlan => ({ region, zone, failover: [], ...rest });
const priorities = (ls: LocalityKey[], p: LocalityPlan | undefined) => placeLocalities(ls, p).map((x) => x.priority);

const five = [loc('eu', 'eu-1a'), loc('eu', 'eu-1b', 2), loc('us', 'us-1a'), loc('ap', 'ap-1a'), loc('', '')];

describe('placeLocalities', () => {
  const table: [string, LocalityKey[], LocalityPlan | undefined, number[]][] = [
    ['sameZoneThenSameRegionThenTheRest', five, plan('eu', 'eu-1a'), [0, 1, 2, 2, 2]],
    ['failoverEntriesInTheirOrderBeforeTheRest', five, plan('eu', 'eu-1a', { failover: [any('ap'), any('us')] }), [0, 1, 3, 2, 4]],
    ['failoverByZoneInAnyRegion', five, plan('eu', 'eu-1a', { failover: [any('*', '')] }), [0, 1, 3, 3, 2]],
    ['emptyLevelsSkippedSoPrioritiesAreContiguous', [loc('us', 'us-1a'), loc('eu', 'eu-1b')], plan('eu', 'eu-1a'), [1, 0]],
    ['noLocalityInTheCallersZoneStartsAtItsRegion', [loc('eu', 'eu-1b'), loc('us', 'us-1a')], plan('eu', 'eu-1a'), [0, 1]],
    ['callerWithZoneOnlyIsInTheUnsetRegion', [loc('', 'z1'), loc('', 'z2'), loc('eu', 'z1')], plan('', 'z1'), [0, 1, 2]],
    ['noPlanIsOnePriority', five, undefined, [0, 0, 0, 0, 0]],
  ];
  it.each(table)('%s', (_name, ls, p, expected) => {
    expect(priorities(ls, p)).toEqual(expected);
  });

  it('weighs localities by healthy endpoints (at least 1) unless distribute gives shares', () => {
    expect(placeLocalities([loc('eu', 'a', 3), loc('eu', 'b', 0)], undefined)).toEqual([{ priority: 0, weight: 3 }, { priority: 0, weight: 1 }]);
    expect(placeLocalities([loc('eu', 'a', 3), loc('us', 'b', 2)], plan('eu', 'a')).map((x) => x.weight)).toEqual([3, 2]);
  });

  it('gives distribute shares at priority 0 (a share naming several localities split evenly, the most specific name winning) and the rest priority 1', () => {
    const shares = [{ locality: any('eu'), percent: 60 }, { locality: any('eu', 'eu-1a'), percent: 30 }, { locality: any('us'), percent: 10 }];
    const ls = [loc('eu', 'eu-1a'), loc('eu', 'eu-1b'), loc('eu', 'eu-1c'), loc('us', 'us-1a', 5), loc('ap', 'ap-1a', 4)];
    expect(placeLocalities(ls, plan('eu', 'eu-1a', { distribute: shares }))).toEqual([
      { priority: 0, weight: 30_000 }, { priority: 0, weight: 30_000 }, { priority: 0, weight: 30_000 }, { priority: 0, weight: 10_000 }, { priority: 1, weight: 4 },
    ]);
  });

  it('puts a 0 % share in the fallback, and the fallback first when no shared locality has endpoints', () => {
    const shares = [{ locality: any('eu'), percent: 100 }, { locality: any('us'), percent: 0 }];
    expect(placeLocalities([loc('eu', 'a'), loc('us', 'b', 2)], plan('eu', 'a', { distribute: shares }))).toEqual([{ priority: 0, weight: 100_000 }, { priority: 1, weight: 2 }]);
    expect(priorities([loc('us', 'b'), loc('ap', 'c')], plan('eu', 'a', { distribute: shares }))).toEqual([0, 0]);
  });
});

describe('localityPlan', () => {
  const od = { consecutive5xx: 1, intervalMs: 1000, baseEjectionTimeMs: 1000, maxEjectionPercent: 100 };
  const block: LocalityPolicy = { enabled: true, failover: [{ from: any('us'), to: [any('eu')] }, { from: any('*'), to: [any('ap')] }], distribute: [] };
  const traffic = (t: Partial<TrafficPolicy>) => ({ service: 's.default', routes: [], subsets: new Map(), loadBalancer: 'round-robin', ...t }) as TrafficPolicy;

  it('takes the first failover rule matching the caller and needs a known caller locality', () => {
    expect(localityPlan({}, traffic({ locality: block }), { region: 'us', zone: 'us-1a' })).toEqual({ region: 'us', zone: 'us-1a', failover: [any('eu')] });
    expect(localityPlan({}, traffic({ locality: block }), { zone: 'z' })).toEqual({ region: '', zone: 'z', failover: [any('ap')] });
    expect(localityPlan({}, traffic({ locality: block }), undefined)).toBeUndefined();
  });

  it('applies the default only with outlier detection, the Mesh block without, and nothing when disabled', () => {
    const caller = { region: 'eu', zone: 'eu-1a' };
    expect(localityPlan({}, traffic({}), caller)).toBeUndefined();
    expect(localityPlan({}, traffic({ outlierDetection: od }), caller)).toEqual({ region: 'eu', zone: 'eu-1a', failover: [] });
    expect(localityPlan({ locality: block }, undefined, caller)).toEqual({ region: 'eu', zone: 'eu-1a', failover: [any('ap')] });
    expect(localityPlan({ locality: block }, traffic({ outlierDetection: od, locality: { ...block, enabled: false } }), caller)).toBeUndefined();
  });
});

describe('locality and the translation cache', () => {
  const eds = (r: ReturnType<typeof translate>, name: string) => r.resources.get(TypeUrl.ClusterLoadAssignment)!.find((x) => x.name === name)!.message;
  const cds = (r: ReturnType<typeof translate>, name: string) => r.resources.get(TypeUrl.Cluster)!.find((x) => x.name === name)!.message;
  const reviews = 'outbound|9080||reviews.shop.svc.cluster.local';

  it('shares endpoints between callers of one locality, not with callers of another, and clusters, routes and listeners with all', async () => {
    const c = await loadGoldenCase(path.resolve(import.meta.dirname, '../../testdata/golden/locality-failover'));
    const at = (id: string, region: string, zone: string): ProxyDescription => ({ ...c.proxy, id, locality: { region, zone } });
    const cache = new TranslationCache();
    const a = translate({ model: c.model, proxy: at('a', 'eu-west', 'eu-west-1a'), cache });
    const b = translate({ model: c.model, proxy: at('b', 'eu-west', 'eu-west-1a'), cache });
    const us = translate({ model: c.model, proxy: at('c', 'us-east', 'us-east-1a'), cache });
    expect(eds(b, reviews)).toBe(eds(a, reviews));
    expect(eds(us, reviews)).not.toEqual(eds(a, reviews));
    expect(cds(us, reviews)).toBe(cds(a, reviews));
    // Routes and listeners do not depend on the caller's locality: the same messages in every zone.
    for (const type of [TypeUrl.RouteConfiguration, TypeUrl.Listener]) {
      const of = (r: ReturnType<typeof translate>) => r.resources.get(type)!.map((x) => x.message);
      expect(of(us).length).toBeGreaterThan(0);
      of(us).forEach((m, i) => expect(m).toBe(of(a)[i]));
    }
    const first = (r: ReturnType<typeof translate>) => (eds(r, reviews) as { endpoints: { locality: { region?: string }; priority?: number }[] }).endpoints.filter((e) => !e.priority).map((e) => e.locality.region);
    expect(first(a)).toEqual(['eu-west']);
    expect(first(us)).toEqual(['us-east']);
    // Without any locality block or outlier detection, callers of every zone share one scope part.
    const flat = { ...c.model, policy: { ...c.model.policy, traffic: new Map() } };
    const flatA = translate({ model: flat, proxy: at('a', 'eu-west', 'eu-west-1a'), cache });
    const flatUs = translate({ model: flat, proxy: at('c', 'us-east', 'us-east-1a'), cache });
    expect(flatUs.reads.scope).toBe(flatA.reads.scope);
    expect(eds(flatUs, reviews)).toBe(eds(flatA, reviews));
    // The warm cache answers what a fresh one does, for each caller.
    for (const [r, p] of [[a, at('a', 'eu-west', 'eu-west-1a')], [us, at('c', 'us-east', 'us-east-1a')]] as const) {
      expect(JSON.stringify([...r.resources])).toBe(JSON.stringify([...translate({ model: c.model, proxy: p, cache: new TranslationCache() }).resources]));
    }
  });
});
