/**
 * The processes of one namespace-mesh workload: its application (app.ts, controlled over stdio)
 * and its Envoy sidecar (UID/GID 1337, admin on a Unix socket). Both are started with
 * `ip netns exec`, so they live in the workload's network namespace; both are stopped by
 * `stop()`, and an application exits by itself when the test process goes away (stdin closes).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ENVOY_SIDECAR_FLAGS } from '../../../src/controlplane/index.js';
import type { AdminReply } from '../health.js';

export const PROXY_USER = 1337;
const APP = fileURLToPath(new URL('./app.ts', import.meta.url));

/** A running app.ts: send it commands, get one result each. */
export class App {
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 1;
  stderr = '';

  private constructor(readonly proc: ChildProcess) {}

  static async start(ns: string, name: string, ports: readonly { port: number; protocol: 'http' | 'tcp' | 'grpc' | 'http2' | 'tls'; cert?: string; key?: string }[]): Promise<App> {
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', APP, name, JSON.stringify(ports)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const app = new App(proc);
    proc.stderr!.on('data', (d: Buffer) => (app.stderr = (app.stderr + d.toString()).slice(-4000)));
    const ready = new Promise<void>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`app ${name} in ${ns} exited with ${code}: ${app.stderr}`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; result?: unknown; error?: string };
        if (msg.ready) return resolve();
        const waiter = app.#pending.get(msg.id!);
        app.#pending.delete(msg.id!);
        if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
        else waiter?.resolve(msg.result);
      });
    });
    await ready;
    return app;
  }

  /** Sends one command (see app.ts) and resolves with its result. */
  send<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  stop(): Promise<void> {
    return stopProcess(this.proc);
  }
}

/** Envoy's binary where UID 1337 can execute it: as given when it can, else a copy under the temp directory. */
export function envoyForProxyUser(bin: string): string {
  try {
    execFileSync('setpriv', ['--reuid', String(PROXY_USER), '--regid', String(PROXY_USER), '--clear-groups', 'test', '-x', bin], { stdio: 'ignore' });
    return bin;
  } catch {
    const dir = path.join(tmpdir(), `weft-envoy-${statSync(bin).size}`);
    const copy = path.join(dir, 'envoy');
    if (!existsSync(copy)) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      copyFileSync(bin, `${copy}.tmp`);
      execFileSync('chmod', ['0755', `${copy}.tmp`]);
      execFileSync('mv', [`${copy}.tmp`, copy]);
    }
    return copy;
  }
}

/** Starts Envoy in `ns` as the proxy user; `log` receives its output. Access-log lines are
 * flushed every 250 ms (Envoy's default is 10 s), so a scenario reads them at once and a failure
 * quotes the connection that failed. */
export function startEnvoy(ns: string, bin: string, bootstrap: string, log: (chunk: string) => void): ChildProcess {
  const proc = spawn('ip', ['netns', 'exec', ns, 'setpriv', '--reuid', String(PROXY_USER), '--regid', String(PROXY_USER), '--clear-groups',
    bin, '-c', bootstrap, '--disable-hot-restart', ...ENVOY_SIDECAR_FLAGS, '--concurrency', '1', '--log-level', 'warn', '--file-flush-interval-msec', '250'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => log(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => log(d.toString()));
  return proc;
}

/** GET on an admin endpoint listening on a Unix socket. */
export function pipeAdmin(socketPath: string): (p: string) => Promise<AdminReply> {
  return (p) => new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: p, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`admin ${socketPath}${p} timed out`)));
    req.on('error', reject);
  });
}

export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    proc.once('exit', () => (clearTimeout(kill), resolve()));
    proc.kill('SIGTERM');
  });
}
