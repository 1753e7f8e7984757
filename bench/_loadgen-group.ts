/**
 * Parent side of the load generator: forks `count` children (`node --import tsx
 * bench/_loadgen.ts`), deals the proxies out between them, and turns their IPC messages into
 * promises. A child that exits or reports `failed` rejects whatever is pending.
 *
 * Contract: `close()` must be called (it is idempotent); the children also exit on their own if
 * this process dies, because they exit when their IPC channel disconnects.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, CollectedMessage, ParentMessage, ProxySpec, RoundMessage, SyncedMessage, TlsSpec, TypeCount, WindowCountsMessage } from './_ipc.js';

const entry = fileURLToPath(new URL('./_loadgen.ts', import.meta.url));

export interface LoadgenOptions {
  target: string;
  proxies: readonly ProxySpec[];
  tls?: TlsSpec;
  /** Follow SDS references like Envoy (only against servers that serve the secrets). */
  sds?: boolean;
  /** Child processes to spread the proxies over. */
  processes: number;
  connectConcurrency?: number;
  syncTimeoutMs?: number;
}

type Waiter = { match: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void; reject: (e: Error) => void };

class Child {
  readonly proc: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly inbox: ChildMessage[] = [];

  constructor(readonly proxies: ProxySpec[]) {
    this.proc = fork(entry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (m: ChildMessage) => this.deliver(m));
    this.proc.on('exit', (code) => this.failAll(new Error(`load generator exited with code ${code}`)));
  }

  send(message: ParentMessage): void {
    if (this.proc.connected) this.proc.send(message);
  }

  /** Resolves with the first message (already received or future) that `match` accepts. */
  next<T extends ChildMessage>(match: (m: ChildMessage) => boolean): Promise<T> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    return new Promise((resolve, reject) => {
      const w: Waiter = { match, resolve: (m) => resolve(m as T), reject };
      this.waiters.add(w);
    });
  }

  private deliver(m: ChildMessage): void {
    if (m.kind === 'failed') return this.failAll(new Error(`load generator failed: ${m.reason}`));
    for (const w of this.waiters) {
      if (!w.match(m)) continue;
      this.waiters.delete(w);
      return w.resolve(m);
    }
    this.inbox.push(m);
  }

  private failAll(err: Error): void {
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }
}

export class LoadgenGroup {
  private readonly children: Child[];

  constructor(private readonly opts: LoadgenOptions) {
    const n = Math.max(1, Math.min(opts.processes, opts.proxies.length));
    const parts: ProxySpec[][] = Array.from({ length: n }, () => []);
    opts.proxies.forEach((p, i) => parts[i % n]!.push(p));
    this.children = parts.map((ids) => new Child(ids));
  }

  private nextId = 0;

  /**
   * Opens every proxy; resolves when all have ACKed their initial CDS, EDS, LDS and RDS (and SDS
   * with `sds`), with the errors the proxies saw on the way.
   */
  async sync(): Promise<{ errors: number }> {
    for (const c of this.children) {
      c.send({
        kind: 'start',
        target: this.opts.target,
        proxies: c.proxies,
        tls: this.opts.tls,
        sds: this.opts.sds,
        connectConcurrency: this.opts.connectConcurrency ?? 200,
        syncTimeoutMs: this.opts.syncTimeoutMs ?? 120_000,
      });
    }
    return syncedErrors(await Promise.all(this.children.map((c) => c.next<SyncedMessage>((m) => m.kind === 'synced'))));
  }

  /** Arms a round in every child; resolves once all of them have recorded their baseline. */
  async arm(round: number, typeUrl: string, timeoutMs: number): Promise<void> {
    for (const c of this.children) c.send({ kind: 'arm', round, typeUrl, timeoutMs });
    await Promise.all(this.children.map((c) => c.next((m) => m.kind === 'armed' && m.round === round)));
  }

  /** Every proxy's ACK time for `round` (null where it timed out) and the children's error count. */
  async results(round: number): Promise<{ ackAt: (number | null)[]; errors: number }> {
    const msgs = await Promise.all(
      this.children.map((c) => c.next<RoundMessage>((m) => m.kind === 'round' && m.round === round)),
    );
    return { ackAt: msgs.flatMap((m) => m.ackAt), errors: msgs.reduce((n, m) => n + m.errors, 0) };
  }

  /** Drops every proxy and opens fresh ones, `concurrency` unsynced at a time per child. */
  async reconnect(concurrency: number, syncTimeoutMs = 120_000): Promise<{ errors: number }> {
    for (const c of this.children) c.send({ kind: 'reconnect', connectConcurrency: concurrency, syncTimeoutMs });
    return syncedErrors(await Promise.all(this.children.map((c) => c.next<SyncedMessage>((m) => m.kind === 'synced'))));
  }

  /**
   * Starts watching `typeUrl` responses for `marker`, expecting the proxies `expect` to receive
   * it; resolves with the mark's id once every child has armed it.
   */
  async mark(typeUrl: string, marker: Buffer, expect: readonly string[] = []): Promise<number> {
    const id = ++this.nextId;
    const wanted = new Set(expect);
    for (const c of this.children) {
      const mine = c.proxies.filter((p) => wanted.has(p.id)).map((p) => p.id);
      c.send({ kind: 'mark', id, typeUrl, marker: marker.toString('base64'), expect: mine });
    }
    await Promise.all(this.children.map((c) => c.next((m) => m.kind === 'marked' && m.id === id)));
    return id;
  }

  /**
   * Per node id, when it ACKed the first response carrying mark `id` (absent: never); waits up
   * to `timeoutMs` for every expected proxy.
   */
  async collect(id: number, timeoutMs = 0): Promise<Map<string, number>> {
    for (const c of this.children) c.send({ kind: 'collect', id, timeoutMs });
    const out = new Map<string, number>();
    await Promise.all(this.children.map(async (c) => {
      const m = await c.next<CollectedMessage>((x) => x.kind === 'collected' && x.id === id);
      m.ackAt.forEach((at, i) => at !== null && out.set(c.proxies[i]!.id, at));
    }));
    return out;
  }

  /** Zeroes every child's receive counters. */
  async openWindow(): Promise<void> {
    const id = ++this.nextId;
    for (const c of this.children) c.send({ kind: 'window', id });
    await Promise.all(this.children.map((c) => c.next((m) => m.kind === 'window-open' && m.id === id)));
  }

  /** What each type delivered since `openWindow`, summed over children, and who received anything. */
  async windowCounts(): Promise<{ byType: Record<string, TypeCount>; receivers: string[] }> {
    const id = ++this.nextId;
    for (const c of this.children) c.send({ kind: 'counts', id });
    const msgs = await Promise.all(this.children.map((c) => c.next<WindowCountsMessage>((m) => m.kind === 'window-counts' && m.id === id)));
    const byType: Record<string, TypeCount> = {};
    for (const m of msgs) {
      for (const [t, c] of Object.entries(m.byType)) {
        const a = (byType[t] ??= { responses: 0, resources: 0, bytes: 0, proxies: 0, names: [] });
        a.responses += c.responses;
        a.resources += c.resources;
        a.bytes += c.bytes;
        a.proxies += c.proxies;
        a.names = [...new Set([...a.names, ...c.names])].sort().slice(0, 2000);
      }
    }
    return { byType, receivers: msgs.flatMap((m) => m.receivers).sort() };
  }

  /** Asks the children to exit and waits for them (kills any that linger past 5 s). */
  async close(): Promise<void> {
    await Promise.all(
      this.children.map((c) => {
        if (c.proc.exitCode !== null || c.proc.signalCode !== null) return undefined;
        const exited = new Promise<void>((resolve) => c.proc.once('exit', () => resolve()));
        c.send({ kind: 'stop' });
        const timer = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
        return exited.finally(() => clearTimeout(timer));
      }),
    );
  }
}

function syncedErrors(msgs: readonly SyncedMessage[]): { errors: number } {
  return { errors: msgs.reduce((n, m) => n + m.errors, 0) };
}
