/**
 * `npm run bench -- metrics-sink [--proxies 1000,5000] [--flushes 4]`: the CPU weft spends on the
 * sidecars' streamed stats (docs/metrics.md "Metrics streamed to weft"), per proxy per flush
 * interval. Each simulated proxy sends, every flush, an encoded `StreamMetricsMessage` shaped like
 * a real sidecar's under weft's stats inclusion list: 3 outbound edges (responses by class, total,
 * timeout, gRPC by status, connections and bytes, resilience counters, and the latency histogram
 * with Envoy's 20 default buckets) and 120 health stats (server, xDS subscriptions, the weft-xds
 * cluster). weft's side runs as the service does it: protobuf decode, flattening, per-edge ingest;
 * then one `/metrics`-style read of every edge per flush. Proxies are replicas of 1 workload per 10,
 * each proxy calling 3 of 500 services, so a run holds 3 edges per proxy. Not measured: gRPC framing and TLS (grpc-js and node:tls, the
 * same for any payload) — the figure is weft's own work. Writes bench/results/metrics-sink.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageType } from '../proto/index.js';
import { EdgeStats } from '../src/controlplane/edge-stats.js';
import { reportedSeries } from '../src/controlplane/metrics-service.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const PROXIES = arg('proxies', '1000,5000').split(',').map(Number);
const FLUSHES = Number(arg('flushes', '4'));
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
const messageT = messageType('envoy.service.metrics.v3.StreamMetricsMessage');

type Label = { name: string; value: string };
const counter = (name: string, labels: Label[], value: number) => ({ name, type: 'COUNTER', metric: [{ label: labels, counter: { value } }] });

/** One proxy's report at flush `f`: cumulative values that grow with f. */
function report(proxy: number, f: number): Buffer {
  const families: object[] = [];
  const source = [{ name: 'source_workload', value: `w${Math.floor(proxy / 10)}` }, { name: 'source_namespace', value: `ns${proxy % 20}` }];
  for (let d = 0; d < 3; d++) {
    const dest = [...source, { name: 'destination_service', value: `svc-${(proxy + d) % 500}.ns.svc.cluster.local` }, { name: 'destination_port', value: '9080' }, { name: 'destination_subset', value: d === 0 ? 'v2' : '' }];
    const n = 50 * f + d;
    for (const cls of ['2xx', '4xx', '5xx']) families.push(counter('cluster.outbound.upstream_rq', [...dest, { name: 'response_code_class', value: cls }], cls === '2xx' ? n : f));
    for (const s of ['upstream_rq_total', 'upstream_rq_timeout', 'grpc_total', 'upstream_cx_total', 'upstream_cx_connect_fail', 'upstream_cx_rx_bytes_total', 'upstream_cx_tx_bytes_total',
      'upstream_rq_pending_overflow', 'upstream_rq_retry', 'upstream_rq_retry_overflow', 'upstream_cx_overflow', 'update_success', 'update_attempt', 'update_rejected']) families.push(counter(`cluster.outbound.${s}`, dest, n));
    for (const st of ['0', '14']) families.push(counter('cluster.outbound.grpc', [...dest, { name: 'grpc_status', value: st }], st === '0' ? n : f));
    let cum = 0;
    const bucket = BUCKETS.map((b) => ({ upper_bound: b, cumulative_count: (cum = Math.min(n, cum + Math.ceil(n / 8))) }));
    families.push({ name: 'cluster.outbound.upstream_rq_time', type: 'HISTOGRAM', metric: [{ label: dest, histogram: { sample_count: n, sample_sum: n * 12.5, bucket } }] });
  }
  for (let h = 0; h < 120; h++) families.push({ name: `server.stat_${h}`, type: h % 2 ? 'GAUGE' : 'COUNTER', metric: [{ label: source, ...(h % 2 ? { gauge: { value: h } } : { counter: { value: f * h } }) }] });
  return Buffer.from(messageT.encode(messageT.fromObject({ envoy_metrics: families })).finish());
}

function decode(bytes: Buffer) {
  const m = messageT.toObject(messageT.decode(bytes), { enums: String, longs: Number, defaults: false });
  return reportedSeries((m.envoy_metrics ?? []) as never);
}

function run(proxies: number) {
  const stats = new EdgeStats({ maxEdges: 100_000 });
  // Encoding is the sidecar's work: done before the clock starts, one buffer per proxy and flush.
  const wire = Array.from({ length: FLUSHES }, (_, f) => Array.from({ length: proxies }, (_, p) => report(p, f + 1)));
  const bytes = wire[0]!.reduce((n, b) => n + b.length, 0) / proxies;
  const perFlushMs: number[] = [];
  for (let f = 0; f < FLUSHES; f++) {
    const cpu0 = process.cpuUsage();
    for (let p = 0; p < proxies; p++) stats.ingest(`stream-${p}`, { namespace: `ns${p % 20}`, workload: `w${Math.floor(p / 10)}` }, decode(wire[f]![p]!));
    stats.edges();
    const cpu = process.cpuUsage(cpu0);
    perFlushMs.push((cpu.user + cpu.system) / 1000);
  }
  const steady = perFlushMs.slice(1).sort((a, b) => a - b);
  const median = steady[Math.floor(steady.length / 2)] ?? perFlushMs[0]!;
  const row = { proxies, edges: stats.edgeCount, reportBytes: Math.round(bytes), cpuMsPerFlush: Math.round(median), cpuUsPerProxyPerFlush: Math.round((median * 1000) / proxies),
    coreShareAt5sFlush: Math.round((median / 5000) * 1000) / 10, perFlushMs: perFlushMs.map(Math.round), heapMb: Math.round(process.memoryUsage().heapUsed / 1e6) };
  console.log(`${String(proxies).padStart(5)} proxies  ${String(row.edges).padStart(5)} edges  ${row.reportBytes} B/report  ${row.cpuMsPerFlush} ms CPU/flush  ${row.cpuUsPerProxyPerFlush} µs CPU/proxy/flush  ${row.coreShareAt5sFlush}% of a core at a 5 s flush  heap ${row.heapMb} MB`);
  return row;
}

const load = os.loadavg();
console.log(`metrics-sink: ${FLUSHES} flushes per size; load average ${load.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
const results = PROXIES.map(run);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'metrics-sink.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: os.cpus().length, loadBefore: load, loadAfter: os.loadavg(), flushes: FLUSHES, results }, null, 2) + '\n');
