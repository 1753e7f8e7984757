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

  it('takes the locality of its own endpoint from the registry, else from node.locality, else none', () => {
    const zoned: ServiceRegistry = { version: 'z', services: new Map([['reviews.default', { ...registry.services.get('reviews.default')!,
      endpoints: [{ address: '10.0.0.1', labels: {}, health: 'healthy', region: 'eu', zone: 'eu-1a' }, { address: '10.0.0.2', labels: {}, health: 'healthy', zone: 'eu-1b' }] } as Service]]) };
    const node = (ips: string, locality?: NodeInfo['locality']): NodeInfo => ({ ...nodeWith({ instance_ips: ips }), ...(locality ? { locality } : {}) });
    // The registry wins over what the node claims: it is where the workload really runs.
    expect(describeProxy(node('10.0.0.1', { region: 'us', zone: 'us-1a' }), reviews, zoned).proxy.locality).toEqual({ region: 'eu', zone: 'eu-1a' });
    expect(describeProxy(node('10.0.0.2'), reviews, zoned).proxy.locality).toEqual({ zone: 'eu-1b' });
    // Not its endpoint (another address): the node's own locality.
    expect(describeProxy(node('10.9.9.9', { region: 'us', zone: 'us-1a', subZone: 'rack' }), reviews, zoned).proxy.locality).toEqual({ region: 'us', zone: 'us-1a' });
    // The registry's endpoint without a locality does not hide the node's.
    expect(describeProxy(node('10.0.0.1', { zone: 'us-1a' }), reviews, registry).proxy.locality).toEqual({ zone: 'us-1a' });
    expect(describeProxy(node('10.0.0.1', { region: '', zone: '' }), reviews, registry).proxy.locality).toBeUndefined();
    expect('locality' in describeProxy(node('10.0.0.1'), reviews, registry).proxy).toBe(false);
  });

  it('reads inbound_forward and outbound_address, ignoring unknown forward modes', () => {
    expect(describeProxy(nodeWith({ inbound_forward: 'loopback', outbound_address: '127.0.0.7' }), reviews, registry).proxy).toMatchObject({ inboundForward: 'loopback', outboundAddress: '127.0.0.7' });
    expect(describeProxy(nodeWith({ inbound_forward: 'sideways' }), reviews, registry).proxy.inboundForward).toBeUndefined();
  });
});
