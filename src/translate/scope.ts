/**
 * Scoping (DESIGN.md §4, REFERENCE.md "every proxy gets the whole mesh"): a proxy receives only the
 * services its namespace may reach, so its configuration grows with what it can call, not with
 * the mesh.
 */
import type { MeshPolicy, Service, ServiceRegistry } from '../model/index.js';
import type { TranslationCache } from './cache.js';

/** Namespaces a proxy in `namespace` may reach; undefined = every namespace. Own namespace always. */
export function reachableNamespaces(reach: MeshPolicy['reach'], namespace: string): readonly string[] | undefined {
  const listed = reach.get(namespace);
  if (!listed) return undefined;
  return [...new Set([namespace, ...listed])].sort();
}

/** Reachable services in key order. Shared arrays: callers must not mutate the result. */
export function reachableServices(registry: ServiceRegistry, reach: MeshPolicy['reach'], namespace: string, cache: TranslationCache): readonly Service[] {
  const namespaces = reachableNamespaces(reach, namespace);
  if (!namespaces) return [...registry.services.values()];
  const index = cache.byNamespace(registry);
  // The index keeps registry (key) order, so one namespace needs no sort or copy.
  if (namespaces.length === 1) return index.get(namespaces[0]!) ?? [];
  const out: Service[] = [];
  for (const ns of namespaces) out.push(...(index.get(ns) ?? []));
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
