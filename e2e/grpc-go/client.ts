/**
 * The test's handle on one `grpcgo client` process (an xDS node of its own): `run` sends a batch
 * order and resolves with the summary the process prints; `progress` resolves once the running
 * batch has completed a number of calls, and `stop` ends it early (`calls` is then a cap). Run
 * one batch at a time. The shapes mirror e2e/grpc-go/client.go and summary.go.
 */
import type { GoProcess } from './processes.js';

export interface Order {
  /** `xds:///<service>.<ns>.svc.cluster.local:<port>`, or `host:port` for a direct plaintext call. */
  readonly target: string;
  readonly calls: number;
  readonly concurrency?: number;
  readonly method?: 'Call' | 'Admin';
  readonly metadata?: Readonly<Record<string, string>>;
  readonly deadlineMs?: number;
  /** Count calls that last at least this long (`slow`). */
  readonly slowMs?: number;
  /** Print progress every that many calls (for `progress`). */
  readonly progressEvery?: number;
  /** Pause of each concurrent worker between its calls. */
  readonly paceMs?: number;
}

export interface Summary {
  readonly calls: number;
  /** gRPC status code names (`OK`, `Unavailable`, `PermissionDenied`, ...) → count. */
  readonly codes: Readonly<Record<string, number>>;
  /** Instance name of the backend that answered → count (successful calls only). */
  readonly backends: Readonly<Record<string, number>>;
  /** SPIFFE ID the server saw on the connection → count (successful calls over mTLS only). */
  readonly peers: Readonly<Record<string, number>>;
  /** Successful calls answered to a retry attempt (the server saw grpc-previous-rpc-attempts). */
  readonly retried: number;
  /** Successful calls whose server saw every metadata entry sent. */
  readonly echoed: number;
  readonly slow: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** The first error message per status code. */
  readonly errors: Readonly<Record<string, string>>;
}

export class GoClient {
  readonly #queue: { resolve: (s: Summary) => void; reject: (e: Error) => void }[] = [];
  #done = 0;
  #waiters: { n: number; resolve: () => void }[] = [];

  constructor(readonly id: string, readonly proc: GoProcess) {
    proc.onLine((kind, body) => {
      if (kind === 'PROGRESS') this.#progressed((JSON.parse(body) as { done: number }).done);
      else if (kind === 'RESULT') this.#queue.shift()?.resolve(JSON.parse(body) as Summary);
      else if (kind === 'ERROR') this.#queue.shift()?.reject(new Error(`${this.id}: ${body}`));
    });
  }

  run(order: Order): Promise<Summary> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        resolve: (s) => (this.#progressed(Infinity), resolve(s)),
        reject: (e) => (this.#progressed(Infinity), reject(e)),
      });
      this.#done = 0;
      this.proc.send(JSON.stringify(order));
    });
  }

  /** Ends the batch in flight after the calls it already started; its `run` then resolves. */
  stop(): void {
    this.proc.send(JSON.stringify({ stop: true }));
  }

  /** Calls the batch in flight has completed, as of its last progress line; Infinity once it ended. */
  get completed(): number {
    return this.#done;
  }

  /** Resolves once the batch in flight has completed `n` calls (or has ended). */
  progress(n: number): Promise<void> {
    if (this.#done >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  #progressed(done: number): void {
    this.#done = done;
    const ready = this.#waiters.filter((w) => w.n <= done);
    this.#waiters = this.#waiters.filter((w) => w.n > done);
    for (const w of ready) w.resolve();
  }
}

/** Share of a summary's calls answered by `backend`. */
export function share(s: Summary, backend: string): number {
  return (s.backends[backend] ?? 0) / Math.max(1, s.calls);
}

/** Calls that did not end OK. */
export function failed(s: Summary): number {
  return s.calls - (s.codes.OK ?? 0);
}
