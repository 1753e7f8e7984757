import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RegistryFileParser, splitServices } from '../../src/discovery/static-parse.js';
import { formatDiagnostic } from '../../src/policy/index.js';

const parse = (text: string) => new RegistryFileParser().parse(text, 'reg.yaml');
const one = (body: string) => `services:\n  - name: reviews\n    ports: [{ name: http, port: 9080 }]\n${body}`;

describe('static registry parser', () => {
  it('accepts the bookinfo example with defaults filled in', () => {
    const r = parse(readFileSync('examples/bookinfo/registry.yaml', 'utf8'));
    expect(r.diagnostics).toEqual([]);
    expect(r.drafts.map((d) => `${d.name}.${d.namespace}`)).toEqual(['productpage.default', 'reviews.default', 'ratings.default', 'details.default']);
    const reviews = r.drafts[1]!;
    expect(reviews.endpoints.map((e) => e.labels.version)).toEqual(['v1', 'v2', 'v3']);
    expect(reviews.endpoints[0]!.health).toBe('healthy');
  });

  it('defaults namespace, service account, targetPort and protocol', () => {
    const r = parse(one('    endpoints: [{ address: 10.0.0.1 }]\n'));
    expect(r.diagnostics).toEqual([]);
    expect(r.drafts[0]).toMatchObject({ namespace: 'default', serviceAccount: 'reviews', ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'tcp' }] });
  });

  it('carries an endpoint\'s region and zone (its locality) into the registry, on both YAML paths', () => {
    for (const text of [one('    endpoints: [{ address: 10.0.0.1, region: eu-west, zone: eu-west-1a }]\n'), one('    endpoints: [{ address: "10.0.0.1", region: \'eu-west\', zone: eu-west-1a }]\n')]) {
      const r = parse(text);
      expect(r.diagnostics).toEqual([]);
      expect(r.drafts[0]!.endpoints[0]).toMatchObject({ region: 'eu-west', zone: 'eu-west-1a' });
    }
  });

  it('reports an unknown field with its exact file:line:col and path', () => {
    const r = parse(one('    endpoints:\n      - address: 10.0.0.1\n        weight: 3\n'));
    expect(r.drafts).toEqual([]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'reg.yaml:6:9 services[0].endpoints[0].weight: error: unknown field "weight" (allowed: address, ports, labels, region, zone, health, instance) [WEFT1003]',
    ]);
  });

  const table: [string, string, string, string][] = [
    ['invalid YAML', 'services:\n  - name: [unclosed\n', 'WEFT1001', ''],
    ['a wrong type', 'services:\n  - name: reviews\n    ports: { http: 80 }\n', 'WEFT1004', 'services[0].ports'],
    ['a missing name', 'services:\n  - ports: [{ name: http, port: 80 }]\n', 'WEFT1005', 'services[0].name'],
    ['an unknown protocol', one('').replace('port: 9080', 'port: 9080, protocol: udp'), 'WEFT3005', 'services[0].ports[0].protocol'],
    ['a duplicate service', one('') + '  - name: reviews\n    ports: [{ name: http, port: 1 }]\n', 'WEFT3006', 'services[1]'],
    ['a duplicate port name', one('').replace('}]', '}, { name: http, port: 81 }]'), 'WEFT3007', 'services[0].ports[1]'],
    ['a duplicate endpoint', one('    endpoints: [{ address: 10.0.0.1 }, { address: 10.0.0.1 }]\n'), 'WEFT3008', 'services[0].endpoints[1]'],
    ['an invalid IP address', one('    endpoints: [{ address: 10.0.0.300 }]\n'), 'WEFT3009', 'services[0].endpoints[0].address'],
    ['a port out of range', one('').replace('9080', '70000'), 'WEFT3010', 'services[0].ports[0].port'],
    ['an unknown endpoint port name', one('    endpoints: [{ address: 10.0.0.1, ports: { grpc: 1 } }]\n'), 'WEFT3011', 'services[0].endpoints[0].ports.grpc'],
    ['an empty file', '', 'WEFT1020', ''],
    ['a file cut inside a flow map', one('    endpoints: [{ address: 10.0.'), 'WEFT1001', ''],
    ['an unknown top-level field', 'services: []\nextra: 1\n', 'WEFT1003', 'extra'],
  ];
  it.each(table)('rejects %s with its code and path', (_name, text, code, path) => {
    const r = parse(text);
    expect(r.drafts).toEqual([]);
    expect(r.diagnostics[0]).toMatchObject({ code, severity: 'error' });
    expect(r.diagnostics[0]!.path ?? '').toBe(path);
    expect(r.diagnostics[0]!.source?.line).toBeGreaterThan(0);
  });

  it('points a duplicate service at the second definition and names the first', () => {
    const r = parse(one('') + '  - name: reviews\n    ports: [{ name: http, port: 1 }]\n');
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe('reg.yaml:4:5 services[1]: error: duplicate service reviews.default (first defined at reg.yaml:2:5) [WEFT3006]');
  });

  it('allows two endpoints on one address when they serve different ports', () => {
    const r = parse(one('    endpoints: [{ address: 127.0.0.1, ports: { http: 1 } }, { address: 127.0.0.1, ports: { http: 2 } }]\n'));
    expect(r.diagnostics).toEqual([]);
  });
});

describe('chunked reparsing', () => {
  const text = readFileSync('examples/bookinfo/registry.yaml', 'utf8');

  it('splits a block sequence under services into one chunk per item', () => {
    expect(splitServices(text)?.map((c) => c.line)).toEqual([6, 13, 22, 29]);
  });

  it('falls back to a whole-file parse for other layouts and gives the same result', () => {
    const flow = 'services: [{ name: a, ports: [{ name: http, port: 80 }] }]\n';
    expect(splitServices(flow)).toBeUndefined();
    expect(parse(flow).drafts[0]).toMatchObject({ name: 'a' });
    expect(splitServices('services:\n  - name: a\nother: 1\n')).toBeUndefined();
  });

  it('reuses unchanged chunks and reports positions in later chunks correctly', () => {
    const parser = new RegistryFileParser();
    const first = parser.parse(text, 'f');
    const edited = text.replace('{ address: 127.0.0.4,', '{ address: 127.0.0.4, bogus: 1,');
    const second = parser.parse(edited, 'f');
    expect(second.diagnostics.map(formatDiagnostic)).toEqual([
      'f:34:31 services[3].endpoints[0].bogus: error: unknown field "bogus" (allowed: address, ports, labels, region, zone, health, instance) [WEFT1003]',
    ]);
    const third = parser.parse(text.replace('version: v3', 'version: v4'), 'f');
    expect(third.drafts[0]).toBe(first.drafts[0]);
    expect(third.drafts[1]).not.toBe(first.drafts[1]);
    expect(third.drafts[1]!.endpoints[2]!.labels.version).toBe('v4');
  });

  it('treats a YAML error inside one chunk with a whole-file parse', () => {
    const r = new RegistryFileParser().parse(text.replace('{ address: 127.0.0.3,', '{ address: 127.0.0.3'), 'f');
    expect(r.diagnostics[0]).toMatchObject({ code: 'WEFT1001' });
  });
});
