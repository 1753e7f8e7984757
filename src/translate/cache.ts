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
 * - `memo(slot, input, build)`: `build` is a module-level pure function of `input` (it may call
 *   further memos through the cache it is handed, nothing else). The key is `input` itself,
 *   compared structurally (memo-key.ts), together with `build`'s identity: a field added to a
 *   builder's input type is part of the key by construction. The `slot` string only says where
 *   entries are kept, to bound memory (each slot keeps its `capacity` most recently used
 *   entries); it is never the key, so two different inputs in one slot never share a value.
 * - `derive(from, params, build)`: a value computed from one immutable object (an IR node or an
 *   Envoy message) and small data parameters, keyed by `from`'s identity, `build`'s identity and
 *   the parameters (the same value, or for objects the same `canonicalKey`); it lives as long as
 *   `from` does.
 * - A builder passed as a fresh closure is never reused (its identity differs each call): that is
 *   a lost cache hit, never a wrong result. Pass named module-level functions.
 * - Values are replaced, never mutated; values handed out are frozen-by-convention and shared.
 * - Slots name what they are for as `|`-separated parts (`cl|<service key>`,
 *   `translate|<proxy id>`; a list of keys inside one part is `,`-separated). `forget` frees the
 *   slots of proxies and services that no longer exist; derivations and per-registry indexes are
 *   held weakly and go with their objects. So memory follows what exists, not what ever existed.
 */
import { ServiceGrouping, type Service, type ServiceRegistry, type TrafficPolicy } from '../model/index.js';
import { canonicalKey, sameValue } from './memo-key.js';

const NO_REFS: readonly string[] = Object.freeze([]);

/** A memoised builder: a pure function of its narrowed input (and of the memos it calls). */
export type Builder<I, T> = (input: I, cache: TranslationCache) => T;
/** A derivation from one immutable object and small data parameters. */
export type Derivation<F, P, T> = (from: F, params: P, cache: TranslationCache) => T;

/** A memo entry; `input` is replaced by an equal newer one on a hit (see `memo`). */
interface Entry { readonly build: Builder<never, unknown>; input: unknown; readonly value: unknown }
/** One derivation of an object: its builder, the parameters it was given, and the value. */
interface DerivedEntry { readonly build: Derivation<never, never, unknown>; readonly params: unknown; readonly value: unknown }
/** The derivations of one object: the first alone, more in an array. */
type Derived = DerivedEntry | DerivedEntry[];

export class TranslationCache {
  private readonly slots = new Map<string, Entry[]>();
  private readonly namespaces = new ServiceGrouping((s) => s.namespace);
  private readonly derived = new WeakMap<object, Derived>();
  private readonly refs = new WeakMap<TrafficPolicy, readonly string[]>();
  private readonly paramKeys = new WeakMap<object, string>();
  /** Counters for tests and the bench: how often a memo or derivation was reused or rebuilt. */
  hits = 0;
  misses = 0;

  /** The value `build` made from an input equal to `input`, else builds, stores and returns it. */
  memo<I, T>(slot: string, input: I, build: Builder<I, T>, capacity = 1): T {
    let entries = this.slots.get(slot);
    if (entries === undefined) this.slots.set(slot, (entries = []));
    const at = findEntry(entries, input, build as Builder<never, unknown>);
    if (at >= 0) {
      this.hits++;
      const entry = entries[at]!;
      // Equal by value, not by identity: keep the newest input, whose parts are the objects later
      // calls will pass, so they match by identity instead of walking the two values again (an
      // entry kept with its first input is walked in depth on every call once its parts have
      // been rebuilt around it).
      entry.input = input;
      if (at > 0) {
        entries.splice(at, 1);
        entries.unshift(entry);
      }
      return entry.value as T;
    }
    this.misses++;
    const value = build(input, this);
    entries.unshift({ build: build as Builder<never, unknown>, input, value });
    if (entries.length > capacity) entries.length = capacity;
    return value;
  }

  /** `build(from, params)`, once per (`from` object, `build`, params value). */
  derive<F extends object, P, T>(from: F, params: P, build: Derivation<F, P, T>): T {
    // Most objects have one derivation, kept as one small entry; a second turns it into an array
    // (a Map per IR object and message cost more memory, and garbage-collection time, than the
    // values themselves). An entry matches on the builder's identity and on the parameters: the
    // same value (`Object.is`), or, for objects, the same canonical key.
    const b = build as unknown as Derivation<never, never, unknown>;
    const held = this.derived.get(from);
    if (held !== undefined) {
      if (!Array.isArray(held)) {
        if (this.matches(held, b, params)) { this.hits++; return held.value as T; }
      } else {
        for (const e of held) if (this.matches(e, b, params)) { this.hits++; return e.value as T; }
      }
    }
    this.misses++;
    const value = build(from, params, this);
    const entry: DerivedEntry = { build: b, params, value };
    if (held === undefined) this.derived.set(from, entry);
    else if (Array.isArray(held)) held.push(entry);
    else this.derived.set(from, [held, entry]);
    return value;
  }

  private matches(e: DerivedEntry, build: Derivation<never, never, unknown>, params: unknown): boolean {
    if (e.build !== build) return false;
    if (Object.is(e.params, params)) return true;
    return isObject(e.params) && isObject(params) && this.keyOf(e.params) === this.keyOf(params);
  }

  /** `canonicalKey(params)`, once per params object (parameters are immutable by contract), so
   * one params object passed for many derivations is serialised once. */
  private keyOf(params: object): string {
    let key = this.paramKeys.get(params);
    if (key === undefined) { key = canonicalKey(params); this.paramKeys.set(params, key); }
    return key;
  }

  /** Services of a registry grouped by namespace, in registry order; once per registry. */
  byNamespace(registry: ServiceRegistry): ReadonlyMap<string, readonly Service[]> {
    return this.namespaces.of(registry);
  }

  /** Carries the namespace groups of `prev` to `next` (ServiceGrouping.succeed). */
  succeed(prev: ServiceRegistry, next: ServiceRegistry, changed: ReadonlySet<string>): void {
    this.namespaces.succeed(prev, next, changed);
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

  /** Frees the slots of proxies (by id) and services (by key) that are gone. A slot still in
   * use by another proxy of the same id is only a lost hit. */
  forget(gone: { readonly proxyIds?: Iterable<string>; readonly serviceKeys?: ReadonlySet<string> }): void {
    for (const id of gone.proxyIds ?? []) {
      this.slots.delete(`translate|${id}`);
      this.slots.delete(`proxy|${id}`);
      this.slots.delete(`own|${id}`);
    }
    const keys = gone.serviceKeys;
    if (!keys || keys.size === 0) return;
    for (const slot of [...this.slots.keys()]) {
      if (slot.split('|').some((part) => part.split(',').some((k) => keys.has(k)))) this.slots.delete(slot);
    }
  }

  /** Drops every slot for which `keep(slot)` is false. */
  prune(keep: (slot: string) => boolean): void {
    for (const slot of [...this.slots.keys()]) if (!keep(slot)) this.slots.delete(slot);
  }

  /** Number of slots in use. */
  get size(): number {
    return this.slots.size;
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/** Most recent first; identity first (cheap), then structural equality. */
function findEntry(entries: readonly Entry[], input: unknown, build: Builder<never, unknown>): number {
  for (let i = 0; i < entries.length; i++) if (entries[i]!.build === build && entries[i]!.input === input) return i;
  for (let i = 0; i < entries.length; i++) if (entries[i]!.build === build && sameValue(entries[i]!.input, input)) return i;
  return -1;
}
