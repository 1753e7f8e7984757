/**
 * `weft inject` on bad input: diagnostics with stable codes and file:line:col, the input returned
 * unchanged, and the command writing nothing and exiting non-zero.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectManifests } from '../../src/inject/index.js';
import { CA_BUNDLE_FILE, TEST_OPTIONS } from './inject-options.js';
import { injectCommand } from '../../src/cli/inject.js';
import { CliError } from '../../src/cli/errors.js';

const deployment = (podSpec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
${podSpec}`;

const cases: { name: string; text: string; code: string; line: number; col: number }[] = [
  { name: 'unclosed flow mapping', text: 'kind: Pod\nmetadata: { name: x\nspec: {}\n', code: 'WEFT1001', line: 3, col: 1 },
  { name: 'bad indentation in the second document', text: 'kind: ConfigMap\n---\nkind: Pod\nspec:\n  containers:\n   - name: a\n  - name: b\n', code: 'WEFT1001', line: 7, col: 1 },
  { name: 'Deployment without containers', text: deployment('      serviceAccountName: web\n'), code: 'WEFT7002', line: 9, col: 7 },
  { name: 'Pod without a spec', text: 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n', code: 'WEFT7002', line: 1, col: 1 },
  { name: 'application port owned by the sidecar', text: deployment('      containers:\n        - name: app\n          image: a\n          ports:\n            - containerPort: 15006\n'), code: 'WEFT7006', line: 13, col: 15 },
  { name: 'service account that is no SPIFFE path segment', text: deployment('      serviceAccountName: "a/b"\n      containers: [{ name: app, image: a }]\n'), code: 'WEFT7007', line: 9, col: 27 },
];

describe('weft inject errors', () => {
  for (const c of cases) {
    it(`reports ${c.name} as ${c.code} at ${c.line}:${c.col} and returns the input unchanged`, () => {
      const r = injectManifests(c.text, 'in.yaml', TEST_OPTIONS);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors[0]).toMatchObject({ code: c.code, source: { file: 'in.yaml', line: c.line, col: c.col } });
      expect(r.text).toBe(c.text);
      expect(r.changed).toBe(false);
    });
  }

  it('leaves a stream without workloads byte-for-byte unchanged', () => {
    const text = '# comment\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n\n---\nkind: List\nitems: []\n';
    const r = injectManifests(text, 'in.yaml', TEST_OPTIONS);
    expect(r).toMatchObject({ text, changed: false, injected: [], diagnostics: [] });
  });

  it('replaces a stale sidecar in place when the options change', () => {
    const text = deployment('      containers: [{ name: app, image: a }]\n');
    const first = injectManifests(text, 'in.yaml', TEST_OPTIONS).text;
    const second = injectManifests(first, 'out.yaml', { ...TEST_OPTIONS, image: 'envoyproxy/envoy:v1.32-latest' });
    expect(second.changed).toBe(true);
    expect(second.text.match(/name: weft-proxy/g)).toHaveLength(1);
    expect(second.text.match(/name: weft-init/g)).toHaveLength(1);
    expect(second.text).toContain('image: envoyproxy/envoy:v1.32-latest');
    expect(second.text).not.toContain('v1.31-latest');
  });
});

describe('weft inject command', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'weft-inject-'));
  const runCommand = (args: string[]) => injectCommand().exitOverride().parseAsync(args, { from: 'user' });

  it('writes the injected manifest to -o and injects nothing more on a second run', async () => {
    const input = path.join(tmp, 'in.yaml');
    const out = path.join(tmp, 'out.yaml');
    writeFileSync(input, deployment('      containers: [{ name: app, image: a }]\n'));
    await runCommand(['-f', input, '-o', out, '--xds-address', 'weft.mesh.svc:18000', '--ca-bundle', CA_BUNDLE_FILE]);
    const first = readFileSync(out, 'utf8');
    expect(first).toContain('"address": "weft.mesh.svc"');
    await runCommand(['-f', out, '-o', out, '--xds-address', 'weft.mesh.svc:18000', '--ca-bundle', CA_BUNDLE_FILE]);
    expect(readFileSync(out, 'utf8')).toBe(first);
  });

  it('writes nothing and fails on invalid YAML', async () => {
    const input = path.join(tmp, 'bad.yaml');
    const out = path.join(tmp, 'bad.out.yaml');
    writeFileSync(input, 'kind: Pod\nspec: [\n');
    await expect(runCommand(['-f', input, '-o', out, '--identity', 'secret'])).rejects.toBeInstanceOf(CliError);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an xDS address without a port as a usage error', async () => {
    const input = path.join(tmp, 'in.yaml');
    await expect(runCommand(['-f', input, '--xds-address', 'weft.mesh.svc'])).rejects.toMatchObject({ exitCode: 2 });
  });

  it('asks for the trust bundle that token identity needs as a usage error', async () => {
    const input = path.join(tmp, 'in.yaml');
    await expect(runCommand(['-f', input])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--ca-bundle') });
    await expect(runCommand(['-f', input, '--ca-bundle', input])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('holds no PEM certificate') });
  });
});
