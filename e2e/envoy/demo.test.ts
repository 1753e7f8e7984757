/**
 * `npm run demo` with a real Envoy sidecar, as a person runs it: the frontend's calls go through
 * Envoy, whose per-edge stats stream to weft; the service map (`GET /api/v1/graph` and `/ui` in
 * headless Chromium) shows the canary's observed shares beside its route weights, and editing the
 * printed policy file to 50/50 moves them live. Killed outright, the demo takes Envoy with it
 * (setpriv --pdeathsig). The screenshot of the moved map is kept under `.scratch/ui/`
 * (WEFT_UI_ARTEFACTS); UPDATE_SCREENSHOT=1 also writes docs/service-map.png for the README.
 *
 * The demo's sidecar binds the fixed inbound and stats ports, so it runs under the mesh lock.
 */
import { writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsChromium, openPage } from '../../test/support/chromium.js';
import { alive, childrenOf, startDemo, until, type Demo } from '../support/demo-process.js';
import { envoyBin, named, needsEnvoy } from './env.js';
import { acquireMeshLock, releaseMeshLock } from './lock.js';

const artefacts = process.env.WEFT_UI_ARTEFACTS ?? path.resolve('.scratch/ui');
const FIFTY_FIFTY = `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 }, v3: { version: v3 } }
routes:
  - match: { headers: { x-user: { exact: tester } } }
    backends: [{ subset: v3 }]
  - backends: [{ subset: v1, weight: 50 }, { subset: v2, weight: 50 }]
`;

type Edge = { from: string; to: string; kind: string; subset?: string; requestsPerSecond?: number; errorRate?: number };

let demo: Demo | undefined;
let admin = '';
let policyFile = '';

/** Observed requests per second from frontend to each reviews subset, from the map's data. */
async function observed(): Promise<Record<string, number>> {
  const { edges } = (await (await fetch(`${admin}/api/v1/graph`)).json()) as { edges: Edge[] };
  const out: Record<string, number> = {};
  for (const e of edges) if (e.kind === 'traffic' && e.from === 'frontend.default' && e.to === 'reviews.default') out[e.subset ?? ''] = e.requestsPerSecond ?? 0;
  return out;
}

const share = (o: Record<string, number>, subset: string) => (o[subset] ?? 0) / Math.max(1e-9, Object.values(o).reduce((a, b) => a + b, 0));

describe.skipIf(!!needsEnvoy)('npm run demo with an Envoy sidecar', () => {
  beforeAll(async () => {
    await acquireMeshLock();
    demo = startDemo([], { ENVOY_BIN: envoyBin });
    const started = await demo.shows(/t=\d+s calls=\d+ reviews-v1/);
    expect(started, demo.output()).toBe(true);
    admin = /weft admin API (http:\/\/\S+)/.exec(demo.output())![1]!;
    policyFile = /edit (\/\S+\/policy\/reviews\.yaml)/.exec(demo.output())![1]!;
  }, 120_000);

  afterAll(async () => {
    if (demo && demo.proc.exitCode === null) {
      demo.proc.kill('SIGTERM');
      await demo.exited;
    }
    await releaseMeshLock();
  });

  it(named('says it runs the frontend through Envoy, and the map shows the sidecar\'s live rates per subset at the canary\'s 90/10', needsEnvoy), async () => {
    expect(demo!.output()).toContain('frontend with an Envoy sidecar');
    let seen: Record<string, number> = {};
    // Reports come every 5 s; the first of a stream is a baseline, so rates appear with the second.
    await expect.poll(async () => {
      seen = await observed();
      return ['v1', 'v2', 'v3'].every((s) => (seen[s] ?? 0) > 0);
    }, { timeout: 40_000, interval: 500 }).toBe(true);
    // 90 plain calls (90/10 over v1/v2) and 10 tester calls (v3) per tick of at least a second.
    const total = Object.values(seen).reduce((a, b) => a + b, 0);
    expect(total, JSON.stringify(seen)).toBeGreaterThan(20);
    expect(total, JSON.stringify(seen)).toBeLessThan(130);
    expect(seen.v2! / (seen.v1! + seen.v2!), JSON.stringify(seen)).toBeGreaterThan(0.03);
    expect(seen.v2! / (seen.v1! + seen.v2!), JSON.stringify(seen)).toBeLessThan(0.2);
    expect(share(seen, 'v3'), JSON.stringify(seen)).toBeGreaterThan(0.05);
    expect(share(seen, 'v3'), JSON.stringify(seen)).toBeLessThan(0.16);
  }, 60_000);

  it.skipIf(!!needsChromium)(named('/ui shows the canary move: editing the printed policy file to 50/50 moves the observed share on the page, with live rates on the edges', needsChromium), async () => {
    await mkdir(artefacts, { recursive: true });
    const { browser, page, failed } = await openPage(`${admin}/ui`);
    try {
      const subsets = page.locator('[data-testid="node"][data-id="reviews.default"] [data-testid="subset"]');
      const v2 = async () => (await subsets.allTextContents()).find((t) => t.startsWith('v2')) ?? '';
      await expect.poll(v2, { timeout: 20_000 }).toMatch(/^v2 {2}route 10% {2}seen \d+(\.\d+)?%$/);
      const labels = page.locator('[data-testid="edge-label"][data-from="frontend.default"][data-to="reviews.default"]');
      await expect.poll(() => labels.allTextContents(), { timeout: 20_000 }).toEqual([expect.stringMatching(/^\d+(\.\d+)? rps · 0% err · p99 \d+(\.\d+)? ms$/)]);
      // In place, synchronously (scripts/mesh/mesh-files.ts: weft's watcher and renames).
      writeFileSync(policyFile, FIFTY_FIFTY);
      await expect.poll(v2, { timeout: 20_000 }).toMatch(/^v2 {2}route 50%/);
      // The window is 30 s: the observed share climbs from ~9 % towards 45 % (v3 keeps its 10 %).
      await expect.poll(async () => Number(/seen (\d+(?:\.\d+)?)%/.exec(await v2())?.[1] ?? 0), { timeout: 60_000, interval: 1000 }).toBeGreaterThanOrEqual(35);
      expect(await demo!.shows(/reviews-v2 (4\d|5\d)%/)).toBe(true);
      await page.screenshot({ path: path.join(artefacts, 'demo-service-map.png') });
      if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: path.resolve('docs/service-map.png') });
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 150_000);

  it(named('killed outright, the demo takes its Envoy sidecar and its mesh processes with it', needsEnvoy), async () => {
    const pid = demo!.proc.pid!;
    const envoys = childrenOf(pid, path.basename(envoyBin!));
    const mesh = childrenOf(pid, 'scripts/mesh/');
    expect(envoys).toHaveLength(1);
    expect(mesh).toHaveLength(5);
    demo!.proc.kill('SIGKILL');
    await demo!.exited;
    expect(await until(() => [...envoys, ...mesh].every((p) => !alive(p)), 10_000)).toBe(true);
    // Nothing ran to remove the demo's temp directory: do it here.
    const root = path.dirname(path.dirname(policyFile));
    if (root.includes('weft-grpc-e2e-')) await rm(root, { recursive: true, force: true });
  }, 30_000);
});
