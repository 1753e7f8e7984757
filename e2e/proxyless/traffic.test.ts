/**
 * Traffic management through weft, observed on real proxyless gRPC processes: canary split and
 * a live edit of it, header routing, retries, fault injection, timeouts and outlier detection.
 * The frontend process makes every call; the test only reads outcomes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failures, share } from '../../scripts/mesh/driver.js';
import { target } from '../../scripts/mesh/mesh-files.js';
import { startTrafficMesh, type TrafficMesh } from '../../scripts/mesh/traffic-mesh.js';
import { converged, policyVersion } from '../../scripts/mesh/weft.js';
import { tally } from '../../scripts/mesh/wire.js';

const REVIEWS = target('reviews');

function canary(v1: number, v2: number, extraRoute = ''): string {
  return `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }
routes:
  - match: { headers: { x-user: { exact: tester } } }
    backends: [{ subset: v3 }]
${extraRoute}  - backends: [{ subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} }]
`;
}

const FLAKY = `kind: TrafficPolicy
service: flaky.default
routes:
  - match: { headers: { x-retry: { exact: "yes" } } }
    retries: { attempts: 4, on: [unavailable], backoff: { baseInterval: 5ms, maxInterval: 20ms } }
  - {}
`;

// grpc-js implements success-rate and failure-percentage ejection (gRFC A50), not consecutive
// 5xx; with five hosts the success-rate defaults apply (100 calls per host per interval).
const DETAILS = `kind: TrafficPolicy
service: details.default
outlierDetection: { consecutive5xx: 3, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 40 }
`;

let mesh: TrafficMesh;

beforeAll(async () => {
  mesh = await startTrafficMesh({ 'flaky.yaml': FLAKY, 'details.yaml': DETAILS });
  // Channels are lazy: a client asks weft for config on its first call. Warm every client up.
  await mesh.driver.run({ target: REVIEWS, calls: 50, concurrency: 5, headers: { 'x-user': 'tester' } });
  await mesh.driver.run({ target: REVIEWS, calls: 100, concurrency: 10 });
  await converged(mesh.weft, mesh.clientIds);
}, 90_000);

afterEach((ctx) => {
  const logs = ctx.task.result?.state === 'fail' ? mesh.children.stderrs() : '';
  if (logs) console.error(logs);
});

afterAll(async () => {
  await mesh?.stop();
});

/** Writes reviews.yaml and waits until every client that asked for config has it. */
async function editReviews(text: string): Promise<void> {
  const before = await policyVersion(mesh.weft);
  await mesh.dir.writePolicy('reviews.yaml', text);
  await converged(mesh.weft, mesh.clientIds, before);
}

describe('proxyless gRPC traffic management', () => {
  it('splits 90/10 within 3 % over 2,000 calls and follows a live edit to 50/50 with no failed call', async () => {
    // gRPC's weighted_target picks among READY children only: measure once v2's connection is up.
    await expect.poll(async () => share(await mesh.driver.run({ target: REVIEWS, calls: 40, concurrency: 4 }), 'reviews-v2'), { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
    const first = await mesh.driver.run({ target: REVIEWS, calls: 2000, concurrency: 20 });
    expect(failures(first)).toEqual([]);
    expect(Math.abs(share(first, 'reviews-v1') - 0.9)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(share(first, 'reviews-v2') - 0.1)).toBeLessThanOrEqual(0.03);

    let done = false;
    const during = mesh.driver.run({ target: REVIEWS, calls: 3000, concurrency: 10 }).finally(() => (done = true));
    // A small batch sent after it returns once the frontend is making calls: the big one is under way.
    expect(failures(await mesh.driver.run({ target: REVIEWS, calls: 10, concurrency: 2 }))).toEqual([]);
    await editReviews(canary(50, 50));
    expect(done).toBe(false); // the edit landed while the traffic ran
    expect(failures(await during)).toEqual([]);

    const after = await mesh.driver.run({ target: REVIEWS, calls: 2000, concurrency: 20 });
    expect(failures(after)).toEqual([]);
    expect(Math.abs(share(after, 'reviews-v1') - 0.5)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(share(after, 'reviews-v2') - 0.5)).toBeLessThanOrEqual(0.03);
  }, 120_000);

  it('sends calls marked x-user: tester to v3 only, and unmarked calls never to v3', async () => {
    const marked = await mesh.driver.tally({ target: REVIEWS, calls: 200, concurrency: 10, headers: { 'x-user': 'tester' } });
    expect(marked).toEqual({ 'reviews-v3>ratings': 200 });
    const plain = await mesh.driver.run({ target: REVIEWS, calls: 200, concurrency: 10 });
    expect(share(plain, 'reviews-v3')).toBe(0);
  });

  it('turns a backend failing 30 % of calls into ≥ 99 % success with retries, about 70 % without', async () => {
    const FLAKY_T = target('flaky');
    const retried = await mesh.driver.run({ target: FLAKY_T, calls: 500, concurrency: 10, headers: { 'x-retry': 'yes' } });
    const bare = await mesh.driver.run({ target: FLAKY_T, calls: 500, concurrency: 10 });
    expect(share(retried, 'flaky')).toBeGreaterThanOrEqual(0.99);
    expect(share(bare, 'flaky')).toBeGreaterThan(0.62);
    expect(share(bare, 'flaky')).toBeLessThan(0.78);
    expect(Object.keys(tally(failures(bare)))).toEqual(['error 14']);
  }, 60_000);

  it('injects a 500 ms delay into about half the calls and aborts about a fifth with the configured status', async () => {
    const fault = '  - match: { headers: { x-fault: { exact: "on" } } }\n    backends: [{ subset: v1 }]\n'
      + '    fault: { delay: { fixed: 500ms, percent: 50 }, abort: { grpcStatus: 8, percent: 20 } }\n';
    await editReviews(canary(50, 50, fault));
    const out = await mesh.driver.run({ target: REVIEWS, calls: 400, concurrency: 40, headers: { 'x-fault': 'on' } });
    const aborted = out.filter((o) => o.r === 'error 8').length / out.length;
    // 500 ms, not less: an undelayed call on a loaded 2-core machine can take a few hundred ms.
    const delayed = out.filter((o) => o.ms >= 495).length / out.length;
    expect(aborted).toBeGreaterThan(0.13);
    expect(aborted).toBeLessThan(0.27);
    expect(delayed).toBeGreaterThan(0.4);
    expect(delayed).toBeLessThan(0.6);
    expect(out.every((o) => o.r === 'error 8' || o.r === 'reviews-v1')).toBe(true);
  }, 60_000);

  // gRPC reads RouteAction.max_stream_duration, not RouteAction.timeout (gRFC A31).
  it('ends calls at the route timeout (100 ms) when the backend is slower (300 ms injected delay)', async () => {
    const slow = '  - match: { headers: { x-slow: { exact: "on" } } }\n    backends: [{ subset: v1 }]\n    timeout: 100ms\n'
      + '    fault: { delay: { fixed: 300ms, percent: 100 } }\n';
    await editReviews(canary(50, 50, slow));
    const out = await mesh.driver.run({ target: REVIEWS, calls: 20, concurrency: 20, headers: { 'x-slow': 'on' } });
    expect(tally(out)).toEqual({ 'error 4': 20 });
    expect(Math.max(...out.map((o) => o.ms))).toBeLessThan(280);
  }, 60_000);

  // gRPC implements success-rate and failure-percentage ejection only (gRFC A50): proxyless
  // clusters carry the failure-percentage form of the policy's outlier detection.
  it('ejects the failing details replica and moves its traffic to the healthy four', async () => {
    const DETAILS_T = target('details');
    const early = await mesh.driver.run({ target: DETAILS_T, calls: 600, concurrency: 30 });
    expect(failures(early).length).toBeGreaterThan(0);
    let late = early;
    for (let i = 0; i < 8 && failures(late).length > 0; i++) late = await mesh.driver.run({ target: DETAILS_T, calls: 600, concurrency: 30 });
    expect(failures(late)).toEqual([]);
    expect(Object.keys(tally(late)).sort()).toEqual(['details-1', 'details-2', 'details-3', 'details-4']);
  }, 90_000);
});

describe('control plane restart', () => {
  it('keeps calls succeeding on the last config while weft is down, then clients reconnect and reach the current version', async () => {
    await editReviews(canary(50, 50));
    await mesh.stopWeft();
    const down = await mesh.driver.run({ target: REVIEWS, calls: 600, concurrency: 10 });
    expect(failures(down)).toEqual([]);
    expect(share(down, 'reviews-v2')).toBeGreaterThan(0.4);

    await mesh.dir.writePolicy('reviews.yaml', canary(100, 0));
    await mesh.startWeft();
    const during = mesh.driver.run({ target: REVIEWS, calls: 600, concurrency: 5 });
    await converged(mesh.weft, mesh.clientIds, undefined, 60_000);
    expect(failures(await during)).toEqual([]);
    const after = await mesh.driver.tally({ target: REVIEWS, calls: 300, concurrency: 10 });
    expect(after).toEqual({ 'reviews-v1': 300 });
  }, 120_000);
});
