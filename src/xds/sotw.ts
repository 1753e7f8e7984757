/**
 * State-of-the-world state machine for one resource type on one stream.
 *
 * - LDS and CDS responses carry the complete subscribed set (absence means deletion); the first
 *   response is sent even when empty, because Envoy waits for it to finish initialising.
 * - RDS, EDS and SDS responses carry only resources that are new or changed for the client (plus
 *   endpoints of warming clusters); deletion is implicit, and an empty response is never sent.
 * - `version_info` is the content hash of the whole subscribed set as served to this stream; a
 *   response is sent only when that content differs from what the client holds.
 * - A first request whose `version_info` equals the current version (a client reconnecting to a
 *   restarted control plane) is answered with nothing: the client already holds that content.
 *
 * NACK of an LDS/CDS response. The NACK is per response, but the client applies the valid
 * resources and rejects the bad ones (xDS protocol, "ACK and NACK semantics":
 * envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol#ack-and-nack-semantics; gRFC A46;
 * envoy#32880), and in state of the world a resource left out of a response is deleted. So:
 * - every LDS/CDS response is still the complete set (never an empty or partial one because
 *   nothing was accepted yet);
 * - only a resource the NACK can be told to be about is quarantined (rejected.ts: the only one
 *   that changed, or the one the message names); it is served at the version the client accepted,
 *   or left out if it never accepted one (the client holds nothing of it to lose);
 * - the client is then taken to hold the rejected set with those substitutions, so nothing is
 *   sent until the snapshot changes; when it does, the next response is the complete set again,
 *   including resources the NACK could not be pinned on (one resend per change, never a loop).
 * RDS/EDS/SDS responses carry only changes and absence deletes nothing, so there every suspect is
 * quarantined and the client is taken to hold what it had accepted.
 */
import { TypeUrl } from '../../proto/type-urls.js';
import type { EncodedResource } from './encoder.js';
import { chunkBySize, type Outgoing, type PushContext } from './push.js';
import { sotwBody, versionOf } from './snapshot.js';
import type { ErrorDetail } from './requests.js';
import { TypeState, type HandleResult, type Pending } from './type-state.js';

export interface SotwRequest {
  readonly names: readonly string[];
  readonly versionInfo: string;
  readonly nonce: string;
  readonly error?: ErrorDetail;
}

interface Desired {
  readonly list: readonly EncodedResource[];
  readonly version: string;
  /** The snapshot's own body when the stream takes the whole set as it is. */
  readonly body?: Buffer;
}

/**
 * RDS/EDS/SDS: the responses of one move from a held list to a desired list, kept on the desired
 * list. Streams that hold the same list object (a set's subset is shared by every stream with the
 * same subscription) and are pushed the same new list send the same changed resources, so a fan-out
 * works them out and encodes their bodies once per move instead of once per stream. The held list
 * is exactly what the client holds (`heldList`), and a response depends only on it, the desired
 * list and `maxBytes`: nothing of the stream itself. One move per list, the last; it lives as long
 * as the list does.
 */
interface Move { readonly from: readonly EncodedResource[]; readonly maxBytes: number; readonly outs: readonly Outgoing[] }
const moves = new WeakMap<readonly EncodedResource[], Move>();

export class SotwState extends TypeState {
  /** What the client holds if it accepted everything sent (reverted to `acked` on NACK). */
  private sent = new Map<string, EncodedResource>();
  /** RDS/EDS/SDS: a name-sorted list whose resources are exactly `sent`, when known (the desired
   * list last sent or found held). Lets a push compare lists index by index instead of looking
   * every name up, and skip a list it already sent. Cleared whenever `sent` changes otherwise. */
  private heldList?: readonly EncodedResource[];
  private heldVersion?: string;
  private everSent = false;
  private clientHint?: string;
  private readonly full = this.typeUrl === TypeUrl.Listener || this.typeUrl === TypeUrl.Cluster;

  /** Applies a request; returns what it was with respect to earlier responses. */
  handle(req: SotwRequest, now: number): HandleResult {
    if (this.clientHint === undefined && req.nonce === '') this.clientHint = req.versionInfo;
    const shrank = this.subscription.applySotw(req.names);
    const result = this.apply(req, now);
    if (shrank) this.forgetDropped();
    return result;
  }

  private apply(req: SotwRequest, now: number): HandleResult {
    if (req.nonce === '') return { kind: 'initial' };
    if (req.error) {
      const rejected = this.pendingAt(req.nonce);
      const info = this.nack(req.nonce, req.error, now, this.full);
      if (!info || !rejected) return { kind: 'stale' };
      this.assumeHeldAfter(rejected);
      return { kind: 'nack', info };
    }
    return this.ack(req.nonce, now) ? { kind: 'ack' } : { kind: 'stale' };
  }

  /**
   * The client dropped names from its subscription and so holds them no more: forget them as
   * accepted, and (RDS/EDS/SDS) as sent, so a later re-subscription is answered with them.
   * LDS/CDS responses are complete sets: the next one already leaves them out.
   */
  private forgetDropped(): void {
    this.forgetUnsubscribed();
    if (this.full) return;
    this.heldList = undefined;
    for (const n of this.sent.keys()) if (!this.subscription.includes(n)) this.sent.delete(n);
  }

  next(ctx: PushContext): readonly Outgoing[] {
    const d = this.desired(ctx);
    if (!this.everSent && this.clientHint && this.clientHint === d.version && d.list.length > 0) {
      this.adoptClientState(d);
      return [];
    }
    if (this.full) {
      if (this.everSent && d.version === this.heldVersion) return [];
      this.markWarming(d.list, ctx);
      return [{ body: d.body ?? sotwBody(d.version, this.typeUrl, d.list), version: d.version, resources: d.list, removed: [], full: true }];
    }
    const warming = ctx.warm.size > 0;
    if (!warming && d.list === this.heldList) return [];
    const from = warming ? undefined : this.heldList;
    const move = from && moves.get(d.list);
    if (move && move.from === from && move.maxBytes === ctx.maxBytes) return move.outs;
    const changed = (!warming && this.heldList && changedAligned(this.heldList, d.list))
      || d.list.filter((r) => this.sent.get(r.name)?.version !== r.version || ctx.warm.has(r.name));
    if (changed.length === 0) {
      this.sent = new Map(d.list.map((r) => [r.name, r]));
      this.heldList = d.list;
      this.heldVersion = d.version;
      return [];
    }
    const chunks = chunkBySize(changed, ctx.maxBytes, (r) => r.any.length);
    const outs = chunks.map((chunk, i): Outgoing => ({
      body: sotwBody(d.version, this.typeUrl, chunk, from !== undefined),
      version: d.version,
      resources: chunk,
      removed: [],
      full: false,
      ...(i === chunks.length - 1 ? { completes: d.list } : {}),
    }));
    if (from) moves.set(d.list, { from, maxBytes: ctx.maxBytes, outs });
    return outs;
  }

  /** Records a response as sent under `nonce`. */
  commit(nonce: string, out: Outgoing, now: number): void {
    if (out.full) this.sent = new Map(out.resources.map((r) => [r.name, r]));
    else for (const r of out.resources) this.sent.set(r.name, r);
    this.heldList = out.completes;
    this.heldVersion = out.version;
    this.everSent = true;
    this.recordSent(nonce, out, now);
  }

  /**
   * What the client holds after rejecting `p`. LDS/CDS: the rejected set itself, with each
   * quarantined resource replaced by the version the client accepted (or left out if it never
   * accepted one), since the client applies the rest. Other types: what it had accepted.
   */
  private assumeHeldAfter(p: Pending): void {
    if (!this.full) {
      this.heldList = undefined;
      this.sent = new Map(this.acked);
      this.heldVersion = this.ackedVersion;
      return;
    }
    const held = p.resources.flatMap((r) => (this.isQuarantined(r) ? (this.acked.get(r.name) ?? []) : [r]));
    this.sent = new Map(held.map((r) => [r.name, r]));
    this.heldVersion = versionOf(held);
  }

  /** Clusters new or changed for the client will warm: their endpoints must follow. */
  private markWarming(list: readonly EncodedResource[], ctx: PushContext): void {
    for (const r of list) if (r.edsName && this.sent.get(r.name)?.version !== r.version) ctx.warm.add(r.edsName);
  }

  private desired(ctx: PushContext): Desired {
    const set = ctx.snapshot.get(this.typeUrl);
    const sub = this.subscription;
    const whole = sub.wildcard && sub.names.size === 0 && !this.quarantines;
    // Holding the set's version means holding exactly its names: nothing held would be removed.
    if (whole && ((this.everSent && this.heldVersion === set.version) || !this.removesHeld(ctx, (n) => set.has(n)))) {
      return { list: set.list, version: set.version, body: set.sotwBody() };
    }
    if (!sub.wildcard && !this.quarantines && !this.removesHeld(ctx, (n) => sub.names.has(n) && set.has(n))) {
      return set.subset(sub.signature, sub.sortedNames);
    }
    const byName = new Map<string, EncodedResource>();
    const names = sub.wildcard ? [...set.names, ...sub.names] : sub.names;
    for (const n of names) {
      const current = set.get(n);
      const r = current && this.servable(current);
      if (r) byName.set(n, r);
    }
    if (this.removesHeld(ctx, (n) => byName.has(n))) {
      for (const [n, r] of this.sent) if (!byName.has(n)) byName.set(n, r);
    }
    const list = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { list, version: versionOf(list) };
  }

  /** True when clusters the client holds would be removed now but must be held back. */
  private removesHeld(ctx: PushContext, keeps: (name: string) => boolean): boolean {
    if (this.typeUrl !== TypeUrl.Cluster || !this.everSent) return false;
    for (const n of this.sent.keys()) if (!keeps(n)) return ctx.holdRemovals();
    return false;
  }

  private adoptClientState(d: Desired): void {
    this.sent = new Map(d.list.map((r) => [r.name, r]));
    this.heldList = this.full ? undefined : d.list;
    for (const r of d.list) this.acked.set(r.name, r);
    this.heldVersion = this.ackedVersion = this.sentVersion = d.version;
    this.everSent = true;
  }

  /** Whether the next push would send anything (used for make-before-break holds). */
  busy(ctx: PushContext): boolean {
    return this.pendingCount > 0 || this.wouldSend(ctx);
  }

  private wouldSend(ctx: PushContext): boolean {
    const d = this.desired(ctx);
    if (this.full) return !this.everSent || d.version !== this.heldVersion;
    return d.list.some((r) => this.sent.get(r.name)?.version !== r.version);
  }
}

/**
 * The resources of `next` that differ from `held`, when both lists name the same resources in the
 * same order (the common push: a subscription unchanged, some resources updated), found by
 * comparing entries index by index; undefined when the names differ, for the caller's lookup.
 */
function changedAligned(held: readonly EncodedResource[], next: readonly EncodedResource[]): EncodedResource[] | undefined {
  if (held.length !== next.length) return undefined;
  const changed: EncodedResource[] = [];
  for (let i = 0; i < next.length; i++) {
    const a = held[i]!;
    const b = next[i]!;
    if (a === b) continue;
    if (a.name !== b.name) return undefined;
    if (a.version !== b.version) changed.push(b);
  }
  return changed;
}
