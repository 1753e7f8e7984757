/**
 * The probe listener of an injected pod's bootstrap: kubelet HTTP probes, rewritten by
 * `weft inject` to `GET :15020/app-health/<container>/<probe>`, are forwarded in plaintext to the
 * application's own probe path on 127.0.0.1, the way a peer's traffic reaches it after the inbound
 * listener. The kubelet has no mesh certificate, so under `mtls: strict` its probes cannot use the
 * inbound listener; this listener admits exactly the probe paths and nothing else (any other path
 * is a 404 from Envoy, never the application).
 *
 * It is a static listener because what it serves is per pod template (the probes of its
 * containers), which the injector knows and the control plane does not. Static listeners start
 * with the server (after the initial xDS fetch), so probes answer once the proxy is up.
 */
import { ExtensionName, ExtensionTypeUrl } from '../../proto/extension-urls.js';
import { names } from '../translate/index.js';

/** One rewritten probe: where the kubelet now asks and what the application serves. */
export interface AppProbe {
  /** The rewritten path, `/app-health/<container>/<livez|readyz|startupz>`. */
  readonly path: string;
  /** The application's original path (query included) and port. */
  readonly appPath: string;
  readonly appPort: number;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly timeoutSeconds: number;
}

const clusterName = (port: number) => `probe|${port}`;

/** The listener and its loopback clusters (one per distinct application port), sorted. */
export function probeResources(probes: readonly AppProbe[]): { listener: Record<string, unknown>; clusters: Record<string, unknown>[] } {
  const sorted = [...probes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const ports = [...new Set(sorted.map((p) => p.appPort))].sort((a, b) => a - b);
  const routes = sorted.map((p) => ({
    match: { path: p.path },
    route: { cluster: clusterName(p.appPort), prefix_rewrite: p.appPath, timeout: `${p.timeoutSeconds}s` },
    ...(p.headers.length ? { request_headers_to_add: p.headers.map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })) } : {}),
  }));
  const hcm = {
    '@type': ExtensionTypeUrl.HttpConnectionManager,
    stat_prefix: 'probes',
    route_config: { name: names.PROBE_LISTENER, virtual_hosts: [{ name: names.PROBE_LISTENER, domains: ['*'], routes }] },
    http_filters: [{ name: ExtensionName.Router, typed_config: { '@type': ExtensionTypeUrl.Router } }],
  };
  return {
    listener: {
      name: names.PROBE_LISTENER,
      address: { socket_address: { address: '0.0.0.0', port_value: names.PROBE_PORT } },
      filter_chains: [{ filters: [{ name: ExtensionName.HttpConnectionManager, typed_config: hcm }] }],
    },
    clusters: ports.map((port) => ({
      name: clusterName(port),
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: clusterName(port), endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
    })),
  };
}
