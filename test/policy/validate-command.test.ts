import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePolicyCommand } from '../../src/policy/index.js';
import { y } from './helpers.js';

let dir = '';
afterEach(() => rm(dir, { recursive: true, force: true }));

async function policyDir(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'weft-validate-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('validatePolicyCommand', () => {
  it('prints one formatted line per error and an error summary, exit code 1', async () => {
    const d = await policyDir({
      'a.yaml': y('kind: Mesh', 'mtls: sometimes', 'trustDomian: x'),
      'b.yaml': y('kind: Mesh'),
    });
    const out = await validatePolicyCommand(d);
    expect(out.exitCode).toBe(1);
    expect(out.text.split('\n')).toEqual([
      `${path.join(d, 'a.yaml')}:2:7 mtls: error: "sometimes" is not one of strict, permissive, disabled [WEFT1009]`,
      `${path.join(d, 'a.yaml')}:3:1 trustDomian: error: unknown field "trustDomian"; did you mean "trustDomain"? [WEFT1003]`,
      '2 errors in 1 file',
      '',
    ]);
  });

  it('counts warnings in the success summary and exits 0', async () => {
    const d = await policyDir({ 'r.yaml': y('kind: TrafficPolicy', 'service: r', 'routes:', '  - timeout: 1s', '  - timeout: 2s') });
    const out = await validatePolicyCommand(d);
    expect(out.exitCode).toBe(0);
    expect(out.text.trim().split('\n').at(-1)).toBe('policy OK: 1 file, 1 document, 1 warning');
  });

  it('recognises a registry file in the directory and says to pass it with --registry', async () => {
    const d = await policyDir({
      'registry.yaml': y('services:', '  - name: web', '    namespace: default', '    ports: [{ name: http, port: 80, protocol: http }]'),
      'mesh.yaml': y('kind: Mesh'),
      'stray.yaml': y('routes: []'),
    });
    const out = await validatePolicyCommand(d);
    expect(out.exitCode).toBe(1);
    expect(out.text.split('\n')).toEqual([
      `${path.join(d, 'registry.yaml')}:1:1 kind: error: this is a service registry file (top-level "services"), not policy: pass it with --registry FILE and point weft validate at the policy directory alone [WEFT1006]`,
      `${path.join(d, 'stray.yaml')}:1:1 kind: error: missing "kind" (one of Mesh, TrafficPolicy, AccessPolicy, ExternalService, HTTPRoute, GRPCRoute, ReferenceGrant, MtlsPolicy, Gateway) [WEFT1006]`,
      '2 errors in 2 files',
      '',
    ]);
  });
});
