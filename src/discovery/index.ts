/** Public surface of the discovery module. */
export * from './types.js';
