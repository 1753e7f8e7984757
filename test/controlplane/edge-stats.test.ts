/**
 * EdgeStats: cumulative reports become increments per edge (a stream's first report is a
 * baseline, a repeated report adds nothing, a restart starts afresh), the window's rate over the
 * time its increments cover, error rate and p99, and the bounds.
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
  it('theFirstReportIsABaselineAndRepeatedReportsCountOnce', () => {
    let now = 1_000_000;
    const s = new EdgeStats({ now: () => now, slotMs: 5_000, windowMs: 30_000 });
    // A reconnecting sidecar's first report carries its whole history: none of it is this window's.
    s.ingest('p1', client, report(10_000, 2));
    expect(s.edges()[0]).toMatchObject({ requestsPerSecond: 0, totals: { requests: 0, errors: 0 } });
    s.ingest('p1', client, report(10_000, 2));
    now += 5_000;
    s.ingest('p1', client, report(10_025, 3));
    const [e] = s.edges();
    expect(e).toMatchObject({ sourceWorkload: 'client', destinationSubset: 'v2', totals: { requests: 25, errors: 1, byClass: { '2xx': 24, '5xx': 1 } } });
    // One report: the 25 requests of the flush interval before it.
    expect(e!.requestsPerSecond).toBeCloseTo(25 / 5);
    expect(e!.errorRate).toBeCloseTo(1 / 25);
  });

  it('aSeriesFirstSeenLaterInAStreamCountsInFull', () => {
    const s = new EdgeStats({ now: () => 0 });
    s.ingest('p1', client, [{ name: 'cluster.outbound.upstream_rq_total', labels: dest, value: 4 }]);
    s.ingest('p1', client, report(7, 3));
    expect(s.edges()[0]!.totals).toMatchObject({ requests: 3, errors: 3, byClass: { '5xx': 3, '2xx': 4 } });
  });

  it('aRestartedProxyStartsAfresh', () => {
    const s = new EdgeStats({ now: () => 0 });
    s.ingest('p1', client, report(100, 0));
    s.ingest('p1', client, report(103, 0));
    s.ingest('p1', client, report(3, 0));
    expect(s.edges()[0]!.totals.requests).toBe(6);
  });

  it('theRateIsOverTheTimeTheWindowsReportsCoverAndDecaysWhenTheyStop', () => {
    let now = 0;
    const s = new EdgeStats({ now: () => now, slotMs: 5_000, windowMs: 30_000 });
    s.ingest('p1', client, report(0, 0));
    // 10 requests per second, reported every 5 s.
    for (let i = 1; i <= 20; i++) {
      now = i * 5_000;
      s.ingest('p1', client, report(i * 50, 0));
      expect(s.edges()[0]!.requestsPerSecond, `after ${i} reports`).toBeCloseTo(10);
    }
    now += 4_000; // between two reports: the next one is not due yet
    expect(s.edges()[0]!.requestsPerSecond).toBeCloseTo(10);
    now += 16_000; // three reports missed: traffic stopped 20 s ago; the window holds 15 s of it
    expect(s.edges()[0]!.requestsPerSecond).toBeCloseTo(150 / 30);
    now += 30_000;
    expect(s.edges()[0]!.requestsPerSecond).toBe(0);
  });

  it('p99ComesFromTheWindowsHistogramIncrements', () => {
    let now = 0;
    const s = new EdgeStats({ now: () => now, slotMs: 5_000, windowMs: 10_000 });
    s.ingest('p1', client, report(0, 0, [[10, 0], [100, 0], [Infinity, 0]]));
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
    t.ingest('p1', client, report(0, 0));
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
