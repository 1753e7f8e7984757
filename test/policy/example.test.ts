import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPolicyAgainstRegistry, loadPolicyDir, validatePolicyCommand } from '../../src/policy/index.js';

const exampleDir = fileURLToPath(new URL('../../examples/bookinfo/policy', import.meta.url));
const http9080 = { ports: [{ port: 9080 }] };
const bookinfo = new Map(['productpage', 'reviews', 'ratings', 'details'].map((s) => [`${s}.default`, http9080]));

describe('the bookinfo example policy', () => {
  it('loads without diagnostics and resolves what the demo relies on', async () => {
    const r = await loadPolicyDir(exampleDir);
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    expect(r.diagnostics).toEqual([]);
    expect(r.policy.files).toEqual(['access.yaml', 'mesh.yaml', 'ratings.yaml', 'reviews.yaml']);
    expect(r.policy.mesh).toMatchObject({ trustDomain: 'cluster.local', mtls: 'strict', observability: { accessLog: true } });
    const reviews = r.policy.traffic.get('reviews.default');
    expect([...(reviews?.subsets.keys() ?? [])]).toEqual(['v1', 'v2', 'v3']);
    expect(reviews?.routes[0]?.match?.headers).toEqual({ 'x-user': { exact: 'tester' } });
    expect(reviews?.routes[0]?.backends).toEqual([{ service: 'reviews.default', subset: 'v3', weight: 100 }]);
    expect(reviews?.routes[1]?.backends?.map((b) => [b.subset, b.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(reviews?.routes[1]?.timeoutMs).toBe(3000);
    expect(r.policy.traffic.get('ratings.default')?.loadBalancer).toBe('least-request');
    expect(r.policy.access.get('reviews.default')?.[0]?.rules[0]?.from).toEqual([{ serviceAccount: 'productpage.default' }]);
    expect(r.policy.access.get('ratings.default')?.[0]?.rateLimit).toEqual({ requestsPerSecond: 100, burst: 200, tokensPerFill: 100, fillIntervalMs: 1000 });
  });

  it('references only services and ports of the example registry', async () => {
    const r = await loadPolicyDir(exampleDir);
    if (!r.ok) throw new Error('example must load');
    expect(checkPolicyAgainstRegistry(r.policy, bookinfo)).toEqual([]);
  });

  it('passes weft validate with a one-line summary and exit code 0', async () => {
    const out = await validatePolicyCommand(exampleDir, bookinfo);
    expect(out).toEqual({ diagnostics: [], text: 'policy OK: 4 files, 5 documents\n', exitCode: 0 });
  });

  it('fails weft validate against a registry that lacks ratings', async () => {
    const partial = new Map([...bookinfo].filter(([k]) => k !== 'ratings.default'));
    const out = await validatePolicyCommand(exampleDir, partial);
    expect(out.exitCode).toBe(1);
    const at = (f: string) => path.join(exampleDir, f);
    expect(out.text.trim().split('\n')).toEqual([
      `${at('ratings.yaml')}:3:1 service: error: service ratings.default is not in the registry [WEFT2006]`,
      `${at('ratings.yaml')}:7:5 routes[0].backends[0]: error: service ratings.default is not in the registry [WEFT2006]`,
      `${at('access.yaml')}:14:1 service: error: service ratings.default is not in the registry [WEFT2006]`,
      '3 errors in 2 files',
    ]);
  });
});
