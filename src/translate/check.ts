/**
 * Structural check of one generated Envoy message against Envoy's own proto definitions: every
 * field must exist on its message type (protobufjs drops unknown names silently, REFERENCE.md §8),
 * enum values must be names of the enum, `Any` payloads must name a loaded type, at most one member
 * of each oneof may be set, and repeated fields must be arrays.
 *
 * This is the single seam for Envoy-side validation: when proto/validate.ts (PGV `validate.rules`)
 * lands, `checkResource` adds its findings here and nothing else in translate changes.
 */
import protobuf from 'protobufjs';

const { Enum } = protobuf;
import { envoyRoot } from '../../proto/index.js';
import { messageNameOf } from '../../proto/type-urls.js';

export interface FieldProblem { readonly path: string; readonly message: string }

export function checkResource(typeUrl: string, message: object): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const type = lookup(messageNameOf(typeUrl));
  if (!type) return [{ path: '', message: `unknown message type ${typeUrl}` }];
  checkMessage(type, message as Record<string, unknown>, { keys: [], out: problems });
  return problems;
}

/** The walk's state: the key path (joined only when a problem is found) and the findings. */
interface Walk { readonly keys: string[]; readonly out: FieldProblem[] }

function report(w: Walk, message: string, key?: string): void {
  const keys = key === undefined ? w.keys : [...w.keys, key];
  w.out.push({ path: keys.join('.').replace(/\.\[/g, '['), message });
}

/**
 * Reflection facts per message type, computed once per process: protobufjs' `fullName` and
 * `lookupType` walk the namespace tree on every call, which dominated translation time. The proto
 * root is loaded once and never changes, so these memos are process constants, not state.
 */
interface TypeInfo { readonly isAny: boolean; readonly type: protobuf.Type; readonly name: string; readonly oneofs: readonly (readonly protobuf.Field[])[] }
const infos = new Map<protobuf.Type, TypeInfo>();
const byName = new Map<string, TypeInfo | undefined>();

function info(type: protobuf.Type): TypeInfo {
  let i = infos.get(type);
  if (!i) {
    const name = type.fullName.slice(1);
    i = { isAny: name === 'google.protobuf.Any', type, name, oneofs: type.oneofsArray.map((o) => o.fieldsArray) };
    infos.set(type, i);
  }
  return i;
}

function lookup(fullName: string): TypeInfo | undefined {
  if (byName.has(fullName)) return byName.get(fullName);
  let found: TypeInfo | undefined;
  try {
    found = info(envoyRoot().lookupType(fullName));
  } catch {
    found = undefined;
  }
  byName.set(fullName, found);
  return found;
}

function checkMessage(t: TypeInfo, obj: Record<string, unknown>, w: Walk): void {
  if (t.isAny) return checkAny(obj, w);
  for (const key in obj) checkField(t, key, obj[key], w);
  for (const members of t.oneofs) {
    let set = 0;
    for (const f of members) if (obj[f.name] !== undefined) set++;
    if (set > 1) report(w, `oneof has ${members.filter((f) => obj[f.name] !== undefined).map((f) => f.name).join(' and ')}`);
  }
}

function checkField(t: TypeInfo, key: string, value: unknown, w: Walk): void {
  const field = t.type.fields[key];
  if (!field) return report(w, `no field "${key}" in ${t.name}`, key);
  if (value === undefined) return;
  w.keys.push(key);
  if (field.map) {
    for (const k in value as object) {
      w.keys.push(`[${k}]`);
      checkValue(field, (value as Record<string, unknown>)[k], w);
      w.keys.pop();
    }
  } else if (field.repeated) {
    if (!Array.isArray(value)) report(w, 'repeated field is not a list');
    else {
      for (let i = 0; i < value.length; i++) {
        w.keys.push(`[${i}]`);
        checkValue(field, value[i], w);
        w.keys.pop();
      }
    }
  } else checkValue(field, value, w);
  w.keys.pop();
}

function checkAny(obj: Record<string, unknown>, w: Walk): void {
  const url = obj['@type'];
  if (typeof url !== 'string') return report(w, 'Any without @type');
  const inner = lookup(messageNameOf(url));
  if (!inner) return report(w, `Any names unknown type ${url}`);
  for (const key in obj) if (key !== '@type') checkField(inner, key, obj[key], w);
}

function checkValue(field: protobuf.Field, value: unknown, w: Walk): void {
  const rt = field.resolvedType;
  if (rt === null) {
    if (!scalarOk(field.type, value)) report(w, `expected ${field.type}, got ${typeof value}`);
  } else if (rt instanceof Enum) {
    const ok = typeof value === 'string' ? value in rt.values : typeof value === 'number' && rt.valuesById[value] !== undefined;
    if (!ok) report(w, `"${String(value)}" is not a value of ${rt.name}`);
  } else if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(w, `expected a ${rt.name} message`);
  } else checkMessage(info(rt as protobuf.Type), value as Record<string, unknown>, w);
}

function scalarOk(type: string, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'bool') return typeof value === 'boolean';
  if (type === 'bytes') return typeof value === 'string' || value instanceof Uint8Array;
  return typeof value === 'number' || typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value));
}
