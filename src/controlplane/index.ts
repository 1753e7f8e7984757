/** Public surface of the control plane module. */
export type * from './view.js';
