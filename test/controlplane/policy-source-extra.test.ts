/**
 * PolicySource with extra policy files (Gateway API routes from Kubernetes): loaded with the
 * directory's files, their diagnostics keep the extra file's path, every load's diagnostics reach
 * the provider (route status), and the provider's changes trigger a reload.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicySource, type ExtraPolicyFiles } from '../../src/controlplane/policy-source.js';
import type { Diagnostic, PolicyFile } from '../../src/policy/index.js';

const ROUTE = (port: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews, namespace: shop }
spec:
  parentRefs: [{ group: "", kind: Service, name: reviews }]
  rules: [{ backendRefs: [{ name: reviews-v1${port} }] }]
`;

class Extra implements ExtraPolicyFiles {
  text = ROUTE(', port: 9080');
  readonly seen: (readonly Diagnostic[])[] = [];
  readonly listeners: (() => void)[] = [];
  files(): PolicyFile[] { return [{ path: 'kubernetes/HTTPRoute/shop/reviews.yaml', text: this.text }]; }
  onChange(fn: () => void): void { this.listeners.push(fn); }
  async loaded(d: readonly Diagnostic[]): Promise<void> { this.seen.push(d); }
}

describe('PolicySource with extra policy files', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads them with the directory, keeps their paths in diagnostics, reports every load and follows their changes', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-extra-'));
    writeFileSync(path.join(dir, 'mesh.yaml'), 'kind: Mesh\nmtls: strict\n');
    const extra = new Extra();
    const source = new PolicySource(dir, { extra });
    const good = await source.load();
    expect(good.ok && good.load.policy.traffic.get('reviews.shop')?.routes[0]?.backends).toEqual([{ service: 'reviews-v1.shop', weight: 1, port: 9080 }]);
    expect(good.ok && good.load.policy.files).toEqual(['kubernetes/HTTPRoute/shop/reviews.yaml', 'mesh.yaml']);

    let changes = 0;
    source.watch(() => changes++);
    extra.text = ROUTE('');
    extra.listeners.forEach((f) => f());
    expect(changes).toBe(1);
    const bad = await source.load();
    source.stop();
    expect(bad.ok).toBe(false);
    const where = (d: Diagnostic) => `${d.code} ${d.source?.file}:${d.source?.line} ${d.path}`;
    expect(bad.ok ? [] : bad.diagnostics.map(where)).toEqual(['WEFT2060 kubernetes/HTTPRoute/shop/reviews.yaml:6 spec.rules[0].backendRefs[0]']);
    expect(extra.seen.map((d) => d.map(where))).toEqual([[], ['WEFT2060 kubernetes/HTTPRoute/shop/reviews.yaml:6 spec.rules[0].backendRefs[0]']]);
  });
});
