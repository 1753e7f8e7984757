/** Registry names and labels must be what Kubernetes itself could hold. */
import { describe, expect, it } from 'vitest';
import { RegistryFileParser } from '../../src/discovery/static-parse.js';
import { formatDiagnostic } from '../../src/policy/index.js';

const parse = (text: string) => new RegistryFileParser().parse(text, 'reg.yaml');
const withSa = (sa: string) => `services:\n  - name: reviews\n    serviceAccount: ${sa}\n    ports: [{ name: http, port: 9080 }]\n`;
const withLabels = (labels: string) => `services:\n  - name: reviews\n    ports: [{ name: http, port: 9080 }]\n    endpoints:\n      - address: 10.0.0.1\n        labels: ${labels}\n`;
const shown = (text: string) => parse(text).diagnostics.map(formatDiagnostic);

describe('registryServiceAccountIsADnsSubdomain', () => {
  it.each([
    ['"x/../y"', '"x/../y"'],
    ['Reviews', '"Reviews"'],
    ['"a b"', '"a b"'],
    ['"rev\\niews"', '"rev\\niews"'],
    ['-reviews', '"-reviews"'],
  ])('refuses %s with file:line:col and field path', (sa, quoted) => {
    expect(shown(withSa(sa))).toEqual([
      `reg.yaml:3:21 services[0].serviceAccount: error: service account ${quoted} is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending alphanumeric) [WEFT3005]`,
    ]);
  });

  it('accepts a dotted name, as Kubernetes does', () => {
    const r = parse(withSa('reviews.v1'));
    expect(r.diagnostics).toEqual([]);
    expect(r.drafts[0]!.serviceAccount).toBe('reviews.v1');
  });
});

describe('registryLabelsFollowKubernetesSyntax', () => {
  it('refuses a label value with a newline, escaped in the message', () => {
    expect(shown(withLabels('{ version: "v1\\nadmin: true" }'))).toEqual([
      'reg.yaml:6:28 services[0].endpoints[0].labels.version: error: label value "v1\\nadmin: true" may hold only letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit [WEFT3014]',
    ]);
  });

  it.each([
    ['a key with a space', '{ "bad key": x }', 'label key "bad key" may hold only'],
    ['a key with an empty prefix', '{ "/name": x }', 'label key "/name" has a prefix that is not a DNS-1123 subdomain'],
    ['a value over 63 characters', `{ v: ${'a'.repeat(64)} }`, 'is longer than 63 characters'],
    ['a value ending in a dash', '{ v: abc- }', 'label value "abc-" may hold only'],
  ])('refuses %s with WEFT3014', (_name, labels, text) => {
    const [d] = parse(withLabels(labels)).diagnostics;
    expect(d?.code).toBe('WEFT3014');
    expect(d?.message).toContain(text);
    expect(d?.source?.line).toBe(6);
  });

  it('accepts prefixed keys, empty values and scalar values', () => {
    const r = parse(withLabels('{ app.kubernetes.io/name: reviews, version: 1, canary: true, empty: "", Mixed_Case.x: A-b_c.1 }'));
    expect(r.diagnostics).toEqual([]);
    expect(r.drafts[0]!.endpoints[0]!.labels).toEqual({ 'app.kubernetes.io/name': 'reviews', version: '1', canary: 'true', empty: '', 'Mixed_Case.x': 'A-b_c.1' });
  });

  it('refuses control characters in region, zone and instance', () => {
    const region = `services:\n  - name: reviews\n    ports: [{ name: http, port: 9080 }]\n    endpoints:\n      - { address: 10.0.0.1, region: "eu\\u0007" }\n`;
    expect(shown(region)).toEqual(['reg.yaml:5:38 services[0].endpoints[0].region: error: region "eu\\u0007" holds control characters [WEFT3005]']);
    const text = `services:\n  - name: reviews\n    ports: [{ name: http, port: 9080 }]\n    endpoints:\n      - { address: 10.0.0.1, zone: "eu\\u001b[2J" }\n`;
    expect(shown(text)).toEqual(['reg.yaml:5:36 services[0].endpoints[0].zone: error: zone "eu\\u001b[2J" holds control characters [WEFT3005]']);
  });
});
