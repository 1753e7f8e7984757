/**
 * EdgeStats: cumulative reports become increments per edge (a repeated report adds nothing, a
 * restart starts afresh), the window's rate, error rate and p99, and the bounds.
 */
import { describe, expect, it } from 'vitest';
import { EdgeStats, quantile, type ReportedSeries } from '../../src/controlplane/edge-stats.js';

const dest = { destination_service: 'reviews.default.svc.cluster.local', destination_port: '9080', destination_subset: 'v2' };
const report = (total: number, fiveXx: number, buckets: [number, number][] = []): ReportedSeries[] => [
  { name: 'cluster.outbound.upstream_rq_total', labels: dest, value: total },
  { name: 'cluster.outbound.upstream_rq', labels: { ...dest, response_code_class: '5xx' }, value: fiveXx },
  { name: 'cluster.outbound.upstream_rq', labels: { ...dest, response_code_class: '2xx' }, value: total - fiveXx },
  ...(buckets.length ? [{ name: 'cluster.outbound.upstream_rq_time', labels: dest, histogram: { count: buckets.at(-1)![1], buckets } }] : []),
  { name: 'server.live', labels: {}, value: 1 },
];
const client = { namespace: 'default', workload: 'client' };

describe('EdgeStats', () => {
  it('repeatedCumulativeReportsCountOnce', () => {
    let now = 1_000_000;
    const s = new EdgeStats({ now: () => now, slotMs: 5_000, windowMs: 30_000 });
    s.ingest('p1', client, report(10, 2));
    s.ingest('p1', client, report(10, 2));
    now += 5_000;
    s.ingest('p1', client, report(25, 2));
    const [e] = s.edges();
    expect(e).toMatchObject({ sourceWorkload: 'client', destinationSubset: 'v2', totals: { requests: 25, errors: 2, byClass: { '2xx': 23, '5xx': 2 } } });
    expect(e!.requestsPerSecond).toBeCloseTo(25 / 30);
    expect(e!.errorRate).toBeCloseTo(2 / 25);
  });

  it('aRestartedProxyStartsAfresh', () => {
    const s = new EdgeStats({ now: () => 0 });
    s.ingest('p1', client, report(100, 0));
    s.ingest('p1', client, report(3, 0));
    expect(s.edges()[0]!.totals.requests).toBe(103);
  });

  it('p99ComesFromTheWindowsHistogramIncrements', () => {
    let now = 0;
    const s = new EdgeStats({ now: () => now, slotMs: 5_000, windowMs: 10_000 });
    s.ingest('p1', client, report(100, 0, [[10, 100], [100, 100], [Infinity, 100]]));
    now = 60_000;
    // 100 more, of which 10 took between 10 and 100 ms: the window holds only these.
    s.ingest('p1', client, report(200, 0, [[10, 190], [100, 200], [Infinity, 200]]));
    expect(s.edges()[0]!.p99Ms).toBeCloseTo(10 + 90 * ((99 - 90) / 10));
  });

  it('boundsEdgesAndSeries', () => {
    const s = new EdgeStats({ now: () => 0, maxEdges: 2, maxSeriesPerProxy: 1_000 });
    for (let i = 0; i < 5; i++) s.ingest('p1', { namespace: 'ns', workload: `w${i}` }, report(1, 0));
    expect(s.edgeCount).toBe(2);
    expect(s.dropped).toBeGreaterThan(0);
    const t = new EdgeStats({ now: () => 0, maxSeriesPerProxy: 2 });
    t.ingest('p1', client, report(5, 1));
    expect(t.edges()[0]!.totals.byClass).toEqual({ '5xx': 1 });
  });

  it('idleEdgesGo', () => {
    let now = 0;
    const s = new EdgeStats({ now: () => now, idleMs: 1_000 });
    s.ingest('p1', client, report(1, 0));
    now = 5_000;
    expect(s.edges()).toEqual([]);
  });

  it('quantileInterpolatesInsideTheBucket', () => {
    expect(quantile(new Map([[1, 50], [2, 50]]), 0.5)).toBe(1);
    expect(quantile(new Map([[1, 50], [2, 50]]), 0.75)).toBe(1.5);
    expect(quantile(new Map(), 0.99)).toBeUndefined();
  });
});
