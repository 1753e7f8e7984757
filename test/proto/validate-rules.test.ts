import { describe, expect, it } from 'vitest';
import { validateMessage } from '../../proto/validate.js';
import * as fx from './fixtures.js';

/** [path, rule] of every violation, for exact comparison. */
function found(typeName: string, obj: object): [string, string][] {
  return validateMessage(typeName, obj).map((v) => [v.path, v.rule]);
}

type Case = { name: string; type: string; build: () => object; want: [string, string][] };

const hcmPath = 'filter_chains[0].filters[0].typed_config';
const route1 = 'virtual_hosts[0].routes[1]';

function listenerWith(edit: (l: Record<string, any>) => void): () => object {
  return () => {
    const l = fx.listener();
    edit(l);
    return l;
  };
}
function routesWith(edit: (r: Record<string, any>) => void): () => object {
  return () => {
    const r = fx.routeConfiguration();
    edit(r);
    return r;
  };
}
function clusterWith(edit: (c: Record<string, any>) => void): () => object {
  return () => {
    const c = fx.cluster();
    edit(c);
    return c;
  };
}

const stringCases: Case[] = [
  { name: 'empty cluster name breaks string.min_len', type: fx.types.cluster, build: clusterWith((c) => { c.name = ''; }), want: [['name', 'string.min_len']] },
  { name: 'an unset cluster name is checked as its default ""', type: fx.types.cluster, build: clusterWith((c) => { delete c.name; }), want: [['name', 'string.min_len']] },
  { name: 'HCM without stat_prefix breaks string.min_len inside the Any', type: fx.types.listener, build: listenerWith((l) => { delete l.filter_chains[0].filters[0].typed_config.stat_prefix; }), want: [[`${hcmPath}.stat_prefix`, 'string.min_len']] },
  { name: 'a header name with a space breaks the strict HTTP_HEADER_NAME regex (map value, through an Any)', type: fx.types.cluster, build: clusterWith((c) => { c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].upstream_http_protocol_options = { override_auto_sni_header: 'x weft' }; }), want: [['typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].upstream_http_protocol_options.override_auto_sni_header', 'string.well_known_regex']] },
  { name: 'ignore_empty skips the header-name regex for an empty value', type: 'envoy.config.core.v3.UpstreamHttpProtocolOptions', build: () => ({ override_auto_sni_header: '' }), want: [] },
  { name: 'a header value with a control character breaks the strict HTTP_HEADER_VALUE regex', type: 'envoy.config.core.v3.HealthCheck.HttpHealthCheck', build: () => ({ path: '/healthz', host: 'a\u0001b' }), want: [['host', 'string.well_known_regex']] },
  { name: 'a header key with a space passes the loose (strict: false) regex', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].request_headers_to_add[0].header.key = 'x weft'; }), want: [] },
  { name: 'a header key with a newline breaks the loose (strict: false) regex', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].request_headers_to_add[0].header.key = 'x\nweft'; }), want: [[`${route1}.request_headers_to_add[0].header.key`, 'string.well_known_regex']] },
  { name: 'a loose (strict: false) header name allows a space but not a newline', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[0].route = { cluster_header: 'has space' }; r.virtual_hosts[0].routes[1].route.weighted_clusters.header_name = 'x\ny'; }), want: [[`${route1}.route.weighted_clusters.header_name`, 'string.well_known_regex']] },
  { name: 'a header key over 16384 bytes breaks string.max_bytes', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].request_headers_to_add[0].header.key = 'a'.repeat(16385); }), want: [[`${route1}.request_headers_to_add[0].header.key`, 'string.max_bytes']] },
  { name: 'a path_separated_prefix ending in / breaks string.pattern', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].match = { path_separated_prefix: '/api/' }; }), want: [[`${route1}.match.path_separated_prefix`, 'string.pattern']] },
  { name: 'a path_separated_prefix without trailing / passes string.pattern', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].match = { path_separated_prefix: '/api' }; }), want: [] },
  { name: 'a scheme other than http/https breaks string.in', type: fx.types.listener, build: listenerWith((l) => { l.filter_chains[0].filters[0].typed_config.scheme_header_transformation = { scheme_to_overwrite: 'ftp' }; }), want: [[`${hcmPath}.scheme_header_transformation.scheme_to_overwrite`, 'string.in']] },
];

const numericCases: Case[] = [
  { name: 'a port above 65535 breaks uint32.lte', type: fx.types.endpoints, build: () => { const e = fx.clusterLoadAssignment(); e.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 70000; return e; }, want: [['endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value', 'uint32.lte']] },
  { name: 'an unset uint32 with gt: 0 is checked as 0', type: fx.types.listener, build: listenerWith((l) => { delete l.filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.token_bucket.max_tokens; }), want: [[`${hcmPath}.http_filters[0].typed_config.token_bucket.max_tokens`, 'uint32.gt']] },
  { name: 'a wrapper below its gte bound breaks uint32.gte', type: fx.types.endpoints, build: () => { const e = fx.clusterLoadAssignment(); e.endpoints[0].lb_endpoints[0].load_balancing_weight = { value: 0 }; return e; }, want: [['endpoints[0].lb_endpoints[0].load_balancing_weight', 'uint32.gte']] },
  { name: 'an unset wrapper is not checked against its scalar rules', type: fx.types.endpoints, build: () => { const e = fx.clusterLoadAssignment(); delete e.policy.overprovisioning_factor; return e; }, want: [] },
  { name: 'a set wrapper without value is checked as its default', type: fx.types.endpoints, build: () => { const e = fx.clusterLoadAssignment(); e.policy.overprovisioning_factor = {}; return e; }, want: [['policy.overprovisioning_factor', 'uint32.gt']] },
  { name: 'a DoubleValue above its lte bound breaks double.lte', type: fx.types.cluster, build: clusterWith((c) => { c.preconnect_policy = { per_upstream_preconnect_ratio: { value: 5 } }; }), want: [['preconnect_policy.per_upstream_preconnect_ratio', 'double.lte']] },
  { name: 'a UInt64Value above its lte bound breaks uint64.lte (given as a string)', type: fx.types.cluster, build: clusterWith((c) => { c.lb_policy = 'RING_HASH'; c.ring_hash_lb_config = { minimum_ring_size: { value: '9000000' } }; }), want: [['ring_hash_lb_config.minimum_ring_size', 'uint64.lte']] },
  { name: 'a repeated item below its bound breaks items.uint32.gte', type: fx.types.listener, build: listenerWith((l) => { l.filter_chains[0].filter_chain_match.source_ports = [443, 0]; }), want: [['filter_chains[0].filter_chain_match.source_ports[1]', 'uint32.gte']] },
];

const enumBoolCases: Case[] = [
  { name: 'an undefined enum number breaks enum.defined_only', type: fx.types.cluster, build: clusterWith((c) => { c.lb_policy = 99; }), want: [['lb_policy', 'enum.defined_only']] },
  { name: 'an unknown enum name breaks enum.defined_only', type: fx.types.cluster, build: clusterWith((c) => { c.lb_policy = 'FASTEST'; }), want: [['lb_policy', 'enum.defined_only']] },
  { name: 'CONNECT as health-check method breaks enum.not_in', type: 'envoy.config.core.v3.HealthCheck.HttpHealthCheck', build: () => ({ path: '/healthz', method: 'CONNECT' }), want: [['method', 'enum.not_in']] },
  { name: 'stats_flush_on_admin false breaks bool.const', type: 'envoy.config.bootstrap.v3.Bootstrap', build: () => ({ stats_flush_on_admin: false }), want: [['stats_flush_on_admin', 'bool.const']] },
  { name: 'an unset oneof member with bool.const is not checked', type: 'envoy.config.bootstrap.v3.Bootstrap', build: () => ({}), want: [] },
];

const messageCases: Case[] = [
  { name: 'a socket address without port breaks oneof required port_specifier', type: fx.types.endpoints, build: () => { const e = fx.clusterLoadAssignment(); delete e.endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_value; return e; }, want: [['endpoints[0].lb_endpoints[1].endpoint.address.socket_address.port_specifier', 'oneof.required']] },
  { name: 'a route without match breaks message.required', type: fx.types.route, build: routesWith((r) => { delete r.virtual_hosts[0].routes[0].match; }), want: [['virtual_hosts[0].routes[0].match', 'message.required']] },
  { name: 'a route without an action breaks oneof required action', type: fx.types.route, build: routesWith((r) => { delete r.virtual_hosts[0].routes[0].route; }), want: [['virtual_hosts[0].routes[0].action', 'oneof.required']] },
  { name: 'message.required on an unset oneof member does not fire', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[0].match = { path: '/exact' }; }), want: [] },
  { name: 'a typed extension without typed_config breaks any.required', type: fx.types.cluster, build: clusterWith((c) => { c.typed_dns_resolver_config = { name: 'envoy.network.dns_resolver.cares' }; }), want: [['typed_dns_resolver_config.typed_config', 'any.required']] },
  { name: 'an Any with an unknown @type is reported at its @type', type: fx.types.listener, build: listenerWith((l) => { l.filter_chains[0].filters[0].typed_config = { '@type': 'type.googleapis.com/envoy.not.a.Type' }; }), want: [[`${hcmPath}.@type`, 'any.type']] },
  { name: 'a Router filter inside HCM inside a Listener is validated through two Anys', type: fx.types.listener, build: listenerWith((l) => { l.filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.strict_check_headers = ['x-envoy-max-retries', 'x-bogus']; }), want: [[`${hcmPath}.http_filters[1].typed_config.strict_check_headers[1]`, 'string.in']] },
];

const durationCases: Case[] = [
  { name: 'a zero connect_timeout breaks duration.gt', type: fx.types.cluster, build: clusterWith((c) => { c.connect_timeout = { seconds: 0 }; }), want: [['connect_timeout', 'duration.gt']] },
  { name: 'a negative request_headers_timeout breaks duration.gte 0', type: fx.types.listener, build: listenerWith((l) => { l.filter_chains[0].filters[0].typed_config.request_headers_timeout = { seconds: -1, nanos: 0 }; }), want: [[`${hcmPath}.request_headers_timeout`, 'duration.gte']] },
  { name: 'a dns_refresh_rate of exactly 1ms breaks duration.gt 1ms', type: fx.types.cluster, build: clusterWith((c) => { c.dns_refresh_rate = { nanos: 1_000_000 }; }), want: [['dns_refresh_rate', 'duration.gt']] },
  { name: 'an HttpUri without timeout breaks duration.required', type: 'envoy.config.core.v3.HttpUri', build: () => ({ uri: 'https://jwks', cluster: 'jwks' }), want: [['timeout', 'duration.required']] },
  { name: 'an HttpUri timeout of 2^32 s breaks duration.lt (exact beyond 2^53 ns)', type: 'envoy.config.core.v3.HttpUri', build: () => ({ uri: 'https://jwks', cluster: 'jwks', timeout: { seconds: 4294967296 } }), want: [['timeout', 'duration.lt']] },
  { name: 'an HttpUri timeout just under 2^32 s passes duration.lt', type: 'envoy.config.core.v3.HttpUri', build: () => ({ uri: 'https://jwks', cluster: 'jwks', timeout: { seconds: 4294967295, nanos: 999_999_999 } }), want: [] },
];

const collectionCases: Case[] = [
  { name: 'weighted clusters with no cluster break repeated.min_items', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].route.weighted_clusters.clusters = []; }), want: [[`${route1}.route.weighted_clusters.clusters`, 'repeated.min_items']] },
  { name: '1001 headers to add break repeated.max_items', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].request_headers_to_add = Array.from({ length: 1001 }, (_, i) => ({ header: { key: `x-h${i}`, value: 'v' } })); }), want: [[`${route1}.request_headers_to_add`, 'repeated.max_items']] },
  { name: 'a duplicated header to copy breaks repeated.unique', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].routes[1].route.internal_redirect_policy = { response_headers_to_copy: ['x-a', 'x-a'] }; }), want: [[`${route1}.route.internal_redirect_policy.response_headers_to_copy`, 'repeated.unique']] },
  { name: 'an empty header name to remove breaks items.string.min_len', type: fx.types.route, build: routesWith((r) => { r.virtual_hosts[0].request_headers_to_remove = ['x-ok', '']; }), want: [['virtual_hosts[0].request_headers_to_remove[1]', 'string.min_len']] },
  { name: 'an empty metadata namespace breaks map.keys.string.min_len', type: fx.types.cluster, build: clusterWith((c) => { c.metadata.filter_metadata[''] = { fields: {} }; }), want: [['metadata.filter_metadata[""]', 'string.min_len']] },
];

describe.each([
  ['string', stringCases],
  ['numeric and wrappers', numericCases],
  ['enum and bool', enumBoolCases],
  ['messages, oneofs and Any', messageCases],
  ['duration', durationCases],
  ['repeated and map', collectionCases],
])('PGV %s rules on real Envoy types', (_family, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(found(c.type, c.build())).toEqual(c.want);
  });
});
