/** Public surface of the model module. */
export * from './types.js';
