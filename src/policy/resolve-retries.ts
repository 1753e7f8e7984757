/**
 * A route's `retries` block -> `RetryPolicy`, and the service's cluster retry budget from its
 * routes. The rules below are what Envoy 1.40 does, measured with the binary
 * (e2e/envoy/netns-retries.test.ts):
 * - a try cut by `per_try_timeout` or `per_try_idle_timeout` is retried only when `retry_on` has
 *   5xx, gateway-error or reset; with the default or the gRPC conditions the caller gets the
 *   timeout at once (504, or grpc-status 14 on a gRPC call), unless the route hedges;
 * - `per_try_timeout` stops at the response headers, `per_try_idle_timeout` goes on while the
 *   response streams, so an idle timeout at or above the per-try timeout still bounds the gaps of
 *   a streaming response and is no mistake;
 * - hedging (`hedge_on_per_try_timeout`) acts only at a per-try timeout, and a hedged try is one
 *   of `num_retries`;
 * - `retry_budget` is a cluster's (one per destination cluster on each calling sidecar) and
 *   replaces `max_retries`.
 */
import { PolicyCodes } from './codes.js';
import type { Backend, RetryBudget, RetryPolicy, RoutePolicy } from './types.js';
import type { RouteDoc } from './schema.js';
import type { DocReporter } from './resolve-util.js';

/** Retry conditions when a route's `retries` names none (connection-level failures only, which are
 * safe to retry for any method). */
export const DEFAULT_RETRY_ON: readonly string[] = ['connect-failure', 'refused-stream', 'unavailable', 'cancelled'];

/** The conditions under which Envoy retries a try it cut at a per-try (idle) timeout. */
const RETRIES_TIMED_OUT_TRY = ['5xx', 'gateway-error', 'reset'];

/** Envoy's default `min_retry_concurrency`. */
const DEFAULT_MIN_CONCURRENCY = 3;

type RetriesDoc = NonNullable<RouteDoc['retries']>;

export function resolveRetries(doc: RetriesDoc, route: RouteDoc, path: string, r: DocReporter): RetryPolicy {
  const b = doc.backoff;
  if (b?.maxInterval !== undefined && b.maxInterval < b.baseInterval) {
    r.error(PolicyCodes.backoff.code, `${path}.backoff.maxInterval`, 'maxInterval is shorter than baseInterval');
  }
  const on = doc.on ?? DEFAULT_RETRY_ON;
  checkCutTries(doc, on, route.timeout, path, r);
  checkHedge(doc, path, r);
  const budget = doc.budget && budgetOf(doc.budget, `${path}.budget`, r);
  return {
    attempts: doc.attempts,
    ...(doc.perTryTimeout !== undefined && { perTryTimeoutMs: doc.perTryTimeout }),
    ...(doc.perTryIdleTimeout !== undefined && { perTryIdleTimeoutMs: doc.perTryIdleTimeout }),
    on,
    ...(b && { backoff: { baseIntervalMs: b.baseInterval, ...(b.maxInterval !== undefined && { maxIntervalMs: b.maxInterval }) } }),
    ...(budget && { budget }),
    ...(doc.hedge?.onPerTryTimeout && { hedgeOnPerTryTimeout: true }),
  };
}

function checkCutTries(doc: RetriesDoc, on: readonly string[], routeTimeout: number | undefined, path: string, r: DocReporter): void {
  const cutters = (['perTryTimeout', 'perTryIdleTimeout'] as const).filter((f) => (doc[f] ?? 0) > 0);
  const retried = on.some((c) => RETRIES_TIMED_OUT_TRY.includes(c)) || doc.hedge?.onPerTryTimeout;
  if (doc.attempts > 0 && !retried) {
    for (const f of cutters) {
      r.warn(PolicyCodes.perTryTimeouts.code, `${path}.${f}`,
        `a try cut by ${f} is not retried: on (${on.join(', ')}) has none of ${RETRIES_TIMED_OUT_TRY.join(', ')}, so the caller gets the timeout after the first try`);
    }
  }
  const idle = doc.perTryIdleTimeout;
  if (idle !== undefined && idle > 0 && routeTimeout !== undefined && routeTimeout > 0 && idle >= routeTimeout) {
    r.warn(PolicyCodes.perTryTimeouts.code, `${path}.perTryIdleTimeout`,
      `the idle timeout (${idle} ms) is not shorter than the route timeout (${routeTimeout} ms): the request times out first`);
  }
}

function checkHedge(doc: RetriesDoc, path: string, r: DocReporter): void {
  if (!doc.hedge?.onPerTryTimeout) return;
  if (doc.perTryTimeout === undefined || doc.perTryTimeout === 0) {
    r.error(PolicyCodes.hedge.code, `${path}.hedge`, 'hedging sends the next try when a try reaches perTryTimeout; set perTryTimeout');
  }
  if (doc.attempts === 0) {
    r.error(PolicyCodes.hedge.code, `${path}.attempts`, 'a hedged try is one of the retries; attempts: 0 leaves none');
  }
}

function budgetOf(doc: NonNullable<RetriesDoc['budget']>, path: string, r: DocReporter): RetryBudget {
  const budget = { percent: doc.percent, minConcurrency: doc.minConcurrency ?? DEFAULT_MIN_CONCURRENCY };
  if (budget.percent === 0 && budget.minConcurrency === 0) {
    r.error(PolicyCodes.retryBudget.code, path, 'percent 0 with minConcurrency 0 allows no retry at all; set attempts: 0 instead, or allow some');
  }
  return budget;
}

/**
 * The one retry budget of the service's clusters: every route that sets one sets the same, each
 * such route goes to the service itself (a budget on another service's clusters is that
 * service's TrafficPolicy's to set), and the policy has no `circuitBreaker.maxRetries`.
 */
export function serviceRetryBudget(routes: readonly RoutePolicy[], own: string, maxRetries: number | undefined, r: DocReporter): RetryBudget | undefined {
  let first: { budget: RetryBudget; at: number } | undefined;
  routes.forEach((route, i) => {
    const budget = route.retries?.budget;
    if (!budget) return;
    const path = `routes[${i}].retries.budget`;
    const elsewhere = (route.backends ?? []).filter((b: Backend) => b.service !== own).map((b) => b.service);
    if (elsewhere.length) {
      r.error(PolicyCodes.retryBudget.code, path, `a retry budget limits the clusters of ${own}; this route also sends to ${[...new Set(elsewhere)].join(', ')}: set the budget in that service's TrafficPolicy`);
    }
    if (!first) first = { budget, at: i };
    else if (first.budget.percent !== budget.percent || first.budget.minConcurrency !== budget.minConcurrency) {
      r.error(PolicyCodes.retryBudget.code, path, `routes[${first.at}] sets another budget (${first.budget.percent}%, min ${first.budget.minConcurrency}); Envoy keeps one budget per cluster, shared by every route to the service`);
    }
  });
  if (first && maxRetries !== undefined) {
    r.error(PolicyCodes.retryBudget.code, `routes[${first.at}].retries.budget`, 'circuitBreaker.maxRetries is set too: Envoy ignores max_retries when a retry budget is set; keep one of them');
  }
  return first?.budget;
}
