/** AccessPolicy header, address and audit fields (issue 15 #5): what loads and what is refused where. */
import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const policy = (...rules: string[]) => y('kind: AccessPolicy', 'service: app', 'action: deny', 'rules:', ...rules);

describe('ipBlocks', () => {
  it('loads ranges and single addresses, normalised to address/length and sorted', () => {
    const r = load(policy('  - from: [{ ipBlocks: ["fd00::/8", 10.0.0.7, 10.0.0.0/8, 10.0.0.0/8] }]'));
    expect(r.ok && r.policy.access.get('app.default')![0]!.rules[0]!.from).toEqual([{ ipBlocks: ['10.0.0.0/8', '10.0.0.7/32', 'fd00::/8'] }]);
  });

  it('refuses malformed ranges and ranges with bits past the prefix, at the value', () => {
    const r = load(policy('  - from: [{ ipBlocks: [10.0.0.0/33, not-an-ip, 198.18.0.10/24] }]'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual([
      'WEFT1012 rules[0].from[0].ipBlocks[0] @ p.yaml:5:25',
      'WEFT1012 rules[0].from[0].ipBlocks[1] @ p.yaml:5:38',
      'WEFT1012 rules[0].from[0].ipBlocks[2] @ p.yaml:5:49',
    ]);
    expect(r.diagnostics[2]!.message).toContain('the range is 198.18.0.0/24');
  });

  it('is enough on its own to name a caller, and does not draw the permissive-mode warning', () => {
    const text = y('kind: Mesh', 'mtls: permissive', '---', 'kind: AccessPolicy', 'service: app', 'rules:', '  - from: [{ ipBlocks: [10.0.0.0/8] }]');
    expect(wheres(text)).toEqual([]);
  });
});

describe('headers', () => {
  it('loads header conditions with lowercased names', () => {
    const r = load(policy('  - to: { headers: { X-Role: { exact: admin }, x-debug: { present: true } } }'));
    expect(r.ok && r.policy.access.get('app.default')![0]!.rules[0]!.to).toEqual({ headers: { 'x-role': { exact: 'admin' }, 'x-debug': { present: true } } });
  });

  it('refuses pseudo-headers and binary metadata, and an invalid regex, each at its position', () => {
    const r = load(policy('  - to: { headers: { ":path": { exact: /a } } }', '  - to: { headers: { x-id-bin: { exact: a } } }', '  - to: { headers: { x: { regex: "(a" } } }'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => `${d.path} @ ${d.source?.line}`)).toEqual([
      'rules[0].to.headers[":path"] @ 5', 'rules[1].to.headers["x-id-bin"] @ 6', 'rules[2].to.headers.x.regex @ 7',
    ]);
    expect(r.diagnostics[1]!.message).toContain('binary gRPC metadata');
  });
});

describe('allow rules and header regexes', () => {
  it('refuses a header regex in an allow rule (WEFT2050) at the regex, and accepts it in a deny rule', () => {
    const allow = y('kind: AccessPolicy', 'service: app', 'rules:', '  - to: { headers: { x-v: { regex: "v[0-9]" } } }');
    expect(wheres(allow)).toEqual(['WEFT2050 rules[0].to.headers["x-v"].regex @ p.yaml:4:36']);
    expect(wheres(policy('  - to: { headers: { x-v: { regex: "v[0-9]" } } }'))).toEqual([]);
  });
});

describe('ExternalService AccessPolicies (enforced at the caller by identity and port)', () => {
  const ext = y('kind: ExternalService', 'name: pay', 'hosts: [pay.example.com]', 'ports: [{ port: 443, protocol: tls }]', '---');
  it('refuses headers, ipBlocks and audit', () => {
    const codes = (text: string) => load(ext + text).diagnostics.map((d) => `${d.code} ${d.path}`);
    expect(codes(y('kind: AccessPolicy', 'service: pay', 'action: deny', 'rules:', '  - to: { headers: { x: { exact: a } } }'))).toEqual(['WEFT2034 rules[0].to.headers']);
    expect(codes(y('kind: AccessPolicy', 'service: pay', 'rules:', '  - from: [{ ipBlocks: [10.0.0.0/8] }]'))).toEqual(['WEFT2034 rules[0].from[0].ipBlocks']);
    expect(codes(y('kind: AccessPolicy', 'service: pay', 'action: audit', 'rules:', '  - {}'))).toEqual(['WEFT2034 action']);
  });
});

describe('action: audit', () => {
  it('loads, and is warned about under permissive mTLS like a deny naming callers', () => {
    const text = y('kind: Mesh', 'mtls: permissive', '---', 'kind: AccessPolicy', 'service: app', 'action: audit', 'rules:', '  - from: [{ namespace: legacy }]');
    const r = load(text);
    expect(r.ok && r.policy.access.get('app.default')![0]!.action).toBe('audit');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['WEFT2012']);
    expect(r.diagnostics[0]!.message).toContain('this audit rule naming callers never counts them');
  });

  it('refuses an unknown action with a suggestion', () => {
    const r = load(y('kind: AccessPolicy', 'service: app', 'action: audti'));
    expect(r.diagnostics[0]!.message).toContain('did you mean "audit"?');
  });
});
