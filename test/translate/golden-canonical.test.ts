/** The goldens' canonical proto3 JSON (golden-canonical.ts): named cases of what it prints. */
import { describe, expect, it } from 'vitest';
import { canonicalResource } from './golden-canonical.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE_CONFIG = 'envoy.config.route.v3.RouteConfiguration';

describe('canonicalResource', () => {
  it('omits fields without presence at their default, whether or not the builder set them', () => {
    const out = canonicalResource(CLUSTER, { name: 'c', type: 'EDS', lb_policy: 'ROUND_ROBIN', connect_timeout: { seconds: 2, nanos: 0 }, respect_dns_ttl: false });
    expect(out).toEqual({ name: 'c', type: 'EDS', connect_timeout: '2s' });
  });

  it('keeps a wrapper set to zero (presence) and prints it as its value', () => {
    const out = canonicalResource(CLUSTER, { name: 'c', circuit_breakers: { thresholds: [{ max_retries: { value: 0 }, max_connections: { value: 7 } }] } });
    expect(out).toEqual({ name: 'c', circuit_breakers: { thresholds: [{ max_retries: 0, max_connections: 7 }] } });
  });

  it('keeps an empty message that is set (ads: {})', () => {
    const out = canonicalResource(CLUSTER, { name: 'c', eds_cluster_config: { eds_config: { ads: {} } } });
    expect(out).toEqual({ name: 'c', eds_cluster_config: { eds_config: { ads: {} } } });
  });

  it.each([
    [{ seconds: 3600 }, '3600s'],
    [{ seconds: 1, nanos: 500_000_000 }, '1.500s'],
    [{ nanos: 25_000_000 }, '0.025s'],
    [{ nanos: 1_500 }, '0.000001500s'],
    [{ seconds: 0 }, '0s'],
  ])('prints Duration %j as %s (proto3 JSON: 0, 3, 6 or 9 fractional digits)', (connect_timeout, text) => {
    expect(canonicalResource(CLUSTER, { name: 'c', connect_timeout })).toEqual({ name: 'c', connect_timeout: text });
  });

  it('expands Any with @type and prints its payload canonically', () => {
    const out = canonicalResource(ROUTE_CONFIG, {
      name: 'r',
      virtual_hosts: [{ name: 'v', domains: ['*'], typed_per_filter_config: { f: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', delay: { fixed_delay: { seconds: 1 }, percentage: { numerator: 5, denominator: 'HUNDRED' } } } } }],
    });
    expect(out).toEqual({
      name: 'r',
      virtual_hosts: [{ name: 'v', domains: ['*'], typed_per_filter_config: { f: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', delay: { fixed_delay: '1s', percentage: { numerator: 5 } } } } }],
    });
  });

  it('prints Struct metadata as plain JSON', () => {
    const out = canonicalResource(CLUSTER, { name: 'c', metadata: { filter_metadata: { weft: { fields: { policy: { stringValue: 'a.yaml:1:1' }, n: { numberValue: 2 }, ok: { boolValue: true } } } } } });
    expect(out).toEqual({ name: 'c', metadata: { filter_metadata: { weft: { policy: 'a.yaml:1:1', n: 2, ok: true } } } });
  });
});
