/**
 * Smoke tests of the issue-13 benchmarks at toy scale (seconds each): real load-generator
 * processes, real ADS over loopback, the real reconciler or ControlPlane, so a broken harness
 * fails here rather than in a long run. Timing is not asserted (shared machine); what is asserted
 * is what each benchmark claims to check: every concerned proxy got the change, what was sent
 * (eds-churn: EDS only, only the changed clusters; scoped: only the concerned proxies), and that
 * every server in a storm brought every proxy back without errors. The go-control-plane peer is
 * skipped, with its reason in the report, on a machine without Go.
 */
import { describe, expect, it } from 'vitest';
import { runEdsChurn } from '../../bench/_eds-churn.js';
import { runFanout } from '../../bench/_fanout-harness.js';
import { runScoped } from '../../bench/_scoped.js';
import { runSoak } from '../../bench/_soak.js';
import { runStorm } from '../../bench/_storm.js';

const tiny = { proxies: 10, services: 20, endpoints: 3, perNamespace: 5, loadgens: 1 };

describe('benchmark harnesses at toy scale', () => {
  it('eds-churn: each endpoint move reaches the proxies of its namespace, as EDS for the changed clusters only', async () => {
    const r = await runEdsChurn({ ...tiny, rate: 20, changes: 10 });
    expect(r.changes).toBe(10);
    expect(r.expected_deliveries).toBeGreaterThan(0);
    expect(r.delivered).toBe(r.expected_deliveries);
    expect(r.only_eds).toBe(true);
    expect(r.only_changed_clusters).toBe(true);
    expect(r.unexpected_receivers).toBe(0);
    expect(r.log_errors).toBe(0);
  }, 120_000);

  it('scoped: a TrafficPolicy change reaches only the proxies of its namespace', async () => {
    const r = await runScoped({ ...tiny, perNamespace: 2, rounds: 1, warmup: 0 });
    expect(r.rounds[0]!.concerned).toBe(1);
    expect(r.all_acked).toBe(true);
    expect(r.only_concerned_received).toBe(true);
    expect(r.rounds[0]!.types_sent).toEqual(['RouteConfiguration']);
  }, 120_000);

  it('soak: every step reaches the proxies it concerns and memory is sampled', async () => {
    const r = await runSoak({ ...tiny, policyChanges: 5, endpointChanges: 50, maxSeconds: 60 });
    expect(r.steps_run).toBe(5);
    expect(r.endpoint_changes_run).toBe(50);
    expect(r.undelivered).toBe(0);
    expect(r.live_streams).toBe(tiny.proxies);
    expect(r.rss_warm_mb).toBeGreaterThan(0);
    expect(r.heap_samples.map(([step]) => step)).toEqual(r.samples.map(([step]) => step));
    expect(Number.isFinite(r.rss_trend_growth_pct) && Number.isFinite(r.heap_trend_growth_pct)).toBe(true);
  }, 120_000);

  it('storm: weft, the floor and go-control-plane each bring every mTLS proxy back with its secrets', async () => {
    const r = await runStorm({ ...tiny, timeoutMs: 60_000 });
    const expected = r.peer_skipped ? ['weft', 'floor'] : ['weft', 'floor', 'go-control-plane'];
    expect(r.results.map((x) => x.target)).toEqual(expected);
    for (const x of r.results) {
      expect(x.all_synced, `${x.target}: ${x.failure}`).toBe(true);
      expect(x.errors).toBe(0);
      expect(x.server_log_errors).toBe(0);
    }
  }, 240_000);

  it('idle: measures memory per connected proxy on every server without running rounds', async () => {
    const r = await runFanout({ proxies: 10, rounds: 0, warmup: 0, configKb: 10, loadgens: 1 });
    for (const x of r.results) {
      expect(x.rounds).toEqual([]);
      expect(Number.isFinite(x.idle_kb_per_proxy)).toBe(true);
    }
  }, 240_000);
});
