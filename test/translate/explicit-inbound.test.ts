/**
 * Explicit (no iptables) inbound listeners: bound at the proxy's own registry endpoint, told apart
 * by labels when several workloads share an address, and never for proxyless gRPC servers.
 */
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import type { MeshModel, ProxyDescription, Service } from '../../src/model/index.js';
import { DEFAULT_MESH } from '../../src/model/index.js';

const reviews: Service = {
  key: 'reviews.default', name: 'reviews', namespace: 'default', hostname: 'reviews.default.svc.cluster.local', serviceAccount: 'reviews',
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
  endpoints: ['v1', 'v2', 'v3'].map((v, i) => ({ address: '127.0.0.2', ports: { http: 19081 + i }, labels: { version: v }, health: 'healthy' as const })),
};
const model: MeshModel = {
  version: 'm',
  registry: { version: 'r', services: new Map([[reviews.key, reviews]]) },
  policy: { version: 'p', mesh: DEFAULT_MESH, traffic: new Map(), access: new Map(), files: [] },
};
const proxy = (over: Partial<ProxyDescription>): ProxyDescription => ({
  id: 'reviews-v2', kind: 'envoy', namespace: 'default', serviceAccount: 'reviews', identity: 'spiffe://cluster.local/ns/default/sa/reviews',
  labels: { version: 'v2' }, ips: ['127.0.0.2'], interception: 'explicit', services: ['reviews.default'], ...over,
});
const inboundNames = (p: ProxyDescription) =>
  (translate({ model, proxy: p, cache: new TranslationCache() }).resources.get(TypeUrl.Listener) ?? [])
    .filter((l) => l.name.startsWith('inbound|')).map((l) => l.name);

describe('explicit inbound', () => {
  it('binds where callers dial this workload, told apart from its neighbours by labels', () => {
    expect(inboundNames(proxy({}))).toEqual(['inbound|127.0.0.2:19082']);
    expect(inboundNames(proxy({ id: 'reviews-v3', labels: { version: 'v3' } }))).toEqual(['inbound|127.0.0.2:19083']);
  });

  it('configures no inbound listener, with a warning, when the proxy cannot be placed', () => {
    const r = translate({ model, proxy: proxy({ labels: {} }), cache: new TranslationCache() });
    expect(r.resources.get(TypeUrl.Listener)!.filter((l) => l.name.startsWith('inbound|'))).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toContain('WEFT4109');
  });

  it('uses the 15006 redirect listener with iptables, and server listeners for gRPC', () => {
    expect(inboundNames(proxy({ interception: 'iptables' }))).toEqual(['inbound|15006']);
    const grpc = translate({ model, proxy: proxy({ kind: 'grpc', serverListenerTemplate: 'grpc/server?addr=%s' }), cache: new TranslationCache() });
    // A gRPC server listens on its own endpoint's port, which is what callers dial.
    expect(grpc.resources.get(TypeUrl.Listener)!.map((l) => l.name)).toContain('grpc/server?addr=0.0.0.0:19082');
  });
});
