/**
 * A bounded memo of the subsets of one `ResourceSet` that named subscriptions ask for.
 *
 * Every stream with the same subscription asks the same set for the same subset, so the answer is
 * shared; but the subscriptions come from clients, and a set is shared by every proxy that has it,
 * so what the memo keeps must not grow with what clients send (issue 10 #4):
 * - keys are subscription digests (fixed size: `Subscription.signature`), never the name list;
 * - entries hold only resources of the set (a name that does not exist costs nothing);
 * - least recently used entries are evicted past `maxEntries`, or past `maxWeight` resource
 *   references in all (an entry weighs its length + 1); an entry heavier than `maxWeight / 4`
 *   is not kept at all, so one subscription cannot flush the memo.
 * Not thread-safe (nothing in Node is); the memo is owned by its set and dies with it.
 */
import type { EncodedResource } from './encoder.js';

export interface Subset {
  readonly list: readonly EncodedResource[];
  readonly version: string;
}

/** Bounds per set: 1024 distinct subscriptions, 256k references (2 MiB of pointers) in all. */
export const SUBSET_MEMO_MAX_ENTRIES = 1024;
export const SUBSET_MEMO_MAX_WEIGHT = 256 * 1024;

export class SubsetMemo {
  private readonly entries = new Map<string, Subset>();
  private total = 0;
  /** The most recently used key (the last in `entries`' order). */
  private newest?: string;

  constructor(
    private readonly maxEntries = SUBSET_MEMO_MAX_ENTRIES,
    private readonly maxWeight = SUBSET_MEMO_MAX_WEIGHT,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Resource references held, plus one per entry. */
  get weight(): number {
    return this.total;
  }

  /** The memoised subset for `key`, marked as most recently used. */
  get(key: string): Subset | undefined {
    const hit = this.entries.get(key);
    // A fan-out asks for the same subset stream after stream: it is already the newest.
    if (hit && key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.newest = key;
    }
    return hit;
  }

  /** Keeps `subset` under `key` if it is light enough, evicting the least recently used. */
  set(key: string, subset: Subset): void {
    const w = weightOf(subset);
    if (w > this.maxWeight / 4 || this.entries.has(key)) return;
    while (this.entries.size >= this.maxEntries || (this.entries.size > 0 && this.total + w > this.maxWeight)) {
      const [oldest, s] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.total -= weightOf(s);
    }
    this.entries.set(key, subset);
    this.newest = key;
    this.total += w;
  }
}

const weightOf = (s: Subset) => s.list.length + 1;
