import { describe, expect, it } from 'vitest';
import { CodecError, canonicalJson, decodeToObject, encode, toMessage } from '../../proto/codec.js';
import * as fx from './fixtures.js';

/** The shape errors `toMessage` throws for `obj`, as [path, message] pairs. */
function shapeErrors(typeName: string, obj: object): [string, string][] {
  try {
    toMessage(typeName, obj);
  } catch (e) {
    if (e instanceof CodecError) return e.errors.map((x) => [x.path, x.message]);
    throw e;
  }
  return [];
}

const all = fx.typicalResources;

describe('strict codec', () => {
  it.each(all)('accepts a typical %s', (_n, type, build) => {
    expect(shapeErrors(type, build())).toEqual([]);
  });

  it('rejects a misspelt top-level field that protobufjs would drop', () => {
    const c = { ...fx.cluster(), conect_timeout: { seconds: 1 } };
    expect(shapeErrors(fx.types.cluster, c)).toEqual([['conect_timeout', 'unknown field "conect_timeout" of envoy.config.cluster.v3.Cluster']]);
  });

  it('names the path of an unknown key inside an Any inside repeated fields', () => {
    const l = fx.listener();
    l.filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.suppress_envoy_header = true;
    const errors = shapeErrors(fx.types.listener, l);
    expect(errors.map(([p]) => p)).toEqual(['filter_chains[0].filters[0].typed_config.http_filters[1].typed_config.suppress_envoy_header']);
    expect(errors[0]?.[1]).toContain('envoy.extensions.filters.http.router.v3.Router');
  });

  it('rejects camelCase names for Envoy fields but requires them for protobufjs well-known types', () => {
    const c = fx.cluster();
    c.metadata.filter_metadata.weft.fields.service = { string_value: 'x' };
    c.connectTimeout = { seconds: 1 };
    expect(shapeErrors(fx.types.cluster, c).map(([p]) => p)).toEqual([
      'metadata.filter_metadata["weft"].fields["service"].string_value',
      'connectTimeout',
    ]);
  });

  it('rejects an Any whose @type is not a loaded message', () => {
    const l = fx.listener();
    l.filter_chains[0].filters[0].typed_config = { '@type': 'type.googleapis.com/envoy.nope.Filter', stat_prefix: 'x' };
    expect(shapeErrors(fx.types.listener, l)).toEqual([
      ['filter_chains[0].filters[0].typed_config.@type', 'unknown type "type.googleapis.com/envoy.nope.Filter": no such message type is loaded'],
    ]);
  });

  it('rejects values of the wrong JS type instead of coercing them', () => {
    const e = fx.clusterLoadAssignment();
    e.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = '9080';
    e.endpoints[0].lb_endpoints[0].health_status = 'GREEN';
    e.endpoints[0].lb_endpoints = [...e.endpoints[0].lb_endpoints, 'not-an-object'];
    expect(shapeErrors(fx.types.endpoints, e).map(([p]) => p)).toEqual([
      'endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
      'endpoints[0].lb_endpoints[0].health_status',
      'endpoints[0].lb_endpoints[2]',
    ]);
  });

  it('rejects two members of one oneof', () => {
    const c = { ...fx.cluster(), cluster_type: { name: 'custom' } };
    expect(shapeErrors(fx.types.cluster, c)).toEqual([['cluster_discovery_type', 'oneof has 2 members set: type, cluster_type']]);
  });

  it('throws a CodecError from encode so bad shapes never reach the wire', () => {
    expect(() => encode(fx.types.cluster, { name: 'c', bogus: 1 })).toThrow(CodecError);
    expect(() => encode(fx.types.cluster, { name: 'c', bogus: 1 })).toThrow(/bogus: unknown field/);
  });
});

describe('encode and decode', () => {
  it.each(all)('round-trips a %s to the same canonical form and the same bytes', (_n, type, build) => {
    const original = build();
    const bytes = encode(type, original);
    const decoded = decodeToObject(type, bytes);
    expect(canonicalJson(type, decoded)).toBe(canonicalJson(type, original));
    expect(Buffer.from(encode(type, decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('decodes Any payloads with their @type and enums by name', () => {
    const decoded = decodeToObject(fx.types.cluster, encode(fx.types.cluster, fx.cluster())) as Record<string, any>;
    expect(decoded.lb_policy).toBe('LEAST_REQUEST');
    expect(decoded.transport_socket.typed_config['@type']).toBe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
    expect(decoded.connect_timeout).toEqual({ seconds: 5 });
  });

  it('keeps a wrapper holding false present, so Envoy sees it set rather than absent', () => {
    const decoded = decodeToObject(fx.types.listener, encode(fx.types.listener, fx.listener())) as Record<string, any>;
    const hcm = decoded.filter_chains[0].filters[0].typed_config;
    expect(hcm.use_remote_address).toEqual({ value: false });
    expect('add_user_agent' in hcm).toBe(false);
  });
});

describe('canonical JSON', () => {
  it('is independent of key order and sorts keys at every level', () => {
    const a = fx.clusterLoadAssignment();
    const b = { policy: a.policy, endpoints: a.endpoints, cluster_name: a.cluster_name };
    const text = canonicalJson(fx.types.endpoints, a);
    expect(canonicalJson(fx.types.endpoints, b)).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual(['cluster_name', 'endpoints', 'policy']);
  });

  it('puts @type first in an Any and writes 64-bit integers as strings', () => {
    const c = fx.cluster();
    c.lb_policy = 'RING_HASH';
    c.ring_hash_lb_config = { minimum_ring_size: { value: 1024 } };
    const parsed = JSON.parse(canonicalJson(fx.types.cluster, c));
    expect(Object.keys(parsed.transport_socket.typed_config)[0]).toBe('@type');
    expect(parsed.ring_hash_lb_config.minimum_ring_size.value).toBe('1024');
  });
});
