/**
 * Facts `weft inject` reads from a pod spec, and the checks that decide whether injecting it is
 * safe. Checks report diagnostics (WEFT7003 host network, WEFT7004 probes that will be redirected,
 * WEFT7006 ports the sidecar owns) with file:line:col of the offending node.
 */
import { isMap, isNode, type Document, type LineCounter, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceRef } from '../policy/index.js';
import { RESERVED_PORTS, SIDECAR_NAME, type InjectOptions, type PodFacts } from './pod.js';
import { InjectCodes } from './codes.js';

export interface PodContext {
  readonly file: string;
  readonly lines: LineCounter;
  /** 0-based index of the document in the stream. */
  readonly index: number;
  readonly out: { diagnostics: Diagnostic[] };
}

/** 1-based position of a YAML node's first character. */
export function sourceOf(ctx: Pick<PodContext, 'file' | 'lines'>, node: unknown): SourceRef {
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  const { line, col } = ctx.lines.linePos(offset);
  return { file: ctx.file, line, col };
}

/** Namespace (the document's, else the option), service account (`default` when unset), labels. */
export function podFacts(doc: Document, root: YAMLMap, spec: YAMLMap, metaPath: string[], o: InjectOptions): PodFacts {
  const ns = root.getIn(['metadata', 'namespace']);
  const sa = spec.get('serviceAccountName') ?? spec.get('serviceAccount');
  const labelsNode = doc.getIn([...metaPath, 'labels'], true);
  const labels: Record<string, string> = {};
  if (isMap(labelsNode)) {
    for (const [k, v] of Object.entries(labelsNode.toJSON() as Record<string, unknown>)) {
      if (v !== null && v !== undefined) labels[k] = String(v);
    }
  }
  return {
    namespace: typeof ns === 'string' && ns !== '' ? ns : o.namespace,
    serviceAccount: typeof sa === 'string' && sa !== '' ? sa : 'default',
    labels,
  };
}

interface ContainerJson {
  name?: string;
  ports?: { containerPort?: number; name?: string }[];
  [probe: string]: unknown;
}

/**
 * Runs the checks; returns a reason when the workload must be skipped (not an error), undefined
 * when it may be injected. Errors are pushed to `ctx.out.diagnostics`.
 */
export function checkPod(spec: YAMLMap, label: string, specPath: string, ctx: PodContext & { options: InjectOptions }): string | undefined {
  if (spec.get('hostNetwork') === true) {
    ctx.out.diagnostics.push({ code: InjectCodes.hostNetwork.code, severity: 'warning', path: `${specPath}.hostNetwork`,
      message: `${label} uses the host network: iptables rules would change the node's own network, so it is not injected`, source: sourceOf(ctx, spec.get('hostNetwork', true)) });
    return 'hostNetwork';
  }
  const containers = (spec.toJSON() as { containers: ContainerJson[] }).containers;
  containers.forEach((c, ci) => {
    if (c.name === SIDECAR_NAME) return;
    (c.ports ?? []).forEach((p, pi) => {
      if (typeof p.containerPort === 'number' && RESERVED_PORTS.includes(p.containerPort)) {
        ctx.out.diagnostics.push({ code: InjectCodes.sidecarPort.code, severity: 'error', path: `${specPath}.containers[${ci}].ports[${pi}]`,
          message: `${label}: container "${c.name}" uses port ${p.containerPort}, which the sidecar owns (${RESERVED_PORTS.join(', ')})`,
          source: sourceOf(ctx, spec.getIn(['containers', ci, 'ports', pi], true)) });
      }
    });
    checkProbes(spec, c, ci, label, specPath, ctx);
  });
  return undefined;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** Kubelet probes reach the pod IP, so iptables sends them to the inbound listener, where a strict
 * mTLS chain refuses them (the kubelet has no mesh certificate). Warn unless the port is excluded. */
function checkProbes(spec: YAMLMap, c: ContainerJson, ci: number, label: string, specPath: string, ctx: PodContext & { options: InjectOptions }): void {
  for (const probe of PROBES) {
    const p = c[probe] as { httpGet?: { port?: unknown }; tcpSocket?: { port?: unknown }; grpc?: { port?: unknown } } | undefined;
    const raw = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port;
    if (raw === undefined) continue;
    const port = typeof raw === 'number' ? raw : c.ports?.find((x) => x.name === raw)?.containerPort;
    if (port !== undefined && ctx.options.excludeInboundPorts.includes(port)) continue;
    ctx.out.diagnostics.push({ code: InjectCodes.probeRedirected.code, severity: 'warning', path: `${specPath}.containers[${ci}].${probe}`,
      message: `${label}: ${probe} of "${c.name}" on port ${String(port ?? raw)} will be redirected to the sidecar; with mtls: strict it fails. ` +
        `Serve probes on a separate port and pass --exclude-inbound-ports ${String(port ?? raw)}`,
      source: sourceOf(ctx, spec.getIn(['containers', ci, probe], true)) });
  }
}
