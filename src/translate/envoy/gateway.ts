/**
 * IR → Envoy `Listener` of an ingress gateway port (docs/gateway-api.md "Ingress gateway"). HTTPS:
 * the TLS inspector reads the SNI and picks the filter chain of the Gateway listener for that host
 * (`server_names`, exact or `*.suffix`); a chain without server names takes any other SNI; a
 * connection no chain takes (an unknown host, plaintext) is closed. Each chain terminates TLS with
 * its listener's certificates over SDS (no client certificate asked: callers are outside the mesh)
 * and routes through RDS. HTTP: one plaintext chain.
 */
import type { IrGatewayChain, IrGatewayListener, IrObservability } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { ADS, any, socketAddress } from './common.js';
import { hcm, outboundFilters } from './http-filters.js';
import type { FilterChain, Listener, ListenerFilter, Named, TransportSocket } from './messages.js';

const TLS_INSPECTOR: ListenerFilter = Object.freeze({ name: ExtensionName.TlsInspector, typed_config: any(ExtensionTypeUrl.TlsInspector, {}) });

export function gatewayListener(l: IrGatewayListener, obs: IrObservability): Named<Listener> {
  return {
    name: l.name,
    address: socketAddress('0.0.0.0', l.port),
    // SO_REUSEPORT off, as on bound sidecar listeners: a second gateway on the host fails to bind.
    enable_reuse_port: { value: false },
    ...(l.tls ? { listener_filters: [TLS_INSPECTOR] } satisfies Listener : {}),
    filter_chains: l.chains.map((c) => chain(c, obs)),
  };
}

function chain(c: IrGatewayChain, obs: IrObservability): FilterChain {
  return {
    name: c.name,
    ...(c.serverNames ? { filter_chain_match: { server_names: [...c.serverNames] } } satisfies FilterChain : {}),
    filters: [{ name: ExtensionName.HttpConnectionManager, typed_config: hcm({ statPrefix: c.name, filters: outboundFilters('envoy'), rds: c.routeConfig, observability: obs, edge: true }) }],
    ...(c.certificates ? { transport_socket: terminate(c.certificates) } satisfies FilterChain : {}),
  };
}

/** TLS termination with the listener's certificates (several: one per key type, Envoy picks by
 * the client's signature algorithms); HTTP/2 and HTTP/1.1 offered by ALPN. */
function terminate(certificates: readonly string[]): TransportSocket {
  return {
    name: ExtensionName.TlsTransportSocket,
    typed_config: any(ExtensionTypeUrl.DownstreamTlsContext, {
      common_tls_context: {
        tls_certificate_sds_secret_configs: certificates.map((name) => ({ name, sds_config: ADS })),
        alpn_protocols: ['h2', 'http/1.1'],
      },
    }),
  };
}
