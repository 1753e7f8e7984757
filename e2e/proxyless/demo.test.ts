/**
 * `npm run demo` starts, shows traffic, and stops cleanly: at the end of --duration and on
 * SIGTERM it exits 0 with every mesh process gone; killed outright (SIGKILL, no cleanup code
 * runs), its mesh processes still exit by themselves.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/mesh/children.js';

interface Demo {
  readonly proc: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  /** Resolves true as soon as the output matches `re`, false if the demo exits first. */
  shows(re: RegExp): Promise<boolean>;
}

function startDemo(args: string[]): Demo {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let done = false;
  const watchers = new Set<() => void>();
  const changed = () => watchers.forEach((w) => w());
  proc.stdout!.on('data', (d: Buffer) => ((out += d.toString()), changed()));
  proc.stderr!.on('data', (d: Buffer) => ((out += d.toString()), changed()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => ((done = true), changed(), resolve(code))));
  const shows = (re: RegExp) => new Promise<boolean>((resolve) => {
    const check = () => {
      if (!re.test(out) && !done) return;
      watchers.delete(check);
      resolve(re.test(out));
    };
    watchers.add(check);
    check();
  });
  return { proc, output: () => out, exited, shows };
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

/** Waits for the first traffic line (failing at once if the demo exits before) and returns the mesh processes the demo started. */
async function meshPids(demo: Demo): Promise<number[]> {
  const traffic = await demo.shows(/t=\d+s calls=\d+ reviews-v1/);
  expect(traffic, demo.output()).toBe(true);
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
