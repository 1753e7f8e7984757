import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, names, translate } from '../../src/translate/index.js';
import { buildModel } from './fixture.js';

describe('resource names', () => {
  it('round-trips subset and whole-service cluster names', () => {
    expect(names.outboundClusterName(9080, 'v2', 'reviews.default.svc.cluster.local')).toBe('outbound|9080|v2|reviews.default.svc.cluster.local');
    expect(names.parseClusterName('outbound|9080||reviews.default.svc.cluster.local')).toEqual({ port: 9080, hostname: 'reviews.default.svc.cluster.local' });
    expect(names.parseClusterName('inbound|9080|reviews.default')).toBeUndefined();
  });
  it('fills the gRPC server listener template with the listening address', () => {
    expect(names.grpcServerListenerName('grpc/server?xds.resource.listening_address=%s', 50051)).toBe('grpc/server?xds.resource.listening_address=0.0.0.0:50051');
    expect(names.grpcServerListenerName('grpc/server?xds.resource.listening_address=%s', 50051, '::')).toBe('grpc/server?xds.resource.listening_address=[::]:50051');
  });
});

describe('scoping', () => {
  const raw = {
    mesh: { reach: { shop: [] } },
    registry: [
      { name: 'front', namespace: 'shop', ports: [{ port: 8080 }], endpoints: [{ address: '10.0.0.1' }] },
      { name: 'ledger', namespace: 'payments', ports: [{ port: 8080 }], endpoints: [{ address: '10.0.0.2' }] },
      { name: 'vault', namespace: 'secrets', ports: [{ port: 8200 }], endpoints: [{ address: '10.0.0.3' }] },
    ],
    traffic: [{ service: 'front.shop', routes: [{ match: { path: { prefix: '/pay' } }, backends: [{ service: 'ledger.payments' }] }, {}] }],
    proxy: { namespace: 'shop', services: ['front.shop'] },
  };
  it('sends only reachable services, plus the destinations their routes name', () => {
    const { model, proxy } = buildModel(raw);
    const result = translate({ model, proxy, cache: new TranslationCache() });
    const clusters = result.resources.get(TypeUrl.Cluster)!.map((r) => r.name).filter((n) => n.startsWith('outbound'));
    expect(clusters).toEqual(['outbound|8080||front.shop.svc.cluster.local', 'outbound|8080||ledger.payments.svc.cluster.local']);
    const listeners = result.resources.get(TypeUrl.Listener)!.map((r) => r.name);
    expect(listeners).not.toContain('0.0.0.0_8200');
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
  it('sends every namespace when the proxy namespace has no reach entry', () => {
    const { model, proxy } = buildModel({ ...raw, mesh: {} });
    const result = translate({ model, proxy, cache: new TranslationCache() });
    expect(result.resources.get(TypeUrl.Listener)!.map((r) => r.name)).toContain('0.0.0.0_8200');
  });
});
