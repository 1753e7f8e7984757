/**
 * The checks that decide whether injecting a pod is safe, on the pod as JSON (a manifest's pod
 * template or an admission request's Pod alike). They return findings with a path relative to the
 * pod object; `weft inject` turns that path into file:line:col, the webhook into a message.
 * Codes: WEFT7002 no containers, WEFT7003 host network, WEFT7004 probes left on an intercepted
 * port, WEFT7006 ports the sidecar owns.
 */
import type { Severity } from '../common/index.js';
import { RESERVED_PORTS, SIDECAR_NAME } from './pod.js';
import type { ContainerJson, RedirectedProbe } from './probes.js';
import { InjectCodes } from './codes.js';

/** A problem found in a pod; `path` is relative to the pod object (`['spec', 'containers', 0]`). */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `['spec', 'containers', 0, 'ports', 1]` → `spec.containers[0].ports[1]`. */
export function jsonPath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

export interface PodSpecJson {
  hostNetwork?: unknown;
  containers?: unknown;
  initContainers?: unknown;
  volumes?: unknown;
  serviceAccountName?: unknown;
  serviceAccount?: unknown;
  [k: string]: unknown;
}

/** Containers of the spec when it has a non-empty list of objects; undefined otherwise. */
export function containersOf(spec: PodSpecJson | undefined): ContainerJson[] | undefined {
  const c = spec?.containers;
  return Array.isArray(c) && c.length > 0 && c.every((x) => x && typeof x === 'object' && !Array.isArray(x)) ? (c as ContainerJson[]) : undefined;
}

export function noContainers(label: string): Finding {
  return { code: InjectCodes.noPodSpec.code, severity: 'error', path: ['spec', 'containers'], message: `${label} has no pod spec with containers` };
}

/** `hostNetwork: true` means skip (a warning, not an error). */
export function hostNetworkFinding(spec: PodSpecJson, label: string): Finding | undefined {
  if (spec.hostNetwork !== true) return undefined;
  return { code: InjectCodes.hostNetwork.code, severity: 'warning', path: ['spec', 'hostNetwork'],
    message: `${label} uses the host network: iptables rules would change the node's own network, so it is not injected` };
}

/** Application containers on a port the sidecar owns (errors). */
export function portFindings(containers: readonly ContainerJson[], label: string): Finding[] {
  const out: Finding[] = [];
  containers.forEach((c, ci) => {
    if (c.name === SIDECAR_NAME) return;
    (Array.isArray(c.ports) ? c.ports : []).forEach((p, pi) => {
      if (typeof p?.containerPort === 'number' && RESERVED_PORTS.includes(p.containerPort)) {
        out.push({ code: InjectCodes.sidecarPort.code, severity: 'error', path: ['spec', 'containers', ci, 'ports', pi],
          message: `${label}: container "${String(c.name)}" uses port ${p.containerPort}, which the sidecar owns (${RESERVED_PORTS.join(', ')})` });
      }
    });
  });
  return out;
}

/** Warnings for probes that stay on an intercepted port (see probes.ts for which and why). */
export function probeFindings(redirected: readonly RedirectedProbe[], containers: readonly ContainerJson[], label: string): Finding[] {
  return redirected.map((r) => {
    const name = String(containers[r.container]?.name);
    const port = String(r.port);
    const message = r.tcp
      ? `${label}: ${r.field} of "${name}" on port ${port} is a TCP probe redirected to the sidecar, whose listener accepts the connection whatever the application's state, so it always succeeds. ` +
        `Use an httpGet probe (rewritten to the sidecar's probe listener) or pass --exclude-inbound-ports ${port}`
      : `${label}: ${r.field} of "${name}" on port ${port} will be redirected to the sidecar and cannot be rewritten (HTTPS, gRPC or an unknown named port); with mtls: strict it fails. ` +
        `Serve probes on a separate port and pass --exclude-inbound-ports ${port}`;
    return { code: InjectCodes.probeRedirected.code, severity: 'warning' as const, path: ['spec', 'containers', r.container, r.field], message };
  });
}
