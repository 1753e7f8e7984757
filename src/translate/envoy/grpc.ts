/**
 * IR → Listeners for proxyless gRPC (DESIGN.md §5). What grpc-js-xds accepts, from its validators
 * (build/src/xds-resource-type/listener-resource-type.js):
 * - client side: an `api_listener` holding an HCM with RDS over ADS; HTTP filters limited to
 *   fault, RBAC and router, router last;
 * - server side: filter chains of exactly one filter (the HCM), routes with
 *   `non_forwarding_action`, TLS only through certificate-provider instances, no SDS, and no
 *   `transport_protocol` matching, so mTLS `permissive` cannot be expressed (served as strict).
 */
import type { IrInbound, IrInboundChain, IrOutboundListener } from '../ir.js';
import { chainMtls } from '../mtls-modes.js';
import { GRPC_CERT_PROVIDER, grpcServerListenerName, inboundRouteName } from '../names.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, socketAddress } from './common.js';
import { hcm, outboundFilters } from './http-filters.js';
import type { FilterChain, HttpFilter, Listener, Named, PackedAny, RouteConfiguration, TransportSocket } from './messages.js';
import { httpRbac } from './rbac.js';

export function apiListener(l: IrOutboundListener): Named<Listener> {
  return { name: l.name, api_listener: { api_listener: hcm({ statPrefix: l.name, filters: outboundFilters(), rds: l.routeConfig!, grpc: true }) } };
}

/**
 * Server listeners per inbound HTTP port, one for each address a server may listen on: both
 * wildcards and each of the proxy's instance IPs. A gRPC server asks for the address it actually
 * bound (grpc-go's usual `:port` is `[::]:port`; a server bound to its pod IP asks for that IP)
 * and requires the Listener's address to equal it. TCP ports mean nothing to a gRPC server.
 */
const WILDCARDS = ['0.0.0.0', '::'] as const;

export function serverListeners(inbound: IrInbound, template: string): Named<Listener>[] {
  return inbound.chains.filter((c) => c.protocol !== 'tcp').flatMap((c) =>
    [...new Set([...WILDCARDS, ...(c.serverAddresses ?? [])])].map((address) => serverListener(inbound, c, template, address)));
}

function serverListener(inbound: IrInbound, c: IrInboundChain, template: string, address: string): Named<Listener> {
  return {
    name: grpcServerListenerName(template, c.port, address),
    address: socketAddress(address, c.port),
    filter_chains: [{
      name: c.name,
      filters: [{ name: ExtensionName.HttpConnectionManager, typed_config: serverHcm(c) }],
      ...(chainMtls(inbound, c) === 'disabled' ? {} : { transport_socket: serverTls() } satisfies FilterChain),
    }],
  };
}

function serverHcm(c: IrInboundChain): PackedAny {
  const filters: HttpFilter[] = httpRbac(c.authz, { audit: false }).map((r) => ({ name: `${ExtensionName.HttpRbac}.${r.suffix}`, typed_config: r.config }));
  filters.push(...outboundFilters().slice(-1));
  const routeConfig: RouteConfiguration = {
    name: inboundRouteName(c.port, c.service),
    virtual_hosts: [{ name: c.name, domains: ['*'], routes: [{ name: c.name, match: { prefix: '/' }, non_forwarding_action: {} }] }],
  };
  return hcm({ statPrefix: c.name, filters, routeConfig, grpc: true });
}

function serverTls(): TransportSocket {
  return {
    name: ExtensionName.TlsTransportSocket,
    typed_config: any(ExtensionTypeUrl.DownstreamTlsContext, {
      require_client_certificate: { value: true },
      common_tls_context: {
        tls_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER },
        validation_context: { ca_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER } },
      },
    }),
  };
}
