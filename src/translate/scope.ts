/**
 * Scoping (DESIGN.md §4, REFERENCE.md "every proxy gets the whole mesh"): a proxy receives only the
 * services its namespace may reach, so its configuration grows with what it can call, not with
 * the mesh.
 */
import type { MeshModel, Service } from '../model/index.js';
import type { TranslationCache } from './cache.js';

/** Namespaces a proxy in `namespace` may reach; undefined = every namespace. Own namespace always. */
export function reachableNamespaces(model: MeshModel, namespace: string): readonly string[] | undefined {
  const listed = model.policy.mesh.reach.get(namespace);
  if (!listed) return undefined;
  return [...new Set([namespace, ...listed])].sort();
}

/** Reachable services in key order. Shared arrays: callers must not mutate the result. */
export function reachableServices(model: MeshModel, namespace: string, cache: TranslationCache): readonly Service[] {
  const namespaces = reachableNamespaces(model, namespace);
  if (!namespaces) return [...model.registry.services.values()];
  const index = cache.byNamespace(model.registry);
  // The index keeps registry (key) order, so one namespace needs no sort or copy.
  if (namespaces.length === 1) return index.get(namespaces[0]!) ?? [];
  const out: Service[] = [];
  for (const ns of namespaces) out.push(...(index.get(ns) ?? []));
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
