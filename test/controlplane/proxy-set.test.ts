/**
 * Proxies are keyed by (channel, identity, node id); operators find them by node id, or by
 * `<spiffe id>|<node id>` when a node id is shared.
 */
import { describe, expect, it } from 'vitest';
import { ProxySet } from '../../src/controlplane/proxy-set.js';
import type { NodeInfo, StreamInfo } from '../../src/xds/index.js';

const node: NodeInfo = { id: 'web-1', cluster: '', metadata: {}, userAgentName: 'envoy', userAgentVersion: '' };
const id = (sa: string) => ({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount: sa, spiffeId: `spiffe://cluster.local/ns/default/sa/${sa}` });
const stream = (n: number) => ({ id: n }) as unknown as StreamInfo;

describe('ProxySet', () => {
  it('finds a shared node id by identity, prefers the mTLS proxy for a bare node id, and forgets a proxy with its last stream', () => {
    const set = new ProxySet();
    const [s1, s2, s3] = [stream(1), stream(2), stream(3)];
    const plain = set.attach('plaintext|a|web-1', s1, node, id('web'), 'plaintext').proxy;
    const tls = set.attach('mtls|b|web-1', s2, node, id('web'), 'mtls').proxy;
    const other = set.attach('mtls|c|web-1', s3, node, id('api'), 'mtls').proxy;
    expect(set.withNodeId('web-1')).toEqual([other, tls, plain]);
    expect(set.byNodeId('web-1')).toBe(other);
    expect(set.byNodeId(`${id('web').spiffeId}|web-1`)).toBe(tls);
    expect(set.byNodeId(`${id('nobody').spiffeId}|web-1`)).toBeUndefined();
    expect(set.detach('mtls|c|web-1', s3)).toBe(other);
    expect(set.withNodeId('web-1')).toEqual([tls, plain]);
    set.detach('mtls|b|web-1', s2);
    set.detach('plaintext|a|web-1', s1);
    expect(set.withNodeId('web-1')).toEqual([]);
  });
});
