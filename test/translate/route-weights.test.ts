import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/model/index.js';
import path from 'node:path';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';
import { firstRoute } from './routes-helpers.js';
import { outbound } from './simulate.js';

const own = 'api.shop';
const b = (subset: string | undefined, weight: number, service = own): Backend => ({ service, weight, ...(subset ? { subset } : {}) });
const cl = (subset = '') => `outbound|8080|${subset}|api.shop.svc.cluster.local`;

interface Case { name: string; backends: Backend[]; kind?: 'envoy' | 'grpc'; route?: unknown; direct?: unknown; absent?: boolean; codes: string[] }

const cases: Case[] = [
  { name: 'allRemainingWeightsZeroAnswers503NeverAnAllZeroSplit', backends: [b(undefined, 100, 'missing.shop'), b('v1', 0), b('v2', 0)],
    direct: { status: 503 }, codes: ['WEFT4102', 'WEFT4103'] },
  { name: 'aSingleZeroWeightSurvivorIsNotSentAllTraffic', backends: [b(undefined, 100, 'missing.shop'), b('v1', 0)],
    direct: { status: 503 }, codes: ['WEFT4102', 'WEFT4103'] },
  { name: 'noUsableBackendAnswers503InsteadOfFallingThrough', backends: [b('v9', 100)],
    direct: { status: 503 }, codes: ['WEFT4103', 'WEFT4103'] },
  { name: 'remainingPositiveWeightsShareTheTrafficInProportion', backends: [b(undefined, 60, 'missing.shop'), b('v1', 30), b('v2', 10)],
    route: { weighted_clusters: { clusters: [{ name: cl('v1'), weight: { value: 30 } }, { name: cl('v2'), weight: { value: 10 } }] } }, codes: ['WEFT4102', 'WEFT4103'] },
  { name: 'oneRemainingPositiveBackendGetsAllTraffic', backends: [b(undefined, 90, 'missing.shop'), b('v1', 10), b('v2', 0)],
    route: { cluster: cl('v1') }, codes: ['WEFT4102', 'WEFT4103'] },
  { name: 'zeroWeightBackendsAreLeftOutOfAHealthySplit', backends: [b('v1', 100), b('v2', 0)],
    route: { cluster: cl('v1') }, codes: [] },
  { name: 'anIntactSplitIsUnchangedAndSilent', backends: [b('v1', 90), b('v2', 10)],
    route: { weighted_clusters: { clusters: [{ name: cl('v1'), weight: { value: 90 } }, { name: cl('v2'), weight: { value: 10 } }] } }, codes: [] },
  { name: 'grpcClientsGetTheRouteLeftOutBecauseTheyNackDirectResponse', backends: [b(undefined, 100, 'missing.shop'), b('v1', 0)], kind: 'grpc',
    absent: true, codes: ['WEFT4102', 'WEFT4103'] },
];

describe('backends that drop out of a weighted route (issue 11 #7)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { result, envoy } = firstRoute([{ backends: c.backends }], { subsets: ['v1', 'v2'], kind: c.kind });
      expect(result.diagnostics.map((d) => d.code)).toEqual(c.codes);
      if (c.absent) return expect(result.vhost.routes).toEqual([]);
      if (c.direct) {
        expect(envoy?.direct_response).toEqual(c.direct);
        expect(envoy).not.toHaveProperty('route');
      } else {
        expect(envoy?.route).toMatchObject(c.route as object);
      }
      const weights = envoy?.route?.weighted_clusters?.clusters?.map((w: any) => w.weight.value) ?? [];
      expect(weights.every((w: number) => w > 0)).toBe(true);
    });
  }

  it('namesTheNewSharesInTheDiagnostic', () => {
    const { result } = firstRoute([{ backends: [b(undefined, 60, 'missing.shop'), b('v1', 30), b('v2', 10)] }], { subsets: ['v1', 'v2'] });
    expect(result.diagnostics[1]?.message).toContain(`${cl('v1')} 75%, ${cl('v2')} 25%`);
  });

  it('saysWhyTheRouteAnswers503', () => {
    const { result } = firstRoute([{ backends: [b(undefined, 100, 'missing.shop'), b('v1', 0)] }], { subsets: ['v1'] });
    expect(result.diagnostics[1]?.message).toBe('every remaining backend has weight 0; the route answers 503');
  });

  it('keepsLaterRoutesFromCatchingTheTrafficOfAnUnavailableRoute', () => {
    const { result } = firstRoute([{ match: { headers: { 'x-canary': { present: true } } }, backends: [b('v9', 100)] }, {}], { subsets: ['v1'] });
    expect(result.vhost.routes.map((r) => r.action.kind)).toEqual(['direct', 'forward']);
  });
});

describe('requests through the zero-weights case land where the policy says', () => {
  const { model, proxy } = loadCase(path.resolve(import.meta.dirname, '../../testdata/translate/zero-weights.in.yaml'));
  const r = translate({ model, proxy, cache: new TranslationCache() });
  const host = 'reviews.default.svc.cluster.local';
  const v = (s: string) => `outbound|9080|${s}|${host}`;

  it('canaryRequestsGet503InsteadOfTheCatchAll', () => {
    expect(outbound(r, 9080, { host, path: '/', headers: { 'x-canary': '1' } })).toEqual({ kind: 'rejected', status: 503 });
  });
  it('aRouteLeftWithOneZeroWeightBackendGets503', () => {
    expect(outbound(r, 9080, { host, path: '/one/x' })).toEqual({ kind: 'rejected', status: 503 });
  });
  it('theSplitKeepsOnlyItsPositiveSurvivors', () => {
    expect(outbound(r, 9080, { host, path: '/split' })).toMatchObject({ weighted: [v('v1'), v('v2')] });
  });
  it('theCatchAllSendsEverythingToItsOnlyWeightedBackend', () => {
    expect(outbound(r, 9080, { host, path: '/' })).toEqual({ kind: 'cluster', cluster: v('v1') });
  });
});
