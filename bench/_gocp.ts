/**
 * The go-control-plane peer (bench/peers/go-control-plane) from the driver's side: builds it
 * (cached under .cache/), starts it as a child process on 127.0.0.1, and talks to it in JSON
 * lines (one reply per command, in order). `resourceFile` writes the resources it serves: the
 * encoded bytes of each resource, per group of proxies with identical configuration, so the peer
 * serves what weft serves.
 *
 * Contract: `close()` must be called; the peer also exits when its stdin closes (this process
 * dying closes it). Without `go` on PATH `GoPeer.binary()` returns the reason, and benchmarks
 * report the peer as skipped.
 */
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const buildScript = fileURLToPath(new URL('./peers/go-control-plane/build.sh', import.meta.url));

/** Resources of one type: name and the encoded message (the `Any`'s value, not the `Any`). */
export type EncodedGroup = Record<string, { name: string; value: Uint8Array }[]>;

export interface PeerStats {
  cpu_us: number;
  rss_kb: number;
  heap_kb: number;
  goroutines: number;
}

type Reply = Record<string, unknown> & { ok: boolean; error?: string };

/** Writes the peer's resource file: groups of resources and which group each node id uses. */
export function resourceFile(file: string, groups: readonly EncodedGroup[], nodes: Record<string, number>): void {
  const wire = groups.map((g) =>
    Object.fromEntries(Object.entries(g).map(([t, list]) => [t, list.map((r) => ({ name: r.name, value: Buffer.from(r.value).toString('base64') }))])),
  );
  writeFileSync(file, JSON.stringify({ groups: wire, nodes }), { mode: 0o600 });
}

export class GoPeer {
  private readonly pending: ((r: Reply) => void)[] = [];
  private exited: Error | undefined;

  private constructor(private readonly proc: ChildProcessByStdio<Writable, Readable, null>, readonly port: number) {
    proc.on('exit', (code) => {
      this.exited = new Error(`go-control-plane peer exited with code ${code}`);
      for (const p of this.pending.splice(0)) p({ ok: false, error: this.exited.message });
    });
  }

  /** The peer's binary (built or reused), or why it is not available. */
  static binary(): { path: string } | { skipped: string } {
    try {
      return { path: execFileSync('bash', [buildScript], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 }).trim() };
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').pop();
      return { skipped: stderr || (err as Error).message };
    }
  }

  /** Starts the peer; `tls` files enable mTLS on its port. Resolves once it listens. */
  static async start(binary: string, tls?: { cert: string; key: string; ca: string }): Promise<GoPeer> {
    const args = ['-listen', '127.0.0.1:0', ...(tls ? ['-cert', tls.cert, '-key', tls.key, '-ca', tls.ca] : [])];
    const proc = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout });
    const port = await new Promise<number>((resolve, reject) => {
      lines.once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
      proc.once('exit', (code) => reject(new Error(`go-control-plane peer exited with code ${code} before listening`)));
    });
    const peer = new GoPeer(proc, port);
    lines.on('line', (l) => peer.pending.shift()?.(JSON.parse(l) as Reply));
    return peer;
  }

  private request(command: Record<string, unknown>): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.push((r) => (r.ok ? resolve(r) : reject(new Error(`go-control-plane peer: ${r.error}`))));
      this.proc.stdin.write(JSON.stringify(command) + '\n');
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Loads a resource file (replacing everything) and sets every node's snapshot. */
  load(file: string): Promise<Reply> {
    return this.request({ op: 'load', file });
  }

  /** Replaces one resource in every group that holds it; only that type's version changes. */
  update(typeUrl: string, name: string, value: Uint8Array): Promise<Reply> {
    return this.request({ op: 'update', typeUrl, name, value: Buffer.from(value).toString('base64') });
  }

  async stats(): Promise<PeerStats> {
    return (await this.request({ op: 'stats' })) as unknown as PeerStats;
  }

  /** A full Go GC that returns freed memory to the OS, so RSS measures live memory. */
  async gc(): Promise<void> {
    await this.request({ op: 'gc' });
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
      this.proc.once('exit', () => (clearTimeout(timer), resolve()));
      this.proc.stdin.end();
    });
  }
}
