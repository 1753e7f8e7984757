/** Loads with a PolicyLoadCache equal loads without one, and keep unchanged files' objects. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyLoadCache, loadPolicyDocuments, type PolicyFile, type PolicyLoadResult } from '../../src/policy/index.js';

const dir = path.join(import.meta.dirname, '../../examples/bookinfo/policy');
const example: PolicyFile[] = readdirSync(dir).map((f) => ({ path: f, text: readFileSync(path.join(dir, f), 'utf8') }));
const unreachable = `kind: TrafficPolicy
service: details.default
routes:
  - backends: [{ service: details.default }]
  - match: { path: { prefix: /x } }
    backends: [{ service: details.default }]
`;
const edit = (files: PolicyFile[], name: string, text: string) => [...files.filter((f) => f.path !== name), { path: name, text }];

function ok(r: PolicyLoadResult) {
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r;
}

describe('PolicyLoadCache', () => {
  it('gives the same result as an uncached load through a sequence of edits, diagnostics included', () => {
    const cache = new PolicyLoadCache();
    const steps = [
      example,
      example,
      edit(example, 'details.yaml', unreachable),
      edit(example, 'details.yaml', unreachable),
      edit(edit(example, 'details.yaml', unreachable), 'reviews.yaml', 'kind: [broken'),
      example.filter((f) => f.path !== 'ratings.yaml'),
    ];
    for (const files of steps) expect(loadPolicyDocuments(files, { cache })).toEqual(loadPolicyDocuments(files));
    expect(loadPolicyDocuments(steps[2]!, { cache }).diagnostics.map((d) => d.code)).toContain('WEFT2010');
  });

  it('returns the same objects for files that did not change, new ones for a file that did', () => {
    const cache = new PolicyLoadCache();
    const first = ok(loadPolicyDocuments(example, { cache })).policy;
    const reviews = example.find((f) => f.path === 'reviews.yaml')!;
    const second = ok(loadPolicyDocuments(edit(example, 'reviews.yaml', `${reviews.text}\n# edited\n`), { cache })).policy;
    expect(second.mesh).toBe(first.mesh);
    expect(second.traffic.get('ratings.default')).toBe(first.traffic.get('ratings.default'));
    expect(second.traffic.get('reviews.default')).not.toBe(first.traffic.get('reviews.default'));
    expect(second.traffic.get('reviews.default')).toEqual(first.traffic.get('reviews.default'));
  });
});
