import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RegistryFileParser } from '../../src/discovery/static-parse.js';
import { ENDPOINT_KEYS, PORT_KEYS, SERVICE_KEYS } from '../../src/discovery/static-validate.js';

type Schema = { $ref?: string; type?: string | string[]; properties?: Record<string, Schema>; additionalProperties?: boolean | Schema; items?: Schema; enum?: unknown[]; required?: string[]; minimum?: number; maximum?: number; pattern?: string; minItems?: number };
const schema = JSON.parse(readFileSync('schema/registry.schema.json', 'utf8')) as Schema & { $defs: Record<string, Schema> };

function resolve(s: Schema): Schema {
  return s.$ref ? resolve(schema.$defs[s.$ref.replace('#/$defs/', '')]!) : s;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

/** A small JSON Schema checker covering exactly the keywords registry.schema.json uses. */
function check(value: unknown, s0: Schema, path: string, problems: string[]): void {
  const s = resolve(s0);
  const types = s.type === undefined ? undefined : ([] as string[]).concat(s.type);
  const t = typeOf(value);
  if (types && !types.includes(t) && !(t === 'integer' && types.includes('number'))) return void problems.push(`${path}: type ${t}`);
  if (s.enum && !s.enum.includes(value)) problems.push(`${path}: not in enum`);
  if (typeof value === 'number' && ((s.minimum !== undefined && value < s.minimum) || (s.maximum !== undefined && value > s.maximum))) problems.push(`${path}: range`);
  if (typeof value === 'string' && s.pattern && !new RegExp(s.pattern).test(value)) problems.push(`${path}: pattern`);
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) problems.push(`${path}: minItems`);
    value.forEach((v, i) => s.items && check(v, s.items, `${path}[${i}]`, problems));
  } else if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in obj)) problems.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (sub) check(v, sub, `${path}.${k}`, problems);
      else if (s.additionalProperties === false) problems.push(`${path}.${k}: not in schema`);
    }
  }
}

const fixtures: Record<string, string> = {
  bookinfo: readFileSync('examples/bookinfo/registry.yaml', 'utf8'),
  minimal: 'services:\n  - name: a\n    ports: [{ name: http, port: 80 }]\n',
  everyField: `services:
  - name: reviews
    namespace: shop
    serviceAccount: reviews-sa
    ports: [{ name: http, port: 9080, targetPort: 19080, protocol: http }, { name: grpc, port: 9090, protocol: grpc }]
    endpoints:
      - { address: "fd00::1", ports: { grpc: 19091 }, labels: { version: v1, canary: true }, region: r, zone: z, health: draining, instance: vm-1 }
`,
  empty: 'services: []\n',
};

describe('schema/registry.schema.json', () => {
  it('allows exactly the fields the parser allows, per object', () => {
    expect(Object.keys(schema.properties!)).toEqual(['services']);
    expect(Object.keys(schema.$defs.service!.properties!)).toEqual([...SERVICE_KEYS]);
    expect(Object.keys(schema.$defs.port!.properties!)).toEqual([...PORT_KEYS]);
    expect(Object.keys(schema.$defs.endpoint!.properties!)).toEqual([...ENDPOINT_KEYS]);
  });

  it.each(Object.keys(fixtures))('describes the accepted fixture %s', (name) => {
    const text = fixtures[name]!;
    expect(new RegistryFileParser().parse(text, name).diagnostics).toEqual([]);
    const problems: string[] = [];
    check(parseYaml(text), schema, '$', problems);
    expect(problems).toEqual([]);
  });

  it('flags what the parser rejects for unknown fields and bad enums', () => {
    const problems: string[] = [];
    check(parseYaml('services:\n  - name: a\n    weight: 1\n    ports: [{ name: http, port: 80, protocol: udp }]\n'), schema, '$', problems);
    expect(problems).toEqual(['$.services[0].weight: not in schema', '$.services[0].ports[0].protocol: not in enum']);
  });
});
