/**
 * From node metadata and the stream's identity to a proxy description: served services are
 * derived from the registry (identity runs the service, an instance IP is one of its endpoints);
 * metadata narrows that set and never widens it.
 */
import { describe, expect, it } from 'vitest';
import { describeProxy, type ProxyIdentity } from '../../src/controlplane/proxies.js';
import type { Service, ServiceRegistry } from '../../src/discovery/index.js';
import type { NodeInfo } from '../../src/xds/index.js';

const svc = (name: string, sa: string, ips: string[]): Service => ({
  key: `${name}.default`, name, namespace: 'default', hostname: `${name}.default.svc.cluster.local`, serviceAccount: sa,
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
  endpoints: ips.map((address) => ({ address, ports: { http: 9080 }, labels: {}, health: 'healthy' as const })),
} as Service);

const registry: ServiceRegistry = {
  version: 'v',
  services: new Map([svc('reviews', 'reviews', ['10.0.0.1']), svc('reviews-admin', 'reviews', ['10.0.0.1']), svc('ratings', 'ratings', ['10.0.0.3'])].map((s) => [s.key, s])),
};
const reviews: ProxyIdentity = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews', spiffeId: 'spiffe://cluster.local/ns/default/sa/reviews' };
const nodeWith = (metadata: Record<string, unknown>): NodeInfo => ({ id: 'n', cluster: '', metadata, userAgentName: 'envoy', userAgentVersion: '' });

describe('describeProxy', () => {
  it('derives served services from the identity and instance IPs', () => {
    const d = describeProxy(nodeWith({ instance_ips: '10.0.0.1' }), reviews, registry);
    expect(d.proxy.services).toEqual(['reviews-admin.default', 'reviews.default']);
    expect(d.refusedServices).toEqual([]);
  });

  it('lets a services claim narrow the derived set, and refuses the rest of the claim', () => {
    const d = describeProxy(nodeWith({ instance_ips: '10.0.0.1', services: 'reviews.default,ratings.default' }), reviews, registry);
    expect(d.proxy.services).toEqual(['reviews.default']);
    expect(d.refusedServices).toEqual(['ratings.default']);
  });

  it('serves nothing at an address that is not one of the identity\'s endpoints, whatever is claimed', () => {
    const d = describeProxy(nodeWith({ instance_ips: '6.6.6.6', services: 'reviews.default' }), reviews, registry);
    expect(d.proxy.services).toEqual([]);
    expect(d.refusedServices).toEqual(['reviews.default']);
  });

  it('reads inbound_forward and outbound_address, ignoring unknown forward modes', () => {
    expect(describeProxy(nodeWith({ inbound_forward: 'loopback', outbound_address: '127.0.0.7' }), reviews, registry).proxy).toMatchObject({ inboundForward: 'loopback', outboundAddress: '127.0.0.7' });
    expect(describeProxy(nodeWith({ inbound_forward: 'sideways' }), reviews, registry).proxy.inboundForward).toBeUndefined();
  });
});
