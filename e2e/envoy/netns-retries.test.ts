/**
 * Retries through real Envoy sidecars in the namespace mesh (issue 15 #7): a per-try idle timeout
 * cuts a first try that stalls and the retry succeeds (without it the caller waits the stall out;
 * with a per-try timeout and the default conditions the cut try is not retried, WEFT2086);
 * hedging on per-try timeout keeps a slow try running beside the next one, so a backend slower
 * than the per-try timeout still answers 200 (without the hedge the same route answers 504); and
 * a retry budget bounds the retries of a failing service: counted upstream by the application and
 * in the caller's retry-overflow counter. Each comparison runs against the same backend in the
 * same mesh, only the policy differs.
 */
import { describe, expect } from 'vitest';
import { envoyCounter, http as send, scenario, tally, type HttpCall } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'details', serviceAccount: 'details', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }] },
  { name: 'ratings', serviceAccount: 'ratings', ports: [{ name: 'http', port: 9090, targetPort: 19090, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'details-1', service: 'details', serviceAccount: 'details', labels: { app: 'details' } },
  { name: 'ratings-1', service: 'ratings', serviceAccount: 'ratings', labels: { app: 'ratings' } },
];
const DETAILS = `kind: TrafficPolicy
service: details.default
routes:
  - match: { path: { prefix: /idle } }
    retries: { attempts: 2, perTryIdleTimeout: 300ms, on: [5xx] }
  - match: { path: { prefix: /untried } }
    retries: { attempts: 2, perTryTimeout: 300ms }
  - match: { path: { prefix: /hedged } }
    retries: { attempts: 2, perTryTimeout: 250ms, on: [5xx], hedge: { onPerTryTimeout: true } }
  - match: { path: { prefix: /unhedged } }
    retries: { attempts: 2, perTryTimeout: 250ms, on: [5xx] }
  - retries: { attempts: 2, on: [5xx] }
`;
const ratings = (budget: string) => `kind: TrafficPolicy
service: ratings.default
routes:
  - retries: { attempts: 3, on: [5xx]${budget} }
`;
const POLICY = { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n', 'details.yaml': DETAILS, 'ratings.yaml': ratings('') };
const RETRY_OVERFLOW = 'cluster.outbound|9090||ratings.default.svc.cluster.local|.upstream_rq_retry_overflow';

describe('Envoy namespace mesh: retries, hedging, retry budgets', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const app = (w: string) => mesh().workload(w).app;
  const details = (path: string, o: HttpCall = {}) => send(mesh(), 'client', 'details-1', 'details', 9080, 1, { path, concurrency: 1, ...o });
  const served = async (w: string) => {
    const n = await app(w).send<number>({ op: 'count' });
    await app(w).send({ op: 'reset' });
    return n;
  };

  scenario('a per-try idle timeout cuts a first try that stalls; the retry answers at once', async () => {
    await served('details-1');
    await app('details-1').send({ op: 'behave', behaviour: { stallFirstMs: 3000 } });
    const [cut] = await details('/idle');
    expect(cut).toMatchObject({ status: 200, backend: 'details-1' });
    expect(cut!.ms).toBeLessThan(2000);
    expect(await served('details-1')).toBe(2);
    // The same stall on the route without an idle timeout: the caller waits it out, one try.
    await app('details-1').send({ op: 'behave', behaviour: { stallFirstMs: 3000 } });
    const [waited] = await details('/plain');
    expect(waited).toMatchObject({ status: 200, backend: 'details-1' });
    expect(waited!.ms).toBeGreaterThanOrEqual(2900);
    expect(await served('details-1')).toBe(1);
    // A per-try timeout with the default conditions (WEFT2086): the cut try is not retried.
    await app('details-1').send({ op: 'behave', behaviour: { stallFirstMs: 3000 } });
    const [untried] = await details('/untried');
    expect(untried?.status).toBe(504);
    expect(untried!.ms).toBeLessThan(2000);
    expect(await served('details-1')).toBe(1);
    await app('details-1').send({ op: 'behave', behaviour: {} });
  }, 60_000);

  scenario('hedging keeps a try slower than perTryTimeout running: 200, where the unhedged route answers 504', async () => {
    await served('details-1');
    await app('details-1').send({ op: 'behave', behaviour: { delayMs: 600 } });
    const [hedged] = await details('/hedged');
    // Tries at 0, 250 and 500 ms, none cancelled; the first answers at 600 ms.
    expect(hedged).toMatchObject({ status: 200, backend: 'details-1' });
    expect(await served('details-1')).toBe(3);
    const [unhedged] = await details('/unhedged');
    // Each try is cut at 250 ms and retried; the third is cut too.
    expect(unhedged?.status).toBe(504);
    expect(unhedged!.ms).toBeLessThan(1500);
    expect(await served('details-1')).toBe(3);
    await app('details-1').send({ op: 'behave', behaviour: {} });
  }, 60_000);

  scenario('a retry budget bounds the retries of a failing service; the overflow is counted', async () => {
    const failing = { delayMs: 300, status: 503 };
    const burst = () => send(mesh(), 'client', 'ratings-1', 'ratings', 9090, 10, { concurrency: 10 });
    await served('ratings-1');
    await app('ratings-1').send({ op: 'behave', behaviour: failing });
    // No budget (max_retries unbounded): every request makes its 3 retries.
    expect(tally(await burst())).toEqual({ '<503>': 10 });
    expect(await served('ratings-1')).toBe(40);
    await mesh().edit('ratings.yaml', ratings(', budget: { percent: 10, minConcurrency: 1 }'));
    const overflowBefore = await envoyCounter(mesh(), 'client', RETRY_OVERFLOW);
    expect(tally(await burst())).toEqual({ '<503>': 10 });
    // 10 requests: 10% of them is 1 retry in flight at a time. Measured: 13 (one request
    // retried 3 times, 9 retries refused).
    const upstream = await served('ratings-1');
    expect(upstream).toBeGreaterThanOrEqual(11);
    expect(upstream).toBeLessThanOrEqual(16);
    const overflow = (await envoyCounter(mesh(), 'client', RETRY_OVERFLOW)) - overflowBefore;
    expect(overflow).toBeGreaterThanOrEqual(6);
    expect(upstream - 10 + overflow).toBeGreaterThanOrEqual(10);
    await app('ratings-1').send({ op: 'behave', behaviour: {} });
    await mesh().edit('ratings.yaml', ratings(''));
  }, 90_000);
});
