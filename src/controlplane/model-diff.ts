/**
 * What changed between two models, in the terms translation depends on (`TranslationReads`).
 *
 * Contract:
 * - `all` when there is no previous model or the mesh-wide settings (`policy.mesh`, the
 *   ExternalServices, the MtlsPolicies, the Gateways: few, and read by their gateway proxies) differ: every proxy must be translated again.
 * - `keys`: every service key whose registry entry, TrafficPolicy or AccessPolicies differ
 *   (added, removed or changed). Registry services keep their identity while unchanged
 *   (discovery's contract), so they are compared by reference; policy objects are rebuilt on each
 *   load, so a policy whose object differs is compared by value (`sameValue`) once per load.
 * - `namespaces`: namespaces that gained or lost a service (they change every scope reaching them).
 * - `identities`: `<namespace>/<service account>` of every changed registry service, before and
 *   after: the proxies of those identities may now serve other services (proxies.ts).
 * Conservative like the memo keys: a false "changed" costs a translation, never a wrong result.
 */
import type { MeshModel, PolicySet, Service } from '../model/index.js';
import { sameValue } from '../translate/index.js';

export interface ModelChange {
  readonly all: boolean;
  readonly keys: ReadonlySet<string>;
  readonly namespaces: ReadonlySet<string>;
  readonly identities: ReadonlySet<string>;
}

export const identityKey = (namespace: string, serviceAccount: string): string => `${namespace}/${serviceAccount}`;

/**
 * `registryKeys`, when given, must hold every key whose service differs between the two
 * registries (the union of the sources' `RegistryChange.changed` since `prev`): only those are
 * compared, instead of every service.
 */
export function diffModels(prev: MeshModel | undefined, next: MeshModel, registryKeys?: ReadonlySet<string>): ModelChange {
  const keys = new Set<string>();
  const namespaces = new Set<string>();
  const identities = new Set<string>();
  // Every Envoy sidecar may reach every ExternalService, and a new one is read by no scope yet.
  // An MtlsPolicy changes the inbound side of its workloads and the clusters of all their callers.
  if (!prev || !sameValue(prev.policy.mesh, next.policy.mesh) || !sameValue(prev.policy.external, next.policy.external) || !sameValue(prev.policy.mtls, next.policy.mtls) || !sameValue(prev.policy.gateways, next.policy.gateways)) return { all: true, keys, namespaces, identities };
  if (prev.registry !== next.registry) diffServices(prev.registry.services, next.registry.services, keys, namespaces, identities, registryKeys);
  if (prev.policy !== next.policy) for (const key of policyKeys(prev.policy, next.policy)) keys.add(key);
  return { all: false, keys, namespaces, identities };
}

/** Keys whose TrafficPolicy or AccessPolicies differ; once per pair of policy sets (a policy
 * change is diffed for its trial translation and again when it is applied). */
const policyDiffs = new WeakMap<PolicySet, { readonly next: PolicySet; readonly keys: ReadonlySet<string> }>();

function policyKeys(prev: PolicySet, next: PolicySet): ReadonlySet<string> {
  const hit = policyDiffs.get(prev);
  if (hit?.next === next) return hit.keys;
  const keys = new Set<string>();
  diffByValue(prev.traffic, next.traffic, keys);
  diffByValue(prev.access, next.access, keys);
  policyDiffs.set(prev, { next, keys });
  return keys;
}

function diffServices(prev: ReadonlyMap<string, Service>, next: ReadonlyMap<string, Service>, keys: Set<string>, namespaces: Set<string>, identities: Set<string>, only?: ReadonlySet<string>): void {
  const changed = (key: string, before: Service | undefined, after: Service | undefined) => {
    keys.add(key);
    for (const s of [before, after]) if (s) identities.add(identityKey(s.namespace, s.serviceAccount));
    if (!before || !after) namespaces.add((before ?? after)!.namespace);
    else if (before.namespace !== after.namespace) namespaces.add(before.namespace).add(after.namespace);
  };
  if (only) {
    for (const key of only) if (prev.get(key) !== next.get(key)) changed(key, prev.get(key), next.get(key));
    return;
  }
  for (const [key, after] of next) {
    const before = prev.get(key);
    if (before !== after) changed(key, before, after);
  }
  for (const [key, before] of prev) if (!next.has(key)) changed(key, before, undefined);
}

function diffByValue<T>(prev: ReadonlyMap<string, T>, next: ReadonlyMap<string, T>, keys: Set<string>): void {
  for (const [key, after] of next) {
    const before = prev.get(key);
    if (before !== after && (before === undefined || !sameValue(before, after))) keys.add(key);
  }
  for (const key of prev.keys()) if (!next.has(key)) keys.add(key);
}
