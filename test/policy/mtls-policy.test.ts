/** MtlsPolicy: levels, precedence (port > service > namespace > Mesh), and its diagnostics. */
import { describe, expect, it } from 'vitest';
import { effectiveMtls } from '../../src/policy/index.js';
import { load, where, y } from './helpers.js';

const ns = (namespace: string, mode: string) => y('kind: MtlsPolicy', `namespace: ${namespace}`, `mode: ${mode}`);

describe('mtlsPolicy', () => {
  it('resolves the most specific level: port, then service, then namespace, then Mesh', () => {
    const r = load({
      'a.yaml': y('kind: Mesh', 'mtls: strict', '---', ns('legacy', 'permissive').trimEnd(), '---',
        'kind: MtlsPolicy', 'namespace: legacy', 'service: api', 'ports: { "9090": disabled }'),
    });
    expect(r.ok).toBe(true);
    const p = r.ok ? r.policy : undefined!;
    const api = { key: 'api.legacy', namespace: 'legacy' };
    expect(effectiveMtls(p, api, 9090)).toMatchObject({ mode: 'disabled', from: 'port', source: { file: 'a.yaml', line: 8 } });
    expect(effectiveMtls(p, api, 8080)).toMatchObject({ mode: 'permissive', from: 'namespace', source: { line: 4 } });
    expect(effectiveMtls(p, { key: 'web.shop', namespace: 'shop' }, 80)).toMatchObject({ mode: 'strict', from: 'mesh' });
  });

  it('refuses a second policy at the same level, naming both locations', () => {
    const r = load({ 'a.yaml': ns('legacy', 'permissive'), 'b.yaml': ns('legacy', 'disabled') });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT2070 namespace @ b.yaml:2:12']);
    expect(r.diagnostics[0]!.message).toContain('the first is at a.yaml:2:12');
  });

  it('refuses ports without service and a policy that sets nothing', () => {
    expect(load(y('kind: MtlsPolicy', 'namespace: legacy', 'ports: { "80": disabled }')).diagnostics.map(where)).toEqual(['WEFT2071 ports @ p.yaml:3:8']);
    expect(load(y('kind: MtlsPolicy', 'namespace: legacy')).diagnostics.map(where)).toEqual(['WEFT2071  @ p.yaml:1:1']);
  });

  it('warns about identity rules when any port of the service is not strict', () => {
    const r = load({ 'm.yaml': y('kind: MtlsPolicy', 'namespace: default', 'service: reviews', 'ports: { "9080": permissive }'),
      'a.yaml': y('kind: AccessPolicy', 'service: reviews', 'rules:', '  - from: [{ serviceAccount: productpage }]') });
    expect(r.diagnostics.map(where)).toEqual(['WEFT2012 rules[0].from @ a.yaml:4:11']);
  });
});
