/**
 * Where the inbound side hands connections to the application (issue 11 #9): the instance IP by
 * default (Istio since 1.10), loopback when the proxy asks for it; never onto the sidecar's own
 * socket.
 */
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { DEFAULT_MESH, type MeshModel, type ProxyDescription, type Service } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';

const svc = (endpoints: Service['endpoints']): Service => ({
  key: 'reviews.default', name: 'reviews', namespace: 'default', hostname: 'reviews.default.svc.cluster.local', serviceAccount: 'reviews',
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }], endpoints,
});
const modelOf = (s: Service): MeshModel => ({
  version: 'm', registry: { version: 'r', services: new Map([[s.key, s]]) },
  policy: { version: 'p', mesh: DEFAULT_MESH, traffic: new Map(), access: new Map(), files: [] },
});
const proxy = (over: Partial<ProxyDescription>): ProxyDescription => ({
  id: 'reviews-v2', kind: 'envoy', namespace: 'default', serviceAccount: 'reviews', identity: 'spiffe://cluster.local/ns/default/sa/reviews',
  labels: { version: 'v2' }, ips: ['10.0.1.2'], interception: 'iptables', services: ['reviews.default'], ...over,
});
const pod = svc([{ address: '10.0.1.2', ports: { http: 9082 }, labels: { version: 'v2' }, health: 'healthy' }]);
const shared = svc([{ address: '127.0.0.2', ports: { http: 19082 }, labels: { version: 'v2' }, health: 'healthy' }]);
const vm = svc([{ address: '10.0.1.2', labels: { version: 'v2' }, health: 'healthy' }]);

const run = (s: Service, p: ProxyDescription) => translate({ model: modelOf(s), proxy: p, cache: new TranslationCache() });
const local = (s: Service, p: ProxyDescription) => run(s, p).resources.get(TypeUrl.Cluster)!.filter((c) => c.name.startsWith('inbound|')).map((c) => c.message as any);
const socketOf = (c: any) => c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;

describe('inbound forwarding target', () => {
  it('iptables: forwards to the original destination (instance IP, dialled port) by default', () => {
    expect(local(pod, proxy({}))).toEqual([expect.objectContaining({ name: 'inbound|9082|reviews.default', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' })]);
  });
  it('iptables: forwards to 127.0.0.1 on the dialled port when the proxy chooses loopback', () => {
    const [c] = local(pod, proxy({ inboundForward: 'loopback' }));
    expect(c.type).toBe('STATIC');
    expect(socketOf(c)).toEqual({ address: '127.0.0.1', port_value: 9082 });
  });
  it('explicit: listens at the endpoint and forwards to the instance IP on targetPort by default', () => {
    const [c] = local(shared, proxy({ interception: 'explicit', ips: ['127.0.0.2'] }));
    expect(socketOf(c)).toEqual({ address: '127.0.0.2', port_value: 9080 });
  });
  it('explicit: refuses (WEFT4110) to forward onto its own socket, and forwards to loopback when asked', () => {
    const r = run(vm, proxy({ interception: 'explicit' }));
    expect(r.diagnostics.map((d) => d.code)).toContain('WEFT4110');
    expect(r.resources.get(TypeUrl.Listener)!.filter((l) => l.name.startsWith('inbound|'))).toEqual([]);
    const [c] = local(vm, proxy({ interception: 'explicit', inboundForward: 'loopback' }));
    expect(socketOf(c)).toEqual({ address: '127.0.0.1', port_value: 9080 });
  });
  it('gRPC servers have no application cluster (they are the application)', () => {
    expect(local(pod, proxy({ kind: 'grpc', serverListenerTemplate: 'x/%s' }))).toEqual([]);
  });
});
