/**
 * The service map builder (route edges per subset with their policy line, traffic edges from the
 * reporting identity, authorization per caller, proxies by identity with NACK locations) and the
 * metrics service's refusal of a stream without a verified certificate.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { EdgeStats, buildGraph, metricsService, type EdgeView } from '../../src/controlplane/index.js';
import type { Service } from '../../src/discovery/index.js';
import { loadPolicyDocuments } from '../../src/policy/index.js';
import { fakeView } from '../admin/fake-view.js';

const svc = (name: string, ns = 'default'): Service => ({
  key: `${name}.${ns}`, name, namespace: ns, hostname: `${name}.${ns}.svc.cluster.local`, serviceAccount: name,
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }], endpoints: [],
});
const POLICY = [
  { path: 'mesh.yaml', text: 'kind: Mesh\ntrustDomain: cluster.local\nmtls: permissive\n' },
  { path: 'reviews.yaml', text: 'kind: TrafficPolicy\nservice: reviews.default\nsubsets: { v1: { version: v1 }, v2: { version: v2 } }\nroutes:\n  - backends: [{ subset: v1, weight: 80 }, { subset: v2, weight: 20 }]\n' },
  { path: 'access.yaml', text: 'kind: AccessPolicy\nservice: reviews.default\naction: allow\nrules:\n  - from: [{ serviceAccount: productpage.default }]\n' },
];
const traffic = (sa: string, ns: string): EdgeView => ({
  sourceNamespace: ns, sourceWorkload: sa, destinationService: 'reviews.default.svc.cluster.local', destinationPort: '9080', destinationSubset: 'v2',
  requestsPerSecond: 2, errorRate: 0, totals: { requests: 60, errors: 0, grpcErrors: 0, byClass: {} }, lastSeen: 0,
});

describe('buildGraph', () => {
  const loaded = loadPolicyDocuments(POLICY);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const g = buildGraph({ services: [svc('productpage'), svc('reviews')], policy: loaded.policy, proxies: fakeView().proxies(), traffic: [traffic('productpage', 'default'), traffic('tester', 'qa')] });

  it('aCanaryIsOneWeightedRouteEdgePerSubsetWithItsPolicyLine', () => {
    expect(g.edges.filter((e) => e.kind === 'route').map((e) => [e.from, e.to, e.subset, e.weight, e.source, e.authz])).toEqual([
      ['reviews.default', 'reviews.default', 'v1', 80, 'reviews.yaml:5', 'restricted'], ['reviews.default', 'reviews.default', 'v2', 20, 'reviews.yaml:5', 'restricted'],
    ]);
    expect(g.nodes.find((n) => n.id === 'reviews.default')?.subsets).toEqual(['v1', 'v2']);
  });

  it('trafficEdgesCarryTheCallersAuthorizationAndTheMeshMtlsMode', () => {
    const t = g.edges.filter((e) => e.kind === 'traffic').map((e) => [e.from, e.to, e.authz, e.mtls]);
    expect(t).toEqual([['productpage.default', 'reviews.default', 'allowed', 'permissive'], ['tester.qa', 'reviews.default', 'denied', 'permissive']]);
    expect(g.nodes.find((n) => n.id === 'tester.qa')).toMatchObject({ kind: 'workload', namespace: 'qa' });
    expect(g.namespaces).toEqual(['default', 'qa', 'shop']);
  });

  it('proxiesBelongToTheServicesOfTheirIdentityAndANackNamesItsPolicyLine', () => {
    expect(g.nodes.find((n) => n.id === 'reviews.default')?.proxies).toEqual([{ id: 'reviews-v1-7f9c.default', status: 'SYNCED' }]);
    const ratings = g.nodes.find((n) => n.id === 'ratings.shop');
    expect(ratings?.proxies[0]).toMatchObject({ status: 'NACKED', nack: { type: 'CDS', sources: ['policies/reviews.yaml:12:3'] } });
  });
});

describe('metricsService', () => {
  it('refusesAStreamWithoutAVerifiedCertificate', async () => {
    const { implementation } = metricsService(new EdgeStats(), 'cluster.local');
    const call = Object.assign(new EventEmitter(), { getAuthContext: () => ({}) });
    const result = await new Promise<grpc.ServiceError | null>((resolve) => (implementation.StreamMetrics as (c: unknown, cb: (e: grpc.ServiceError | null) => void) => void)(call, resolve));
    expect(result?.code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
