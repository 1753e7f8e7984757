/**
 * Model → IR for the virtual host of one HTTP service port: domains and the routes of the
 * service's TrafficPolicy, in match order.
 *
 * Reads only its `RouteContext`: the service and port (its protocol decides the timeout and
 * upgrade defaults, route-streams.ts), its TrafficPolicy, the mesh default timeout, the proxy kind, whether the caller shares the service's namespace (short-name domains), and the
 * destination services of backends/mirrors. That value is also its memo key (cache.ts).
 * Problems (unknown backend service or subset, features a gRPC client cannot use) are
 * diagnostics; the affected backend or route is left out, never the whole service.
 */
import type { Backend, Diagnostic, PathMatch, RoutePolicy, Service, ServicePort, TrafficPolicy } from '../model/index.js';
import { byText } from '../common/index.js';
import type { IrDirectResponse, IrForward, IrHeaderRewrite, IrRedirect, IrRoute, IrRouteMatch, IrVirtualHost, IrWeightedCluster } from './ir.js';
import { outboundClusterName, virtualHostName } from './names.js';
import { streamLimits } from './route-streams.js';
import { TranslateCodes } from './codes.js';
import { pathRewrite, segmentPrefixRegex } from './path-rewrite.js';

export interface RouteContext {
  readonly service: Service;
  readonly port: ServicePort;
  readonly traffic: TrafficPolicy | undefined;
  /** The mesh default route timeout. */
  readonly timeoutMs: number;
  readonly kind: 'envoy' | 'grpc';
  readonly sameNamespace: boolean;
  /** Every other service the TrafficPolicy routes or mirrors to, by key (absent when unknown). */
  readonly destinations: ReadonlyMap<string, Destination>;
}

export interface Destination { readonly service: Service; readonly traffic: TrafficPolicy | undefined }

export interface VirtualHostResult { readonly vhost: IrVirtualHost; readonly diagnostics: readonly Diagnostic[] }

/** gRPC clients retry only on these status names (gRFC A44); other conditions are dropped. */
const GRPC_RETRY_ON = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

export function buildVirtualHost(ctx: RouteContext): VirtualHostResult {
  const diagnostics: Diagnostic[] = [];
  const name = virtualHostName(ctx.service.hostname, ctx.port.port);
  const all = ctx.traffic?.routes ?? [];
  // Indexes stay those of the policy's list, so route names and paths do not depend on the port.
  const here = all.map((p, i) => [p, i] as const).filter(([p]) => onPort(p, ctx));
  const policies: readonly (readonly [RoutePolicy, number])[] = here.length > 0 ? here : [[{}, 0]];
  const routes: IrRoute[] = [];
  for (const [p, i] of policies) {
    const r = buildRoute(ctx, p, `${name}/${i}`, `routes[${i}]`, diagnostics);
    if (r) routes.push(r);
  }
  return { vhost: { name, service: ctx.service.key, domains: domainsOf(ctx), routes }, diagnostics };
}

/** The routes of one ingress gateway host (build-gateway.ts): each of `policies` in order, named
 * `<vhost>/<index>`; `ctx.service` stands for the gateway listener (its backends name services). */
export function buildRoutes(ctx: RouteContext, policies: readonly RoutePolicy[], vhost: string, diagnostics: Diagnostic[]): IrRoute[] {
  const routes: IrRoute[] = [];
  policies.forEach((p, i) => {
    const r = buildRoute(ctx, p, `${vhost}/${i}`, `routes[${i}]`, diagnostics);
    if (r) routes.push(r);
  });
  return routes;
}

/** Hostname, `<name>.<ns>`, `<name>.<ns>.svc`, and the bare name for same-namespace callers;
 * each with and without `:port` (HTTP/1.1 clients send the port when it is not 80). */
function domainsOf(ctx: RouteContext): string[] {
  const { service, port } = ctx;
  const names = [service.hostname, `${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`];
  if (ctx.sameNamespace) names.push(service.name);
  return [...new Set(names.flatMap((n) => [n, `${n}:${port.port}`]))].sort();
}

/** A route of an HTTPRoute attached to one port of the service applies to that port only. */
function onPort(p: RoutePolicy, ctx: Pick<RouteContext, 'port'>): boolean {
  return p.port === undefined || p.port === ctx.port.port;
}

function buildRoute(ctx: RouteContext, p: RoutePolicy, name: string, path: string, diags: Diagnostic[]): IrRoute | undefined {
  const warn = (message: string, at: string, code: string) =>
    diags.push({ code, severity: 'warning', message, path: at, ...(p.source ? { source: p.source } : {}) });
  let action: IrRoute['action'] | undefined;
  if (p.redirect) {
    if (ctx.kind === 'grpc') return void warn('gRPC clients do not support redirect routes; route left out', `${path}.redirect`, TranslateCodes.unsupportedByKind.code);
    action = redirectOf(p.redirect, p.match?.path);
  } else {
    action = forward(ctx, p, path, warn);
    if (!action) return undefined;
  }
  return {
    name, match: matchOf(p, ctx.kind), action,
    ...(p.fault ? { fault: { ...p.fault } } : {}),
    ...(p.requestHeaders ? { requestHeaders: rewrite(p.requestHeaders) } : {}),
    ...(p.responseHeaders ? { responseHeaders: rewrite(p.responseHeaders) } : {}),
    ...(p.source ? { source: p.source } : {}),
  };
}

type Warn = (message: string, at: string, code: string) => void;

function forward(ctx: RouteContext, p: RoutePolicy, path: string, warn: Warn): IrForward | IrDirectResponse | undefined {
  const backends: readonly Backend[] = p.backends ?? [{ service: ctx.service.key, weight: 100 }];
  const usable: IrWeightedCluster[] = [];
  backends.forEach((b, i) => {
    const cluster = clusterOf(ctx, b.service, b.subset, b.port, `${path}.backends[${i}]`, warn);
    if (cluster) usable.push({ cluster, weight: b.weight });
  });
  const clusters = split(usable, backends, `${path}.backends`, warn);
  if (clusters.length === 0) return unavailable(ctx, usable.length > 0, `${path}.backends`, warn);
  const mirror = p.mirror && clusterOf(ctx, p.mirror.service, p.mirror.subset, p.mirror.port, `${path}.mirror`, warn);
  const hashKey = ctx.traffic?.loadBalancer === 'ring-hash' ? ctx.traffic.hashKey : undefined;
  return {
    kind: 'forward', clusters, ...streamLimits(ctx, p, path, warn),
    ...(p.retries ? { retries: retries(ctx, p, path, warn) } : {}),
    ...(mirror && p.mirror ? { mirror: { cluster: mirror, percent: p.mirror.percent } } : {}),
    ...(hashKey ? { hashOn: ctx.kind === 'grpc' && 'sourceIp' in hashKey ? { grpcChannel: true } as const : hashKey } : {}),
    ...rewriteOf(ctx, p, path, warn),
  };
}

/** gRPC clients ignore host and path rewrites (gRFC A28 reads neither), so they are left out. */
function rewriteOf(ctx: RouteContext, p: RoutePolicy, path: string, warn: Warn): Pick<IrForward, 'rewrite'> {
  const r = p.rewrite;
  if (!r) return {};
  if (ctx.kind === 'grpc') {
    warn('gRPC clients do not rewrite the host or path of a call; rewrite ignored', `${path}.rewrite`, TranslateCodes.unsupportedByKind.code);
    return {};
  }
  return { rewrite: { ...(r.host !== undefined ? { host: r.host } : {}), ...(r.path ? { path: pathRewrite(r.path, matchedPrefix(p.match?.path)) } : {}) } };
}

function redirectOf(r: NonNullable<RoutePolicy['redirect']>, matched: PathMatch | undefined): IrRedirect {
  const { prefix, ...rest } = r;
  return { kind: 'redirect', ...rest, ...(prefix !== undefined ? { rewrite: pathRewrite({ prefix }, matchedPrefix(matched)) } : {}) };
}

function matchedPrefix(m: PathMatch | undefined): string {
  return m && 'segmentPrefix' in m ? m.segmentPrefix : '/';
}

/**
 * The clusters of a TCP or TLS service port: the backends of its TrafficPolicy's catch-all route
 * (a weighted split, e.g. a canary for a database proxy), else the whole service. A byte stream
 * has no requests to match, so routes with `match` do not apply (WEFT4130); nor do HTTP features
 * of the catch-all route (retries, timeouts, faults, header rewrites, mirrors, redirects), which
 * Envoy's TCP proxy cannot apply either. Empty when every backend dropped out (the port then
 * keeps no route, and the caller's connections go where unknown destinations go).
 */
export function tcpClusters(ctx: RouteContext): { readonly clusters: readonly IrWeightedCluster[]; readonly diagnostics: readonly Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const routes = ctx.traffic?.routes ?? [];
  const at = routes.findIndex((r) => !r.match && !r.redirect && onPort(r, ctx));
  const warnAt = (i: number): Warn => (message, path, code) => {
    const source = routes[i]?.source ?? ctx.traffic?.source;
    diagnostics.push({ code, severity: 'warning', message, path, ...(source ? { source } : {}) });
  };
  const warn = warnAt(at);
  // Routes written for a service's HTTP ports are no mistake on its other ports: said only when
  // the service has none.
  const byteStreamsOnly = ctx.service.ports.every((p) => p.protocol === 'tcp' || p.protocol === 'tls');
  routes.forEach((r, i) => {
    if (!byteStreamsOnly || !onPort(r, ctx)) return;
    const warn = warnAt(i);
    if (i !== at) warn(`port ${ctx.port.port} of ${ctx.service.key} is ${ctx.port.protocol}: only a route without match applies to a byte stream; route ignored on this port`, `routes[${i}]`, TranslateCodes.httpOnlyOnTcp.code);
    else if (r.retries || r.fault || r.mirror || r.requestHeaders || r.responseHeaders || r.timeoutMs !== undefined || r.rateLimit) {
      warn(`port ${ctx.port.port} of ${ctx.service.key} is ${ctx.port.protocol}: only the route's backends apply (retries, faults, mirrors, timeouts, header rewrites and rate limits are HTTP)`, `routes[${i}]`, TranslateCodes.httpOnlyOnTcp.code);
    }
  });
  const route = at >= 0 ? routes[at]! : {};
  const backends: readonly Backend[] = route.backends ?? [{ service: ctx.service.key, weight: 100 }];
  const usable: IrWeightedCluster[] = [];
  backends.forEach((b, i) => {
    const cluster = clusterOf(ctx, b.service, b.subset, b.port, `routes[${at}].backends[${i}]`, warn);
    if (cluster) usable.push({ cluster, weight: b.weight });
  });
  return { clusters: split(usable, backends, `routes[${at}].backends`, warn), diagnostics };
}

/**
 * What is left of a split when backends drop out (unknown service, port or subset): backends of
 * weight 0 are left out (they get nothing), and the positive weights that remain share the
 * route's traffic in proportion (Envoy and gRPC divide each weight by their sum), so one
 * survivor gets all of it. Empty when nothing with weight remains.
 */
function split(usable: readonly IrWeightedCluster[], declared: readonly Backend[], at: string, warn: Warn): IrWeightedCluster[] {
  const kept = usable.filter((c) => c.weight > 0);
  const sum = kept.reduce((t, c) => t + c.weight, 0);
  const declaredSum = declared.reduce((t, b) => t + b.weight, 0);
  if (kept.length > 0 && sum !== declaredSum) {
    const shares = kept.map((c) => `${c.cluster} ${Math.round((c.weight / sum) * 1000) / 10}%`).join(', ');
    warn(`backends with weight ${declaredSum - sum} dropped out; the remaining ones share the traffic in proportion to their weights: ${shares}`, at, TranslateCodes.backendsDropped.code);
  }
  return kept;
}

/**
 * No backend with weight is left. Envoy answers 503 (a direct response), so the requests this
 * route matches never fall through to a later route, and never reach a backend weighted 0.
 * gRPC clients NACK a direct_response route, so for them the route is left out.
 */
function unavailable(ctx: RouteContext, zeroOnly: boolean, at: string, warn: Warn): IrDirectResponse | undefined {
  const why = zeroOnly ? 'every remaining backend has weight 0' : 'no usable backend';
  if (ctx.kind === 'grpc') return void warn(`${why}; route left out (gRPC clients cannot be given a direct 503)`, at, TranslateCodes.backendsDropped.code);
  warn(`${why}; the route answers 503`, at, TranslateCodes.backendsDropped.code);
  return { kind: 'direct', status: 503 };
}

function clusterOf(ctx: RouteContext, key: string, subset: string | undefined, port: number | undefined,
  at: string, warn: Warn): string | undefined {
  const dest = key === ctx.service.key ? { service: ctx.service, traffic: ctx.traffic } : ctx.destinations.get(key);
  if (!dest) return void warn(`unknown service "${key}"`, at, TranslateCodes.unknownBackend.code);
  const p = port ?? ctx.port.port;
  if (!dest.service.ports.some((sp) => sp.port === p)) return void warn(`service "${key}" has no port ${p}`, at, TranslateCodes.unknownBackend.code);
  if (subset !== undefined && !dest.traffic?.subsets.has(subset)) {
    return void warn(`service "${key}" defines no subset "${subset}"`, `${at}.subset`, TranslateCodes.backendsDropped.code);
  }
  return outboundClusterName(p, subset, dest.service.hostname);
}

/**
 * gRPC clients (gRFC A44) read `retry_on`, `num_retries` and `retry_back_off` only: they have no
 * per-try timeout, per-try idle timeout, hedging or cluster retry budget, so those are said and
 * left out (the retries themselves still apply).
 */
function retries(ctx: RouteContext, p: RoutePolicy, path: string, warn: Warn): NonNullable<IrForward['retries']> {
  const r = p.retries!;
  let on = [...r.on];
  const envoy = ctx.kind === 'envoy';
  if (!envoy) {
    const dropped = on.filter((c) => !GRPC_RETRY_ON.has(c));
    if (dropped.length) warn(`gRPC clients cannot retry on ${dropped.join(', ')}; ignored`, `${path}.retries.on`, TranslateCodes.unsupportedByKind.code);
    on = on.filter((c) => GRPC_RETRY_ON.has(c));
    const unsupported = [r.perTryTimeoutMs !== undefined && 'per-try timeout', r.perTryIdleTimeoutMs !== undefined && 'per-try idle timeout', r.hedgeOnPerTryTimeout && 'hedging', r.budget && 'retry budget'].filter((x) => x);
    if (unsupported.length) warn(`gRPC clients have no ${unsupported.join(', ')} (gRFC A44 reads the retry conditions, attempts and back-off); ignored, the retries still apply`, `${path}.retries`, TranslateCodes.unsupportedByKind.code);
  }
  return {
    attempts: r.attempts, on,
    ...(envoy && r.perTryTimeoutMs !== undefined ? { perTryTimeoutMs: r.perTryTimeoutMs } : {}),
    ...(r.backoff ? { backoff: { ...r.backoff } } : {}),
    ...(envoy && r.perTryIdleTimeoutMs !== undefined ? { perTryIdleTimeoutMs: r.perTryIdleTimeoutMs } : {}),
    ...(envoy && r.hedgeOnPerTryTimeout ? { hedgeOnPerTryTimeout: true as const } : {}),
  };
}

export function matchOf(p: Pick<RoutePolicy, 'match'>, kind: RouteContext['kind']): IrRouteMatch {
  const m = p.match;
  const path = m?.path ?? { prefix: '/' };
  const headers = Object.entries(m?.headers ?? {}).map(([name, match]) => ({ name, match }));
  if (m?.methods?.length) {
    const methods = [...m.methods].sort();
    headers.push({ name: ':method', match: methods.length === 1 ? { exact: methods[0]! } : { regex: `^(${methods.join('|')})$` } });
  }
  return {
    path: kind === 'grpc' && 'segmentPrefix' in path ? { regex: segmentPrefixRegex(path.segmentPrefix) } : path,
    headers: headers.sort(byText((x) => x.name)),
    query: Object.entries(m?.query ?? {}).map(([name, match]) => ({ name, match })).sort(byText((x) => x.name)),
  };
}

function rewrite(h: NonNullable<RoutePolicy['requestHeaders']>): IrHeaderRewrite {
  const pairs = (r: Readonly<Record<string, string>>) => Object.entries(r).map(([name, value]) => ({ name, value })).sort(byText((x) => x.name));
  return { add: pairs(h.add ?? {}), ...(h.append ? { append: pairs(h.append) } : {}), remove: [...(h.remove ?? [])].sort() };
}
