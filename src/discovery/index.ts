/** Public surface of the discovery module. */
export * from './types.js';
export { RegistryCode } from './codes.js';
export { StaticRegistrySource, type StaticSourceOptions } from './static-source.js';
export { RegistryFileParser, type ParseResult } from './static-parse.js';
export { KubernetesRegistrySource, type KubernetesSourceOptions } from './kube-source.js';
export { mapKubeObjects, portProtocol, endpointHealth } from './kube-mapping.js';
