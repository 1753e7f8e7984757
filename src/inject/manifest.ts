/**
 * `weft inject` on a YAML stream: finds the pod template of every Deployment, StatefulSet,
 * DaemonSet, Job, CronJob and Pod, plans its injection (`planPod`, shared with the admission
 * webhook) and applies the plan's JSON Patch to the YAML document; every other document is left
 * as it was.
 *
 * Contract: never throws on input. Problems are diagnostics (`WEFT70xx`, file:line:col); with any
 * error the result text is the input unchanged, so a caller writes nothing half-injected.
 * Idempotent: the plan of an injected pod is empty, so injecting an injected manifest with the
 * same options returns the input byte-for-byte. Comments of edited documents are kept (YAML
 * document API, not a JSON round trip).
 */
import { LineCounter, isCollection, isMap, isNode, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic, SourceRef } from '../policy/index.js';
import { jsonPath, type Finding } from './checks.js';
import { segmentsOf, type PatchOp } from './patch.js';
import { planPod, type PodObject } from './plan.js';
import type { InjectOptions } from './pod.js';
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

/** Where the pod (its `metadata` and `spec`) sits in each workload kind; other kinds pass through. */
export const POD_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
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
    if (injectDocument(doc, { file, lines, index, options: o, out })) changed = true;
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

interface DocContext {
  readonly file: string;
  readonly lines: LineCounter;
  /** 0-based index of the document in the stream. */
  readonly index: number;
  readonly options: InjectOptions;
  readonly out: { diagnostics: Diagnostic[]; injected: string[]; skipped: string[] };
}

/** 1-based position of the deepest existing node on `path` (the document root at worst). */
function sourceAt(doc: Document, path: readonly (string | number)[], ctx: DocContext): SourceRef {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const { line, col } = ctx.lines.linePos(node.range[0]);
      return { file: ctx.file, line, col };
    }
  }
  return { file: ctx.file, line: 1, col: 1 };
}

/** Plans and applies one document; true when it changed. */
function injectDocument(doc: Document, ctx: DocContext): boolean {
  const root = doc.contents;
  if (!isMap(root)) return false;
  const kind = root.get('kind');
  const prefix = typeof kind === 'string' ? POD_PATHS[kind] : undefined;
  if (!prefix) return false;
  const label = `${kind}/${String(root.getIn(['metadata', 'name']) ?? `<document ${ctx.index + 1}>`)}`;
  const podNode: unknown = prefix.length ? doc.getIn(prefix, true) : root;
  const pod = (isMap(podNode) ? podNode.toJS(doc) : {}) as PodObject;
  const ns = root.getIn(['metadata', 'namespace']);
  const plan = planPod(pod, label, typeof ns === 'string' && ns !== '' ? ns : ctx.options.namespace, ctx.options);
  for (const f of plan.findings) ctx.out.diagnostics.push(diagnosticOf(doc, prefix, f, ctx));
  if (plan.skip) ctx.out.skipped.push(`${label}: ${plan.skip}`);
  if (plan.skip || plan.findings.some((f) => f.severity === 'error')) return false;
  ctx.out.injected.push(label);
  for (const op of plan.ops) applyOp(doc, prefix, op);
  return plan.ops.length > 0;
}

function diagnosticOf(doc: Document, prefix: readonly string[], f: Finding, ctx: DocContext): Diagnostic {
  const path = [...prefix, ...f.path];
  return { code: f.code, severity: f.severity, path: jsonPath(path), message: f.message, source: sourceAt(doc, path, ctx) };
}

/**
 * One JSON Patch operation on the YAML document. The collections on the way are switched to
 * block style: a block scalar (the bootstrap JSON, the iptables script) cannot sit inside a flow
 * collection and would become one escaped line. Values shared between parts of a plan (the
 * proxy's probe) are written out each time, never as YAML anchors and aliases.
 */
const NO_ALIASES = { aliasDuplicateObjects: false } as const;

function applyOp(doc: Document, prefix: readonly string[], op: PatchOp): void {
  const path = [...prefix, ...segmentsOf(op.path)];
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const parent: unknown = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  if (op.op === 'remove') doc.deleteIn(path);
  else if (isSeq(parent) && (last === '-' || op.op === 'add')) {
    const node = doc.createNode(op.value, NO_ALIASES);
    if (last === '-') parent.items.push(node);
    else parent.items.splice(Number(last), 0, node);
  } else doc.setIn(path, doc.createNode(op.value, NO_ALIASES));
  for (let n = prefix.length; n <= path.length; n++) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isCollection(node)) node.flow = false;
  }
}
