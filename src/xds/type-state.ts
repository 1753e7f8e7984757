/**
 * Per stream, per resource type: subscription, what was sent, what was accepted, and the NACK
 * quarantine. Shared by the state-of-the-world and delta state machines.
 *
 * NACK rule (REFERENCE.md §1, go-control-plane#962): a NACK is a request with `error_detail`.
 * The suspects are the resources of the rejected response whose versions differ from what the
 * client had accepted. Quarantined, as (name, version), are all suspects, except for SotW LDS/CDS
 * where only the suspects `identifyRejected` can tell apart are (sotw.ts says why). A quarantined
 * resource is never sent again to this stream; the client keeps its last accepted version of it,
 * which is what weft keeps serving it, until its content (and so its version) changes.
 */
import type { ResourceTypeUrl } from '../../proto/type-urls.js';
import type { EncodedResource } from './encoder.js';
import { identifyRejected } from './rejected.js';
import type { ErrorDetail } from './requests.js';
import { Subscription } from './subscription.js';
import type { NackInfo, TypeStatus } from './types.js';

/** A response sent and not yet answered. */
export interface Pending {
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  /** A complete state of the world: on ACK it replaces what the client holds. */
  readonly full: boolean;
}

/** What a request was with respect to earlier responses. */
export type HandleResult = { readonly kind: 'initial' | 'ack' | 'stale' } | { readonly kind: 'nack'; readonly info: NackInfo };

/** Keep at most this many unanswered responses per type; older ones are forgotten (stale). */
const MAX_PENDING = 16;

export class TypeState {
  readonly subscription: Subscription;
  /** What the client accepted, by name. */
  readonly acked = new Map<string, EncodedResource>();
  /**
   * (name -> version) the client rejected; created by the first NACK and dropped when emptied.
   * Both it and `unanswered` are empty on almost every idle stream, where an empty Map still costs
   * 135 B of heap per type and stream (an empty array 32 B), so neither is a Map.
   */
  private quarantine?: Map<string, string>;
  /** Responses not answered yet, oldest first, at most `MAX_PENDING`. */
  private readonly unanswered: { readonly nonce: string; readonly p: Pending }[] = [];
  sentVersion?: string;
  ackedVersion?: string;
  sentAt?: number;
  ackedAt?: number;
  lastNack?: NackInfo;

  constructor(readonly typeUrl: ResourceTypeUrl) {
    this.subscription = new Subscription(typeUrl);
  }

  isQuarantined(r: EncodedResource): boolean {
    return this.quarantine?.get(r.name) === r.version;
  }

  /** True while some resource is quarantined. */
  get quarantines(): boolean {
    return this.quarantine !== undefined;
  }

  /** The unanswered response sent under `nonce`. */
  pendingAt(nonce: string): Pending | undefined {
    for (const u of this.unanswered) if (u.nonce === nonce) return u.p;
    return undefined;
  }

  /** Number of responses not answered yet. */
  get pendingCount(): number {
    return this.unanswered.length;
  }

  /** The version to serve for `current`: itself, or the accepted one if `current` was rejected. */
  servable(current: EncodedResource): EncodedResource | undefined {
    return this.isQuarantined(current) ? this.acked.get(current.name) : current;
  }

  recordSent(nonce: string, p: Pending, now: number): void {
    this.unanswered.push({ nonce, p });
    if (this.unanswered.length > MAX_PENDING) this.unanswered.shift();
    this.sentVersion = p.version;
    this.sentAt = now;
  }

  /** Applies an ACK of `nonce`; returns undefined when the nonce is unknown (stale or never sent). */
  ack(nonce: string, now: number): Pending | undefined {
    const p = this.takePending(nonce);
    if (!p) return undefined;
    if (p.full) this.acked.clear();
    for (const r of p.resources) {
      // Answered after the client dropped it from its subscription: it no longer holds it.
      if (!this.subscription.includes(r.name)) continue;
      this.acked.set(r.name, r);
      if (this.quarantine && this.quarantine.get(r.name) !== r.version) this.quarantine.delete(r.name);
    }
    if (this.quarantine?.size === 0) this.quarantine = undefined;
    for (const n of p.removed) this.acked.delete(n);
    this.ackedVersion = p.version;
    this.ackedAt = now;
    return p;
  }

  /**
   * Applies a NACK of `nonce`; returns the rejected response, or undefined if the nonce is stale.
   * Suspects are the resources that differed from what the client accepted; all of them are
   * quarantined, or with `narrow` only those `identifyRejected` can tell apart (SotW LDS/CDS).
   */
  nack(nonce: string, error: ErrorDetail, now: number, narrow = false): NackInfo | undefined {
    const p = this.takePending(nonce);
    if (!p) return undefined;
    // Compare with what the client accepted by now: answers arrive in order, so an ACK of an
    // earlier response has already been applied even if it came after this one was sent.
    const suspects = p.resources.filter((r) => this.acked.get(r.name)?.version !== r.version);
    const rejected = narrow ? identifyRejected(suspects, p.resources, error.message) : suspects;
    for (const r of rejected) (this.quarantine ??= new Map()).set(r.name, r.version);
    const { code, message, messageBytes, truncated } = error;
    const names = suspects.map((r) => r.name);
    this.lastNack = { nonce, version: p.version, code, message, messageBytes, truncated, names, quarantined: rejected.map((r) => r.name), at: now };
    return this.lastNack;
  }

  /**
   * Forgets what the client accepted of resources it no longer subscribes to (issue 12 D6): a
   * client drops a resource when it unsubscribes (Envoy, after a cluster removal, stops asking for
   * its endpoints), so status and CSDS must not report it as held.
   */
  forgetUnsubscribed(): void {
    if (this.subscription.wildcard) return;
    for (const n of this.acked.keys()) if (!this.subscription.names.has(n)) this.acked.delete(n);
  }

  /** Forgets the answered response and every older one (a newer answer supersedes them). */
  private takePending(nonce: string): Pending | undefined {
    const at = this.unanswered.findIndex((u) => u.nonce === nonce);
    if (at < 0) return undefined;
    const p = this.unanswered[at]!.p;
    this.unanswered.splice(0, at + 1);
    return p;
  }

  status(): TypeStatus {
    return {
      typeUrl: this.typeUrl,
      subscribed: this.subscription.describe(),
      sentVersion: this.sentVersion,
      ackedVersion: this.ackedVersion,
      sentAt: this.sentAt,
      ackedAt: this.ackedAt,
      pending: this.unanswered.length,
      quarantined: [...(this.quarantine?.keys() ?? [])].sort(),
      lastNack: this.lastNack,
      acked: new Map([...this.acked].map(([n, r]) => [n, r.version])),
    };
  }
}
