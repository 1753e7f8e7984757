/** Public surface of the xDS server module. */
export { TypeUrl, pushOrder, shortTypeName, type ResourceTypeUrl } from '../../proto/type-urls.js';
export { SnapshotCache, type SnapshotWatcher } from './cache.js';
export { ResourceEncoder, ResourceEncodeError, type EncodedResource } from './encoder.js';
export { ResourceSet, ResourceSetInterner, buildSnapshot, snapshotOf, type ResourceInput, type Snapshot } from './snapshot.js';
export { XdsServer } from './server.js';
export { PLAINTEXT_XDS_LIMITS, XDS_LIMITS, type XdsLimits } from './limits.js';
export { SUBSET_MEMO_MAX_ENTRIES, SUBSET_MEMO_MAX_WEIGHT } from './subset-memo.js';
export type * from './types.js';
