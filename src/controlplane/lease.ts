/**
 * Leader election over a `coordination.k8s.io` Lease, for the tasks that must run on one weft
 * replica at a time (status written back to objects, root-rotation phases). The same protocol as
 * client-go's leaderelection package:
 *
 * - A replica holds the lease while `holderIdentity` is its identity; it renews (`renewTime`)
 *   every `retryMs` and gives up leading when no renewal succeeded for `renewDeadlineMs`.
 * - Another replica takes the lease over only after it saw the record unchanged for
 *   `leaseDurationSeconds` by ITS OWN clock (no comparison of timestamps written by other
 *   machines, so clock skew between replicas does not matter), or when the holder released it.
 * - Every write is a create (409 when another replica created it first) or an update carrying the
 *   resourceVersion that was read (409 when anybody wrote in between): of two replicas racing, the
 *   API server lets exactly one win.
 *
 * `stop()` releases a held lease (empty holder), so a rolling update hands over at once.
 * @kubernetes/client-node is passed in (`CoordinationV1Api`), never imported here at run time.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';

export interface LeaseOptions {
  readonly api: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica (the pod name). */
  readonly identity: string;
  /** Default 15 s. */
  readonly leaseDurationSeconds?: number;
  /** Default 10 s: a leader that could not renew for this long stops leading. */
  readonly renewDeadlineMs?: number;
  /** Default 2 s: how often to renew (leader) or try to acquire (others). */
  readonly retryMs?: number;
  readonly now?: () => number;
}

export class LeaseElector {
  private leading = false;
  /** The error of the last failed round (a 409 when another replica won), for logs and tests. */
  lastError: unknown;
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** The round in flight, if any: `stop()` waits for it, so a renew cannot land after the release. */
  private round: Promise<boolean> | undefined;
  private readonly listeners = new Set<(leading: boolean) => void>();
  private readonly now: () => number;
  private readonly durationSeconds: number;

  constructor(private readonly o: LeaseOptions) {
    this.now = o.now ?? Date.now;
    this.durationSeconds = o.leaseDurationSeconds ?? 15;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Called with true when this replica starts leading and false when it stops. */
  onChange(fn: (leading: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs `task` only while leading; returns whether it ran. */
  async ifLeader<T>(task: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (!this.leading) return { ran: false };
    return { ran: true, value: await task() };
  }

  /** Tries every `retryMs` until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.tryAcquireOrRenew();
      if (this.running) this.timer = setTimeout(loop, this.o.retryMs ?? 2_000);
    };
    void loop();
  }

  /** Stops trying; a held lease is released (holder cleared) so another replica takes it at once.
   * A round in flight is waited for first: its renew, landing between the release's read and
   * write, would make the release a conflict and leave the lease held until it expires. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.o.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      await this.o.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } } });
    } catch {
      // Releasing is a courtesy: the lease expires on its own.
    }
  }

  /** One round: acquire, renew or observe. Returns whether this replica leads afterwards. */
  tryAcquireOrRenew(): Promise<boolean> {
    const round = this.acquireOrRenew();
    this.round = round;
    return round;
  }

  private async acquireOrRenew(): Promise<boolean> {
    const now = this.now();
    try {
      const lease = await this.read();
      if (!lease) await this.o.api.createNamespacedLease({ namespace: this.o.namespace, body: this.record(undefined, now) });
      else if (!this.mayTake(lease, now)) return this.lose(now, false);
      else await this.o.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: this.record(lease, now) });
      this.lastRenew = now;
      this.setLeading(true);
      return true;
    } catch (err) {
      // 409: another replica wrote first; anything else: the API server is unreachable.
      this.lastError = err;
      return this.lose(now, (err as { code?: unknown }).code !== 409);
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.o.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      throw err;
    }
  }

  /** Ours, released, or unchanged for a whole lease duration as this replica observed it. */
  private mayTake(lease: V1Lease, now: number): boolean {
    const spec = lease.spec ?? {};
    if (spec.holderIdentity === this.o.identity || !spec.holderIdentity) return true;
    const key = `${spec.holderIdentity}|${timeText(spec.renewTime)}|${spec.leaseTransitions ?? 0}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
    return now - this.observed.at >= (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000;
  }

  private record(prev: V1Lease | undefined, now: number): V1Lease {
    const spec = prev?.spec ?? {};
    const takeover = spec.holderIdentity !== this.o.identity;
    const time = microTime(now);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: prev ? { ...prev.metadata } : { name: this.o.name, namespace: this.o.namespace },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: takeover || !spec.acquireTime ? time : microTime(Date.parse(timeText(spec.acquireTime))),
        renewTime: time,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (prev && takeover ? 1 : 0),
      },
    };
  }

  /** A failed round: a leader keeps leading through transient errors until its renew deadline. */
  private lose(now: number, transient: boolean): boolean {
    if (this.leading && transient && now - this.lastRenew < (this.o.renewDeadlineMs ?? 10_000)) return true;
    this.setLeading(false);
    return false;
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    for (const fn of [...this.listeners]) fn(leading);
  }
}

/** A Lease time: the API server parses MicroTime with exactly six fractional digits (client-node's
 * V1MicroTime, without importing the client at run time). */
function microTime(ms: number): NonNullable<NonNullable<V1Lease['spec']>['renewTime']> {
  const t = new Date(ms);
  return Object.assign(t, { toISOString: () => `${Date.prototype.toISOString.call(t).slice(0, -1)}000Z` });
}

/** A Lease time as read back: client-node 1.4 leaves MicroTime fields as the server's strings. */
function timeText(t: unknown): string {
  return typeof t === 'string' ? t : t instanceof Date ? t.toISOString() : '';
}
