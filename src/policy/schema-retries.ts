/**
 * The `retries` block of a TrafficPolicy route: conditions, per-try timeouts, back-off, the retry
 * budget of the service's clusters and hedging. Cross-field rules are in resolve-retries.ts;
 * docs/policy.md ("Retries") is the prose reference.
 */
import { list } from './schema-dsl.js';
import { obj, opt, req } from './schema-object.js';
import { bool, duration, int, oneOf, percent } from './schema-scalars.js';

export const RETRY_ON = [
  '5xx', 'gateway-error', 'reset', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'unavailable', 'cancelled', 'deadline-exceeded', 'resource-exhausted', 'internal',
] as const;

export const retries = obj({
  attempts: req(int({ min: 0, max: 20, doc: 'Retries after the first try.' })),
  perTryTimeout: opt(duration('Timeout of each try, until its response starts.')),
  perTryIdleTimeout: opt(duration('Longest a try may go without receiving a byte, also while its response streams (Envoy only). A try cut before its response started is retried only when `on` has 5xx, gateway-error or reset.')),
  on: opt(list(oneOf(RETRY_ON), { minItems: 1, unique: true, doc: 'Retry conditions.' })),
  backoff: opt(obj({ baseInterval: req(duration()), maxInterval: opt(duration()) })),
  budget: opt(obj({
    percent: req(percent('Concurrent retries allowed, as a share of the active and pending requests to a cluster of the service.')),
    minConcurrency: opt(int({ min: 0, doc: 'Concurrent retries always allowed, whatever the share; default 3.' })),
  }, 'Retry budget of the service\'s clusters on each calling sidecar (Envoy only): it bounds the retries of every route to the service, so every route that sets one sets the same.')),
  hedge: opt(obj({
    onPerTryTimeout: req(bool('true: when a try reaches perTryTimeout, send the next try without cancelling it; the first good response wins.')),
  }, 'Hedging (Envoy only; needs perTryTimeout and attempts >= 1).')),
});
