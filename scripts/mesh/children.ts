/**
 * Child processes of an e2e run or the demo. Every child gets a stdin pipe it watches (see
 * `exitWithParent` in wire.ts), so a parent that dies, even by SIGKILL, takes its children with
 * it; `stopAll` ends them politely first and kills what is left after a grace period.
 *
 * Not safe to share between concurrent runs: each test file or demo owns one `Children`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MESH_DIR = path.join(REPO_ROOT, 'scripts', 'mesh');

export interface Child<T> {
  readonly name: string;
  readonly proc: ChildProcess;
  /** The JSON the child printed on its READY line. */
  readonly info: T;
  /** Everything the child wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

export class Children {
  readonly #all = new Set<Child<unknown>>();
  readonly #dead: string[] = [];

  /** Starts `scripts/mesh/<script>.ts` with `arg` as JSON and waits for its READY line. */
  async start<T>(name: string, script: 'service' | 'frontend', arg: unknown, env: Record<string, string> = {}, readyMs = 60_000): Promise<Child<T>> {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(MESH_DIR, `${script}.ts`), JSON.stringify(arg)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const info = await readyLine<T>(name, proc, () => err, readyMs);
    const child: Child<T> = { name, proc, info, stderr: () => err, stop: () => stopChild(proc) };
    this.#all.add(child);
    proc.once('exit', (code, signal) => {
      if (code || signal) this.#dead.push(`--- ${name} exited (${code ?? signal})\n${err}`);
      this.#all.delete(child);
    });
    return child;
  }

  /** Pids of children still running. */
  pids(): number[] {
    return [...this.#all].map((c) => c.proc.pid!).filter(Boolean);
  }

  /** The last stderr of every child that wrote any, for failure messages. */
  stderrs(): string {
    return [...this.#dead, ...[...this.#all].filter((c) => c.stderr()).map((c) => `--- ${c.name}\n${c.stderr()}`)].join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#all].map((c) => c.stop()));
  }
}

function readyLine<T>(name: string, proc: ChildProcess, err: () => string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      void stopChild(proc);
      reject(new Error(`${name} ${why}\n${err()}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${ms} ms`), ms);
    proc.once('exit', (code) => fail(`exited with ${code} before it was ready`));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^READY (.*)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      resolve(JSON.parse(m[1]!) as T);
    });
  });
}

/** Closes stdin (the child exits on its own), then SIGKILL after 3 s. */
function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    proc.once('exit', () => (clearTimeout(kill), resolve()));
    proc.stdin!.end();
  });
}
