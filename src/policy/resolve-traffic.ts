/**
 * TrafficPolicy document -> resolved `TrafficPolicy`: defaults applied, durations already in ms,
 * service references qualified, and the rules the schema cannot express checked (weights, route
 * actions, ring-hash keys, abort status, unreachable routes; retries in resolve-retries.ts).
 * Subset references need every TrafficPolicy and are checked in resolve.ts.
 */
import { PolicyCodes } from './codes.js';
import type { Backend, FaultPolicy, RoutePolicy, TrafficPolicy } from './types.js';
import { resolveRetries, serviceRetryBudget } from './resolve-retries.js';
import { resolveRouteRate } from './resolve-rate.js';

import type { RouteDoc, TrafficDoc } from './schema.js';
import { DEFAULT_NAMESPACE, DocReporter, at, qualify } from './resolve-util.js';
import { compareText } from '../common/index.js';
import { resolveLocality } from './resolve-locality.js';

type BackendDoc = NonNullable<RouteDoc['backends']>[number];

export function resolveTraffic(doc: TrafficDoc, r: DocReporter): TrafficPolicy {
  const ns = doc.namespace ?? DEFAULT_NAMESPACE;
  const service = qualify(doc.service, ns);
  const routes = (doc.routes ?? []).map((route, i) => resolveRoute(route, `routes[${i}]`, service, ns, r));
  warnUnreachable(doc.routes ?? [], r);
  const loadBalancer = doc.loadBalancer ?? 'round-robin';
  checkHashKey(doc, loadBalancer, r);
  const od = doc.outlierDetection;
  const retryBudget = serviceRetryBudget(routes, service, doc.circuitBreaker?.maxRetries, r);
  return {
    service,
    routes,
    subsets: new Map(Object.entries(doc.subsets ?? {}).sort(([a], [b]) => compareText(a, b))),
    loadBalancer,
    ...(doc.hashKey && { hashKey: doc.hashKey }),
    ...(doc.circuitBreaker && { circuitBreaker: doc.circuitBreaker }),
    ...(retryBudget && { retryBudget }),
    ...(od && {
      outlierDetection: {
        consecutive5xx: od.consecutive5xx ?? 5,
        intervalMs: od.interval ?? 10_000,
        baseEjectionTimeMs: od.baseEjectionTime ?? 30_000,
        maxEjectionPercent: od.maxEjectionPercent ?? 10,
      },
    }),
    ...(doc.locality && { locality: resolveLocality(doc.locality, r) }),
    source: at(r.pd, ''),
  };
}

function resolveRoute(route: RouteDoc, path: string, own: string, ns: string, r: DocReporter): RoutePolicy {
  if (route.backends && route.redirect) {
    r.error(PolicyCodes.routeAction.code, path, 'a route has either backends or redirect, not both');
  }
  const redirect = route.redirect && { ...route.redirect, code: route.redirect.code ?? 301 };
  const backends = redirect ? undefined : resolveBackends(route.backends, `${path}.backends`, own, ns, r);
  const rateLimit = resolveRouteRate(route, backends, own, path, r);
  return {
    ...(route.match && { match: route.match }),
    ...(redirect ? { redirect } : { backends: backends! }),
    ...(route.timeout !== undefined && { timeoutMs: route.timeout }),
    ...(route.idleTimeout !== undefined && { idleTimeoutMs: route.idleTimeout }),
    ...(route.maxStreamDuration !== undefined && { maxStreamDurationMs: route.maxStreamDuration }),
    ...(route.websocket !== undefined && { websocket: route.websocket }),
    ...(route.retries && { retries: resolveRetries(route.retries, route, `${path}.retries`, r) }),
    ...(route.fault && { fault: resolveFault(route.fault, `${path}.fault`, r) }),
    ...(route.mirror && {
      mirror: {
        service: qualify(route.mirror.service ?? own, ns),
        ...(route.mirror.subset !== undefined && { subset: route.mirror.subset }),
        percent: route.mirror.percent ?? 100,
      },
    }),
    ...(route.requestHeaders && { requestHeaders: route.requestHeaders }),
    ...(route.responseHeaders && { responseHeaders: route.responseHeaders }),
    ...(rateLimit && { rateLimit }),
    source: at(r.pd, path),
  };
}

/**
 * Weights: set on every backend (adding up to 100, so never all 0) or on none (split evenly, the
 * remainder going to the first backends). A route without backends goes to its own service. What
 * happens when backends drop out at translation is in build-routes.ts (`split`).
 */
function resolveBackends(docs: readonly BackendDoc[] | undefined, path: string, own: string, ns: string, r: DocReporter): Backend[] {
  const list = docs ?? [{}];
  const weighted = list.filter((b) => b.weight !== undefined).length;
  if (weighted > 0 && weighted < list.length) {
    r.error(PolicyCodes.weights.code, path, 'set weight on every backend of a route, or on none');
  } else if (weighted > 0) {
    const sum = list.reduce((s, b) => s + (b.weight ?? 0), 0);
    if (sum === 0) r.error(PolicyCodes.weights.code, path, 'every backend weight is 0: the route would send its traffic nowhere; give one backend a weight, or remove the route');
    else if (sum !== 100) r.error(PolicyCodes.weights.code, path, `backend weights add up to ${sum}, not 100`);
  }
  const even = Math.floor(100 / list.length);
  return list.map((b, i) => ({
    service: qualify(b.service ?? own, ns),
    ...(b.subset !== undefined && { subset: b.subset }),
    weight: b.weight ?? even + (i < 100 - even * list.length ? 1 : 0),
    ...(b.port !== undefined && { port: b.port }),
  }));
}

function resolveFault(doc: NonNullable<RouteDoc['fault']>, path: string, r: DocReporter): FaultPolicy {
  const a = doc.abort;
  if (a && (a.httpStatus === undefined) === (a.grpcStatus === undefined)) {
    r.error(PolicyCodes.abortStatus.code, `${path}.abort`, 'abort needs exactly one of httpStatus and grpcStatus');
  }
  return {
    ...(doc.delay && { delay: { fixedMs: doc.delay.fixed, percent: doc.delay.percent } }),
    ...(a && { abort: a }),
  };
}

function checkHashKey(doc: TrafficDoc, lb: string, r: DocReporter): void {
  if (doc.hashKey && lb !== 'ring-hash') {
    r.error(PolicyCodes.hashKey.code, 'hashKey', `hashKey only applies to loadBalancer: ring-hash (this policy uses ${lb})`);
  } else if (!doc.hashKey && lb === 'ring-hash') {
    r.error(PolicyCodes.hashKey.code, 'loadBalancer', 'ring-hash needs a hashKey (header or sourceIp)');
  }
}

/** A route without conditions catches everything, so routes after it can never match. */
function warnUnreachable(routes: readonly RouteDoc[], r: DocReporter): void {
  const catchAll = routes.findIndex((rt) => !rt.match || Object.keys(rt.match).length === 0);
  if (catchAll >= 0 && catchAll < routes.length - 1) {
    r.warn(PolicyCodes.unreachableRoute.code, `routes[${catchAll + 1}]`, `unreachable: routes[${catchAll}] has no match and catches every request`);
  }
}
