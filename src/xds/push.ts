/**
 * What one push (one pass over a stream's types) shares between the type state machines, and
 * what a state machine hands the stream to send.
 */
import type { EncodedResource } from './encoder.js';
import type { Snapshot } from './snapshot.js';

export interface PushContext {
  readonly snapshot: Snapshot;
  /**
   * EDS names whose clusters were sent (new or changed) earlier in this push. A cluster leaves
   * warming only when an endpoints response for it arrives, even an unchanged one (REFERENCE.md §1),
   * so these are re-sent.
   */
  readonly warm: Set<string>;
  /**
   * ADS make-before-break: true while listeners or routes of this stream have not settled on the
   * current snapshot, so clusters that are going away must stay until nothing routes to them.
   */
  holdRemovals(): boolean;
  /** Responses above this size are split where the protocol allows it. */
  readonly maxBytes: number;
}

/** One response, ready except for its nonce. */
export interface Outgoing {
  /** Encoded response fields without nonce and control plane. */
  readonly body: Buffer;
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  /** A complete state-of-the-world (LDS/CDS): absence means deletion. */
  readonly full: boolean;
  /** RDS/EDS/SDS, on the last response of a push: the list the client holds, exactly, once this
   * and the push's earlier responses are committed. */
  readonly completes?: readonly EncodedResource[];
}

/** Splits resources into runs whose `Any` payloads stay under `maxBytes` (at least one each). */
export function chunkBySize<T extends EncodedResource>(resources: readonly T[], maxBytes: number, size: (r: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const r of resources) {
    const n = size(r) + 16;
    if (current.length > 0 && bytes + n > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
