/**
 * Which locality block applies to a service, and how locality names match (docs/policy.md
 * "Locality"). Pure; the resolver's checks and the translator both ask these functions.
 */
import type { LocalityMatch, LocalityPolicy, MeshPolicy, TrafficPolicy } from './types.js';

/** Priorities by the caller's zone and region, no failover order, no weights. */
export const DEFAULT_LOCALITY: LocalityPolicy = Object.freeze({ enabled: true, failover: Object.freeze([]), distribute: Object.freeze([]) });

/**
 * The block a service's callers follow: its TrafficPolicy's, else the Mesh's, else the default —
 * which applies only to services with outlier detection (as Istio: without ejection, a zone whose
 * endpoints fail requests would keep its callers). `undefined`: every locality is equal.
 */
export function appliedLocality(mesh: Pick<MeshPolicy, 'locality'>, traffic: Pick<TrafficPolicy, 'locality' | 'outlierDetection'> | undefined): LocalityPolicy | undefined {
  const block = traffic?.locality ?? mesh.locality;
  if (block) return block.enabled ? block : undefined;
  return traffic?.outlierDetection ? DEFAULT_LOCALITY : undefined;
}

/** `region`, `region/zone`, `region/*`, `*\/zone`, `*` (already schema-checked) as a match. */
export function parseLocality(name: string): LocalityMatch {
  const slash = name.indexOf('/');
  return slash < 0 ? { region: name, zone: '*' } : { region: name.slice(0, slash), zone: name.slice(slash + 1) };
}

export function formatLocality(m: LocalityMatch): string {
  return m.zone === '*' ? m.region : `${m.region}/${m.zone}`;
}

/** Whether a locality (`''` for an unset part) is one `m` names. */
export function localityMatches(m: LocalityMatch, region: string, zone: string): boolean {
  return (m.region === '*' || m.region === region) && (m.zone === '*' || m.zone === zone);
}
