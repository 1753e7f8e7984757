/**
 * Golden metrics per edge from real Envoy sidecars (docs/metrics.md): the namespace mesh sends
 * known traffic (an HTTP canary split where one subset fails, gRPC calls ending with chosen
 * statuses) and the client sidecar's `/stats/prometheus` must carry exactly that, labelled by
 * source workload and namespace, destination service, port and subset, route, response code class
 * and gRPC status; stats outside the inclusion list must not exist. iptables mode, mTLS strict.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { guardEnvoys } from './health.js';
import { until } from './http.js';
import { host, http, netnsSkip, scenario, tally } from './netns/calls.js';
import { NetnsMesh, type ServiceDef, type WorkloadDef } from './netns/mesh.js';
import { parsePrometheus, sumSeries, type Sample } from './prometheus.js';

const SERVICES: ServiceDef[] = [
  { name: 'reviews', serviceAccount: 'reviews', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }] },
  { name: 'feed', serviceAccount: 'feed', ports: [{ name: 'grpc', port: 9091, targetPort: 19091, protocol: 'grpc' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'reviews-v1', service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v1' } },
  { name: 'reviews-v2', service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v2' }, delta: true },
  { name: 'feed-1', service: 'feed', serviceAccount: 'feed', labels: { app: 'feed' } },
];
const POLICY = {
  'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n',
  'reviews.yaml': `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 } }
routes:
  - match: { headers: { x-canary: { exact: "yes" } } }
    backends: [{ subset: v2 }]
  - backends: [{ subset: v1, weight: 70 }, { subset: v2, weight: 30 }]
`,
};
const REVIEWS = host('reviews');
const FEED = host('feed');
const SOURCE = { source_workload: 'client', source_namespace: 'default' };

let mesh: NetnsMesh | undefined;

async function clientSeries(): Promise<Sample[]> {
  const res = await mesh!.workload('client').envoy!.handle.get('/stats/prometheus');
  if (res.status !== 200) throw new Error(`/stats/prometheus answered ${res.status}`);
  return parsePrometheus(res.text);
}

/** Waits until the series matching `labels` in `metric` add up to `want` (histograms appear
 * after Envoy's stats flush); returns the last sum for the assertion. */
async function eventually(metric: string, labels: Record<string, string>, want: number): Promise<number> {
  let got = 0;
  await until(() => `${metric}${JSON.stringify(labels)} to reach ${want} (is ${got})`, 20_000, async () => {
    got = sumSeries(await clientSeries(), metric, labels);
    return got === want ? true : undefined;
  }).catch(() => undefined);
  return got;
}

describe('Envoy namespace mesh: golden metrics per edge', () => {
  beforeAll(async () => {
    if (netnsSkip) return;
    mesh = await NetnsMesh.start({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
    // v2 is the failing canary: every request it serves answers 500.
    await mesh.workload('reviews-v2').app.send({ op: 'behave', behaviour: { status: 500 } });
  }, 120_000);

  guardEnvoys(() => mesh && { weftAdmin: mesh.weft.admin.url, envoys: mesh.envoys() });

  afterAll(async () => {
    await mesh?.stop();
  });

  scenario('requests per edge by subset and code class, per route, and latency counts equal what was sent', async () => {
    const split = await http(mesh!, 'client', 'reviews-v1', 'reviews', 9080, 60);
    const canary = await http(mesh!, 'client', 'reviews-v1', 'reviews', 9080, 10, { headers: { 'x-canary': 'yes' } });
    const t = tally([...split, ...canary]);
    const [ok, failed] = [t['reviews-v1'] ?? 0, t['<500>'] ?? 0];
    expect(ok + failed).toBe(70);
    expect(failed).toBeGreaterThanOrEqual(10);
    const edge = { ...SOURCE, destination_service: REVIEWS, destination_port: '9080' };
    const rq = 'envoy_cluster_outbound_upstream_rq';
    expect(await eventually(rq, { ...edge, destination_subset: 'v1', response_code_class: '2xx' }, ok)).toBe(ok);
    expect(await eventually(rq, { ...edge, destination_subset: 'v2', response_code_class: '5xx' }, failed)).toBe(failed);
    expect(sumSeries(await clientSeries(), rq, { ...edge, destination_subset: 'v1', response_code_class: '5xx' })).toBe(0);
    expect(sumSeries(await clientSeries(), `${rq}_total`, edge)).toBe(70);
    const route = (i: number) => ({ ...edge, route: `${REVIEWS}:9080/${i}` });
    expect(sumSeries(await clientSeries(), 'envoy_vhost_route_upstream_rq_total', route(0))).toBe(10);
    expect(sumSeries(await clientSeries(), 'envoy_vhost_route_upstream_rq_total', route(1))).toBe(60);
    expect(await eventually(`${rq}_time_count`, edge, 70)).toBe(70);
    expect(await eventually('envoy_vhost_route_upstream_rq_time_count', route(0), 10)).toBe(10);
  }, 60_000);

  scenario('gRPC calls are counted per edge by grpc-status', async () => {
    const call = (grpcStatus: number) => mesh!.workload('client').app.send<{ grpcStatus?: string }>({
      op: 'h2stream', address: mesh!.workload('feed-1').address, port: 9091, host: FEED, durationMs: 0, intervalMs: 10, grpcStatus,
    });
    const statuses = [0, 0, 0, 5, 5, 14];
    const seen = [];
    for (const s of statuses) seen.push((await call(s)).grpcStatus);
    expect(seen).toEqual(statuses.map(String));
    const edge = { ...SOURCE, destination_service: FEED, destination_port: '9091', destination_subset: '' };
    expect(await eventually('envoy_cluster_outbound_grpc', { ...edge, grpc_status: '0' }, 3)).toBe(3);
    expect(sumSeries(await clientSeries(), 'envoy_cluster_outbound_grpc', { ...edge, grpc_status: '5' })).toBe(2);
    expect(sumSeries(await clientSeries(), 'envoy_cluster_outbound_grpc', { ...edge, grpc_status: '14' })).toBe(1);
    expect(sumSeries(await clientSeries(), 'envoy_cluster_outbound_grpc_total', edge)).toBe(6);
  }, 60_000);

  scenario('weft aggregates the streamed stats per edge: its totals, the service map and /metrics agree with what was sent', async () => {
    type Edge = { sourceWorkload: string; destinationService: string; destinationSubset: string; totals: { requests: number; errors: number; byClass: Record<string, number> } };
    const admin = mesh!.weft.admin.url;
    const edges = async () => ((await (await fetch(`${admin}/api/v1/edges`)).json()) as { edges: Edge[] }).edges
      .filter((e) => e.sourceWorkload === 'client' && e.destinationService === REVIEWS);
    const sum = (es: Edge[], f: (e: Edge) => number) => es.reduce((n, e) => n + f(e), 0);
    // Reports are cumulative: wait for one flush after the earlier scenarios' traffic settles.
    const settled = await until('weft to hold the client → reviews edges', 20_000, async () => {
      const a = await edges();
      return a.length ? a : undefined;
    });
    const before = { requests: sum(settled, (e) => e.totals.requests), errors: sum(settled, (e) => e.totals.errors) };
    const out = await http(mesh!, 'client', 'reviews-v1', 'reviews', 9080, 20, { headers: { 'x-canary': 'yes' } });
    expect(tally(out)).toEqual({ '<500>': 20 });
    let now = before;
    await until(() => `weft's totals to grow by 20 (${JSON.stringify(before)} → ${JSON.stringify(now)})`, 20_000, async () => {
      const es = await edges();
      now = { requests: sum(es, (e) => e.totals.requests), errors: sum(es, (e) => e.totals.errors) };
      return now.requests >= before.requests + 20 && now.errors >= before.errors + 20 ? true : undefined;
    }).catch(() => undefined);
    expect(now).toEqual({ requests: before.requests + 20, errors: before.errors + 20 });
    const graph = (await (await fetch(`${admin}/api/v1/graph`)).json()) as { edges: { from: string; to: string; kind: string; subset?: string; errorRate?: number }[] };
    const v2 = graph.edges.find((e) => e.kind === 'traffic' && e.from === 'client.default' && e.to === 'reviews.default' && e.subset === 'v2');
    expect(v2?.errorRate).toBe(1);
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(sumSeries(parsePrometheus(text), 'weft_edge_requests_total', { source_workload: 'client', destination_subset: 'v2', response_code_class: '5xx' })).toBe(
      sum((await edges()).filter((e) => e.destinationSubset === 'v2'), (e) => e.totals.byClass['5xx'] ?? 0));
  }, 60_000);

  scenario('only the listed stats exist: edge stats outside the list are not created, xDS health stats are', async () => {
    const res = await mesh!.workload('client').envoy!.handle.get('/stats');
    const names = res.text.split('\n').map((l) => l.split(':')[0]!).filter(Boolean);
    const reviews = names.filter((n) => n.startsWith(`cluster.outbound|9080|v1|${REVIEWS}|.`));
    expect(reviews).toContain(`cluster.outbound|9080|v1|${REVIEWS}|.upstream_rq_2xx`);
    // Created for every cluster without the inclusion list; the map and dashboard do not need them.
    expect(reviews.filter((n) => /\.(upstream_cx_active|upstream_rq_200|external\.upstream_rq_2xx|internal\.upstream_rq_2xx)$/.test(n))).toEqual([]);
    expect(names).toContain('control_plane.connected_state');
    expect(names.some((n) => n.endsWith('.update_rejected'))).toBe(true);
    expect(names.filter((n) => n.startsWith('http.') && n.includes('downstream_cx_'))).toEqual([]);
  });
});
