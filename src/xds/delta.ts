/**
 * Incremental (delta) state machine for one resource type on one stream.
 *
 * - The server tracks the version of each resource the client holds (seeded from
 *   `initial_resource_versions` on reconnect) and sends only resources whose version differs.
 * - Resources the client holds that left its subscribed scope by deletion are listed in
 *   `removed_resources`; so is a subscribed name that does not exist, so the client does not wait
 *   for it. Each removal is announced once: a name announced stays known-missing until it is
 *   re-subscribed or comes back. A NACK does not bring a removal back either: clients apply the
 *   removals of a response they reject (Envoy removes before it adds), so it is not re-sent.
 * - What a reconnecting client says it holds (`initial_resource_versions`) counts as accepted
 *   where it equals the current version: nothing is sent for it, and status and the ACKed view
 *   show it held (issue 12, the delta-reconnect defect). A version that differs is sent as usual
 *   and counts only once ACKed; a claim is checked once, against the first snapshot pushed.
 * - Nonces only pair responses with ACK/NACK; subscription changes in a request are applied even
 *   when its nonce is stale (REFERENCE.md §1, envoy#10363).
 */
import { TypeUrl } from '../../proto/type-urls.js';
import type { EncodedResource } from './encoder.js';
import { chunkBySize, type Outgoing, type PushContext } from './push.js';
import type { ErrorDetail } from './requests.js';
import { TypeState, type HandleResult } from './type-state.js';
import { DeltaField, WireWriter } from './wire.js';

export interface DeltaRequest {
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
  readonly initialVersions: Readonly<Record<string, string>>;
  readonly nonce: string;
  readonly error?: ErrorDetail;
}

export class DeltaState extends TypeState {
  /** Versions the client holds, assuming it accepts what is sent (restored on NACK). */
  private readonly clientHas = new Map<string, string>();
  private readonly announcedMissing = new Set<string>();
  private seenFirst = false;
  /** `initial_resource_versions` not yet compared with the snapshot (the first push does). */
  private claimed?: Map<string, string>;

  handle(req: DeltaRequest, now: number): HandleResult {
    if (!this.seenFirst) {
      this.seenFirst = true;
      for (const [n, v] of Object.entries(req.initialVersions)) this.clientHas.set(n, v);
      if (this.clientHas.size > 0) this.claimed = new Map(this.clientHas);
    }
    this.subscription.applyDelta(req.subscribe, req.unsubscribe);
    for (const n of req.unsubscribe) {
      this.clientHas.delete(n);
      this.claimed?.delete(n);
      this.announcedMissing.delete(n);
      this.acked.delete(n);
    }
    if (req.unsubscribe.includes('*')) this.forgetUnsubscribed();
    for (const n of req.subscribe) this.announcedMissing.delete(n);
    if (req.nonce === '') return { kind: 'initial' };
    if (req.error) {
      const p = this.pendingAt(req.nonce);
      const info = this.nack(req.nonce, req.error, now);
      if (!info || !p) return { kind: 'stale' };
      for (const r of p.resources) this.restore(r.name, this.acked.get(r.name));
      for (const n of p.removed) this.acked.delete(n);
      return { kind: 'nack', info };
    }
    return this.ack(req.nonce, now) ? { kind: 'ack' } : { kind: 'stale' };
  }

  next(ctx: PushContext): Outgoing[] {
    const set = ctx.snapshot.get(this.typeUrl);
    const sub = this.subscription;
    const send: EncodedResource[] = [];
    const removed: string[] = [];
    const names = sub.wildcard ? new Set([...set.names, ...sub.names]) : sub.names;
    const adopted = this.adoptClaimed(set, names);
    for (const n of names) {
      const current = set.get(n);
      if (!current) {
        this.reportMissing(n, removed, ctx);
        continue;
      }
      if (this.isQuarantined(current)) continue;
      if (this.clientHas.get(n) !== current.version || ctx.warm.has(n)) send.push(current);
      if (current.edsName && this.clientHas.get(n) !== current.version) ctx.warm.add(current.edsName);
    }
    this.collectRemovals(set, removed, ctx);
    if (send.length === 0 && removed.length === 0) {
      // The client already holds all of this version: as if it had been sent and ACKed.
      if (adopted && this.sentVersion === undefined) this.sentVersion = this.ackedVersion = set.version;
      return [];
    }
    return this.responses(send, removed, set.version, ctx.maxBytes);
  }

  commit(nonce: string, out: Outgoing, now: number): void {
    for (const r of out.resources) this.clientHas.set(r.name, r.version);
    for (const n of out.removed) {
      this.clientHas.delete(n);
      if (this.subscription.names.has(n)) this.announcedMissing.add(n);
    }
    this.recordSent(nonce, out, now);
  }

  busy(ctx: PushContext): boolean {
    if (this.pendingCount > 0) return true;
    const set = ctx.snapshot.get(this.typeUrl);
    for (const r of set) if (this.subscription.includes(r.name) && !this.isQuarantined(r) && this.clientHas.get(r.name) !== r.version) return true;
    return false;
  }

  /**
   * Records as accepted the claimed resources (`initial_resource_versions`) of `names` whose
   * version is the current one; returns whether any was. Runs once per stream: a claim that does
   * not match is answered by sending the resource, and only its ACK counts.
   */
  private adoptClaimed(set: { get(n: string): EncodedResource | undefined }, names: Iterable<string>): boolean {
    const claimed = this.claimed;
    if (!claimed) return false;
    this.claimed = undefined;
    let adopted = false;
    for (const n of names) {
      const current = set.get(n);
      if (!current || claimed.get(n) !== current.version) continue;
      this.acked.set(n, current);
      adopted = true;
    }
    return adopted;
  }

  /**
   * A subscribed name that does not exist is announced once (`commit` records it). Endpoints the
   * client holds stay while clusters are held back (`holdsGone`): removing them would leave a
   * cluster that routes still use without endpoints (503 UH).
   */
  private reportMissing(name: string, removed: string[], ctx: PushContext): void {
    if (this.clientHas.has(name)) {
      if (!this.holdsGone(ctx)) removed.push(name);
    } else if (!this.announcedMissing.has(name)) {
      removed.push(name);
    }
  }

  /** Resources the client holds that no longer exist (wildcard scope). */
  private collectRemovals(set: { has(n: string): boolean }, removed: string[], ctx: PushContext): void {
    if (!this.subscription.wildcard) return;
    const gone = [...this.clientHas.keys()].filter((n) => !set.has(n) && !this.subscription.names.has(n));
    if (gone.length === 0 || this.holdsGone(ctx)) return;
    removed.push(...gone);
  }

  /** ADS make-before-break: clusters and their endpoints go only after routes stopped naming them. */
  private holdsGone(ctx: PushContext): boolean {
    return (this.typeUrl === TypeUrl.Cluster || this.typeUrl === TypeUrl.ClusterLoadAssignment) && ctx.holdRemovals();
  }

  private restore(name: string, accepted: EncodedResource | undefined): void {
    if (accepted) this.clientHas.set(name, accepted.version);
    else this.clientHas.delete(name);
  }

  private responses(send: EncodedResource[], removed: string[], version: string, maxBytes: number): Outgoing[] {
    send.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const chunks = send.length ? chunkBySize(send, maxBytes, (r) => r.deltaBytes().length) : [[]];
    return chunks.map((chunk, i) => {
      const w = new WireWriter().string(DeltaField.systemVersionInfo, version);
      for (const r of chunk) w.bytes(DeltaField.resources, r.deltaBytes());
      w.string(DeltaField.typeUrl, this.typeUrl);
      const rem = i === chunks.length - 1 ? removed : [];
      for (const n of rem) w.string(DeltaField.removedResources, n);
      return { body: w.finish(), version, resources: chunk, removed: rem, full: false };
    });
  }
}
