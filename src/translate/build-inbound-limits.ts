/**
 * Model → IR for the rate limits of one inbound HTTP chain: the service's shared bucket, the
 * buckets of callers' own, and the TrafficPolicy routes that have a bucket of their own.
 *
 * A caller's bucket is keyed on its verified identity, never on anything it sends: the inbound
 * HCM drops every `x-forwarded-client-cert` a caller sends and writes its own from the peer
 * certificate (SANITIZE_SET, `By=<us>;Hash=<cert hash>;URI=<peer URI SAN>`, URI last; removed
 * altogether on a plaintext connection) before any HTTP filter runs, so a match on the end of
 * that value is a match on the mTLS peer (proven in e2e/envoy/netns-rate-limits.test.ts: a caller
 * sending a forged header stays in its bucket). Envoy's local rate limit takes its descriptors
 * from the route's (here the virtual host's) `rate_limits`, which read request headers only.
 */
import type { AccessPolicy, RateCaller, RateLimit, RoutePolicy } from '../model/index.js';
import type { IrBucket, IrCallerLimit, IrInboundChain, IrInboundRoute } from './ir.js';
import { matchOf } from './build-routes.js';

export type InboundLimits = Pick<IrInboundChain, 'rateLimit' | 'callerLimits' | 'routeLimits'>;

/** `routes`: the service's TrafficPolicy routes (absent: none). `chain`: the chain's name. */
export function inboundLimits(access: readonly AccessPolicy[], routes: readonly RoutePolicy[] | undefined, trustDomain: string, chain: string): InboundLimits {
  const policy = access.find((p) => p.rateLimit || p.callerLimits);
  const last = (routes ?? []).map((r) => !!r.rateLimit).lastIndexOf(true);
  return {
    ...(policy?.rateLimit ? { rateLimit: bucket(policy.rateLimit) } : {}),
    ...(policy?.callerLimits ? { callerLimits: policy.callerLimits.map((c, i): IrCallerLimit => ({ key: `caller-${i}`, xfcc: xfccMatch(c.from, trustDomain), bucket: bucket(c.rateLimit), ...(c.source ? { source: c.source } : {}) })) } : {}),
    ...(last >= 0 ? { routeLimits: routes!.slice(0, last + 1).map((r, i) => inboundRoute(r, `${chain}/${i}`)) } : {}),
  };
}

function inboundRoute(r: RoutePolicy, name: string): IrInboundRoute {
  return { name, match: matchOf(r, 'envoy'), ...(r.rateLimit ? { bucket: bucket(r.rateLimit) } : {}), ...(r.source ? { source: r.source } : {}) };
}

function bucket(r: RateLimit): IrBucket {
  return { requestsPerSecond: r.requestsPerSecond, burst: r.burst, tokensPerFill: r.tokensPerFill, fillIntervalMs: r.fillIntervalMs };
}

/** The end of the XFCC value the inbound HCM writes for a caller: `;URI=<its SPIFFE ID>`. */
function xfccMatch(c: RateCaller, trustDomain: string): IrCallerLimit['xfcc'] {
  if ('identity' in c) return { suffix: `;URI=${c.identity}` };
  if ('serviceAccount' in c) {
    const [sa, ns] = c.serviceAccount.split('.') as [string, string];
    return { suffix: `;URI=spiffe://${trustDomain}/ns/${ns}/sa/${sa}` };
  }
  return { regex: `.*;URI=spiffe://${escapeRe2(trustDomain)}/ns/${c.namespace}/sa/[^;,]+` };
}

function escapeRe2(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
