import { describe, expect, it } from 'vitest';
import { ResourceEncoder } from '../../src/xds/encoder.js';
import { clusterRefsOf } from '../../src/xds/cluster-refs.js';
import { T } from './fake.js';
import { apiListener, cluster, route, tcpListener } from './resources.js';

describe('cluster references of listeners and routes', () => {
  const cases: [string, object, string[]][] = [
    ['a route to one cluster', route('r', 'svc', [['a', 1]]).message, ['a']],
    ['weighted clusters', route('r', 'svc', [['a', 1], ['b', 2]]).message, ['a', 'b']],
    ['a mirror policy', { virtual_hosts: [{ routes: [{ route: { cluster: 'a', request_mirror_policies: [{ cluster: 'shadow' }] } }] }] }, ['a', 'shadow']],
    ['a TCP proxy inside a filter typed_config', tcpListener('l', 9000, 'tcp-a').message, ['tcp-a']],
    ['a gRPC access log service', { access_log: [{ typed_config: { common_config: { grpc_service: { envoy_grpc: { cluster_name: 'als' } } } } }] }, ['als']],
    ['an RDS listener names no cluster', apiListener('l', 'r').message, []],
    ['each name once, empty names ignored', { a: { cluster: 'x' }, b: [{ cluster: 'x' }, { cluster: '' }] }, ['x']],
    ['bytes are not walked', { value: Buffer.from('cluster') }, []],
  ];
  it.each(cases)('%s', (_name, message, refs) => {
    expect(clusterRefsOf(message)).toEqual(refs);
  });

  it('are computed once per encoded resource and empty for other types', () => {
    const enc = new ResourceEncoder();
    const r = enc.encode(T.RouteConfiguration, 'r', route('r', 'svc', [['a', 1]]).message);
    expect(r.clusterRefs()).toBe(r.clusterRefs());
    expect(enc.encode(T.Cluster, 'a', cluster('a').message).clusterRefs()).toEqual([]);
  });
});
