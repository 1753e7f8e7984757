/**
 * A `locality` block -> `LocalityPolicy`, with the rules the schema cannot express (WEFT2080-2082),
 * and the checks that need the service's other settings or the Mesh (WEFT2083, WEFT2084).
 */
import { PolicyCodes } from './codes.js';
import type { LocalityMatch, LocalityPolicy, MeshPolicy, TrafficPolicy } from './types.js';
import type { MeshDoc } from './schema.js';
import { DocReporter, at, formatRef } from './resolve-util.js';
import { appliedLocality, formatLocality, parseLocality } from './locality.js';

type LocalityDoc = NonNullable<MeshDoc['locality']>;

export function resolveLocality(doc: LocalityDoc, r: DocReporter): LocalityPolicy {
  const enabled = doc.enabled ?? true;
  if (doc.failover && doc.distribute) r.error(PolicyCodes.localityBoth.code, 'locality.distribute', 'locality has both failover and distribute; distribute already says where each caller\'s requests go (the rest are its fallback), so keep one');
  if (!enabled && (doc.failover || doc.distribute)) r.error(PolicyCodes.localityBoth.code, 'locality.enabled', 'locality is disabled (enabled: false) but sets failover or distribute, which would never apply');
  const failover = (doc.failover ?? []).map((rule) => ({ from: parseLocality(rule.from), to: rule.to.map(parseLocality) }));
  checkRepeatedFrom(failover, 'failover', r);
  const distribute = (doc.distribute ?? []).map((rule, i) => ({ from: parseLocality(rule.from), to: shares(rule.to, `locality.distribute[${i}].to`, r) }));
  checkRepeatedFrom(distribute, 'distribute', r);
  return { enabled, failover, distribute, source: at(r.pd, 'locality') };
}

function shares(to: Readonly<Record<string, number>>, path: string, r: DocReporter): LocalityPolicy['distribute'][number]['to'] {
  const out = Object.entries(to).map(([name, percent]) => ({ locality: parseLocality(name), percent }));
  const seen = new Set<string>();
  for (const s of out) {
    const key = formatLocality(s.locality);
    if (seen.has(key)) r.error(PolicyCodes.localityPercent.code, path, `${path} names locality ${key} twice`);
    seen.add(key);
  }
  const sum = out.reduce((n, s) => n + s.percent, 0);
  if (sum !== 100) r.error(PolicyCodes.localityPercent.code, path, `the percentages add up to ${sum}, not 100`);
  return out;
}

function checkRepeatedFrom(rules: readonly { readonly from: LocalityMatch }[], field: string, r: DocReporter): void {
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const key = formatLocality(rule.from);
    const first = seen.get(key);
    if (first !== undefined) r.error(PolicyCodes.localityName.code, `locality.${field}[${i}].from`, `from ${key} repeats locality.${field}[${first}].from; only the first rule for a caller applies`);
    else seen.set(key, i);
  });
}

/**
 * WEFT2083: priorities set on purpose (a locality block, the service's or the Mesh's) without
 * outlier detection to move traffic off failing endpoints. WEFT2084: distribute on ring hash.
 * Reported at the TrafficPolicy (at its block, or at the document when the Mesh's applies).
 */
export function checkServiceLocality(traffic: TrafficPolicy, mesh: MeshPolicy, r: DocReporter): void {
  const applied = appliedLocality(mesh, traffic);
  const explicit = traffic.locality ?? mesh.locality;
  if (!applied || !explicit) return;
  const where = traffic.locality ? 'locality' : '';
  const from = traffic.locality ? 'its locality block' : `the Mesh locality block (${formatRef(mesh.locality?.source)})`;
  if (!traffic.outlierDetection) {
    r.warn(PolicyCodes.localityWithoutOutlier.code, where, `${traffic.service} follows ${from} but has no outlierDetection: its callers leave their zone only when the registry marks its endpoints unhealthy, never because they fail requests; add outlierDetection`);
  }
  if (applied.distribute.length > 0 && traffic.loadBalancer === 'ring-hash') {
    r.error(PolicyCodes.localityRingHash.code, traffic.locality ? 'locality.distribute' : 'loadBalancer', `${traffic.service} uses ring-hash, which Envoy's locality-weighted balancing does not apply to; ${from} sets distribute`);
  }
}
