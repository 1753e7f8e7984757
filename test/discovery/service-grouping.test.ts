/**
 * ServiceGrouping's contract (src/discovery/service-grouping.ts): groups carried from registry to
 * registry equal grouping from scratch, list by list and in order, and share what no change touched.
 */
import { describe, expect, it } from 'vitest';
import { ServiceGrouping, type Service, type ServiceRegistry } from '../../src/discovery/index.js';
import { byText } from '../../src/common/index.js';
import { pick, rng } from '../translate/random-mesh.js';

const byNamespace = (s: Service) => s.namespace;

describe('ServiceGrouping: groups carried across registries (succeed)', () => {
  const service = (name: string, namespace: string, tag = 0): Service =>
    ({ key: `${name}.${namespace}`, name, namespace, hostname: `${name}.${namespace}.svc.cluster.local`, serviceAccount: name, ports: [], endpoints: [], addresses: [`10.0.${tag >> 8}.${tag & 255}`] });
  const registryOf = (services: Iterable<Service>, version: string): ServiceRegistry =>
    ({ version, services: new Map([...services].sort(byText((s) => s.key)).map((s) => [s.key, s])) });
  const grouped = (index: ReadonlyMap<string, readonly Service[]>) => Object.fromEntries(index);

  // Each registry keeps its predecessor's order for the services both hold: key order, as the
  // real sources publish, or a copied Map's order (shuffled to start, adds at the end), as the
  // benchmarks' registries do.
  it.each(['key order', 'copied Map order'] as const)('equals grouping from scratch, in order, after random replaces, adds, removes and namespace moves (%s); shares the lists it did not touch', (order) => {
    const r = rng(13);
    const names = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const namespaces = ['a', 'b', 'c', 'd'];
    const first = names.slice(0, 15).map((n) => service(n, pick(r, namespaces))).sort(() => r() - 0.5);
    let registry: ServiceRegistry = order === 'key order' ? registryOf(first, 'v0') : { version: 'v0', services: new Map(first.map((s) => [s.key, s])) };
    const keyOf = (name: string) => [...registry.services.keys()].find((k) => k.startsWith(`${name}.`));
    const groups = new ServiceGrouping(byNamespace);
    groups.of(registry);
    let carriedSteps = 0;
    for (let step = 1; step <= 300; step++) {
      const services = new Map(registry.services);
      const picked = new Set<string>();
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        // One operation per service and step: a delete and re-add of one key would move it in a
        // copied Map, which a registry keeping its predecessor's order never does.
        const name = pick(r, names);
        if (picked.has(name)) continue;
        picked.add(name);
        const key = keyOf(name);
        const had = key === undefined ? undefined : services.get(key);
        const op = r();
        if (had && op < 0.7) services.set(had.key, service(name, had.namespace, step));
        else if (had && op < 0.85) services.delete(had.key);
        else if (had) { services.delete(had.key); const moved = service(name, pick(r, namespaces.filter((ns) => ns !== had.namespace)), step); services.set(moved.key, moved); }
        else { const added = service(name, pick(r, namespaces), step); services.set(added.key, added); }
      }
      const next: ServiceRegistry = order === 'key order' ? registryOf(services.values(), `v${step}`) : { version: `v${step}`, services };
      const changed = new Set([...registry.services.keys(), ...next.services.keys()].filter((k) => registry.services.get(k) !== next.services.get(k)));
      const replacedOnly = [...changed].every((k) => registry.services.get(k)?.namespace !== undefined && registry.services.get(k)?.namespace === next.services.get(k)?.namespace);
      const before = groups.of(registry);
      groups.succeed(registry, next, changed);
      const carried = groups.of(next);
      // Entries in order, lists in order: exactly what grouping from scratch gives.
      expect(grouped(carried), `step ${step}`).toEqual(grouped(new ServiceGrouping(byNamespace).of(next)));
      if (replacedOnly) {
        carriedSteps++;
        const touched = new Set([...changed].map((k) => next.services.get(k)!.namespace));
        for (const [ns, list] of carried) if (!touched.has(ns)) expect(list, `step ${step} ${ns}`).toBe(before.get(ns));
      }
      registry = next;
    }
    expect(carriedSteps).toBeGreaterThan(100);
  });

  it('does nothing for a registry never indexed, and keeps an index already built', () => {
    const a = registryOf([service('x', 'a'), service('y', 'b')], 'v1');
    const b = registryOf([service('x', 'a'), service('z', 'b')], 'v2');
    const groups = new ServiceGrouping(byNamespace);
    groups.succeed(a, b, new Set(['y.b', 'z.b']));
    expect(grouped(groups.of(b))).toEqual(grouped(new ServiceGrouping(byNamespace).of(b)));
    const built = groups.of(b);
    groups.of(a);
    groups.succeed(a, b, new Set(['y.b', 'z.b']));
    expect(groups.of(b)).toBe(built);
  });
});
