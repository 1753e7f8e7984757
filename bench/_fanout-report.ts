/**
 * Turns a fan-out report into the flat summary the method asks for (weft's medians, the floor's
 * and the go-control-plane peer's, the ratios weft/floor and weft/peer, memory, encode-once) and
 * a readable table.
 */
import type { FanoutReport, TargetResult } from './_fanout-harness.js';
import { round2 } from './_stats.js';
import type { TargetName } from './_targets.js';

export interface FanoutSummary {
  proxies: number;
  rounds: number;
  config_bytes_per_proxy: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  floor_p50_ms: number | null;
  floor_p99_ms: number | null;
  ratio_p99: number | null;
  server_cpu_s: number | null;
  floor_cpu_s: number | null;
  rss_mb: number | null;
  peak_rss_mb: number | null;
  event_loop_p99_ms: number | null;
  bytes_encoded: number | null;
  bytes_sent: number | null;
  encodes_per_resource: number | null;
  idle_kb_per_proxy: number | null;
  floor_idle_kb_per_proxy: number | null;
  ratio_cpu_floor: number | null;
  gocp_p50_ms: number | null;
  gocp_p99_ms: number | null;
  gocp_cpu_s: number | null;
  gocp_rss_mb: number | null;
  gocp_idle_kb_per_proxy: number | null;
  /** weft / go-control-plane: the figures the issue targets at ≤ 1.0. */
  ratio_p99_gocp: number | null;
  ratio_cpu_gocp: number | null;
  ratio_idle_gocp: number | null;
  peer_skipped: string | null;
  all_acked: boolean;
}

function find(report: FanoutReport, name: TargetName): TargetResult | undefined {
  return report.results.find((r) => r.target === name);
}

/** a / b rounded, or null when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || b === 0 ? null : round2(a / b);
}

export function summaryRow(report: FanoutReport): FanoutSummary {
  const w = find(report, 'weft');
  const f = find(report, 'floor');
  const g = find(report, 'go-control-plane');
  const encodes = w?.stats.encodes;
  return {
    proxies: report.options.proxies,
    rounds: report.options.rounds,
    config_bytes_per_proxy: report.bytes_per_proxy,
    p50_ms: w?.p50_ms ?? null,
    p99_ms: w?.p99_ms ?? null,
    max_ms: w?.max_ms ?? null,
    floor_p50_ms: f?.p50_ms ?? null,
    floor_p99_ms: f?.p99_ms ?? null,
    ratio_p99: w && f ? round2(w.p99_ms / f.p99_ms) : null,
    server_cpu_s: w?.server_cpu_s ?? null,
    floor_cpu_s: f?.server_cpu_s ?? null,
    rss_mb: w?.rss_mb ?? null,
    peak_rss_mb: w?.peak_rss_mb ?? null,
    event_loop_p99_ms: w?.event_loop_p99_ms ?? null,
    bytes_encoded: w?.stats.bytesEncoded ?? null,
    bytes_sent: w?.stats.bytesSent ?? null,
    encodes_per_resource: w && encodes != null ? round2(encodes / w.stats.resourceVersions) : null,
    idle_kb_per_proxy: w?.idle_kb_per_proxy ?? null,
    floor_idle_kb_per_proxy: f?.idle_kb_per_proxy ?? null,
    ratio_cpu_floor: ratio(w?.server_cpu_s, f?.server_cpu_s),
    gocp_p50_ms: g?.p50_ms ?? null,
    gocp_p99_ms: g?.p99_ms ?? null,
    gocp_cpu_s: g?.server_cpu_s ?? null,
    gocp_rss_mb: g?.rss_mb ?? null,
    gocp_idle_kb_per_proxy: g?.idle_kb_per_proxy ?? null,
    ratio_p99_gocp: ratio(w?.p99_ms, g?.p99_ms),
    ratio_cpu_gocp: ratio(w?.server_cpu_s, g?.server_cpu_s),
    ratio_idle_gocp: ratio(w?.idle_kb_per_proxy, g?.idle_kb_per_proxy),
    peer_skipped: report.peer_skipped ?? null,
    all_acked: report.results.every((r) => r.all_acked),
  };
}

const columns: readonly (keyof TargetResult)[] = [
  'p50_ms', 'p99_ms', 'max_ms', 'server_cpu_s', 'event_loop_p99_ms', 'sync_s', 'rss_mb', 'peak_rss_mb', 'idle_kb_per_proxy',
];

export function printTable(report: FanoutReport): void {
  const o = report.options;
  console.log(
    `fanout: ${o.proxies} proxies, ${report.bytes_per_proxy} B config each, ${o.rounds} rounds (+${o.warmup} warm-up), ${o.loadgens} load generator process(es)`,
  );
  const rows = report.results.map((r) => [r.target, ...columns.map((c) => String(r[c]))]);
  const header = ['target', ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
  const s = summaryRow(report);
  if (s.peer_skipped) console.log(`go-control-plane: skipped (${s.peer_skipped})`);
  console.log(`weft/go-control-plane: p99 ${s.ratio_p99_gocp ?? '-'}  cpu ${s.ratio_cpu_gocp ?? '-'}  idle KB/proxy ${s.ratio_idle_gocp ?? '-'}`);
  console.log(
    `ratio_p99 ${s.ratio_p99 ?? '-'}  encodes_per_resource ${s.encodes_per_resource ?? '-'}  bytes_encoded ${s.bytes_encoded ?? '-'}  bytes_sent ${s.bytes_sent ?? '-'}  all_acked ${s.all_acked}`,
  );
}
