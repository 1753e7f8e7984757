/**
 * Scoping (DESIGN.md §4, REFERENCE.md "every proxy gets the whole mesh"): a proxy receives only the
 * services its namespace may reach, so its configuration grows with what it can call, not with
 * the mesh.
 */
import type { AccessPolicy, MeshPolicy, Principal, Service, ServiceRegistry } from '../model/index.js';
import { restrictsCallers } from '../model/index.js';
import type { TranslationCache } from './cache.js';
import { byText } from '../common/index.js';

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
  return out.sort(byText((s) => s.key));
}

/** The caller a scope is narrowed for: its workload identity. */
export interface Caller { readonly namespace: string; readonly serviceAccount: string; readonly identity: string }

/**
 * Keys of the services among `services` whose AccessPolicies refuse `caller` every request, in
 * the order given: such a service is not sent to the caller (issue 13 "scope is derived"). A
 * service refuses a caller outright when
 * - a deny rule without `to` matches it (no `from`, or a principal naming it), or
 * - it has allow policies and no allow rule can admit it (every rule names principals, none of
 *   them the caller).
 * Rules narrowed by `to` (methods, paths, ports, headers) refuse only some requests, so they never
 * remove a service; nor do principals that only some connections of the caller could match (a
 * deny naming `ipBlocks`: the caller's addresses are not part of its identity). Audit rules refuse
 * nothing. Applied only under `mtls: strict` (build-scope.ts `refusedFor` says why).
 */
export function deniedServices(services: readonly Service[], access: ReadonlyMap<string, readonly AccessPolicy[]>, caller: Caller): string[] {
  const out: string[] = [];
  if (access.size === 0) return out;
  for (const s of services) {
    const policies = access.get(s.key);
    if (policies?.length && refuses(policies, caller)) out.push(s.key);
  }
  return out;
}

function refuses(policies: readonly AccessPolicy[], caller: Caller): boolean {
  let allows = false;
  let admits = false;
  for (const p of policies) {
    if (restrictsCallers(p)) allows = true;
    for (const rule of p.rules) {
      const matches = !rule.from?.length || rule.from.some((who) => principalNames(who, caller));
      const everyConnection = !rule.from?.length || rule.from.some((who) => !who.ipBlocks?.length && !who.claims && principalNames(who, caller));
      if (p.action === 'deny' && everyConnection && !rule.to) return true;
      if (p.action === 'allow' && matches) admits = true;
    }
  }
  return allows && !admits;
}

/** Whether `who` names `caller` (every set field matches; no field: any caller). */
export function principalNames(who: Principal, caller: Caller): boolean {
  if (who.identity !== undefined && who.identity !== caller.identity) return false;
  if (who.namespace !== undefined && who.namespace !== caller.namespace) return false;
  // A principal with no fields is any caller (build-authz.ts's `anySource`).
  return who.serviceAccount === undefined || who.serviceAccount === `${caller.serviceAccount}.${caller.namespace}`;
}
