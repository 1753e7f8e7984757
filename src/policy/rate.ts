/**
 * A rate limit as a token bucket Envoy can run exactly (local_ratelimit: `max_tokens`,
 * `tokens_per_fill` every `fill_interval`). Envoy counts whole tokens and whole milliseconds and
 * refuses a fill interval under 50 ms, so a rate like 2.5/s is 1 token every 400 ms, and a rate no
 * whole number of tokens up to the bucket size can express with a whole-millisecond interval of at
 * least 50 ms is refused (it used to be rounded silently: 2.5/s became 3/s).
 */

/** Envoy's smallest fill interval (local rate limit token bucket). */
export const MIN_FILL_INTERVAL_MS = 50;

export interface TokenBucket { readonly tokensPerFill: number; readonly fillIntervalMs: number }

/**
 * The bucket refilling exactly `requestsPerSecond` (at most 3 decimals) with at most `burst`
 * tokens per fill, or undefined when there is none. Whole rates within the burst keep one fill a
 * second.
 */
export function tokenBucket(requestsPerSecond: number, burst: number): TokenBucket | undefined {
  const perKilo = Math.round(requestsPerSecond * 1000);
  if (perKilo <= 0 || Math.abs(perKilo - requestsPerSecond * 1000) > 1e-6) return undefined;
  if (Number.isInteger(requestsPerSecond) && requestsPerSecond <= burst) return { tokensPerFill: requestsPerSecond, fillIntervalMs: 1000 };
  // n tokens every n * 10^6 / perKilo ms: a whole number of ms when n is a multiple of n0.
  const n0 = perKilo / gcd(perKilo, 1_000_000);
  const intervalOfN0 = (n0 * 1_000_000) / perKilo;
  const k = Math.max(1, Math.ceil(MIN_FILL_INTERVAL_MS / intervalOfN0));
  const tokens = k * n0;
  return tokens <= burst ? { tokensPerFill: tokens, fillIntervalMs: k * intervalOfN0 } : undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
