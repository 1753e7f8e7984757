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

describe('explicit mode sockets (issue 11 #3)', () => {
  const names = (p: ProxyDescription, m: MeshModel = model) => {
    const r = translate({ model: m, proxy: p, cache: new TranslationCache() });
    return { r, listeners: r.resources.get(TypeUrl.Listener)!.map((l) => l.name), codes: r.diagnostics.map((d) => d.code) };
  };
  const withPort = (port: number): MeshModel => {
    const extra: Service = { ...reviews, key: 'stats.default', name: 'stats', hostname: 'stats.default.svc.cluster.local', ports: [{ name: 'http', port, targetPort: port, protocol: 'http' }],
      endpoints: [{ address: '127.0.0.2', labels: { version: 'v2' }, health: 'healthy' }] };
    return { ...model, registry: { version: 'r2', services: new Map([[reviews.key, reviews], [extra.key, extra]]) } };
  };

  it('binds outbound listeners on 127.0.0.6, an address no application uses, with SO_REUSEPORT off', () => {
    const { r, listeners } = names(proxy({}));
    expect(listeners).toContain('127.0.0.6_9080');
    const out = r.resources.get(TypeUrl.Listener)!.find((l) => l.name === '127.0.0.6_9080')!.message as any;
    expect(out.enable_reuse_port).toEqual({ value: false });
  });

  it('refuses (WEFT4113) an inbound side whose application socket is one of its own outbound listeners', () => {
    const { listeners, codes } = names(proxy({ outboundAddress: '127.0.0.2' }));
    expect(codes).toContain('WEFT4113');
    expect(listeners.filter((n) => n.startsWith('inbound|'))).toEqual([]);
    expect(listeners).toContain('127.0.0.2_9080');
  });

  it('refuses (WEFT4114) a non-loopback outbound address and binds the default instead', () => {
    const { listeners, codes } = names(proxy({ outboundAddress: '10.0.0.5' }));
    expect(codes).toContain('WEFT4114');
    expect(listeners).toContain('127.0.0.6_9080');
    expect(listeners.some((n) => n.startsWith('10.0.0.5_'))).toBe(false);
  });

  it('leaves out (WEFT4113) an outbound port that is the sidecar\'s stats port, with its routes', () => {
    const { r, listeners, codes } = names(proxy({}), withPort(15090));
    expect(codes).toContain('WEFT4113');
    expect(listeners).not.toContain('127.0.0.6_15090');
    expect(r.resources.get(TypeUrl.RouteConfiguration)!.map((x) => x.name)).not.toContain('outbound|15090');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('iptables: refuses (WEFT4113) an inbound chain on one of the sidecar\'s own ports', () => {
    const m = withPort(15006);
    const p = proxy({ interception: 'iptables', services: ['stats.default'] });
    const { r, codes } = names(p, m);
    expect(codes).toContain('WEFT4113');
    expect(r.resources.get(TypeUrl.Listener)!.map((l) => l.name)).not.toContain('inbound|15006');
  });
});
