/**
 * The parsed-YAML shape that registry validation works on: maps, sequences and scalars with the
 * offset where each starts. Both parsers produce it: the fast subset parser directly, and the
 * `yaml` package through `fromYaml`. Keeping validation off `yaml`'s node classes lets the fast
 * path build plain objects, several times cheaper than `yaml`'s nodes at 100,000 endpoints.
 */
import { isAlias, isMap as isYamlMap, isPair, isScalar as isYamlScalar, isSeq as isYamlSeq } from 'yaml';

export interface RScalar {
  readonly kind: 'scalar';
  readonly value: unknown;
  readonly start: number;
}
export interface RPair {
  readonly key: RNode;
  readonly value: RNode | null;
}
export interface RMap {
  readonly kind: 'map';
  readonly items: RPair[];
  readonly start: number;
}
export interface RSeq {
  readonly kind: 'seq';
  readonly items: RNode[];
  readonly start: number;
}
/** Anything else YAML can express (aliases, for instance): always a type error for the registry. */
export interface ROther {
  readonly kind: 'other';
  readonly start: number;
  readonly text: string;
}
export type RNode = RScalar | RMap | RSeq | ROther;

export const isMap = (n: RNode | null | undefined): n is RMap => n?.kind === 'map';
export const isSeq = (n: RNode | null | undefined): n is RSeq => n?.kind === 'seq';
export const isScalar = (n: RNode | null | undefined): n is RScalar => n?.kind === 'scalar';

/** Converts a `yaml` node (document contents) to the registry shape; `null` stays `null`. */
export function fromYaml(node: unknown): RNode | null {
  if (node === null || node === undefined) return null;
  const start = (node as { range?: [number, number, number] }).range?.[0] ?? 0;
  if (isYamlScalar(node)) return { kind: 'scalar', value: node.value, start };
  if (isYamlSeq(node)) return { kind: 'seq', items: node.items.map((i) => fromYaml(i) ?? { kind: 'scalar', value: null, start }), start };
  if (isYamlMap(node)) {
    const items = node.items.filter(isPair).map((p) => ({ key: fromYaml(p.key) ?? { kind: 'scalar' as const, value: null, start }, value: fromYaml(p.value) }));
    return { kind: 'map', items, start };
  }
  return { kind: 'other', start, text: isAlias(node) ? `*${node.source}` : String(node) };
}
