/**
 * `src/inject`: sidecar injection, pure. `planPod` decides a pod's injection as a JSON Patch;
 * `injectManifests` applies it to Kubernetes manifests (`weft inject`, src/cli/inject.ts) and the
 * admission handler returns it to the API server (`weft webhook`). The iptables script is also
 * what the Envoy e2e harness runs in its network namespaces and what the docker-compose example's
 * redirect.sh mirrors. Layering: uses ca, controlplane, policy and translate.
 */
export { injectManifests, POD_PATHS, type InjectResult } from './manifest.js';
export { planPod, type PodObject, type PodPlan } from './plan.js';
export { applyPatch, pointer, type PatchOp } from './patch.js';
export { PROBES_ANNOTATION } from './probes.js';
export {
  AGENT_NAME, BOOTSTRAP_ANNOTATION, CA_BUNDLE_ANNOTATION, DEFAULT_OPTIONS, INJECT_ANNOTATION, INIT_NAME, SIDECAR_NAME, initContainer, sidecarContainer,
  type InjectOptions,
} from './pod.js';
export { PROXY_UID, iptablesApply, iptablesRules, iptablesScript, type RedirectOptions } from './iptables.js';
export { MAX_REVIEW_BYTES, reviewAdmission, type AdmissionOutcome } from './admission.js';
