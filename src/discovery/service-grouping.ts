/**
 * ServiceGrouping: a registry's services grouped by a key (namespace, workload identity), in
 * registry order; built once per registry value and carried from one registry to the next.
 *
 * Why: scoping reads services by namespace and proxy description reads them by identity. Grouping
 * 10,000 services again for every endpoint change cost more than the rest of the change's
 * translation (BENCHMARKS.md, session 8); a change replaces a few services, so the next registry's
 * groups are the previous ones with those few replaced.
 *
 * Contract:
 * - `of(registry)` equals grouping `registry.services` from scratch, list by list, in registry
 *   order; lists are shared and must not be mutated. Held weakly: groups go with their registry.
 * - `succeed(prev, next, changed)`: `next` differs from `prev` only under the keys in `changed`
 *   (what a RegistryChange reports, or their union over several changes) and lists the services
 *   both hold in the same order (key order, which ServiceRegistry promises, does). Carries only
 *   replacements within one group: the replaced service takes its predecessor's place (found by
 *   identity) in a copy of that group's list, and every other list is shared. An add, a removal or
 *   a move between groups carries nothing, and `of(next)` groups from scratch, exact in any order.
 *   Does nothing when `prev` was never grouped or `next` already is.
 */
import type { Service, ServiceRegistry } from './types.js';

export class ServiceGrouping {
  private readonly groups = new WeakMap<ServiceRegistry, ReadonlyMap<string, readonly Service[]>>();

  constructor(private readonly keyOf: (service: Service) => string) {}

  of(registry: ServiceRegistry): ReadonlyMap<string, readonly Service[]> {
    let groups = this.groups.get(registry);
    if (!groups) {
      const m = new Map<string, Service[]>();
      for (const s of registry.services.values()) {
        const key = this.keyOf(s);
        const list = m.get(key);
        if (list) list.push(s);
        else m.set(key, [s]);
      }
      this.groups.set(registry, (groups = m));
    }
    return groups;
  }

  succeed(prev: ServiceRegistry, next: ServiceRegistry, changed: ReadonlySet<string>): void {
    const old = this.groups.get(prev);
    if (!old || this.groups.has(next)) return;
    const groups = new Map(old);
    const copied = new Set<string>();
    for (const key of changed) {
      const before = prev.services.get(key);
      const after = next.services.get(key);
      if (!before || !after) return;
      const group = this.keyOf(before);
      if (this.keyOf(after) !== group) return;
      let list = groups.get(group) as Service[];
      const at = list.indexOf(before);
      if (at < 0) return;
      if (!copied.has(group)) { list = [...list]; copied.add(group); groups.set(group, list); }
      list[at] = after;
    }
    this.groups.set(next, groups);
  }
}
