/**
 * The one function that decides a pod's injection: `planPod` takes a pod (a manifest's pod
 * template or an admission request's Pod, as JSON) and returns the findings and the JSON Patch
 * that injects it. `weft inject` applies the patch to its YAML documents (manifest.ts); the
 * admission webhook returns it to the API server (admission.ts), so both produce the same pod.
 *
 * Pure and idempotent: planning an injected pod with the same options yields no operations, and
 * with other options (an image, the sidecar mode) the operations that move it to the new layout.
 */
import { workloadId } from '../ca/index.js';
import { containersOf, hostNetworkFinding, noContainers, portFindings, probeFindings, type Finding, type PodSpecJson } from './checks.js';
import { jsonCovers, pointer, type PatchOp } from './patch.js';
import {
  AGENT_NAME, BOOTSTRAP_ANNOTATION, CA_BUNDLE_ANNOTATION, INJECT_ANNOTATION, SIDECAR_NAME, agentContainer, bootstrapText, initContainer, sidecarContainer, sidecarVolumes, TOKEN_VOLUME,
  type InjectOptions, type PodFacts,
} from './pod.js';
import { PROBES_ANNOTATION, planProbes, storedOriginals, type ProbePlan } from './probes.js';
import { InjectCodes } from './codes.js';

export interface PodObject {
  metadata?: { name?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown; [k: string]: unknown } | null;
  spec?: PodSpecJson | null;
  [k: string]: unknown;
}

export interface PodPlan {
  /** Why the pod is left alone (not an error), when it is. */
  readonly skip?: string;
  /** Errors (then `ops` is empty) and warnings. */
  readonly findings: readonly Finding[];
  /** The patch, relative to the pod object; empty when nothing changes. */
  readonly ops: readonly PatchOp[];
}

/**
 * `namespace` is the pod's namespace as the caller knows it (the document's or the admission
 * request's); the service account defaults to `default` as the API server's does.
 */
export function planPod(pod: PodObject, label: string, namespace: string, o: InjectOptions): PodPlan {
  const meta = pod.metadata ?? {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  if (String(annotations[INJECT_ANNOTATION] ?? '') === 'false') return { skip: `annotated ${INJECT_ANNOTATION}: "false"`, findings: [], ops: [] };
  const spec = pod.spec ?? undefined;
  const containers = containersOf(spec);
  if (!spec || !containers) return { findings: [noContainers(label)], ops: [] };
  const host = hostNetworkFinding(spec, label);
  if (host) return { skip: 'hostNetwork', findings: [host], ops: [] };
  const facts = factsOf(meta, spec, namespace);
  const id = workloadId(o.trustDomain, facts.namespace, facts.serviceAccount);
  const idError: Finding[] = id.ok ? [] : [{ code: InjectCodes.badIdentity.code, severity: 'error', path: ['spec', 'serviceAccountName'],
    message: `${label}: namespace "${facts.namespace}" and service account "${facts.serviceAccount}" do not form a SPIFFE ID: ${id.error.message}` }];
  const probes = planProbes(containers, storedOriginals(annotations[PROBES_ANNOTATION]), o.rewriteProbes, o.excludeInboundPorts, SIDECAR_NAME);
  const bundle: Finding[] = o.identity === 'token' && !o.caBundle?.includes('BEGIN CERTIFICATE') ? [{ code: InjectCodes.noTrustBundle.code, severity: 'error', path: ['spec'],
    message: `${label}: token identity needs the mesh trust bundle (--ca-bundle, the CA certificate weft signs with), which weft agent checks the token exchange against` }] : [];
  const findings = [...portFindings(containers, label), ...idError, ...bundle, ...probeFindings(probes.redirected, containers, label)];
  if (findings.some((f) => f.severity === 'error')) return { findings, ops: [] };
  return { findings, ops: injectionOps(pod, spec, facts, probes, o) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function factsOf(meta: NonNullable<PodObject['metadata']>, spec: PodSpecJson, namespace: string): PodFacts {
  const sa = spec.serviceAccountName ?? spec.serviceAccount;
  const labels: Record<string, string> = {};
  if (isRecord(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) if (v !== null && v !== undefined) labels[k] = String(v);
  }
  return { namespace, serviceAccount: typeof sa === 'string' && sa !== '' ? sa : 'default', labels };
}

/** Probe edits first (they address containers by their current index), then the list edits. */
function injectionOps(pod: PodObject, spec: PodSpecJson, facts: PodFacts, probes: ProbePlan, o: InjectOptions): PatchOp[] {
  const ops: PatchOp[] = probes.edits.map((e) => ({ op: 'replace', path: pointer(['spec', 'containers', e.container, e.field]), value: e.value }));
  const sidecar = sidecarContainer(o, facts);
  const token = o.identity === 'token';
  const inits = [initContainer(o), ...(token ? [agentContainer(o, facts)] : [])];
  const dropped = token ? [] : [AGENT_NAME];
  if (o.sidecarMode === 'native') {
    ops.push(...listOps(spec, 'containers', [], 'append', [SIDECAR_NAME]));
    ops.push(...listOps(spec, 'initContainers', [...inits, sidecar], 'prepend', dropped));
  } else {
    ops.push(...listOps(spec, 'initContainers', inits, 'append', [SIDECAR_NAME, ...dropped]));
    ops.push(...listOps(spec, 'containers', [sidecar], 'append', []));
  }
  ops.push(...listOps(spec, 'volumes', sidecarVolumes(o, facts.serviceAccount), 'append', token ? [] : [TOKEN_VOLUME]));
  const wanted: Record<string, string | undefined> = {
    [BOOTSTRAP_ANNOTATION]: bootstrapText(o, facts, probes.appProbes),
    [PROBES_ANNOTATION]: Object.keys(probes.originals).length ? JSON.stringify(probes.originals) : undefined,
    [CA_BUNDLE_ANNOTATION]: token ? o.caBundle : undefined,
  };
  ops.push(...annotationOps(pod, wanted));
  return ops;
}

type Named = Record<string, unknown> & { name?: unknown };

/**
 * Operations that make `spec[key]` hold each wanted item (by name: replaced in place when it
 * differs, else inserted) and none of the `remove` names. `prepend` inserts a missing item after
 * the previous wanted one (the first at index 0), so the proxy follows the iptables container;
 * `append` adds at the end. The list is simulated as operations go, so indices stay right. An
 * item that covers the wanted one (`jsonCovers`: the API server's defaults added) is left alone.
 */
function listOps(spec: PodSpecJson, key: string, wanted: readonly Named[], placement: 'append' | 'prepend', remove: readonly string[]): PatchOp[] {
  const current = spec[key];
  if (!Array.isArray(current)) return wanted.length ? [{ op: 'add', path: pointer(['spec', key]), value: wanted }] : [];
  const list = [...(current as Named[])];
  const ops: PatchOp[] = [];
  for (const name of remove) {
    const i = list.findIndex((c) => c?.name === name);
    if (i < 0) continue;
    ops.push({ op: 'remove', path: pointer(['spec', key, i]) });
    list.splice(i, 1);
  }
  let next = 0;
  for (const item of wanted) {
    const i = list.findIndex((c) => c?.name === item.name);
    if (i >= 0) {
      if (!jsonCovers(list[i], item)) ops.push({ op: 'replace', path: pointer(['spec', key, i]), value: item });
      list[i] = item;
      next = i + 1;
    } else if (placement === 'append') {
      ops.push({ op: 'add', path: pointer(['spec', key, '-']), value: item });
      list.push(item);
    } else {
      ops.push({ op: 'add', path: pointer(['spec', key, next]), value: item });
      list.splice(next, 0, item);
      next += 1;
    }
  }
  return ops;
}

/** Sets (or, for `undefined`, removes) annotations, creating `metadata` and `annotations` as needed. */
function annotationOps(pod: PodObject, wanted: Record<string, string | undefined>): PatchOp[] {
  const set = Object.fromEntries(Object.entries(wanted).filter(([, v]) => v !== undefined)) as Record<string, string>;
  if (!isRecord(pod.metadata)) return [{ op: 'add', path: '/metadata', value: { annotations: set } }];
  const current = pod.metadata.annotations;
  if (!isRecord(current)) return [{ op: 'add', path: '/metadata/annotations', value: set }];
  const ops: PatchOp[] = [];
  for (const [k, v] of Object.entries(wanted)) {
    const path = pointer(['metadata', 'annotations', k]);
    if (v === undefined) {
      if (k in current) ops.push({ op: 'remove', path });
    } else if (current[k] !== v) ops.push({ op: k in current ? 'replace' : 'add', path, value: v });
  }
  return ops;
}

