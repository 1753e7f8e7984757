/**
 * `npm run demo` starts, shows traffic, and stops cleanly: at the end of --duration and on
 * SIGTERM it exits 0 with every mesh process gone; killed outright (SIGKILL, no cleanup code
 * runs), its mesh processes still exit by themselves.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/mesh/children.js';

function startDemo(args: string[]): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/** Direct children of `pid` right now that run a scripts/mesh script (not a passing `git`). */
function meshChildrenOf(pid: number): number[] {
  try {
    const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)]).toString().split('\n');
    return lines.filter((l) => l.includes('scripts/mesh/')).map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return check();
}

/** Waits for the first traffic line and returns the mesh processes the demo started. */
async function meshPids(demo: ReturnType<typeof startDemo>): Promise<number[]> {
  expect(await until(() => /t=\d+s calls=\d+ reviews-v1/.test(demo.output()), 60_000)).toBe(true);
  const pids = meshChildrenOf(demo.proc.pid!);
  expect(pids.length).toBe(5); // frontend, reviews v1/v2/v3, ratings
  return pids;
}

describe('npm run demo', () => {
  it('shows traffic per version, stops after --duration with exit 0 and leaves no process behind', async () => {
    const demo = startDemo(['--duration', '8s']);
    const pids = await meshPids(demo);
    expect(await demo.exited).toBe(0);
    expect(demo.output()).toMatch(/edit \/.*\/policy\/reviews\.yaml/);
    expect(demo.output()).toMatch(/reviews-v1 \d+% reviews-v2 \d+% reviews-v3 \d+% errors=0/);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('stops on SIGTERM with exit 0 and leaves no process behind', async () => {
    const demo = startDemo([]);
    const pids = await meshPids(demo);
    demo.proc.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);

  it('takes its mesh processes down with it when killed outright', async () => {
    const demo = startDemo([]);
    const pids = await meshPids(demo);
    demo.proc.kill('SIGKILL');
    await demo.exited;
    expect(await until(() => pids.every((p) => !alive(p)), 10_000)).toBe(true);
    // Nothing ran to remove the demo's temp directory: do it here.
    const root = /edit (\/\S+)\/policy\/reviews\.yaml/.exec(demo.output())?.[1];
    if (root?.includes('weft-grpc-e2e-')) await rm(root, { recursive: true, force: true });
  }, 90_000);
});
