/**
 * grpc-go processes of a test: servers and clients of the `grpcgo` binary. Each child holds a
 * stdin pipe and exits when it closes, so a test run that dies leaves no process behind.
 *
 * grpc-go logs at WARNING and above by default here (set GRPCGO_VERBOSE=1 for INFO at verbosity
 * 99, the xDS client's full trace). Its xDS client logs every NACK it sends at WARNING as
 * `Sending NACK for resource type: ..., reason: ...`, and an xDS server whose Listener is rejected
 * or missing reports NOT_SERVING: both are collected as rejections. With GRPCGO_LOG_DIR set, each
 * process's stderr is also written to `<dir>/<name>.log`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../scripts/mesh/children.js';

const REJECTION = /Sending NACK for resource type.*|serving mode .* NOT_SERVING.*/g;

function logEnv(): Record<string, string> {
  return process.env.GRPCGO_VERBOSE
    ? { GRPC_GO_LOG_SEVERITY_LEVEL: 'info', GRPC_GO_LOG_VERBOSITY_LEVEL: '99' }
    : { GRPC_GO_LOG_SEVERITY_LEVEL: 'warning', GRPC_GO_LOG_VERBOSITY_LEVEL: '0' };
}

export class GoProcess {
  readonly #proc: ChildProcess;
  #stderr = '';
  readonly #rejections: string[] = [];
  readonly #lineHandlers: ((kind: string, body: string) => void)[] = [];
  readonly #first = new Map<string, string>();

  /** `tolerated`: this process's rejections are expected, and GoMesh does not report them. */
  constructor(readonly name: string, binary: string, args: readonly string[], env: Record<string, string>, readonly tolerated = false) {
    this.#proc = spawn(binary, args, { cwd: REPO_ROOT, env: { ...process.env, ...logEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const logDir = process.env.GRPCGO_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      this.#proc.stderr!.pipe(createWriteStream(path.join(logDir, `${name}.log`)));
    }
    this.#proc.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.#stderr = (this.#stderr + text).slice(-200_000);
      this.#rejections.push(...(text.match(REJECTION) ?? []));
    });
    createInterface({ input: this.#proc.stdout! }).on('line', (line) => {
      const space = line.indexOf(' ');
      const kind = space < 0 ? line : line.slice(0, space);
      if (!this.#first.has(kind)) this.#first.set(kind, line.slice(space + 1));
      for (const h of this.#lineHandlers) h(kind, line.slice(space + 1));
    });
  }

  /** Calls `h` for every `KIND <json>` line on stdout. */
  onLine(h: (kind: string, body: string) => void): void {
    this.#lineHandlers.push(h);
  }

  /** Resolves with the READY line's JSON; rejects with stderr if the child exits first or after `ms`. */
  ready<T>(ms = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => (clearTimeout(timer), reject(new Error(`${this.name} ${why}\n${this.#stderr.slice(-4000)}`)));
      const timer = setTimeout(() => fail(`not ready after ${ms} ms`), ms);
      this.#proc.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
      this.onLine((kind, body) => {
        if (kind !== 'READY') return;
        clearTimeout(timer);
        this.#proc.removeAllListeners('exit');
        resolve(JSON.parse(body) as T);
      });
    });
  }

  /** The JSON of the first `kind` line this process printed, waiting for it if need be. */
  first<T>(kind: string): Promise<T> {
    const seen = this.#first.get(kind);
    if (seen !== undefined) return Promise.resolve(JSON.parse(seen) as T);
    return new Promise((resolve) => this.onLine((k, body) => k === kind && resolve(JSON.parse(body) as T)));
  }

  /** Writes one line to the child's stdin. */
  send(line: string): void {
    this.#proc.stdin!.write(line + '\n');
  }

  /** Rejection lines (NACKs, NOT_SERVING) this process logged so far. */
  rejections(): readonly string[] {
    return this.#rejections;
  }

  stderr(): string {
    return this.#stderr;
  }

  /** Closes stdin (the child stops on its own), then SIGKILL after 3 s. */
  stop(): Promise<void> {
    const p = this.#proc;
    if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => p.kill('SIGKILL'), 3_000);
      p.once('exit', () => (clearTimeout(kill), resolve()));
      p.stdin!.end();
    });
  }
}
