/**
 * The sidecar stats configuration: tag extraction emulated as Envoy does it (every regex on the
 * full name, first group cut, second group the value) over names formed by translate/names.ts, the
 * inclusion list as whole-name matches, and the deploy/ dashboard naming only documented series.
 * The real-Envoy check of the same is e2e/envoy/netns-metrics.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATS_INCLUSION, statsConfig } from '../../src/controlplane/stats-config.js';
import { clusterStatName, outboundClusterName } from '../../src/translate/names.js';

type Tag = { tag_name: string; regex?: string; fixed_value?: string };
const config = statsConfig({ workload: 'productpage', namespace: 'shop' }) as { stats_tags: Tag[]; stats_matcher: unknown };

/** Envoy's extraction: tags from every regex on the original name; the cut parts removed. */
function extract(name: string): { name: string; tags: Record<string, string> } {
  const tags: Record<string, string> = {};
  const cut: [number, number][] = [];
  for (const t of config.stats_tags) {
    if (t.fixed_value !== undefined) { tags[t.tag_name] = t.fixed_value; continue; }
    const m = new RegExp(t.regex!, 'd').exec(name);
    if (!m?.indices?.[1]) continue;
    tags[t.tag_name] = m[2] ?? m[1]!;
    cut.push(m.indices[1]);
  }
  const kept = [...name].filter((_, i) => !cut.some(([a, b]) => i >= a && i < b)).join('');
  return { name: kept, tags };
}
const included = (name: string) => STATS_INCLUSION.some((r) => new RegExp(`^(?:${r})$`).test(name));
const stat = (cluster: string, s: string) => `cluster.${clusterStatName(cluster)}.${s}`;

describe('sidecar stats config', () => {
  const reviews = outboundClusterName(9080, 'v2', 'reviews.default.svc.cluster.local');
  const db = outboundClusterName(5432, undefined, 'db.corp.internal');

  it('labelsAnEdgeByServicePortSubsetAndClass', () => {
    expect(extract(stat(reviews, 'upstream_rq_5xx'))).toEqual({
      name: 'cluster.outbound.upstream_rq',
      tags: { source_workload: 'productpage', source_namespace: 'shop', destination_port: '9080', destination_subset: 'v2', destination_service: 'reviews.default.svc.cluster.local', response_code_class: '5xx' },
    });
  });

  it('keepsAHostnameEndingInInternalWhole', () => {
    expect(extract(stat(db, 'upstream_cx_total')).tags).toMatchObject({ destination_service: 'db.corp.internal', destination_subset: '' });
    expect(included(stat(db, 'upstream_cx_total'))).toBe(true);
  });

  it('labelsGrpcStatusAndRoutes', () => {
    expect(extract(stat(reviews, 'grpc.14'))).toMatchObject({ name: 'cluster.outbound.grpc', tags: { grpc_status: '14' } });
    const route = 'vhost.reviews.default.svc.cluster.local:9080.route.reviews.default.svc.cluster.local:9080/3.upstream_rq_2xx';
    expect(extract(route)).toMatchObject({
      name: 'vhost.route.upstream_rq',
      tags: { destination_service: 'reviews.default.svc.cluster.local', destination_port: '9080', route: 'reviews.default.svc.cluster.local:9080/3', response_code_class: '2xx' },
    });
  });

  it('includesTheGoldenAndHealthStatsOnly', () => {
    for (const s of ['upstream_rq_2xx', 'upstream_rq_total', 'upstream_rq_time', 'grpc.0', 'update_rejected']) expect(included(stat(reviews, s)), s).toBe(true);
    for (const s of ['upstream_rq_200', 'external.upstream_rq_2xx', 'internal.upstream_rq_5xx', 'upstream_cx_active', 'grpc.success']) expect(included(stat(reviews, s)), s).toBe(false);
    for (const s of ['control_plane.connected_state', 'server.live', 'listener_manager.lds.update_rejected', 'sds.default.update_rejected', 'http.127.0.0.6_9080.rds.outbound|9080.update_rejected']) {
      expect(included(s), s).toBe(true);
    }
    expect(included('http.127.0.0.6_9080.downstream_cx_total')).toBe(false);
  });

  it('keepsWhatEgressControlRefuses', () => {
    for (const s of ['cluster.BlackHoleCluster.upstream_cx_none_healthy', 'tcp.outbound|15001|blackhole.downstream_cx_total', 'tcp.0.0.0.0_5432|blackhole.downstream_cx_total', 'http.0.0.0.0_8080.rq_direct_response', 'cluster.external|443|api.example.com.ssl.fail_verify_san',
      'http.gateway|8443|shop.downstream_rq_2xx', 'http.gateway|8080.downstream_rq_total', 'listener.0.0.0.0_8443.no_filter_chain_match']) {
      expect(included(s), s).toBe(true);
    }
    expect(included('cluster.BlackHoleCluster.upstream_cx_total')).toBe(false);
  });

  it('allLeavesEveryStat', () => {
    expect(statsConfig({ workload: 'a', namespace: 'b', scope: 'all' })).not.toHaveProperty('stats_matcher');
  });

  it('theDashboardNamesOnlyDocumentedSeries', () => {
    const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    const dashboard = readFileSync(new URL('../../deploy/grafana/weft-mesh.json', import.meta.url), 'utf8');
    const used = new Set([...dashboard.matchAll(/envoy_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((m) => !doc.includes(`\`${m}\``))).toEqual([]);
  });
});
