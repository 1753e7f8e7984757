/**
 * What a stream subscribes to, for one resource type (REFERENCE.md §1 "Subscriptions").
 *
 * - LDS and CDS support wildcard. Legacy wildcard: a first request with no names subscribes to
 *   everything, and later empty lists keep it so (Envoy ACKs with empty lists), until the client
 *   names a resource explicitly; from then on an empty list means "none". `*` is an explicit
 *   wildcard that can be combined with names.
 * - Other types never use wildcard: an empty list means "none".
 */
import { createHash } from 'node:crypto';
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';

export class Subscription {
  private wild = false;
  private everNamed = false;
  private seenFirst = false;
  private readonly explicit = new Set<string>();
  private readonly wildcardAllowed: boolean;
  private sig?: string;
  private sorted?: string[];
  /** The names of the last SotW request applied (a delta request clears it). */
  private lastSotw?: readonly string[];

  constructor(typeUrl: ResourceTypeUrl) {
    this.wildcardAllowed = typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.Cluster;
  }

  get wildcard(): boolean {
    return this.wild;
  }

  get names(): ReadonlySet<string> {
    return this.explicit;
  }

  /**
   * A fixed-size digest of the subscription (wildcard flag and sorted names), for memoising
   * per-subscription work in shared sets: its size does not depend on what the client asked for.
   */
  get signature(): string {
    // JSON is an unambiguous encoding of the list; the text is hashed and dropped, never kept.
    return (this.sig ??= createHash('sha256').update(this.wild ? '*' : '-').update(JSON.stringify(this.sortedNames)).digest('base64url'));
  }

  /** The explicit names in code-unit order (computed once per subscription change). */
  get sortedNames(): readonly string[] {
    return (this.sorted ??= [...this.explicit].sort());
  }

  includes(name: string): boolean {
    return this.wild || this.explicit.has(name);
  }

  /**
   * A state-of-the-world request replaces the whole subscription. Returns true when the
   * subscription shrank (a name, or wildcard, is no longer included), so callers can forget what
   * the client dropped.
   */
  applySotw(names: readonly string[]): boolean {
    // Most requests are ACKs repeating the subscription: keep the set and its cached digest.
    if (this.repeats(names)) return false;
    this.lastSotw = names;
    this.sig = this.sorted = undefined;
    const first = !this.seenFirst;
    this.seenFirst = true;
    const wasWild = this.wild;
    const before = this.explicit.size > 0 ? new Set(this.explicit) : undefined;
    this.explicit.clear();
    if (names.length === 0) {
      this.wild = this.wildcardAllowed && (first ? true : this.wild && !this.everNamed);
    } else {
      this.wild = false;
      for (const n of names) {
        if (n === '*' && this.wildcardAllowed) this.wild = true;
        else this.explicit.add(n);
      }
      if (!this.wild || this.explicit.size > 0) this.everNamed = true;
    }
    if (wasWild && !this.wild) return true;
    if (!before || this.wild) return false;
    for (const n of before) if (!this.explicit.has(n)) return true;
    return false;
  }

  /** Whether `names` is the list the last SotW request applied, element for element: applying
   * the same list again is a no-op (the rule above is idempotent), so it is skipped. */
  private repeats(names: readonly string[]): boolean {
    const last = this.lastSotw;
    if (last === names) return true;
    if (!last || last.length !== names.length) return false;
    for (let i = 0; i < names.length; i++) if (last[i] !== names[i]) return false;
    return true;
  }

  /** A delta request changes the subscription by difference. */
  applyDelta(subscribe: readonly string[], unsubscribe: readonly string[]): void {
    this.sig = this.sorted = this.lastSotw = undefined;
    const first = !this.seenFirst;
    this.seenFirst = true;
    if (first && subscribe.length === 0 && this.wildcardAllowed) this.wild = true;
    for (const n of subscribe) {
      if (n === '*' && this.wildcardAllowed) this.wild = true;
      else this.explicit.add(n);
    }
    for (const n of unsubscribe) {
      if (n === '*') this.wild = false;
      else this.explicit.delete(n);
    }
  }

  /** For status views: `['*', ...names]` or the explicit names. */
  describe(): string[] {
    const names = [...this.explicit].sort();
    return this.wild ? ['*', ...names] : names;
  }
}
