/**
 * IR → Envoy for the rate limits of an inbound HTTP chain (build-inbound-limits.ts decides them).
 * Two local_ratelimit filters, so that every limit that applies to a request takes its token:
 * - `envoy.filters.http.local_ratelimit`: the shared bucket and the callers' descriptor buckets.
 *   A caller with a bucket of its own does not take from the shared one
 *   (`always_consume_default_token_bucket: false`); the descriptors come from the virtual host's
 *   `rate_limits` (each a `header_value_match` on the XFCC the HCM wrote). Envoy 1.40 logs that
 *   descriptors read from route configuration "will be ignored in the future" in favour of the
 *   filter's own `rate_limits` field, which the API version of weft's protos does not have yet.
 * - `envoy.filters.http.local_ratelimit.route`: no bucket of its own (disabled), enabled per route
 *   by the `typed_per_filter_config` of the routes that have a bucket ("when using per route
 *   configuration, the bucket becomes unique to that route").
 */
import type { IrBucket, IrCallerLimit, IrInboundChain, IrInboundRoute } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, duration } from './common.js';
import { routeMatch } from './routes.js';
import type { HttpFilter, Message, PackedAny, Route } from './messages.js';

type RuntimeFractionalPercent = Message<'envoy.config.core.v3.RuntimeFractionalPercent'>;
type RateLimit = Message<'envoy.config.route.v3.RateLimit'>;
type LocalRateLimit = Message<'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'>;

/** The filter that runs the routes' own buckets. */
export const ROUTE_RATE_LIMIT = `${ExtensionName.LocalRateLimit}.route`;

/** Descriptor key of a caller's bucket. */
const CALLER_KEY = 'weft-caller';
const XFCC = 'x-forwarded-client-cert';

type Limits = Pick<IrInboundChain, 'rateLimit' | 'callerLimits' | 'routeLimits'>;

/** The chain's local rate limit filters, in order (shared and callers, then routes). */
export function rateLimitFilters(c: Limits, statPrefix: string): HttpFilter[] {
  const out: HttpFilter[] = [];
  if (c.rateLimit || c.callerLimits) out.push({ name: ExtensionName.LocalRateLimit, typed_config: serviceLimit(c, statPrefix) });
  if (c.routeLimits?.some((r) => r.bucket)) out.push({ name: ROUTE_RATE_LIMIT, typed_config: any(ExtensionTypeUrl.LocalRateLimit, { stat_prefix: `${statPrefix}.route` }) });
  return out;
}

/**
 * Enabled and enforced for every request. A refused gRPC call ends with RESOURCE_EXHAUSTED (8),
 * not Envoy's default UNAVAILABLE (14): callers retry UNAVAILABLE (weft's default retry conditions
 * and gRPC clients' usual policies do), so each refused call came back `attempts` more times.
 */
function enabled(runtimeKey: string): Pick<LocalRateLimit, 'filter_enabled' | 'filter_enforced' | 'rate_limited_as_resource_exhausted'> {
  const pct: RuntimeFractionalPercent = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: runtimeKey };
  return { filter_enabled: pct, filter_enforced: pct, rate_limited_as_resource_exhausted: true };
}

/** Token bucket: holds `burst` tokens, refilled with `tokensPerFill` every `fillIntervalMs`
 * (exact for the policy's rate: policy/rate.ts). */
function tokenBucket(b: IrBucket): Message<'envoy.type.v3.TokenBucket'> {
  return { max_tokens: b.burst, tokens_per_fill: { value: b.tokensPerFill }, fill_interval: duration(b.fillIntervalMs) };
}

function serviceLimit(c: Limits, statPrefix: string): PackedAny {
  return any(ExtensionTypeUrl.LocalRateLimit, {
    stat_prefix: statPrefix,
    ...(c.rateLimit ? { token_bucket: tokenBucket(c.rateLimit) } : {}),
    ...enabled(`${statPrefix}.rl`),
    ...(c.callerLimits ? {
      descriptors: c.callerLimits.map((l) => ({ entries: [{ key: CALLER_KEY, value: l.key }], token_bucket: tokenBucket(l.bucket) })),
      always_consume_default_token_bucket: { value: false },
    } : {}),
  });
}

/** The virtual host's `rate_limits`: one descriptor per caller bucket whose XFCC match holds. */
export function callerRateLimits(limits: readonly IrCallerLimit[]): RateLimit[] {
  return limits.map((l) => ({
    actions: [{ header_value_match: { descriptor_key: CALLER_KEY, descriptor_value: l.key, headers: [{ name: XFCC, string_match: 'suffix' in l.xfcc ? { suffix: l.xfcc.suffix } : { safe_regex: { regex: l.xfcc.regex } } }] } }],
  }));
}

/** The chain's routes with buckets (and the routes before them, which keep first-match order),
 * each forwarding to the application like the catch-all route after them. */
export function limitedRoutes(routes: readonly IrInboundRoute[], cluster: string): Route[] {
  return routes.map((r) => ({
    name: r.name, match: routeMatch(r.match), route: { cluster, timeout: { seconds: 0, nanos: 0 } },
    ...(r.bucket ? { typed_per_filter_config: { [ROUTE_RATE_LIMIT]: any(ExtensionTypeUrl.LocalRateLimit, { stat_prefix: r.name, token_bucket: tokenBucket(r.bucket), ...enabled(`${r.name}.rl`) }) } } : {}),
  }));
}
