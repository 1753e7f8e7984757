/** The exact text of schema/policy.schema.json (shared by write-schema.ts and its freshness test). */
import { policyJsonSchema } from './schema.js';

export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
