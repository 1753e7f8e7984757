/**
 * The rotation gate across replicas. A root rotation `advance` is safe only once every connected
 * proxy has ACKed the current trust bundle; the leader sees its own proxies only. So every
 * replica reports, in a Lease of its own (`weft-acks-<identity>` in the leader-election
 * namespace, label `app.kubernetes.io/component: weft-bundle-acks`), the highest trust bundle
 * sequence that all its connected proxies have ACKed: written when it changes, else renewed every
 * `staleMs / 3` (checked every `retryMs`). The leader's `advance` waits for every live report to
 * reach the current sequence.
 *
 * A report not renewed for `staleMs` (default 3 lease durations) is a replica that died (its
 * proxies reconnected elsewhere) and is ignored. This compares a time written by another replica
 * with the leader's clock: clocks skewed by more than `staleMs` would ignore a live replica.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from './log.js';
import type { LeaderElectionConfig } from './replicas.js';

export const ACKS_COMPONENT = 'weft-bundle-acks';
const SEQUENCE = 'weft.dev/acked-bundle-sequence';

export interface BundleAckState {
  /** The trust bundle sequence this replica serves. */
  readonly sequence: number;
  /** Its connected proxies that have not ACKed that bundle yet. */
  readonly laggards: number;
}

export class BundleAcks {
  private acked = 0;
  private written: { acked: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly name: string;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly c: LeaderElectionConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly staleMs = 3 * (c.leaseDurationSeconds ?? 15) * 1000,
  ) {
    this.name = `weft-acks-${c.identity}`.toLowerCase().replace(/[^-a-z0-9.]/g, '-').slice(0, 253);
  }

  /** Reports `state()` now and every `retryMs` until `stop()`. */
  start(state: () => BundleAckState): void {
    const loop = async () => {
      await this.report(state()).catch((err: unknown) => this.log.warn('cannot report trust bundle ACKs', { lease: `${this.c.namespace}/${this.name}`, error: String((err as Error).message ?? err) }));
      if (!this.stopped) (this.timer = setTimeout(loop, this.c.retryMs ?? 2_000)).unref();
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Writes this replica's report (creating its Lease on first use) when it changed or is due. */
  async report(s: BundleAckState): Promise<void> {
    if (s.laggards === 0) this.acked = s.sequence;
    const now = this.now();
    if (this.written?.acked === this.acked && now - this.written.at < this.staleMs / 3) return;
    const body = (prev?: V1Lease): V1Lease => ({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { ...prev?.metadata, name: this.name, namespace: this.c.namespace, labels: { 'app.kubernetes.io/component': ACKS_COMPONENT }, annotations: { [SEQUENCE]: String(this.acked) } },
      spec: { holderIdentity: this.c.identity, leaseDurationSeconds: Math.ceil(this.staleMs / 1000), renewTime: microTime(this.now()) },
    });
    const prev = await this.api.readNamespacedLease({ name: this.name, namespace: this.c.namespace }).catch((err: { code?: unknown }) => (err.code === 404 ? undefined : Promise.reject(err)));
    if (prev) await this.api.replaceNamespacedLease({ name: this.name, namespace: this.c.namespace, body: body(prev) });
    else await this.api.createNamespacedLease({ namespace: this.c.namespace, body: body() });
    this.written = { acked: this.acked, at: now };
  }

  /** Live replicas other than this one whose proxies have not all ACKed bundle `sequence`, as
   * `replica <identity> (ACKed <n>)`. */
  async behind(sequence: number): Promise<string[]> {
    const list = await this.api.listNamespacedLease({ namespace: this.c.namespace, labelSelector: `app.kubernetes.io/component=${ACKS_COMPONENT}` });
    const out: string[] = [];
    for (const l of list.items) {
      const who = l.spec?.holderIdentity ?? '';
      const t = l.spec?.renewTime as unknown;
      const renewed = t instanceof Date ? t.getTime() : Date.parse(String(t ?? ''));
      if (who === this.c.identity || !(this.now() - renewed < this.staleMs)) continue;
      const acked = Number(l.metadata?.annotations?.[SEQUENCE] ?? 0);
      if (acked < sequence) out.push(`replica ${who} (ACKed bundle ${acked})`);
    }
    return out.sort();
  }
}

/** A Lease time with the six fractional digits MicroTime needs (as lease.ts writes it). */
function microTime(ms: number): NonNullable<NonNullable<V1Lease['spec']>['renewTime']> {
  const t = new Date(ms);
  return Object.assign(t, { toISOString: () => `${Date.prototype.toISOString.call(t).slice(0, -1)}000Z` });
}
