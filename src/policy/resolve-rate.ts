/**
 * Rate limits -> exact token buckets (rate.ts), and the rules the schema cannot express:
 * - an AccessPolicy `rateLimit` has a shared bucket (`requestsPerSecond`) or `callers` or both,
 *   and no caller can match two `callers` entries: Envoy 1.40 takes a token from every
 *   descriptor bucket a request matches (measured), so overlapping entries would charge a caller
 *   twice (WEFT2089);
 * - a route's own `rateLimit` is enforced at the inbound of the service's workloads, so the route
 *   must send there: not a redirect, no backend in another service (WEFT2088).
 */
import { PolicyCodes } from './codes.js';
import { MIN_FILL_INTERVAL_MS, tokenBucket } from './rate.js';
import type { Backend, CallerRateLimit, RateCaller, RateLimit } from './types.js';
import type { AccessDoc, RouteDoc } from './schema.js';
import { type DocReporter, at, qualify } from './resolve-util.js';

type AccessRateDoc = NonNullable<AccessDoc['rateLimit']>;
type CallerDoc = NonNullable<AccessRateDoc['callers']>[number];

/** The token bucket of a rate limit; an inexact one is an error (WEFT2051) naming the burst it needs. */
export function resolveRate(requestsPerSecond: number, burstDoc: number | undefined, path: string, r: DocReporter): RateLimit {
  const burst = burstDoc ?? Math.ceil(requestsPerSecond);
  const bucket = tokenBucket(requestsPerSecond, burst);
  if (bucket) return { requestsPerSecond, burst, ...bucket };
  const needed = tokenBucket(requestsPerSecond, Number.MAX_SAFE_INTEGER);
  const how = needed
    ? `it is ${needed.tokensPerFill} tokens every ${needed.fillIntervalMs} ms, so burst must be at least ${needed.tokensPerFill}`
    : 'it has more than 3 decimals';
  r.error(PolicyCodes.rateNotExact.code, `${path}.${burstDoc === undefined ? 'requestsPerSecond' : 'burst'}`,
    `Envoy refills whole tokens every whole millisecond (at least ${MIN_FILL_INTERVAL_MS} ms apart): ${requestsPerSecond}/s with burst ${burst} cannot be run exactly; ${how}`);
  return { requestsPerSecond, burst, tokensPerFill: 1, fillIntervalMs: 1000 };
}

/** An AccessPolicy's shared bucket and per-caller buckets. */
export function resolveAccessRate(doc: AccessRateDoc, ns: string, r: DocReporter): { rateLimit?: RateLimit; callerLimits?: CallerRateLimit[] } {
  const path = 'rateLimit';
  if (doc.requestsPerSecond === undefined && doc.burst !== undefined) {
    r.error(PolicyCodes.callerRateLimit.code, `${path}.burst`, 'burst without requestsPerSecond: the shared bucket needs a rate');
  } else if (doc.requestsPerSecond === undefined && !doc.callers) {
    r.error(PolicyCodes.callerRateLimit.code, path, 'a rateLimit needs requestsPerSecond (the shared bucket), callers (buckets of their own), or both');
  }
  const callerLimits = doc.callers?.map((c, i): CallerRateLimit => {
    const source = at(r.pd, `${path}.callers[${i}]`);
    return { from: callerOf(c.from, ns), rateLimit: resolveRate(c.requestsPerSecond, c.burst, `${path}.callers[${i}]`, r), ...(source && { source }) };
  });
  if (callerLimits) checkOverlap(callerLimits, `${path}.callers`, r);
  return {
    ...(doc.requestsPerSecond !== undefined && { rateLimit: resolveRate(doc.requestsPerSecond, doc.burst, path, r) }),
    ...(callerLimits && { callerLimits }),
  };
}

function callerOf(from: CallerDoc['from'], ns: string): RateCaller {
  if ('serviceAccount' in from) return { serviceAccount: qualify(from.serviceAccount, ns) };
  return from;
}

/** Namespace and account of a caller entry (a SPIFFE ID's trust domain is not compared: a caller
 * of another trust domain is refused by the TLS handshake before any bucket). */
function scopeOf(c: RateCaller): { readonly ns: string; readonly sa?: string } {
  if ('namespace' in c) return { ns: c.namespace };
  if ('serviceAccount' in c) {
    const [sa, ns] = c.serviceAccount.split('.') as [string, string];
    return { ns, sa };
  }
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(c.identity)!;
  return { ns: m[1]!, sa: m[2]! };
}

function checkOverlap(limits: readonly CallerRateLimit[], path: string, r: DocReporter): void {
  const scopes = limits.map((l) => scopeOf(l.from));
  scopes.forEach((b, j) => {
    const i = scopes.findIndex((a, k) => k < j && a.ns === b.ns && (a.sa === undefined || b.sa === undefined || a.sa === b.sa));
    if (i < 0) return;
    const a = scopes[i]!;
    const who = a.sa === undefined || b.sa === undefined ? `namespace ${a.ns}` : `${b.sa}.${b.ns}`;
    r.error(PolicyCodes.callerRateLimit.code, `${path}[${j}].from`, `callers[${i}] also matches ${who}: Envoy takes a token from every bucket a request matches, so such a caller would be charged twice`);
  });
}

/** A route's own bucket, where the service's inbound sees the route's requests. */
export function resolveRouteRate(route: RouteDoc, backends: readonly Backend[] | undefined, own: string, path: string, r: DocReporter): RateLimit | undefined {
  const doc = route.rateLimit;
  if (!doc) return undefined;
  if (route.redirect) {
    r.error(PolicyCodes.routeRateLimit.code, `${path}.rateLimit`, 'a redirect route is answered by the caller\'s sidecar; no request reaches the service\'s inbound, where the limit runs');
  }
  const elsewhere = [...new Set((backends ?? []).filter((b) => b.service !== own).map((b) => b.service))];
  if (elsewhere.length) {
    r.error(PolicyCodes.routeRateLimit.code, `${path}.rateLimit`, `the limit runs at the inbound of ${own}; this route also sends to ${elsewhere.join(', ')}, whose requests it would never see: set it in that service's TrafficPolicy`);
  }
  return resolveRate(doc.requestsPerSecond, doc.burst, `${path}.rateLimit`, r);
}

