/**
 * TranslationCache: memoises translation pieces across proxies and model versions.
 *
 * Why: the cluster of (service, port, subset) is identical for every proxy that reaches it, and a
 * model change usually touches one service. Returning the *same object* for unchanged content
 * lets the xDS layer encode each resource once (DESIGN.md §6) and keeps one-service changes cheap.
 *
 * Contract:
 * - Explicit input to `translate`, never a module global; one cache per control plane (or per
 *   test). Not safe to share between threads; translate is synchronous so one event loop is fine.
 * - A slot is a string naming what is cached (`clusters|envoy|reviews.default`); its entry is
 *   reused only when every dependency is identical (`===`) to the ones it was built from. Callers
 *   must list every input the builder reads (model values are immutable, so identity is content).
 * - Entries are replaced, never mutated; values handed out are frozen-by-convention and shared.
 * - Slots for services that disappear stay until `prune` is called with the live slot prefixes
 *   or the cache is dropped; memory is bounded by the number of distinct slots ever seen.
 */
import type { Service, ServiceRegistry, TrafficPolicy } from '../model/index.js';

const NO_REFS: readonly string[] = Object.freeze([]);

interface Entry { readonly deps: readonly unknown[]; readonly value: unknown }

export class TranslationCache {
  private readonly slots = new Map<string, Entry>();
  private readonly namespaces = new WeakMap<ServiceRegistry, ReadonlyMap<string, readonly Service[]>>();
  private readonly derived = new WeakMap<object, Map<unknown, unknown>>();
  private readonly refs = new WeakMap<TrafficPolicy, readonly string[]>();
  /** Counters for tests and the bench: how often a slot was reused or rebuilt. */
  hits = 0;
  misses = 0;

  /** Returns the cached value of `slot` when `deps` are identical, else builds and stores it. */
  memo<T>(slot: string, deps: readonly unknown[], build: () => T): T {
    const entry = this.slots.get(slot);
    if (entry && sameDeps(entry.deps, deps)) {
      this.hits++;
      return entry.value as T;
    }
    this.misses++;
    const value = build();
    this.slots.set(slot, { deps, value });
    return value;
  }

  /** Services of a registry grouped by namespace, in key order; computed once per registry. */
  byNamespace(registry: ServiceRegistry): ReadonlyMap<string, readonly Service[]> {
    let index = this.namespaces.get(registry);
    if (!index) {
      const m = new Map<string, Service[]>();
      for (const s of registry.services.values()) {
        const list = m.get(s.namespace);
        if (list) list.push(s);
        else m.set(s.namespace, [s]);
      }
      index = m;
      this.namespaces.set(registry, index);
    }
    return index;
  }

  /**
   * A value derived from an immutable object (an IR node), per `variant` (a string, or another
   * immutable object such as the observability settings). Lives as long as `from` does.
   */
  derive<T>(from: object, variant: string | object, build: () => T): T {
    let perObject = this.derived.get(from);
    if (!perObject) { perObject = new Map(); this.derived.set(from, perObject); }
    if (perObject.has(variant)) { this.hits++; return perObject.get(variant) as T; }
    this.misses++;
    const value = build();
    perObject.set(variant, value);
    return value;
  }

  /** Keys of the other services a TrafficPolicy routes or mirrors to, sorted; once per policy. */
  crossRefs(traffic: TrafficPolicy | undefined): readonly string[] {
    if (!traffic) return NO_REFS;
    let refs = this.refs.get(traffic);
    if (!refs) {
      const keys = new Set<string>();
      for (const r of traffic.routes) {
        for (const b of r.backends ?? []) if (b.service !== traffic.service) keys.add(b.service);
        if (r.mirror && r.mirror.service !== traffic.service) keys.add(r.mirror.service);
      }
      refs = [...keys].sort();
      this.refs.set(traffic, refs);
    }
    return refs;
  }

  /** Drops every slot for which `keep(slot)` is false. */
  prune(keep: (slot: string) => boolean): void {
    for (const slot of [...this.slots.keys()]) if (!keep(slot)) this.slots.delete(slot);
  }

  get size(): number {
    return this.slots.size;
  }
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
