/**
 * The generated Envoy types (src/translate/envoy/generated/envoy.ts) against the run-time proto
 * check they stand in front of. Each `@ts-expect-error` below is a claim `tsc` checks (`npm run
 * typecheck`): if the types stop rejecting the object, the directive is unused and `tsc` fails. The
 * tests then show the proto check rejects the same objects, so the types are no looser than it,
 * and accepts what the types accept.
 */
import { describe, expect, it } from 'vitest';
import { ExtensionName, ExtensionTypeUrl } from '../../proto/extension-urls.js';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf } from '../../proto/type-urls.js';
import { checkMessageOf, checkResource } from '../../src/translate/check.js';
import { any } from '../../src/translate/envoy/common.js';
import type { Cluster, Listener, PackedAny, Route, RouteMatch } from '../../src/translate/envoy/messages.js';

/** The distinct field paths of a check's problems, in order. */
const paths = (problems: readonly { path: string }[]) => [...new Set(problems.map((p) => p.path))];

const cluster: Cluster = {
  name: 'c', type: 'EDS', lb_policy: 'RING_HASH', connect_timeout: { seconds: '1', nanos: 0 },
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  circuit_breakers: { thresholds: [{ max_retries: { value: 3 } }] },
};

describe('generated Envoy types', () => {
  it('everyExtensionTypeUrlNamesALoadedMessage', () => {
    for (const url of Object.values(ExtensionTypeUrl)) expect(() => messageType(messageNameOf(url)), url).not.toThrow();
    expect(Object.values(ExtensionName).every((n) => n.startsWith('envoy.'))).toBe(true);
  });

  it('aMessageTheTypesAcceptPassesTheProtoCheck', () => {
    expect(checkResource(TypeUrl.Cluster, cluster)).toEqual([]);
    const listener: Listener = {
      name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } },
      filter_chains: [{ filters: [{ name: ExtensionName.TcpProxy, typed_config: any(ExtensionTypeUrl.TcpProxy, { stat_prefix: 's', cluster: 'c' }) }] }],
    };
    expect(checkResource(TypeUrl.Listener, listener)).toEqual([]);
  });

  it('aMisspeltFieldIsRejectedByBoth', () => {
    // @ts-expect-error `conect_timeout` is not a Cluster field.
    const bad: Cluster = { name: 'c', conect_timeout: { seconds: 1 } };
    expect(paths(checkResource(TypeUrl.Cluster, bad))).toEqual(['conect_timeout']);
  });

  it('aWrongEnumNameIsRejectedByBoth', () => {
    // @ts-expect-error `ROUND_ROBINN` is not a Cluster.LbPolicy.
    const bad: Cluster = { name: 'c', lb_policy: 'ROUND_ROBINN' };
    expect(paths(checkResource(TypeUrl.Cluster, bad))).toEqual(['lb_policy']);
  });

  it('aWrongScalarTypeIsRejectedByBoth', () => {
    // @ts-expect-error `port_value` is a number.
    const bad: Listener = { name: 'l', address: { socket_address: { address: '::', port_value: true } } };
    expect(paths(checkResource(TypeUrl.Listener, bad))).toEqual(['address.socket_address.port_value']);
  });

  it('twoMembersOfAOneofAreRejectedByBoth', () => {
    // @ts-expect-error `prefix` and `path` are both members of RouteMatch's oneof path_specifier.
    const match: RouteMatch = { prefix: '/', path: '/x' };
    const route: Route = { match, route: { cluster: 'c' } };
    expect(paths(checkMessageOf('envoy.config.route.v3.Route', route))).toEqual(['match.path_specifier']);
  });

  it('anAnyBodyIsCheckedAgainstItsTypeUrl', () => {
    // @ts-expect-error TcpProxy has no `cluster_name`.
    const body = any(ExtensionTypeUrl.TcpProxy, { stat_prefix: 's', cluster_name: 'c' });
    const problems = checkMessageOf('envoy.config.listener.v3.Filter', { name: ExtensionName.TcpProxy, typed_config: body });
    // Also `cluster_specifier`: a required oneof (a PGV rule) is beyond what the types say.
    expect(paths(problems)).toEqual(['typed_config.cluster_name', 'typed_config.cluster_specifier']);
  });

  it('anAnyOfATypeUrlNotListedDoesNotCompileAndIsRejected', () => {
    // @ts-expect-error Only the type URLs of proto/type-urls.ts and proto/extension-urls.ts may be packed.
    const packed: PackedAny = { '@type': 'type.googleapis.com/no.such.Type' };
    const route: Route = { match: { prefix: '/' }, direct_response: { status: 200 }, typed_per_filter_config: { f: packed } };
    expect(paths(checkMessageOf('envoy.config.route.v3.Route', route))).toEqual(['typed_per_filter_config["f"].@type']);
  });
});
