import { describe, expect, it } from 'vitest';
import { RegistryFileParser } from '../../src/discovery/static-parse.js';
import { nextRegistry } from '../../src/discovery/registry-build.js';
import { formatDiagnostic } from '../../src/policy/index.js';

const parse = (text: string) => new RegistryFileParser().parse(text, 'reg.yaml');
const withAddresses = (list: string) => `services:\n  - name: db\n    addresses: ${list}\n    ports: [{ name: pg, port: 5432 }]\n`;

describe('static registry service addresses (VIPs)', () => {
  it('accepts IPv4 and IPv6 service addresses and keeps their order', () => {
    const r = parse(withAddresses('[10.96.0.20, "fd00::20"]'));
    expect(r.diagnostics).toEqual([]);
    expect(r.drafts[0]!.addresses).toEqual(['10.96.0.20', 'fd00::20']);
  });
  it('carries the addresses into the built registry Service', () => {
    const r = parse(withAddresses('[10.96.0.20]'));
    const empty = { version: '', services: new Map() };
    const change = nextRegistry(empty, r.drafts, 'cluster.local')!;
    expect(change.registry.services.get('db.default')!.addresses).toEqual(['10.96.0.20']);
  });
  it('leaves addresses out of a service that has none', () => {
    const r = parse('services:\n  - name: db\n    ports: [{ name: pg, port: 5432 }]\n');
    expect(r.drafts[0]).not.toHaveProperty('addresses');
  });
  it('reports a non-IP service address at its file:line:col with WEFT3009', () => {
    const r = parse(withAddresses('[10.96.0.20, db.example]'));
    expect(r.drafts).toEqual([]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'reg.yaml:3:29 services[0].addresses[1]: error: "db.example" is not an IPv4 or IPv6 address [WEFT3009]',
    ]);
  });
  it('reports a repeated service address and a non-list value', () => {
    expect(parse(withAddresses('[10.0.0.1, 10.0.0.1]')).diagnostics.map((d) => [d.code, d.path])).toEqual([['WEFT3009', 'services[0].addresses[1]']]);
    expect(parse(withAddresses('10.0.0.1')).diagnostics.map((d) => [d.code, d.path])).toEqual([['WEFT1004', 'services[0].addresses']]);
  });
});
