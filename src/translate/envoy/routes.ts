/**
 * IR → Envoy `RouteConfiguration`. Route order is the IR's match order (first match wins).
 * Fault injection is per route (`typed_per_filter_config` keyed by the fault filter's name); the
 * fault filter itself is always in the HCM chain (http-filters.ts) and does nothing without it.
 */
import type { IrDirectResponse, IrForward, IrHeaderRewrite, IrPathRewrite, IrRedirect, IrRoute, IrRouteConfig, IrStringMatch, IrVirtualHost } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, duration, fraction, stringMatch } from './common.js';
import type { HashPolicy, HeaderValueOption, HttpFault, Message, PackedAny, RedirectAction, RetryPolicy, Route, RouteAction, RouteConfiguration,
  RouteMatch, VirtualHost } from './messages.js';

type HeaderMatcher = Message<'envoy.config.route.v3.HeaderMatcher'>;
type QueryParameterMatcher = Message<'envoy.config.route.v3.QueryParameterMatcher'>;
type MaxStreamDuration = Message<'envoy.config.route.v3.RouteAction.MaxStreamDuration'>;
type RetryBackOff = Message<'envoy.config.route.v3.RetryPolicy.RetryBackOff'>;
type FaultAbort = Message<'envoy.extensions.filters.http.fault.v3.FaultAbort'>;

/** `hostOf` lets the caller share virtual-host messages between configurations (cache). */
export function routeConfiguration(rc: IrRouteConfig, hostOf: (v: IrVirtualHost) => VirtualHost = virtualHost): RouteConfiguration {
  const fallback = rc.fallbackCluster ? [fallbackHost(rc.fallbackCluster)] : rc.fallbackBlock ? [blockHost(rc.fallbackBlock)] : [];
  return { name: rc.name, virtual_hosts: [...rc.virtualHosts.map(hostOf), ...fallback] };
}

/** The last virtual host: any Host no mesh service claims is forwarded unchanged (passthrough). */
function fallbackHost(cluster: string): VirtualHost {
  return { name: 'passthrough', domains: ['*'], routes: [{ name: 'passthrough', match: { prefix: '/' }, route: { cluster } }] };
}

/** registry-only: any Host no service claims gets the block answer. Envoy counts each under
 * `http.<listener>.rq_direct_response`, and the access log names route `blackhole`. */
function blockHost(block: IrDirectResponse): VirtualHost {
  return { name: 'blackhole', domains: ['*'], routes: [{ name: 'blackhole', match: { prefix: '/' }, direct_response: directResponse(block) }] };
}

function directResponse(d: IrDirectResponse): NonNullable<Route['direct_response']> {
  return { status: d.status, ...(d.body !== undefined ? { body: { inline_string: d.body } } : {}) };
}

export function virtualHost(v: IrVirtualHost): VirtualHost {
  return { name: v.name, domains: [...v.domains], routes: v.routes.map(route) };
}

function route(r: IrRoute): Route {
  // Per-route stats (`vhost.<vhost>.route.<route name>.*`) carry the `route` label (docs/metrics.md).
  const out: Route = { name: r.name, stat_prefix: r.name, match: routeMatch(r.match) };
  if (r.action.kind === 'redirect') out.redirect = redirect(r.action);
  else if (r.action.kind === 'direct') out.direct_response = directResponse(r.action);
  else out.route = forward(r.action);
  if (r.fault) out.typed_per_filter_config = { [ExtensionName.Fault]: fault(r.fault) };
  addRewrites(out, 'request', r.requestHeaders);
  addRewrites(out, 'response', r.responseHeaders);
  return out;
}

export function routeMatch(m: IrRoute['match']): RouteMatch {
  const p = m.path;
  const out: RouteMatch = 'regex' in p ? { safe_regex: { regex: p.regex } } : 'exact' in p ? { path: p.exact }
    : 'segmentPrefix' in p ? { path_separated_prefix: p.segmentPrefix } : { prefix: p.prefix };
  if (m.headers.length) out.headers = m.headers.map((h): HeaderMatcher => ({ name: h.name, ...headerMatch(h.match) }));
  if (m.query.length) out.query_parameters = m.query.map((q): QueryParameterMatcher => ({ name: q.name, ...queryMatch(q.match) }));
  return out;
}

/**
 * `present: false` is written as an inverted presence match: grpc-js-xds ignores the value of
 * `present_match` (build/src/route.js: any `present_match` is a PresentValueMatcher), so
 * `present_match: false` would match a request that *has* the header on gRPC clients. Envoy reads
 * both spellings the same way.
 */
function headerMatch(m: IrStringMatch): HeaderMatcher {
  if (!('present' in m)) return { string_match: stringMatch(m) };
  return m.present ? { present_match: true } : { present_match: true, invert_match: true };
}

function queryMatch(m: IrStringMatch): QueryParameterMatcher {
  return 'present' in m ? { present_match: m.present } : { string_match: stringMatch(m) };
}

function forward(f: IrForward): RouteAction {
  const out: RouteAction = f.clusters.length === 1
    ? { cluster: f.clusters[0]!.cluster }
    : { weighted_clusters: { clusters: f.clusters.map((c) => ({ name: c.cluster, weight: { value: c.weight } })) } };
  addStreamLimits(out, f);
  if (f.retries) out.retry_policy = retryPolicy(f.retries);
  if (f.retries?.hedgeOnPerTryTimeout) out.hedge_policy = { hedge_on_per_try_timeout: true };
  if (f.mirror) {
    out.request_mirror_policies = [{ cluster: f.mirror.cluster, runtime_fraction: { default_value: fraction(f.mirror.percent) } }];
  }
  if (f.hashOn) out.hash_policy = [hashPolicy(f.hashOn)];
  if (f.rewrite?.host !== undefined) out.host_rewrite_literal = f.rewrite.host;
  if (f.rewrite?.path) out.regex_rewrite = regexRewrite(f.rewrite.path);
  return out;
}

function regexRewrite(r: IrPathRewrite): NonNullable<RouteAction['regex_rewrite']> {
  return { pattern: { regex: r.pattern }, substitution: r.substitution };
}

/**
 * Timeouts (route-streams.ts decides them). `timeout` is always sent: absent, Envoy applies 15 s.
 * The HCM allows WebSocket upgrades (http-filters.ts); a route that must not has it disabled here,
 * which overrides the HCM (Envoy "HTTP upgrades": a route's enabled=false wins).
 */
function addStreamLimits(out: RouteAction, f: IrForward): void {
  out.timeout = duration(f.timeoutMs);
  if (f.idleTimeoutMs !== undefined) out.idle_timeout = duration(f.idleTimeoutMs);
  if (f.maxStreamDurationMs !== undefined || f.grpcTimeoutHeaderMaxMs !== undefined) {
    out.max_stream_duration = {
      ...(f.maxStreamDurationMs !== undefined ? { max_stream_duration: duration(f.maxStreamDurationMs) } satisfies MaxStreamDuration : {}),
      ...(f.grpcTimeoutHeaderMaxMs !== undefined ? { grpc_timeout_header_max: duration(f.grpcTimeoutHeaderMaxMs) } satisfies MaxStreamDuration : {}),
    };
  }
  if (f.websocket === false) out.upgrade_configs = [{ upgrade_type: 'websocket', enabled: { value: false } }];
}

function retryPolicy(r: NonNullable<IrForward['retries']>): RetryPolicy {
  return {
    retry_on: r.on.join(','),
    num_retries: { value: r.attempts },
    ...(r.perTryTimeoutMs !== undefined ? { per_try_timeout: duration(r.perTryTimeoutMs) } satisfies RetryPolicy : {}),
    ...(r.perTryIdleTimeoutMs !== undefined ? { per_try_idle_timeout: duration(r.perTryIdleTimeoutMs) } satisfies RetryPolicy : {}),
    ...(r.backoff ? { retry_back_off: {
      base_interval: duration(r.backoff.baseIntervalMs),
      ...(r.backoff.maxIntervalMs !== undefined ? { max_interval: duration(r.backoff.maxIntervalMs) } satisfies RetryBackOff : {}),
    } } satisfies RetryPolicy : {}),
  };
}

const REDIRECT_CODE = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' } as const;

function redirect(r: IrRedirect): RedirectAction {
  const base = {
    ...(r.host ? { host_redirect: r.host } : {}),
    ...(r.port !== undefined ? { port_redirect: r.port } : {}),
    ...(r.scheme ? { scheme_redirect: r.scheme } : {}),
    response_code: REDIRECT_CODE[r.code],
  } satisfies RedirectAction;
  // path_redirect and regex_rewrite are one oneof in Envoy's RedirectAction.
  if (r.rewrite) return { ...base, regex_rewrite: regexRewrite(r.rewrite) };
  return r.path ? { ...base, path_redirect: r.path } : base;
}

function fault(f: NonNullable<IrRoute['fault']>): PackedAny {
  const cfg: HttpFault = {};
  if (f.delay) cfg.delay = { fixed_delay: duration(f.delay.fixedMs), percentage: fraction(f.delay.percent) };
  if (f.abort) {
    cfg.abort = {
      ...(f.abort.grpcStatus !== undefined ? { grpc_status: f.abort.grpcStatus } satisfies FaultAbort : { http_status: f.abort.httpStatus ?? 503 } satisfies FaultAbort),
      percentage: fraction(f.abort.percent),
    };
  }
  return any(ExtensionTypeUrl.Fault, cfg);
}

/**
 * Envoy reads header values through its substitution formatter, where `%` starts a command
 * (`%DOWNSTREAM_REMOTE_ADDRESS%`) and `%%` is a literal percent sign; a lone `%` (`50%`) makes it
 * reject the route configuration. Policy values are literal, so every `%` is doubled.
 */
export function literalHeaderValue(value: string): string {
  return value.replaceAll('%', '%%');
}

function addRewrites(out: Route, dir: 'request' | 'response', h: IrHeaderRewrite | undefined): void {
  if (!h) return;
  if (h.add.length) {
    out[`${dir}_headers_to_add`] = h.add.map((a): HeaderValueOption => ({ header: { key: a.name, value: literalHeaderValue(a.value) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }));
  }
  if (h.append?.length) {
    out[`${dir}_headers_to_add`] = [...out[`${dir}_headers_to_add`] ?? [], ...h.append.map((a): HeaderValueOption => (
      { header: { key: a.name, value: literalHeaderValue(a.value) }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }))];
  }
  if (h.remove.length) out[`${dir}_headers_to_remove`] = [...h.remove];
}

/** A ring-hash key as Envoy's (and gRPC's) route hash policy. */
function hashPolicy(h: NonNullable<IrForward['hashOn']>): HashPolicy {
  if ('header' in h) return { header: { header_name: h.header } };
  // gRFC A42: gRPC hashes the channel id where Envoy would hash the source IP.
  if ('grpcChannel' in h) return { filter_state: { key: 'io.grpc.channel_id' } };
  return { connection_properties: { source_ip: true } };
}
