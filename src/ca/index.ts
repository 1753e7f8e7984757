/**
 * Public surface of the CA module (DESIGN.md §2: imports nothing internal). Other modules import
 * only from here. See docs/ca.md for the operator view and the rotation API.
 */
export {
  CertificateAuthority, DEFAULT_BOOTSTRAP_TTL_MS, DEFAULT_SVID_TTL_MS,
  type CaOptions, type IssueRequest, type IssueResult, type OperatorFiles, type TrustBundle,
} from './authority.js';
export { CaCodes, formatCaError, type CaCode, type CaError, type CaResult } from './errors.js';
export { spiffeBundle, type SpiffeBundle, type SpiffeBundleKey } from './bundle.js';
export { caExpiryWarnings, type Validity } from './expiry.js';
export type { Issuer, IssuerFiles } from './issuer.js';
export { SecretKey } from './keys.js';
export { RootRotation, type AckCheck, type RootPhase } from './root-rotation.js';
export { TEN_YEARS_MS, createRoot, type MintedCa, type RootOptions } from './root.js';
export {
  RotationSchedule, SvidManager, realTimers,
  type RenewErrorListener, type RotateListener, type SvidIssuer, type SvidManagerOptions, type Timers,
} from './rotation.js';
export {
  SPIFFE_SCHEME, checkTrustDomain, formatSpiffeId, parseSpiffeId, parseWorkloadIdentity, trustDomainIdText, workloadId, workloadIdText,
  type SpiffeId, type SpiffeIdError, type SpiffeIdErrorCode, type SpiffeIdResult, type WorkloadIdentity,
} from './spiffe-id.js';
export { StateFiles } from './state-dir.js';
export { MemoryRootFiles, type RootFiles } from './root-files.js';
export { Svid } from './svid.js';
