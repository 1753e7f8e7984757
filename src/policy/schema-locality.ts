/**
 * The `locality` block of Mesh and TrafficPolicy: locality-aware load balancing (docs/policy.md
 * "Locality"). A locality name is a region, or region and zone joined by a slash, where `*` stands for any; the
 * resolver turns them into `LocalityMatch` values (resolve-locality.ts).
 */
import { list, map } from './schema-dsl.js';
import { PolicyCodes } from './codes.js';
import { obj, opt, req } from './schema-object.js';
import { bool, int, str } from './schema-scalars.js';

const PART = '(\\*|[^/*\\s]+)';
/** A locality name (WEFT2080 when malformed). */
export const LOCALITY_NAME = new RegExp(`^${PART}(/${PART})?$`);

const localityName = (doc?: string) => str({
  pattern: LOCALITY_NAME, code: PolicyCodes.localityName.code,
  format: 'a locality: "region", "region/zone", "region/*", "*/zone" or "*"', ...(doc ? { doc } : {}),
});

export const localitySchema = obj({
  enabled: opt(bool('Default true. false: every locality is equal to callers (one priority, no weights).')),
  failover: opt(list(obj({
    from: req(localityName('The callers this rule is for (their locality).')),
    to: req(list(localityName(), { minItems: 1, unique: true, doc: 'Localities tried next, in order, after the caller\'s own zone and region.' })),
  }), { minItems: 1, doc: 'Failover order per caller locality; the first rule whose from matches the caller applies.' })),
  distribute: opt(list(obj({
    from: req(localityName('The callers this rule is for (their locality).')),
    to: req(map(int({ min: 0, max: 100 }), { key: localityName(), minProperties: 1, doc: 'Locality -> percent of the callers\' requests; adds up to 100.' })),
  }), { minItems: 1, doc: 'Weighted distribution per caller locality (Istio localityLbSetting.distribute); the first rule whose from matches the caller applies.' })),
}, 'Locality-aware load balancing: endpoints in the caller\'s zone first, then its region, then the rest (or the failover order), or weighted by distribute.');
