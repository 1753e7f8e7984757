/**
 * `npm run demo -- --proxyless` (no Envoy sidecar; e2e/envoy/demo.test.ts runs it with one)
 * starts, shows traffic, and stops cleanly: at the end of --duration and on SIGTERM it exits 0
 * with every mesh process gone; killed outright (SIGKILL, no cleanup code runs), its mesh
 * processes still exit by themselves.
 */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { alive, childrenOf, startDemo, until, type Demo } from '../support/demo-process.js';

/** Waits for the first traffic line (failing at once if the demo exits before) and returns the mesh processes the demo started. */
async function meshPids(demo: Demo): Promise<number[]> {
  const traffic = await demo.shows(/t=\d+s calls=\d+ reviews-v1/);
  expect(traffic, demo.output()).toBe(true);
  const pids = childrenOf(demo.proc.pid!, 'scripts/mesh/');
  expect(pids.length).toBe(5); // frontend, reviews v1/v2/v3, ratings
  return pids;
}

describe('npm run demo', () => {
  it('shows traffic per version, stops after --duration with exit 0 and leaves no process behind', async () => {
    const demo = startDemo(['--proxyless', '--duration', '8s']);
    const pids = await meshPids(demo);
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toMatch(/edit \/.*\/policy\/reviews\.yaml/);
    expect(demo.output()).toMatch(/reviews-v1 \d+% reviews-v2 \d+% reviews-v3 \d+% errors=0/);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('stops on SIGTERM with exit 0 and leaves no process behind', async () => {
    const demo = startDemo(['--proxyless']);
    const pids = await meshPids(demo);
    demo.proc.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('takes its mesh processes down with it when killed outright', async () => {
    const demo = startDemo(['--proxyless']);
    const pids = await meshPids(demo);
    demo.proc.kill('SIGKILL');
    await demo.exited;
    expect(await until(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
    // Nothing ran to remove the demo's temp directory: do it here.
    const root = /edit (\/\S+)\/policy\/reviews\.yaml/.exec(demo.output())?.[1];
    if (root?.includes('weft-grpc-e2e-')) await rm(root, { recursive: true, force: true });
  }, 90_000);
});
