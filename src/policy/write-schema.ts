/**
 * Writes schema/policy.schema.json from the schema in src/policy/schema.ts.
 * Run: `npx tsx src/policy/write-schema.ts`. A test fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from './schema-file.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(repo, 'schema', 'policy.schema.json');
writeFileSync(target, policyJsonSchemaText());
console.log(`wrote ${path.relative(repo, target)}`);
