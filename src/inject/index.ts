/**
 * `src/inject`: sidecar injection into Kubernetes manifests, pure (text and options in, text and
 * diagnostics out). `weft inject` (src/cli/inject.ts) is the command over it; the iptables script
 * is also what the Envoy e2e harness runs in its network namespaces and what the docker-compose
 * example's redirect.sh mirrors. Layering: uses ca, controlplane, policy and translate.
 */
export { injectManifests, type InjectResult } from './manifest.js';
export {
  BOOTSTRAP_ANNOTATION, DEFAULT_OPTIONS, INJECT_ANNOTATION, SIDECAR_NAME, initContainer, sidecarContainer,
  type InjectOptions,
} from './pod.js';
export { PROXY_UID, iptablesApply, iptablesRules, iptablesScript, type RedirectOptions } from './iptables.js';
