/** Under permissive (or disabled) mTLS, rules that name callers cannot apply to plaintext callers. */
import { describe, expect, it } from 'vitest';
import { load, where, y } from './helpers.js';

const mesh = (mtls: string) => ({ 'mesh.yaml': y('kind: Mesh', `mtls: ${mtls}`) });
const accessDoc = (action: string, ...rules: string[]) => ({
  'access.yaml': y('kind: AccessPolicy', 'service: reviews', `action: ${action}`, 'rules:', ...rules),
});

describe('identityRulesUnderPermissiveWarn', () => {
  it.each(['permissive', 'disabled'])('warns once per AccessPolicy at its first rule with from, under %s', (mtls) => {
    const r = load({ ...mesh(mtls), ...accessDoc('allow', '  - to: { paths: ["/health"] }', '  - from: [{ serviceAccount: productpage }]', '  - from: [{ namespace: ops }]') });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map(where)).toEqual(['WEFT2012 rules[1].from @ access.yaml:6:11']);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'warning' });
    expect(r.diagnostics[0]!.message).toMatch(/callers carry no identity and match only rules without "from", so this allow rule naming callers never admits them/);
  });

  it('says a deny rule naming callers never stops plaintext callers', () => {
    const r = load({ ...mesh('permissive'), ...accessDoc('deny', '  - from: [{ serviceAccount: attacker }]') });
    expect(r.diagnostics[0]!.message).toBe('mtls is permissive: plaintext callers carry no identity and match only rules without "from", so this deny rule naming callers never stops them; only a deny rule without "from" applies to every caller; set mtls: strict once every caller has a sidecar');
  });

  it('stays quiet under strict mTLS (the default) and for rules without from', () => {
    expect(load(accessDoc('allow', '  - from: [{ serviceAccount: productpage }]')).diagnostics).toEqual([]);
    expect(load({ ...mesh('strict'), ...accessDoc('allow', '  - from: [{ serviceAccount: productpage }]') }).diagnostics).toEqual([]);
    expect(load({ ...mesh('permissive'), ...accessDoc('deny', '  - to: { paths: ["/admin/*"] }') }).diagnostics).toEqual([]);
  });
});
