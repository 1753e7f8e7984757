/** Public surface of the policy module. */
export * from './diagnostics.js';
export * from './types.js';
