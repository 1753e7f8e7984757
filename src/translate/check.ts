/**
 * Structural check of one generated Envoy message against Envoy's own proto definitions: every
 * field must exist on its message type (protobufjs drops unknown names silently, REFERENCE.md §8),
 * enum values must be names of the enum, `Any` payloads must name a loaded type, at most one member
 * of each oneof may be set, and repeated fields must be arrays.
 *
 * This is the single seam for Envoy-side validation: when proto/validate.ts (PGV `validate.rules`)
 * lands, `checkResource` adds its findings here and nothing else in translate changes.
 */
import type protobuf from 'protobufjs';
import { envoyRoot } from '../../proto/index.js';
import { messageNameOf } from '../../proto/type-urls.js';

export interface FieldProblem { readonly path: string; readonly message: string }

export function checkResource(typeUrl: string, message: object): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const type = lookup(messageNameOf(typeUrl));
  if (!type) return [{ path: '', message: `unknown message type ${typeUrl}` }];
  checkMessage(type, message as Record<string, unknown>, '', problems);
  return problems;
}

function lookup(fullName: string): protobuf.Type | undefined {
  try {
    return envoyRoot().lookupType(fullName);
  } catch {
    return undefined;
  }
}

function checkMessage(type: protobuf.Type, obj: Record<string, unknown>, path: string, out: FieldProblem[]): void {
  if (type.fullName === '.google.protobuf.Any') return checkAny(obj, path, out);
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    const at = path ? `${path}.${key}` : key;
    if (!field) { out.push({ path: at, message: `no field "${key}" in ${type.fullName.slice(1)}` }); continue; }
    if (value === undefined) continue;
    if (field.map) {
      for (const [k, v] of Object.entries(value as object)) checkValue(field, v, `${at}[${k}]`, out);
    } else if (field.repeated) {
      if (!Array.isArray(value)) out.push({ path: at, message: 'repeated field is not a list' });
      else value.forEach((v, i) => checkValue(field, v, `${at}[${i}]`, out));
    } else checkValue(field, value, at, out);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => obj[f.name] !== undefined);
    if (set.length > 1) out.push({ path: path || '.', message: `oneof ${oneof.name} has ${set.map((f) => f.name).join(' and ')}` });
  }
}

function checkAny(obj: Record<string, unknown>, path: string, out: FieldProblem[]): void {
  const url = obj['@type'];
  if (typeof url !== 'string') return void out.push({ path, message: 'Any without @type' });
  const inner = lookup(messageNameOf(url));
  if (!inner) return void out.push({ path, message: `Any names unknown type ${url}` });
  const { ['@type']: _drop, ...rest } = obj;
  checkMessage(inner, rest, path, out);
}

function checkValue(field: protobuf.Field, value: unknown, at: string, out: FieldProblem[]): void {
  const rt = field.resolvedType;
  if (rt && 'values' in rt) {
    const e = rt as protobuf.Enum;
    const ok = typeof value === 'number' ? Object.values(e.values).includes(value) : typeof value === 'string' && value in e.values;
    if (!ok) out.push({ path: at, message: `"${String(value)}" is not a value of ${e.fullName.slice(1)}` });
  } else if (rt) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) out.push({ path: at, message: `expected a ${rt.fullName.slice(1)} message` });
    else checkMessage(rt as protobuf.Type, value as Record<string, unknown>, at, out);
  } else if (!scalarOk(field.type, value)) {
    out.push({ path: at, message: `expected ${field.type}, got ${typeof value}` });
  }
}

function scalarOk(type: string, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'bool') return typeof value === 'boolean';
  if (type === 'bytes') return typeof value === 'string' || value instanceof Uint8Array;
  return typeof value === 'number' || typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value));
}
