/**
 * Object-shaped schema builders: `obj` (fixed fields, required or optional), `oneKey` (exactly one
 * of several alternative fields, e.g. `{exact}` | `{prefix}` | `{regex}`), and `byKind` (the
 * top-level document, dispatched on its `kind` field).
 */
import type { Node } from 'yaml';
import { PolicyCodes } from './codes.js';
import {
  INVALID, child, isNull, mapPairs, posOf, report, unknownField,
  type Cx, type Infer, type Invalid, type Schema,
} from './schema-dsl.js';
import { nearest } from './suggest.js';
import { quote } from './excerpt.js';

export interface Field<T, R extends boolean> {
  readonly schema: Schema<T>;
  readonly required: R;
}

export const req = <T>(schema: Schema<T>): Field<T, true> => ({ schema, required: true });
export const opt = <T>(schema: Schema<T>): Field<T, false> => ({ schema, required: false });

type Fields = Record<string, Field<unknown, boolean>>;
type FieldType<F> = F extends Field<infer T, boolean> ? T : never;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K]['required'] extends true ? K : never }[keyof F];
type OptionalKeys<F extends Fields> = Exclude<keyof F, RequiredKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjOut<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: FieldType<F[K]> } & { [K in OptionalKeys<F>]?: FieldType<F[K]> }
>;

/** A mapping with a fixed set of fields; unknown fields are errors (with a suggestion). */
export function obj<F extends Fields>(fields: F, doc?: string): Schema<ObjOut<F>> {
  const names = Object.keys(fields);
  const required = names.filter((n) => fields[n]?.required);
  return {
    expected: 'a mapping',
    json: () => ({
      type: 'object',
      ...(doc && { description: doc }),
      properties: Object.fromEntries(names.map((n) => [n, fields[n]?.schema.json()])),
      ...(required.length > 0 && { required }),
      additionalProperties: false,
    }),
    check(node, cx, path) {
      const pairs = mapPairs(node, cx, path);
      if (pairs === INVALID) return INVALID;
      const out: Record<string, unknown> = {};
      const present = new Set(pairs.filter(([, , v]) => !isNull(v)).map(([k]) => k));
      let ok = true;
      for (const [key, keyNode, valueNode] of pairs) {
        const field = fields[key];
        if (!field) {
          unknownField(cx, path, key, keyNode, names);
          ok = false;
        } else if (!isNull(valueNode)) {
          const v = field.schema.check(valueNode, cx, child(path, key));
          if (v === INVALID) ok = false;
          else out[key] = v;
        }
      }
      for (const name of required) {
        if (present.has(name)) continue;
        report(cx, PolicyCodes.missingField.code, child(path, name), node, `missing required field "${name}"`);
        ok = false;
      }
      return ok ? (out as ObjOut<F>) : INVALID;
    },
  };
}

type OneOf<F extends Record<string, Schema<unknown>>> = { [K in keyof F]: { [P in K]: Infer<F[P]> } }[keyof F];

/** A mapping with exactly one of the given fields, e.g. `{ exact: x }` or `{ prefix: x }`. */
export function oneKey<F extends Record<string, Schema<unknown>>>(alternatives: F, doc?: string): Schema<OneOf<F>> {
  const names = Object.keys(alternatives);
  const expected = `a mapping with exactly one of: ${names.join(', ')}`;
  return {
    expected,
    json: () => ({
      type: 'object',
      ...(doc && { description: doc }),
      properties: Object.fromEntries(names.map((n) => [n, alternatives[n]?.json()])),
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    }),
    check(node, cx, path) {
      const pairs = mapPairs(node, cx, path);
      if (pairs === INVALID) return INVALID;
      const unknown = pairs.filter(([k]) => !(k in alternatives));
      for (const [k, keyNode] of unknown) unknownField(cx, path, k, keyNode, names);
      if (unknown.length > 0) return INVALID;
      const [first, ...rest] = pairs;
      if (!first || rest.length > 0) return report(cx, PolicyCodes.exactlyOne.code, path, node, `expected ${expected}`);
      const [key, , valueNode] = first;
      const v = alternatives[key]?.check(valueNode, cx, child(path, key)) ?? INVALID;
      return v === INVALID ? INVALID : ({ [key]: v } as OneOf<F>);
    },
  };
}

/** A validated document: its kind, value, and the positions recorded while checking it. */
export interface KindValue<K extends string, T> {
  readonly kind: K;
  readonly value: T;
}

type ByKindOut<M extends Record<string, Schema<unknown>>> = { [K in keyof M & string]: KindValue<K, Infer<M[K]>> }[keyof M & string];

/**
 * The top-level document: a mapping whose `kind` selects the schema for the rest. Each kind's
 * schema must itself declare `kind` (so unknown-field checks accept it). The JSON Schema uses
 * `if`/`then` per kind, which editors understand and which gives kind-specific completion.
 */
export function byKind<M extends Record<string, Schema<unknown>>>(kinds: M): Schema<ByKindOut<M>> {
  const names = Object.keys(kinds);
  return {
    expected: 'a policy document',
    json: () => ({
      type: 'object',
      required: ['kind'],
      properties: { kind: { enum: names, description: 'What this document configures.' } },
      allOf: names.map((k) => ({ if: { properties: { kind: { const: k } } }, then: kinds[k]?.json() })),
    }),
    check(node, cx, path) {
      const pairs = mapPairs(node, cx, path);
      if (pairs === INVALID) return INVALID;
      const kindPair = pairs.find(([k]) => k === 'kind');
      if (!kindPair) return report(cx, PolicyCodes.unknownKind.code, 'kind', node, `missing "kind" (one of ${names.join(', ')})`);
      return checkKind(kinds, kindPair[2], node, cx, path);
    },
  };
}

function checkKind<M extends Record<string, Schema<unknown>>>(
  kinds: M, kindNode: Node, node: Node, cx: Cx, path: string,
): ByKindOut<M> | Invalid {
  const kind = (kindNode as { value?: unknown }).value;
  const schema = typeof kind === 'string' ? kinds[kind] : undefined;
  if (!schema) {
    const best = typeof kind === 'string' ? nearest(kind, Object.keys(kinds)) : undefined;
    const hint = best ? `; did you mean "${best}"?` : `; expected one of ${Object.keys(kinds).join(', ')}`;
    return report(cx, PolicyCodes.unknownKind.code, 'kind', kindNode, `unknown kind ${quote(kind)}${hint}`);
  }
  cx.positions.set(path, posOf(node, cx));
  const value = schema.check(node, cx, path);
  return value === INVALID ? INVALID : ({ kind, value } as ByKindOut<M>);
}
