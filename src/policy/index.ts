/** Public surface of the policy module. */
export * from './diagnostics.js';
export { escapeControl, quote, truncate, EXCERPT_CHARS } from './excerpt.js';
export { readFileInside, isInside, type ReadOutcome, type ReadRefusal } from './safe-read.js';
export * from './types.js';
export { PolicyCodes, type PolicyCode } from './codes.js';
export { PolicyLoadCache } from './load-cache.js';
export { loadPolicyCommit, loadPolicyDir, loadPolicyDocuments, policyVersion, type LoadOptions, type PolicyCommitLoadResult, type PolicyFile, type PolicyLoadResult } from './load.js';
export { resolveRef } from './git-tree.js';
export { DEFAULT_MAX_FILE_BYTES } from './parse.js';
export { checkPolicyAgainstRegistry, type RegistryServiceView } from './registry-check.js';
export { validatePolicyCommand, type ValidateOptions, type ValidateResult } from './validate-command.js';
export { policyJsonSchema } from './schema.js';
export { effectiveMtls, modesOfService, type EffectiveMtls, type MtlsOrigin, type MtlsSettings } from './mtls.js';
export { parseDuration } from './duration.js';
export { DEFAULT_LOCALITY, appliedLocality, formatLocality, localityMatches, parseLocality } from './locality.js';
