import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyJsonSchemaText } from '../../src/policy/schema-file.js';

const repoFile = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('published artefacts', () => {
  it('keeps schema/policy.schema.json equal to the generated schema (run src/policy/write-schema.ts)', () => {
    expect(repoFile('schema/policy.schema.json')).toBe(policyJsonSchemaText());
  });

  it('gives every kind its own closed object schema in the JSON Schema', () => {
    const schema = JSON.parse(policyJsonSchemaText()) as { allOf: { if: unknown; then: { additionalProperties: boolean; properties: object } }[] };
    expect(schema.allOf.map((b) => b.if)).toEqual(['Mesh', 'TrafficPolicy', 'AccessPolicy', 'ExternalService', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'MtlsPolicy', 'Gateway'].map((k) => ({ properties: { kind: { const: k } } })));
    for (const branch of schema.allOf) {
      expect(branch.then.additionalProperties).toBe(false);
      expect(Object.keys(branch.then.properties)).toContain('kind');
    }
  });
});
