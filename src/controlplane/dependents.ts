/**
 * The reverse index from model entries to the connected proxies whose translation read them
 * (`TranslationReads`), so that a change re-translates only the proxies it can reach
 * (issue 13: "work follows change").
 *
 * Layout: proxies are grouped by their scope's `ScopeReads` object, which translation shares
 * between every proxy of one scope, so the index holds one entry per scope (not per proxy and
 * service) plus the few keys each proxy serves. `affected(change)` costs
 * O(scopes × changed keys + served index hits), independent of the mesh's size.
 *
 * Contract: `track` replaces what a proxy was tracked with; `untrack` forgets it; a proxy never
 * tracked (not yet published) is never returned. `affected` over-approximates: it returns every
 * tracked proxy whose reads intersect the change, and everyone on `change.all`.
 */
import type { ScopeReads, TranslationReads } from '../translate/index.js';
import { identityKey, type ModelChange } from './model-diff.js';

interface ScopeGroup<P> {
  readonly keys: ReadonlySet<string>;
  readonly namespaces?: ReadonlySet<string>;
  readonly members: Set<P>;
}

/** What is tracked per proxy: its reads and the identity that decides what it serves. */
interface Entry { readonly reads: TranslationReads; readonly identity: string }

export class Dependents<P extends object> {
  private readonly scopes = new Map<ScopeReads, ScopeGroup<P>>();
  private readonly served = new Map<string, Set<P>>();
  private readonly identities = new Map<string, Set<P>>();
  private readonly entries = new Map<P, Entry>();

  /** Records (or replaces) what `proxy`'s current translation read. */
  track(proxy: P, reads: TranslationReads, namespace: string, serviceAccount: string): void {
    const old = this.entries.get(proxy);
    if (old && old.reads.scope === reads.scope && old.reads.served === reads.served) return;
    if (old) this.untrack(proxy);
    const entry: Entry = { reads, identity: identityKey(namespace, serviceAccount) };
    this.entries.set(proxy, entry);
    let group = this.scopes.get(reads.scope);
    if (!group) {
      group = { keys: new Set(reads.scope.keys), ...(reads.scope.namespaces ? { namespaces: new Set(reads.scope.namespaces) } : {}), members: new Set() };
      this.scopes.set(reads.scope, group);
    }
    group.members.add(proxy);
    for (const key of reads.served) add(this.served, key, proxy);
    add(this.identities, entry.identity, proxy);
  }

  untrack(proxy: P): void {
    const entry = this.entries.get(proxy);
    if (!entry) return;
    this.entries.delete(proxy);
    const group = this.scopes.get(entry.reads.scope)!;
    group.members.delete(proxy);
    if (group.members.size === 0) this.scopes.delete(entry.reads.scope);
    for (const key of entry.reads.served) remove(this.served, key, proxy);
    remove(this.identities, entry.identity, proxy);
  }

  /** The tracked proxies `change` may alter. */
  affected(change: ModelChange): Set<P> {
    if (change.all) return new Set(this.entries.keys());
    const out = new Set<P>();
    for (const group of this.scopes.values()) {
      if (reaches(group, change)) for (const p of group.members) out.add(p);
    }
    for (const key of change.keys) for (const p of this.served.get(key) ?? []) out.add(p);
    for (const id of change.identities) for (const p of this.identities.get(id) ?? []) out.add(p);
    return out;
  }

  /** Distinct scopes and tracked proxies (for tests and the admin API). */
  get stats(): { readonly scopes: number; readonly proxies: number } {
    return { scopes: this.scopes.size, proxies: this.entries.size };
  }
}

function reaches(group: ScopeGroup<unknown>, change: ModelChange): boolean {
  for (const key of change.keys) if (group.keys.has(key)) return true;
  if (change.namespaces.size === 0) return false;
  if (!group.namespaces) return true;
  for (const ns of change.namespaces) if (group.namespaces.has(ns)) return true;
  return false;
}

function add<P>(index: Map<string, Set<P>>, key: string, p: P): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(p);
}

function remove<P>(index: Map<string, Set<P>>, key: string, p: P): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(p);
  if (set.size === 0) index.delete(key);
}
