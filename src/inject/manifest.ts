/**
 * `weft inject` on a YAML stream: finds the pod spec of every Deployment, StatefulSet, DaemonSet
 * and Pod, adds the sidecar, the init container, their volumes and the bootstrap annotation, and
 * leaves every other document as it was.
 *
 * Contract: never throws on input. Problems are diagnostics (`WEFT70xx`, file:line:col); with any
 * error the result text is the input unchanged, so a caller writes nothing half-injected.
 * Idempotent: injected parts are found by name and replaced in place, so injecting an injected
 * manifest with the same options yields the same objects, and the input text is returned
 * byte-for-byte when no document changed. Comments of edited documents are kept (YAML document
 * API, not a JSON round trip).
 */
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { workloadId } from '../ca/index.js';
import type { Diagnostic } from '../policy/index.js';
import { checkPod, podFacts, sourceOf, type PodContext } from './checks.js';
import { BOOTSTRAP_ANNOTATION, INJECT_ANNOTATION, bootstrapText, initContainer, sidecarContainer, sidecarVolumes, type InjectOptions } from './pod.js';
import { InjectCodes } from './codes.js';

export interface InjectResult {
  /** The output manifest; the input unchanged when `diagnostics` has an error or nothing changed. */
  readonly text: string;
  readonly diagnostics: readonly Diagnostic[];
  /** `Kind/name` of every workload that has the sidecar after this run. */
  readonly injected: readonly string[];
  /** `Kind/name: reason` of every workload left alone. */
  readonly skipped: readonly string[];
  readonly changed: boolean;
}

/** Pod spec and pod metadata paths per workload kind; other kinds pass through. */
const POD_PATHS: Readonly<Record<string, { spec: string[]; meta: string[] }>> = {
  Pod: { spec: ['spec'], meta: ['metadata'] },
  Deployment: { spec: ['spec', 'template', 'spec'], meta: ['spec', 'template', 'metadata'] },
  StatefulSet: { spec: ['spec', 'template', 'spec'], meta: ['spec', 'template', 'metadata'] },
  DaemonSet: { spec: ['spec', 'template', 'spec'], meta: ['spec', 'template', 'metadata'] },
};

export function injectManifests(text: string, file: string, o: InjectOptions): InjectResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out = { diagnostics: [] as Diagnostic[], injected: [] as string[], skipped: [] as string[] };
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const e of doc.errors) {
      const at = lines.linePos(e.pos[0]);
      out.diagnostics.push({ code: InjectCodes.invalidYaml.code, severity: 'error', message: `invalid YAML: ${firstLine(e.message)}`, source: { file, line: at.line, col: at.col } });
    }
  }
  if (out.diagnostics.length > 0) return { ...out, text, changed: false };
  let changed = false;
  list.forEach((doc, index) => {
    const before = JSON.stringify(doc.toJS());
    injectDocument(doc, { file, lines, index, options: o, out });
    if (JSON.stringify(doc.toJS()) !== before) changed = true;
  });
  const failed = out.diagnostics.some((d) => d.severity === 'error');
  if (failed || !changed) return { ...out, text, changed: false };
  return { ...out, text: render(list), changed: true };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Documents joined by `---`; long strings are never folded (the bootstrap JSON stays intact). */
function render(docs: readonly Document[]): string {
  return docs.map((d, i) => {
    const body = d.toString({ lineWidth: 0 });
    return i === 0 || body.startsWith('---') ? body : `---\n${body}`;
  }).join('');
}

interface DocContext extends PodContext {
  readonly options: InjectOptions;
  readonly out: { diagnostics: Diagnostic[]; injected: string[]; skipped: string[] };
}

interface Workload {
  readonly label: string;
  readonly spec: YAMLMap;
  readonly paths: { spec: string[]; meta: string[] };
}

/** The document's pod spec when it is a workload kind; WEFT7002 when that kind has no containers. */
function workloadOf(doc: Document, ctx: DocContext): Workload | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const kind = root.get('kind');
  const paths = typeof kind === 'string' ? POD_PATHS[kind] : undefined;
  if (!paths) return undefined;
  const label = `${kind}/${String(root.getIn(['metadata', 'name']) ?? `<document ${ctx.index + 1}>`)}`;
  const spec = doc.getIn(paths.spec, true);
  const containers: unknown = isMap(spec) ? spec.get('containers', true) : undefined;
  if (isMap(spec) && isSeq(containers) && containers.items.length > 0) return { label, spec, paths };
  ctx.out.diagnostics.push({ code: InjectCodes.noPodSpec.code, severity: 'error', path: `${paths.spec.join('.')}.containers`,
    message: `${label} has no pod spec with containers`, source: sourceOf(ctx, spec ?? root) });
  return undefined;
}

function injectDocument(doc: Document, ctx: DocContext): void {
  const w = workloadOf(doc, ctx);
  if (!w) return;
  const { label, spec, paths } = w;
  const annotations = (doc.getIn([...paths.meta, 'annotations']) as YAMLMap | null | undefined)?.toJSON() as Record<string, unknown> | undefined;
  const skip = String(annotations?.[INJECT_ANNOTATION] ?? '') === 'false'
    ? `annotated ${INJECT_ANNOTATION}: "false"`
    : checkPod(spec, label, paths.spec.join('.'), ctx);
  if (skip) {
    ctx.out.skipped.push(`${label}: ${skip}`);
    return;
  }
  const facts = podFacts(doc, doc.contents as YAMLMap, spec, paths.meta, ctx.options);
  const id = workloadId(ctx.options.trustDomain, facts.namespace, facts.serviceAccount);
  if (!id.ok) {
    ctx.out.diagnostics.push({ code: InjectCodes.badIdentity.code, severity: 'error', path: `${paths.spec.join('.')}.serviceAccountName`,
      message: `${label}: namespace "${facts.namespace}" and service account "${facts.serviceAccount}" do not form a SPIFFE ID: ${id.error.message}`, source: sourceOf(ctx, spec) });
    return;
  }
  apply(doc, spec, paths.meta, facts, ctx.options);
  ctx.out.injected.push(label);
}

/** Edited collections are switched to block style: a block scalar (the bootstrap JSON, the
 * iptables script) cannot sit inside a flow collection and would become one escaped line. */
function apply(doc: Document, spec: YAMLMap, metaPath: string[], facts: ReturnType<typeof podFacts>, o: InjectOptions): void {
  spec.flow = false;
  upsertNamed(doc, spec, 'containers', [sidecarContainer(o, facts)]);
  upsertNamed(doc, spec, 'initContainers', [initContainer(o)]);
  upsertNamed(doc, spec, 'volumes', sidecarVolumes(facts.serviceAccount));
  doc.setIn([...metaPath, 'annotations', BOOTSTRAP_ANNOTATION], bootstrapText(o, facts));
  for (const p of [metaPath, [...metaPath, 'annotations']]) {
    const node = doc.getIn(p, true);
    if (isMap(node)) node.flow = false;
  }
}

/** Replaces the item of the same `name` in place, or appends; creates the list when absent. */
function upsertNamed(doc: Document, map: YAMLMap, key: string, values: Record<string, unknown>[]): void {
  let seq: unknown = map.get(key, true);
  if (!isSeq(seq)) {
    seq = doc.createNode([]);
    map.set(key, seq);
  }
  (seq as YAMLSeq).flow = false;
  const items = (seq as YAMLSeq).items;
  for (const value of values) {
    const node = doc.createNode(value) as Node;
    const i = items.findIndex((it) => isMap(it) && it.get('name') === value.name);
    if (i >= 0) items[i] = node;
    else items.push(node);
  }
}
