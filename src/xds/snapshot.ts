/**
 * Snapshots: the complete configuration one proxy (or a group of identical proxies) should have.
 *
 * Invariants:
 * - A `ResourceSet` holds the resources of one type, unique by name, sorted by name, immutable.
 *   Its `version` is a hash of its (name, version) pairs: equal content, equal version.
 * - A `Snapshot` maps each type URL to a `ResourceSet` (a missing type is an empty set). Snapshots
 *   are immutable and may be shared by many proxies; a `ResourceSet` may be shared by many
 *   snapshots, and caches the encoded body of a full state-of-the-world response for reuse by
 *   every stream that sends it, and (bounded: `SubsetMemo`) the subsets named subscriptions ask for.
 */
import { createHash } from 'node:crypto';
import { type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { EncodedResource, ResourceEncoder } from './encoder.js';
import { SubsetMemo, type Subset } from './subset-memo.js';
import { SotwField, WireWriter } from './wire.js';

export class ResourceSet {
  readonly version: string;
  readonly names: readonly string[];
  /** The resources in name order. */
  readonly list: readonly EncodedResource[];
  private readonly byName: ReadonlyMap<string, EncodedResource>;
  private fullBody?: Buffer;
  private readonly subsets = new SubsetMemo();

  constructor(
    readonly typeUrl: ResourceTypeUrl,
    resources: readonly EncodedResource[],
  ) {
    const byName = new Map<string, EncodedResource>();
    for (const r of resources) {
      if (byName.has(r.name)) throw new Error(`duplicate ${typeUrl} resource "${r.name}" in one snapshot`);
      byName.set(r.name, r);
    }
    this.names = [...byName.keys()].sort();
    this.byName = byName;
    this.list = this.names.map((n) => byName.get(n)!);
    this.version = versionOf(this.list);
  }

  get size(): number {
    return this.names.length;
  }

  get(name: string): EncodedResource | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  [Symbol.iterator](): IterableIterator<EncodedResource> {
    return this.list[Symbol.iterator]();
  }

  /**
   * The resources among `names` that exist, sorted, and their version. Memoised by `signature`
   * (a fixed-size digest of `names`, `Subscription.signature`), because every stream with the same
   * subscription asks the same; without it each push would hash the same subset once per stream.
   */
  subset(signature: string, names: Iterable<string>): Subset {
    let s = this.subsets.get(signature);
    if (!s) {
      const list = [...new Set(names)].sort().flatMap((n) => this.byName.get(n) ?? []);
      this.subsets.set(signature, (s = { list, version: versionOf(list) }));
    }
    return s;
  }

  /** What the subset memo holds: entries, and resource references (plus one per entry). */
  get memoStats(): { readonly entries: number; readonly weight: number } {
    return { entries: this.subsets.size, weight: this.subsets.weight };
  }

  /**
   * The fields of a DiscoveryResponse carrying every resource of this set with `version_info` =
   * this set's version and its type URL; the caller appends the per-stream nonce. Built once.
   */
  sotwBody(): Buffer {
    return (this.fullBody ??= sotwBody(this.version, this.typeUrl, this.list, true));
  }
}

/** DiscoveryResponse fields except the nonce; `kept`: held as long as its set (not pooled, see
 * `WireWriter.finishDetached`). */
export function sotwBody(version: string, typeUrl: string, resources: readonly EncodedResource[], kept = false): Buffer {
  const w = new WireWriter().string(SotwField.versionInfo, version);
  for (const r of resources) w.bytes(SotwField.resources, r.any);
  w.string(SotwField.typeUrl, typeUrl);
  return kept ? w.finishDetached() : w.finish();
}

/** Hash of (name, version) pairs in the given order. */
export function versionOf(resources: Iterable<EncodedResource>): string {
  // One update per call: crossing into the hash once is several times cheaper than per field.
  let text = '';
  for (const r of resources) text += `${r.name}\0${r.version}\n`;
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

export interface Snapshot {
  /** Free-form label shown in status views (for example the policy commit). */
  readonly label: string;
  get(typeUrl: ResourceTypeUrl): ResourceSet;
}

const emptySets = new Map<string, ResourceSet>();
function emptySet(typeUrl: ResourceTypeUrl): ResourceSet {
  let s = emptySets.get(typeUrl);
  if (!s) emptySets.set(typeUrl, (s = new ResourceSet(typeUrl, [])));
  return s;
}

/** A snapshot from ready-made resource sets (shared between snapshots where content is equal). */
export function snapshotOf(sets: Iterable<ResourceSet>, label = ''): Snapshot {
  const byType = new Map<ResourceTypeUrl, ResourceSet>();
  for (const s of sets) byType.set(s.typeUrl, s);
  return Object.freeze({ label, get: (t: ResourceTypeUrl) => byType.get(t) ?? emptySet(t) });
}

export interface ResourceInput {
  readonly name: string;
  readonly message: object;
}

/** Encodes (memoised by the encoder) and assembles a snapshot from messages grouped by type. */
export function buildSnapshot(
  encoder: ResourceEncoder,
  resources: Partial<Record<ResourceTypeUrl, readonly ResourceInput[]>>,
  label = '',
): Snapshot {
  const sets: ResourceSet[] = [];
  for (const [typeUrl, list] of Object.entries(resources) as [ResourceTypeUrl, readonly ResourceInput[]][]) {
    sets.push(new ResourceSet(typeUrl, list.map((r) => encoder.encode(typeUrl, r.name, r.message))));
  }
  return snapshotOf(sets, label);
}

/**
 * Shares `ResourceSet`s between snapshots with equal content, so that every proxy with the same
 * clusters (say) shares one set and one encoded response body. Holds sets weakly: a set no
 * snapshot uses any more is collected and its entry dropped, so memory follows what is served
 * and publishing one proxy never forgets the sets of the others.
 */
export class ResourceSetInterner {
  private readonly sets = new Map<string, WeakRef<ResourceSet>>();
  private readonly gone = new FinalizationRegistry<string>((key) => {
    if (this.sets.get(key)?.deref() === undefined) this.sets.delete(key);
  });

  intern(typeUrl: ResourceTypeUrl, resources: readonly EncodedResource[]): ResourceSet {
    const sorted = [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = `${typeUrl}|${versionOf(sorted)}`;
    const hit = this.sets.get(key)?.deref();
    if (hit) return hit;
    const set = new ResourceSet(typeUrl, sorted);
    this.sets.set(key, new WeakRef(set));
    this.gone.register(set, key);
    return set;
  }
}
