/**
 * IR → Envoy `Listener`s of a sidecar: per-port outbound listeners, the iptables virtual
 * listener, the Prometheus stats listener and the inbound mTLS listener.
 */
import { chainMtls } from '../mtls-modes.js';
import type { IrInbound, IrInboundChain, IrObservability, IrOutboundListener, IrWeightedCluster } from '../ir.js';
import { ADMIN_CLUSTER, BLACKHOLE_CLUSTER, INBOUND_LISTENER, INBOUND_PORT, PASSTHROUGH_CLUSTER, STATS_LISTENER, STATS_PORT, TRUST_BUNDLE_SECRET,
  VIRTUAL_OUTBOUND_LISTENER, VIRTUAL_OUTBOUND_PORT, explicitInboundListenerName, inboundRejectRouteName, inboundRouteName } from '../names.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { trustDomainPrefix } from '../../common/index.js';
import { ADS, accessLogs, any, sdsCertificate, socketAddress, spiffeSanMatcher } from './common.js';
import { hcm, inboundFilters, outboundFilters } from './http-filters.js';
import { callerRateLimits, limitedRoutes } from './rate-limits.js';
import type { CommonTlsContext, Filter, FilterChain, Listener, ListenerFilter, Message, Named, Route, RouteConfiguration, TransportSocket } from './messages.js';

type FilterChainMatch = Message<'envoy.config.listener.v3.FilterChainMatch'>;
import { inboundRbacPerRoute, networkRbac } from './rbac.js';
import { extAuthzPerRoute } from './ext-authz.js';

const ORIGINAL_DST: ListenerFilter = Object.freeze({ name: ExtensionName.OriginalDst, typed_config: any(ExtensionTypeUrl.OriginalDst, {}) });
const TLS_INSPECTOR: ListenerFilter = Object.freeze({ name: ExtensionName.TlsInspector, typed_config: any(ExtensionTypeUrl.TlsInspector, {}) });

function tcpProxy(statPrefix: string, cluster: string | readonly IrWeightedCluster[], obs: IrObservability): Filter {
  const to = typeof cluster === 'string' ? { cluster }
    : cluster.length === 1 ? { cluster: cluster[0]!.cluster }
    : { weighted_clusters: { clusters: cluster.map((c) => ({ name: c.cluster, weight: c.weight })) } };
  return {
    name: ExtensionName.TcpProxy,
    typed_config: any(ExtensionTypeUrl.TcpProxy, { stat_prefix: statPrefix, ...to, access_log: accessLogs(obs.accessLog) }),
  };
}

/**
 * A per-port outbound listener. A bound one (explicit mode) turns SO_REUSEPORT off: Envoy enables
 * it by default on Linux (`enable_reuse_port`), which would let a second sidecar on the same host
 * bind the same socket and silently take half of this application's calls, presenting its own
 * identity; without it the second bind fails where an operator sees it.
 */
export function outboundListener(l: IrOutboundListener, obs: IrObservability): Named<Listener> {
  return {
    name: l.name,
    address: socketAddress(l.address, l.port),
    traffic_direction: 'OUTBOUND',
    ...(l.bind ? { enable_reuse_port: { value: false } } satisfies Listener : { bind_to_port: { value: false } } satisfies Listener),
    ...(l.protocol === 'http' ? httpChains(l, obs) : tcpChains(l, obs)),
  };
}

/** Without `destinations`, one match-all chain. With them, the mesh chain matches those original
 * destination IPs (host prefixes) and the default chain forwards anything else to `passthrough`;
 * a port with no known mesh address keeps only the default chain. */
function httpChains(l: IrOutboundListener, obs: IrObservability): Listener {
  const filter: Filter = { name: ExtensionName.HttpConnectionManager, typed_config: hcm({ statPrefix: l.name, filters: outboundFilters('envoy'), rds: l.routeConfig!, observability: obs }) };
  if (!l.destinations || !l.passthrough) return { filter_chains: [{ filters: [filter] }] };
  const prefix_ranges = prefixRanges(l.destinations);
  const mesh: FilterChain[] = prefix_ranges.length > 0 ? [{ name: l.name, filter_chain_match: { prefix_ranges }, filters: [filter] }] : [];
  return { ...(mesh.length > 0 ? { filter_chains: mesh } satisfies Listener : {}), default_filter_chain: defaultChain(l.name, l.passthrough, obs) };
}

/**
 * TCP and TLS: one chain per route, matched by original destination (`prefix_ranges`) and/or SNI
 * (`server_names`, read by the TLS inspector, which never terminates the caller's TLS); the
 * default chain takes the rest. The inspector waits for a ClientHello: a protocol whose server
 * speaks first sends none, so the listener goes on without SNI after the timeout instead of
 * closing (`continue_on_listener_filters_timeout`).
 */
function tcpChains(l: IrOutboundListener, obs: IrObservability): Listener {
  const routes = l.tcpRoutes ?? [];
  const chains = routes.map((r): FilterChain => {
    const match: FilterChainMatch = {
      ...(r.destinations ? { prefix_ranges: prefixRanges(r.destinations) } : {}),
      ...(r.serverNames ? { server_names: [...r.serverNames] } : {}),
    };
    const matched = Object.keys(match).length > 0;
    // One chain keeps the listener's name (and stat prefix); several are told apart by service.
    const name = routes.length > 1 ? `${l.name}|${r.name}` : l.name;
    return { ...(routes.length > 1 || matched ? { name } : {}), ...(matched ? { filter_chain_match: match } : {}), filters: [tcpProxy(name, r.clusters, obs)] };
  });
  const tls: Listener = l.protocol === 'tls' ? { listener_filters: [TLS_INSPECTOR], continue_on_listener_filters_timeout: true } : {};
  return { ...tls, ...(chains.length > 0 ? { filter_chains: chains } : {}), ...(l.passthrough ? { default_filter_chain: defaultChain(l.name, l.passthrough, obs) } : {}) };
}

function prefixRanges(addresses: readonly string[]): NonNullable<FilterChainMatch['prefix_ranges']> {
  return addresses.map((a) => ({ address_prefix: a, prefix_len: { value: a.includes(':') ? 128 : 32 } }));
}

/** `<listener>|passthrough`, or `<listener>|blackhole` (registry-only; its stat prefix counts the refused connections). */
function defaultChain(listener: string, cluster: string, obs: IrObservability): FilterChain {
  const name = `${listener}|${cluster === BLACKHOLE_CLUSTER ? 'blackhole' : 'passthrough'}`;
  return { name, filters: [tcpProxy(name, cluster, obs)] };
}

/** iptables redirects every outbound connection here; `use_original_dst` hands it to the per-port
 * listener of its original port, and anything else goes to the passthrough cluster, or under
 * registry-only to the black hole (stat prefix `outbound|15001|blackhole`). */
export function virtualOutboundListener(obs: IrObservability, outboundTraffic: 'allow-any' | 'registry-only' = 'allow-any'): Named<Listener> {
  const blocked = outboundTraffic === 'registry-only';
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: socketAddress('0.0.0.0', VIRTUAL_OUTBOUND_PORT),
    traffic_direction: 'OUTBOUND',
    use_original_dst: { value: true },
    listener_filters: [ORIGINAL_DST],
    default_filter_chain: blocked
      ? { name: `${VIRTUAL_OUTBOUND_LISTENER}|blackhole`, filters: [tcpProxy(`${VIRTUAL_OUTBOUND_LISTENER}|blackhole`, BLACKHOLE_CLUSTER, obs)] }
      : { filters: [tcpProxy(VIRTUAL_OUTBOUND_LISTENER, PASSTHROUGH_CLUSTER, obs)] },
  };
}

/** Port 15090 serves `/stats/prometheus` from Envoy's admin interface (static `envoy-admin`
 * cluster) so scrapers never reach the rest of the admin API. */
export function statsListener(): Named<Listener> {
  const routeConfig: RouteConfiguration = {
    name: STATS_LISTENER,
    virtual_hosts: [{ name: STATS_LISTENER, domains: ['*'], routes: [{ match: { path: '/stats/prometheus' }, route: { cluster: ADMIN_CLUSTER } }] }],
  };
  return {
    name: STATS_LISTENER,
    address: socketAddress('0.0.0.0', STATS_PORT),
    filter_chains: [{ filters: [{ name: ExtensionName.HttpConnectionManager, typed_config: hcm({ statPrefix: 'prometheus_stats', filters: [...outboundFilters().slice(-1)], routeConfig }) }] }],
  };
}

/**
 * The inbound side: with iptables, one listener on 15006 whose chains match the original
 * destination port; in explicit mode, one listener per served port bound where callers dial it.
 * No listener at all when nothing is served (Envoy rejects a listener without filter chains).
 */
export function inboundListeners(inbound: IrInbound, identity: string, obs: IrObservability): Named<Listener>[] {
  const permissive = (c: IrInboundChain) => chainMtls(inbound, c) === 'permissive';
  const redirected = inbound.chains.filter((c) => !c.listen);
  const out: Named<Listener>[] = [];
  if (redirected.length > 0) {
    out.push({
      name: INBOUND_LISTENER,
      address: socketAddress('0.0.0.0', INBOUND_PORT),
      traffic_direction: 'INBOUND',
      listener_filters: redirected.some(permissive) ? [ORIGINAL_DST, TLS_INSPECTOR] : [ORIGINAL_DST],
      filter_chains: redirected.flatMap((c) => chainsOf(c, inbound, identity, obs)),
    });
  }
  for (const c of inbound.chains) {
    if (!c.listen) continue;
    out.push({
      name: explicitInboundListenerName(c.listen.address, c.listen.port),
      address: socketAddress(c.listen.address, c.listen.port),
      traffic_direction: 'INBOUND',
      ...(permissive(c) ? { listener_filters: [TLS_INSPECTOR] } satisfies Listener : {}),
      filter_chains: chainsOf(c, inbound, identity, obs),
    });
  }
  return out;
}

/** strict: TLS only; permissive: a TLS chain and a plaintext chain told apart by the TLS
 * inspector; disabled: plaintext only. The mode is the chain's own (an MtlsPolicy may set it per
 * port): on the shared 15006 listener a strict chain next to a permissive one matches by port
 * only, so a plaintext caller of the strict port fails its TLS handshake. */
function chainsOf(c: IrInboundChain, inbound: IrInbound, identity: string, obs: IrObservability): FilterChain[] {
  const mode = chainMtls(inbound, c);
  const filters = chainFilters(c, obs);
  // A listener of its own (explicit mode) needs no port match; the shared 15006 one does.
  const port: FilterChainMatch = c.listen ? {} : { destination_port: { value: c.port } };
  const tls: FilterChain = { filter_chain_match: { ...port, ...(mode === 'permissive' ? { transport_protocol: 'tls' } satisfies FilterChainMatch : {}) },
    filters, transport_socket: downstreamTls(inbound.trustDomain, identity, c.protocol), name: `${c.name}|tls` };
  const plain: FilterChain = { filter_chain_match: { ...port, ...(mode === 'permissive' ? { transport_protocol: 'raw_buffer' } satisfies FilterChainMatch : {}) },
    filters, name: `${c.name}|plaintext` };
  if (mode === 'strict') return [tls];
  if (mode === 'disabled') return [plain];
  return [tls, plain];
}

/**
 * `..;` and `.;` segments: RFC 3986 normalisation leaves them alone (they are not dot segments),
 * but servers that strip `;parameters` (Tomcat, Jetty) then read them as `..` and `.`, so
 * `/public/..;/admin` would reach `/admin` past every path rule. No application needs them: 400.
 */
const DOT_SEGMENT_PARAMS = (name: string): Route => ({ name, match: { safe_regex: { regex: String.raw`.*/\.\.?;.*` } }, direct_response: { status: 400 } });

function chainFilters(c: IrInboundChain, obs: IrObservability): Filter[] {
  if (c.protocol === 'tcp') {
    const rbac = networkRbac(c.authz, c.name).map((r): Filter => ({ name: `${ExtensionName.NetworkRbac}.${r.suffix}`, typed_config: r.config }));
    return [...rbac, tcpProxy(c.name, c.cluster, obs)];
  }
  const rds = inboundRouteName(c.port, c.service);
  return [{ name: ExtensionName.HttpConnectionManager, typed_config: hcm({ statPrefix: c.name, filters: inboundFilters(c, c.name), rds, observability: obs, inbound: true, audit: !!c.authz.audit?.length }) }];
}

/**
 * The route configuration of each inbound HTTP chain, served over RDS (not inline): it holds what
 * a policy change most often changes, the authorization (the virtual host's per-filter RBAC
 * configuration) and the rate limits, so such a change reaches open connections at their next
 * request, while the listener and its chains stay as they are (no drain).
 */
export function inboundRouteConfigs(inbound: IrInbound): Named<RouteConfiguration>[] {
  const out = new Map<string, Named<RouteConfiguration>>();
  for (const c of inbound.chains) {
    if (c.protocol === 'tcp') continue;
    const name = inboundRouteName(c.port, c.service);
    out.set(name, {
      name,
      virtual_hosts: [{ name: c.name, domains: ['*'], ...(c.callerLimits ? { rate_limits: callerRateLimits(c.callerLimits) } : {}),
        typed_per_filter_config: { ...inboundRbacPerRoute(c.authz), ...extAuthzPerRoute(c.extAuthz) }, routes: [
          DOT_SEGMENT_PARAMS(inboundRejectRouteName(c.name)),
          ...limitedRoutes(c.routeLimits ?? [], c.cluster),
          { name: c.name, match: { prefix: '/' }, route: { cluster: c.cluster, timeout: { seconds: 0, nanos: 0 } } },
        ] }],
    });
  }
  return [...out.values()];
}

/** Server side of mesh mTLS: our SVID over SDS, a client certificate required and chained to the
 * trust bundle, and its URI SAN inside our trust domain. Per-caller checks are RBAC's job. */
function downstreamTls(trustDomain: string, identity: string, protocol: IrInboundChain['protocol']): TransportSocket {
  return {
    name: ExtensionName.TlsTransportSocket,
    typed_config: any(ExtensionTypeUrl.DownstreamTlsContext, {
      require_client_certificate: { value: true },
      common_tls_context: {
        ...sdsCertificate(identity),
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: [spiffeSanMatcher({ prefix: trustDomainPrefix(trustDomain) })] },
          validation_context_sds_secret_config: { name: TRUST_BUNDLE_SECRET, sds_config: ADS },
        },
        ...(protocol === 'tcp' ? {} : { alpn_protocols: ['h2', 'http/1.1'] } satisfies CommonTlsContext),
      },
    }),
  };
}
