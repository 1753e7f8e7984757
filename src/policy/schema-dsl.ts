/**
 * A small schema-builder DSL: each builder yields BOTH a JSON Schema fragment (for editors, via
 * `schema/policy.schema.json`) and a validator that walks the `yaml` AST with source positions.
 * Keeping the two in one value is what stops the published schema and the runtime checks drifting.
 *
 * Validators never throw: they append Diagnostics to the context and return `INVALID`. They record
 * the source position of every value they accept under its field path, so later semantic checks
 * can report `file:line:col` for any path.
 */
import { isMap, isScalar, isSeq, Scalar, type LineCounter, type Node, type Pair } from 'yaml';
import type { Diagnostic, SourceRef } from './diagnostics.js';
import { PolicyCodes } from './codes.js';
import { nearest } from './suggest.js';
import { escapeControl, quote } from './excerpt.js';

export type JsonSchema = { readonly [key: string]: unknown };
export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

/** Per-document validation state; owned by one validation run and mutated by it. */
export interface Cx {
  readonly file: string;
  readonly lines: LineCounter;
  readonly diagnostics: Diagnostic[];
  /** Field path -> position of the value at that path ('' = the document). */
  readonly positions: Map<string, SourceRef>;
}

export interface Schema<T> {
  /** Short noun phrase for messages, e.g. `a duration`. */
  readonly expected: string;
  json(): JsonSchema;
  check(node: Node, cx: Cx, path: string): T | Invalid;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function posOf(node: Node | Pair['key'], cx: Cx): SourceRef {
  const offset = (node as Node | null)?.range?.[0] ?? 0;
  const { line, col } = cx.lines.linePos(offset);
  return { file: cx.file, line, col };
}

export function report(cx: Cx, code: string, path: string, node: Node, message: string): Invalid {
  cx.diagnostics.push({ code, severity: 'error', message: escapeControl(message), path: path ? escapeControl(path) : undefined, source: posOf(node, cx) });
  return INVALID;
}

export function typeError(cx: Cx, path: string, node: Node, expected: string): Invalid {
  return report(cx, PolicyCodes.wrongType.code, path, node, `expected ${expected}, got ${describeNode(node)}`);
}

function describeNode(node: Node): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'null' : `${typeof node.value} ${quote(node.value)}`;
  return 'an alias';
}

/** Joins a field path: identifiers with `.`, anything else as `["key"]`. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${quote(key)}]`;
}

/** True for an explicit YAML null (`key:` or `key: ~`), which optional fields treat as absent. */
export function isNull(node: Node | null | undefined): boolean {
  return !node || (isScalar(node) && node.value === null);
}

export interface ListOpts { readonly minItems?: number; readonly doc?: string; readonly unique?: boolean }

export function list<T>(item: Schema<T>, opts: ListOpts = {}): Schema<T[]> {
  return {
    expected: `a list of ${item.expected}`,
    json: () => ({
      type: 'array', items: item.json(),
      ...(opts.minItems !== undefined && { minItems: opts.minItems }),
      ...(opts.unique && { uniqueItems: true }),
      ...(opts.doc && { description: opts.doc }),
    }),
    check(node, cx, path) {
      if (!isSeq(node)) return typeError(cx, path, node, this.expected);
      cx.positions.set(path, posOf(node, cx));
      if (node.items.length < (opts.minItems ?? 0)) {
        return report(cx, PolicyCodes.outOfRange.code, path, node, `needs at least ${opts.minItems} item(s)`);
      }
      const out: T[] = [];
      let ok = true;
      node.items.forEach((n, i) => {
        cx.positions.set(child(path, i), posOf(n as Node, cx));
        const v = item.check(n as Node, cx, child(path, i));
        if (v === INVALID) ok = false;
        else out.push(v);
      });
      return ok ? out : INVALID;
    },
  };
}

export interface MapOpts { readonly key?: Schema<string>; readonly doc?: string; readonly minProperties?: number }

/** A mapping with free-form keys (validated by `opts.key`) and uniform values. */
export function map<T>(value: Schema<T>, opts: MapOpts = {}): Schema<Record<string, T>> {
  const keyJson = opts.key?.json();
  return {
    expected: 'a mapping',
    json: () => ({
      type: 'object', additionalProperties: value.json(),
      ...(keyJson && { propertyNames: keyJson }),
      ...(opts.minProperties !== undefined && { minProperties: opts.minProperties }),
      ...(opts.doc && { description: opts.doc }),
    }),
    check(node, cx, path) {
      const pairs = mapPairs(node, cx, path);
      if (pairs === INVALID) return INVALID;
      if (pairs.length < (opts.minProperties ?? 0)) {
        return report(cx, PolicyCodes.outOfRange.code, path, node, `needs at least ${opts.minProperties} entr(ies)`);
      }
      const out: Record<string, T> = {};
      let ok = true;
      for (const [k, keyNode, valueNode] of pairs) {
        const p = child(path, k);
        const key = opts.key ? opts.key.check(keyNode, cx, p) : k;
        const v = value.check(valueNode, cx, p);
        if (key === INVALID || v === INVALID) ok = false;
        else out[key] = v;
      }
      return ok ? out : INVALID;
    },
  };
}

/**
 * The pairs of a mapping as `[key, keyNode, valueNode]`, reporting non-string keys and duplicate
 * keys (the YAML spec forbids them; `yaml` is told not to, so the diagnostic can carry a path).
 */
export function mapPairs(node: Node, cx: Cx, path: string): [string, Node, Node][] | Invalid {
  if (!isMap(node)) return typeError(cx, path, node, 'a mapping');
  cx.positions.set(path, posOf(node, cx));
  const seen = new Set<string>();
  const out: [string, Node, Node][] = [];
  let ok = true;
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      ok = false;
      typeError(cx, path, keyNode ?? node, 'a string key');
      continue;
    }
    const key = keyNode.value;
    if (seen.has(key)) {
      ok = false;
      report(cx, PolicyCodes.duplicateKey.code, child(path, key), keyNode, `duplicate key ${quote(key)}`);
      continue;
    }
    seen.add(key);
    const valueNode = (pair.value as Node | null) ?? nullAt(keyNode);
    cx.positions.set(child(path, key), posOf(valueNode, cx));
    out.push([key, keyNode, valueNode]);
  }
  return ok ? out : INVALID;
}

/** Reports an unknown field with the nearest valid name as a suggestion. */
export function unknownField(cx: Cx, path: string, key: string, keyNode: Node, valid: readonly string[]): void {
  const best = nearest(key, valid);
  const hint = best ? `; did you mean "${best}"?` : `; valid fields: ${valid.join(', ')}`;
  report(cx, PolicyCodes.unknownField.code, child(path, key), keyNode, `unknown field ${quote(key)}${hint}`);
}

function nullAt(node: Node): Node {
  const n = new Scalar(null);
  n.range = node.range;
  return n;
}
