/**
 * A static Envoy bootstrap from one proxy's translated resources, for `envoy --mode validate`
 * (`weft validate --envoy`): what weft would serve over xDS, inlined so that Envoy checks it without
 * a control plane.
 * - EDS clusters become STATIC clusters carrying their ClusterLoadAssignment;
 * - HTTP connection managers with RDS carry their RouteConfiguration inline;
 * - SDS secret references lose their config source, so they name static secrets (`default`,
 *   `trust-bundle`), which the bootstrap carries.
 * Inputs are not mutated; every rewritten message is a new object. The bootstrap is encoded as a
 * binary proto (`.pb`), which Envoy reads as such: weft's messages are protobufjs keepCase objects
 * (Durations as `{ seconds, nanos }`), not proto3 JSON.
 */
import { messageType } from '../../proto/index.js';
import { ExtensionName, ExtensionTypeUrl } from '../../proto/extension-urls.js';
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { TranslatedResource } from '../translate/index.js';

type Msg = Record<string, unknown>;
export type Resources = ReadonlyMap<ResourceTypeUrl, readonly TranslatedResource[]>;

/** PEM material of the static secrets. */
export interface StaticSecrets { readonly certPem: string; readonly keyPem: string; readonly caPem: string }


/** `obj` with every RDS, EDS and SDS reference replaced by the resource it names (see module). */
export function inlined(obj: unknown, res: Resources): unknown {
  if (Array.isArray(obj)) return obj.map((o) => inlined(o, res));
  if (obj === null || typeof obj !== 'object') return obj;
  const m = obj as Msg;
  const out: Msg = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'sds_config' && typeof m.name === 'string') continue;
    if (k === 'rds') out.route_config = inlined(named(res, TypeUrl.RouteConfiguration, (v as Msg).route_config_name as string) ?? {}, res);
    else if (k === 'eds_cluster_config') {
      const service = ((v as Msg).service_name as string | undefined) ?? (m.name as string);
      out.load_assignment = named(res, TypeUrl.ClusterLoadAssignment, service) ?? { cluster_name: service };
    } else out[k] = inlined(v, res);
  }
  if ('eds_cluster_config' in m) out.type = 'STATIC';
  return out;
}

function named(res: Resources, type: ResourceTypeUrl, name: string): object | undefined {
  return res.get(type)?.find((r) => r.name === name)?.message;
}

/** A listener that only exists to make Envoy load `routeConfig` (validate mode binds nothing). */
export function routeHolder(routeConfig: object): Msg {
  return {
    name: 'weft-validate-routes',
    address: { socket_address: { address: '127.0.0.1', port_value: 1 } },
    filter_chains: [{ filters: [{ name: ExtensionName.HttpConnectionManager, typed_config: {
      '@type': ExtensionTypeUrl.HttpConnectionManager, stat_prefix: 'weft_validate', route_config: routeConfig,
      http_filters: [{ name: ExtensionName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } }],
    } }] }],
  };
}

/**
 * The bootstrap bytes for `clusters` and `listeners` (already inlined) plus the static secrets:
 * `default` and `trust-bundle`, and each further certificate among `names` (a gateway's listener
 * certificates) as the same throwaway certificate.
 */
export function bootstrapBytes(node: string, clusters: readonly unknown[], listeners: readonly unknown[], s: StaticSecrets, names: readonly string[] = []): Uint8Array {
  const certificate = (name: string) => ({ name, tls_certificate: { certificate_chain: { inline_string: s.certPem }, private_key: { inline_string: s.keyPem } } });
  const secrets = [
    certificate('default'),
    { name: 'trust-bundle', validation_context: { trusted_ca: { inline_string: s.caPem } } },
    ...names.filter((n) => n !== 'default' && n !== 'trust-bundle').map(certificate),
  ];
  const bootstrap = { node: { id: node, cluster: 'weft-validate' }, static_resources: { clusters, listeners, secrets } };
  const type = messageType('envoy.config.bootstrap.v3.Bootstrap');
  return type.encode(type.fromObject(bootstrap)).finish();
}
