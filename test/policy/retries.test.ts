import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: feed', 'routes:', ...lines);

function policyOf(text: string) {
  const r = load(text);
  if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
  return r.policy.traffic.get('feed.default')!;
}

const messages = (text: string) => load(text).diagnostics.map((d) => `${where(d)} ${d.severity}: ${d.message}`);

describe('retry budgets (issue 15 #7): one budget per service, on its clusters', () => {
  it('resolvesTheBudgetOnTheRouteAndOnThePolicyWithEnvoysDefaultMinimum', () => {
    const p = policyOf(tp('  - retries: { attempts: 3, on: [5xx], budget: { percent: 12.5 } }'));
    expect(p.routes[0]!.retries).toMatchObject({ budget: { percent: 12.5, minConcurrency: 3 } });
    expect(p.retryBudget).toEqual({ percent: 12.5, minConcurrency: 3 });
  });

  it('acceptsTheSameBudgetOnSeveralRoutesAndRoutesWithoutOne', () => {
    const p = policyOf(tp(
      '  - match: { path: { prefix: /a } }', '    retries: { attempts: 1, budget: { percent: 20, minConcurrency: 1 } }',
      '  - match: { path: { prefix: /b } }', '    retries: { attempts: 2 }',
      '  - retries: { attempts: 1, budget: { percent: 20, minConcurrency: 1 } }'));
    expect(p.retryBudget).toEqual({ percent: 20, minConcurrency: 1 });
  });

  it('rejectsTwoRoutesWithDifferentBudgetsNamingTheFirst', () => {
    expect(messages(tp(
      '  - match: { path: { prefix: /a } }', '    retries: { attempts: 1, budget: { percent: 20 } }',
      '  - retries: { attempts: 1, budget: { percent: 30 } }'))).toEqual([
      'WEFT2085 routes[1].retries.budget @ p.yaml:6:37 error: routes[0] sets another budget (20%, min 3); Envoy keeps one budget per cluster, shared by every route to the service',
    ]);
  });

  it('rejectsABudgetBesideCircuitBreakerMaxRetries', () => {
    expect(wheres(y('kind: TrafficPolicy', 'service: feed', 'circuitBreaker: { maxRetries: 5 }', 'routes:',
      '  - retries: { attempts: 1, budget: { percent: 20 } }'))).toEqual(['WEFT2085 routes[0].retries.budget @ p.yaml:5:37']);
  });

  it('rejectsABudgetOnARouteToAnotherService', () => {
    expect(messages(tp('  - backends: [{ service: other, weight: 50 }, { weight: 50 }]', '    retries: { attempts: 1, budget: { percent: 20 } }')))
      .toEqual(['WEFT2085 routes[0].retries.budget @ p.yaml:5:37 error: a retry budget limits the clusters of feed.default; this route also sends to other.default: set the budget in that service\'s TrafficPolicy']);
  });

  it('rejectsABudgetThatAllowsNoRetry', () => {
    expect(wheres(tp('  - retries: { attempts: 1, budget: { percent: 0, minConcurrency: 0 } }'))).toEqual(['WEFT2085 routes[0].retries.budget @ p.yaml:4:37']);
    expect(load(tp('  - retries: { attempts: 1, budget: { percent: 0, minConcurrency: 1 } }')).ok).toBe(true);
  });

  it('rejectsAPercentOutsideZeroToHundredWithTheSchemaCode', () => {
    expect(wheres(tp('  - retries: { attempts: 1, budget: { percent: 120 } }'))).toEqual(['WEFT1008 routes[0].retries.budget.percent @ p.yaml:4:48']);
    expect(wheres(tp('  - retries: { attempts: 1, budget: { minConcurrency: 2 } }'))).toEqual(['WEFT1005 routes[0].retries.budget.percent @ p.yaml:4:37']);
  });
});

describe('per-try idle timeouts (issue 15 #7)', () => {
  it('resolvesToMilliseconds', () => {
    const p = policyOf(tp('  - retries: { attempts: 2, perTryIdleTimeout: 250ms, on: [reset] }'));
    expect(p.routes[0]!.retries).toMatchObject({ perTryIdleTimeoutMs: 250, on: ['reset'] });
  });

  it('warnsWhenTheConditionsCannotRetryACutTry', () => {
    const r = load(tp('  - retries: { attempts: 2, perTryIdleTimeout: 250ms }'));
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => `${where(d)} ${d.severity}: ${d.message}`)).toEqual([
      'WEFT2086 routes[0].retries.perTryIdleTimeout @ p.yaml:4:48 warning: a try cut by perTryIdleTimeout is not retried: on (connect-failure, refused-stream, unavailable, cancelled) has none of 5xx, gateway-error, reset, so the caller gets the timeout after the first try',
    ]);
  });

  it('warnsWhenTheRouteTimesOutFirstButNotWhenTheRouteHasNoTimeout', () => {
    expect(wheres(tp('  - timeout: 1s', '    retries: { attempts: 2, perTryIdleTimeout: 1s, on: [5xx] }'))).toEqual(['WEFT2086 routes[0].retries.perTryIdleTimeout @ p.yaml:5:48']);
    expect(wheres(tp('  - timeout: 0s', '    retries: { attempts: 2, perTryIdleTimeout: 1m, on: [5xx] }'))).toEqual([]);
  });

  it('acceptsAnIdleTimeoutLongerThanThePerTryTimeout', () => {
    // Envoy stops per_try_timeout at the response headers; the idle timeout still bounds a
    // streaming response's gaps, so this is a meaningful policy (resolve-retries.ts).
    expect(wheres(tp('  - retries: { attempts: 1, perTryTimeout: 1s, perTryIdleTimeout: 5s, on: [reset] }'))).toEqual([]);
  });
});

describe('per-try timeouts Envoy would not retry (issue 15 #7, measured with Envoy 1.40)', () => {
  it('warnsOnAPerTryTimeoutWithTheDefaultOrTheGrpcConditions', () => {
    expect(wheres(tp('  - retries: { attempts: 2, perTryTimeout: 1s }'))).toEqual(['WEFT2086 routes[0].retries.perTryTimeout @ p.yaml:4:44']);
    expect(wheres(tp('  - retries: { attempts: 2, perTryTimeout: 1s, on: [unavailable, deadline-exceeded] }'))).toEqual(['WEFT2086 routes[0].retries.perTryTimeout @ p.yaml:4:44']);
  });

  it('acceptsAPerTryTimeoutThatIsRetriedOrHedgedOrHasNoRetries', () => {
    expect(wheres(tp('  - retries: { attempts: 2, perTryTimeout: 1s, on: [unavailable, reset] }'))).toEqual([]);
    expect(wheres(tp('  - retries: { attempts: 2, perTryTimeout: 1s, hedge: { onPerTryTimeout: true } }'))).toEqual([]);
    expect(wheres(tp('  - retries: { attempts: 0, perTryTimeout: 1s }'))).toEqual([]);
  });
});

describe('hedging on per-try timeout (issue 15 #7)', () => {
  it('resolvesTheHedge', () => {
    const p = policyOf(tp('  - retries: { attempts: 2, perTryTimeout: 200ms, hedge: { onPerTryTimeout: true } }'));
    expect(p.routes[0]!.retries).toMatchObject({ hedgeOnPerTryTimeout: true, perTryTimeoutMs: 200 });
  });

  it('leavesAHedgeThatIsOffOut', () => {
    expect(policyOf(tp('  - retries: { attempts: 2, hedge: { onPerTryTimeout: false } }')).routes[0]!.retries).not.toHaveProperty('hedgeOnPerTryTimeout');
  });

  it('rejectsAHedgeWithoutPerTryTimeoutOrAttempts', () => {
    expect(wheres(tp('  - retries: { attempts: 2, hedge: { onPerTryTimeout: true } }'))).toEqual(['WEFT2087 routes[0].retries.hedge @ p.yaml:4:36']);
    expect(wheres(tp('  - retries: { attempts: 0, perTryTimeout: 1s, hedge: { onPerTryTimeout: true } }'))).toEqual(['WEFT2087 routes[0].retries.attempts @ p.yaml:4:26']);
  });
});
