/** ExternalService documents and Mesh `outboundTraffic`: resolution, and the errors with positions. */
import { describe, expect, it } from 'vitest';
import { checkPolicyAgainstRegistry } from '../../src/policy/index.js';
import { load, where, wheres, y } from './helpers.js';

const ext = (...lines: string[]) => y('kind: ExternalService', 'name: api', ...lines);

describe('ExternalService', () => {
  it('resolves hosts, ports, resolution and TLS origination with defaults', () => {
    const r = load({ 'e.yaml': ext('namespace: shop', 'hosts: [b.example.com, a.example.com]', 'ports: [{ port: 80, protocol: http, targetPort: 443 }]', 'tls: {}') });
    expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
    if (!r.ok) return;
    const e = r.policy.external?.get('api.shop');
    expect(e).toMatchObject({
      key: 'api.shop', hosts: ['a.example.com', 'b.example.com'], resolution: 'dns', addresses: [],
      ports: [{ port: 80, protocol: 'http', targetPort: 443 }],
      tls: { caFile: '/etc/ssl/certs/ca-certificates.crt' },
      source: { file: 'e.yaml', line: 1, col: 1 },
    });
    expect(e?.tls?.sni).toBeUndefined();
  });

  it('accepts every port protocol and leaves the PolicySet without external when there is none', () => {
    const r = load(ext('hosts: [db.example.net]', 'resolution: static', 'addresses: [192.0.2.1, "2001:db8::1"]',
      'ports: [{ port: 80, protocol: http }, { port: 81, protocol: http2 }, { port: 82, protocol: grpc }, { port: 83, protocol: tcp }, { port: 84, protocol: tls }]'));
    expect(r.diagnostics).toEqual([]);
    expect(r.ok && [...r.policy.external!.values()][0]!.ports.map((p) => p.protocol)).toEqual(['http', 'http2', 'grpc', 'tcp', 'tls']);
    const none = load(y('kind: Mesh'));
    expect(none.ok && none.policy.external).toBeUndefined();
  });

  it('refuses static without addresses and addresses under dns, at the field', () => {
    expect(wheres(ext('hosts: [a.example.com]', 'resolution: static', 'ports: [{ port: 80, protocol: http }]'))).toEqual(['WEFT2030 resolution @ p.yaml:4:13']);
    expect(wheres(ext('hosts: [a.example.com]', 'addresses: [192.0.2.1]', 'ports: [{ port: 80, protocol: http }]'))).toEqual(['WEFT2030 addresses @ p.yaml:4:12']);
  });

  it('refuses a tcp port without static resolution, and TLS origination on a tls port', () => {
    expect(wheres(ext('hosts: [a.example.com]', 'ports:', '  - { port: 80, protocol: http }', '  - { port: 5432, protocol: tcp }'))).toEqual(['WEFT2031 ports[1].protocol @ p.yaml:6:29']);
    expect(wheres(ext('hosts: [a.example.com]', 'ports: [{ port: 443, protocol: tls }]', 'tls: { sni: a.example.com }'))).toEqual(['WEFT2032 ports[0].protocol @ p.yaml:4:32']);
  });

  it('refuses wildcards, bad addresses, unknown protocols and a duplicate, with positions', () => {
    expect(wheres(ext('hosts: ["*.example.com"]', 'ports: [{ port: 80, protocol: http }]'))).toEqual(['WEFT1012 hosts[0] @ p.yaml:3:9']);
    expect(wheres(ext('hosts: [a.example.com]', 'resolution: static', 'addresses: [not-an-ip]', 'ports: [{ port: 80, protocol: http }]'))).toEqual(['WEFT1012 addresses[0] @ p.yaml:5:13']);
    expect(wheres(ext('hosts: [a.example.com]', 'ports: [{ port: 80, protocol: https }]'))).toEqual(['WEFT1009 ports[0].protocol @ p.yaml:4:31']);
    const doc = ext('hosts: [a.example.com]', 'ports: [{ port: 80, protocol: http }]');
    const r = load({ 'a.yaml': doc, 'b.yaml': doc });
    expect(r.diagnostics.map(where)).toEqual(['WEFT2033 name @ b.yaml:2:7']);
    expect(r.diagnostics[0]!.message).toContain('the first is at a.yaml:2:7');
  });

  it('allows AccessPolicies by caller and port only, and does not report them as unknown services', () => {
    const files = {
      'e.yaml': ext('hosts: [a.example.com]', 'ports: [{ port: 80, protocol: http }]'),
      'ap.yaml': y('kind: AccessPolicy', 'service: api', 'rules:', '  - from: [{ serviceAccount: web }]', '    to: { ports: [80], paths: ["/x"] }'),
    };
    expect(wheres(files)).toEqual(['WEFT2034 rules[0].to.paths @ ap.yaml:5:31']);
    const ok = load({ ...files, 'ap.yaml': y('kind: AccessPolicy', 'service: api', 'rules:', '  - from: [{ serviceAccount: web }]', '    to: { ports: [80] }') });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(checkPolicyAgainstRegistry(ok.policy, new Map())).toEqual([]);
    const shadow = checkPolicyAgainstRegistry(ok.policy, new Map([['api.default', { ports: [{ port: 80 }] }]]));
    expect(shadow.map(where)).toEqual(['WEFT2035 name @ e.yaml:1:1']);
  });
});

describe('Mesh outboundTraffic', () => {
  it('is absent by default and takes allow-any or registry-only', () => {
    const d = load(y('kind: Mesh'));
    expect(d.ok && d.policy.mesh.outboundTraffic).toBeUndefined();
    const r = load(y('kind: Mesh', 'outboundTraffic: registry-only'));
    expect(r.ok && r.policy.mesh.outboundTraffic).toBe('registry-only');
    expect(wheres(y('kind: Mesh', 'outboundTraffic: registry_only'))).toEqual(['WEFT1009 outboundTraffic @ p.yaml:2:18']);
  });
});
