import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { checkResource } from '../../src/translate/check.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { buildModel } from './fixture.js';

describe('proto check of generated messages (shape + PGV rules via proto/validate.ts)', () => {
  it('accepts a well-formed cluster', () => {
    expect(checkResource(TypeUrl.Cluster, { name: 'c', type: 'EDS', connect_timeout: { seconds: 1, nanos: 0 }, eds_cluster_config: { eds_config: { ads: {} } } })).toEqual([]);
  });
  it('names unknown fields, bad enum values, wrong scalar types and set-twice oneofs with their paths', () => {
    const problems = checkResource(TypeUrl.Cluster, {
      name: 'c', lb_polcy: 'ROUND_ROBIN', type: 'EDS_PLEASE',
      load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10, port_value: 80 } } } }] }] },
      transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', snii: 'x' } },
      circuit_breakers: { thresholds: { priority: 'DEFAULT' } },
    });
    expect([...new Set(problems.map((p) => p.path))]).toEqual([
      'lb_polcy', 'type', 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address',
      'transport_socket.typed_config.snii', 'circuit_breakers.thresholds']);
  });
  it('rejects an Any whose type is not loaded', () => {
    const problems = checkResource(TypeUrl.Listener, { name: 'l', filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/no.such.Type' } }] }] });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ path: 'filter_chains[0].filters[0].typed_config.@type', message: expect.stringContaining('no.such.Type') });
  });
  it('flags two members of one oneof', () => {
    expect(checkResource(TypeUrl.RouteConfiguration, { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', path: '/x' }, route: { cluster: 'c' } }] }] }))
      .toMatchObject([{ path: 'virtual_hosts[0].routes[0].match.path_specifier' }]);
  });
  it('applies Envoy\'s validate.rules, e.g. a connect timeout must be positive', () => {
    expect(checkResource(TypeUrl.Cluster, { name: 'c', connect_timeout: { seconds: -1, nanos: 0 } }).map((p) => p.path)).toContain('connect_timeout');
  });
});

describe('translate with an invalid resource', () => {
  it('leaves the resource out and reports WEFT4001 with the field path, without throwing', () => {
    const { model, proxy } = buildModel({
      registry: [{ name: 'db', namespace: 'default', ports: [{ port: 5432, protocol: 'tcp' }], endpoints: [{ address: 1234 }] }],
    });
    const result = translate({ model, proxy, cache: new TranslationCache() });
    const eds = result.resources.get(TypeUrl.ClusterLoadAssignment)!.map((r) => r.name);
    expect(eds).not.toContain('outbound|5432||db.default.svc.cluster.local');
    expect(result.diagnostics).toContainEqual(expect.objectContaining({
      code: 'WEFT4001', severity: 'error', path: 'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address' }));
  });
});
