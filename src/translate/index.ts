/** Public surface of the translate module: the pure model → IR → Envoy translation. */
export { translate, type TranslateInput, type TranslateResult } from './translate.js';
export { TranslationCache } from './cache.js';
export type { TranslatedResource } from './resources.js';
export type * from './ir.js';
export { validateIr, type IrProblem } from './ir-validate.js';
export * as names from './names.js';
