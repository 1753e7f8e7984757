/** Public surface of the translate module: the pure model → IR → Envoy translation. */
export { translate, type TranslateInput, type TranslateResult, type TranslationReads } from './translate.js';
export type { ScopeReads } from './build-scope.js';
export { TranslationCache } from './cache.js';
export type { TranslatedResource } from './resources.js';
export { lowerBound } from './part-check.js';
export { warmChecks } from './check.js';
export type * from './ir.js';
export { validateIr, type IrProblem } from './ir-validate.js';
export * as names from './names.js';
export { sameValue } from './memo-key.js';
