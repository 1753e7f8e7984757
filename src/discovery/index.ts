/** Public surface of the discovery module. */
export * from './types.js';
export { RegistryCodes } from './codes.js';
export { ServiceGrouping } from './service-grouping.js';
export { StaticRegistrySource, type StaticSourceOptions } from './static-source.js';
export { RegistryFileParser, type ParseResult } from './static-parse.js';
// The Kubernetes source loads @kubernetes/client-node; only its opener and its types are eager.
export { openKubernetesRegistry, openKubernetesRoutes, openKubernetesTlsSecrets, type KubernetesOpenOptions } from './kube-open.js';
export type { KubernetesTlsSecrets, TlsPair } from './kube-secrets.js';
export type { KubernetesRegistrySource, KubernetesSourceOptions } from './kube-source.js';
export { mapKubeObjects, portProtocol, endpointHealth } from './kube-mapping.js';
