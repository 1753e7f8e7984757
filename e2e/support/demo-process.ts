/**
 * `npm run demo` as a child process, for the tests that run it as a user would: its output as it
 * comes, a wait on a line matching a pattern (failing at once if the demo exits first), and the
 * processes it started.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../scripts/mesh/children.js';

export interface Demo {
  readonly proc: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  /** Resolves true as soon as the output matches `re`, false if the demo exits first. */
  shows(re: RegExp): Promise<boolean>;
}

export function startDemo(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Demo {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Direct children of `pid` right now whose command line contains `marker`. */
export function childrenOf(pid: number, marker: string): number[] {
  try {
    const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)]).toString().split('\n');
    return lines.filter((l) => l.includes(marker)).map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `check` every 100 ms until it holds or `ms` pass; returns its last answer. */
export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return check();
}
