import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseFast } from '../../src/discovery/static-fast.js';
import { fromYaml } from '../../src/discovery/static-nodes.js';

const inSubset: Record<string, string> = {
  bookinfo: readFileSync('examples/bookinfo/registry.yaml', 'utf8'),
  blockStyle: 'services:\n  - name: a\n    namespace: ns-1   # trailing comment\n    ports:\n      - name: http\n        port: 80\n    endpoints:\n      - address: 10.0.0.1\n        labels:\n          version: v1\n',
  compactSequence: 'services:\n- name: a\n  ports:\n  - { name: http, port: 80 }\n',
  nestedSequences: 'a:\n  - - x\n    - y\n  - [p, { q: r }, []]\n  - {}\n',
  scalarsOfTheCoreSchema: 'a: { n: 12, neg: -3, plus: +4, t: true, f: FALSE, z: ~, nul: null, ip6: fd00::1, dash-in: a-b, 80: port }\n',
  itemOnNextLine: 'x:\n  -\n    k: v\n',
  spacesInFlow: 'x: [ {  a: b ,c: d  } ,  e ]\n',
};

const outside: Record<string, string> = {
  quotes: 'a: "b"\n',
  anchors: 'a: &x 1\nb: *x\n',
  floats: 'a: 1.5\n',
  hex: 'a: 0x1F\n',
  octal: 'a: 0o17\n',
  infinity: 'a: -.inf\n',
  multiLinePlain: 'a: b\n  c\n',
  tabs: 'a:\tb\n',
  duplicateKeys: 'a: 1\na: 2\n',
  emptyValue: 'a:\nb: 1\n',
  jsonStyleKey: 'x: {a:1}\n',
  trailingComma: 'x: [a, b, ]\n',
  pairInSequence: 'x: [a: b]\n',
  multiLineFlow: 'x: [a,\n  b]\n',
  documentMarker: '---\na: 1\n',
  crlf: 'a: 1\r\n',
  blockScalar: 'a: |\n  text\n',
  nestedMappingInValue: 'a: b: c\n',
  empty: '# only a comment\n',
};

describe('fast YAML subset parser', () => {

  it.each(Object.keys(inSubset))('matches yaml.parseDocument node for node on %s', (name) => {
    const text = inSubset[name]!;
    const fast = parseFast(text);
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(fast).toBeDefined();
    expect(fast).toEqual(fromYaml(doc.contents));
  });

  it.each(Object.keys(outside))('leaves %s to the yaml package', (name) => {
    expect(parseFast(outside[name]!)).toBeUndefined();
  });

  it('matches yaml on a generated registry of 200 endpoints', () => {
    let text = 'services:\n';
    for (let i = 0; i < 4; i++) {
      text += `  - name: svc-${i}\n    ports: [{ name: http, port: 8080, targetPort: 18080, protocol: http }]\n    endpoints:\n`;
      for (let j = 0; j < 50; j++) text += `      - { address: 10.0.${i}.${j + 1}, ports: { http: ${20000 + j} }, labels: { app: svc-${i}, version: v${j % 3} }, zone: zone-${j % 3}, health: healthy }\n`;
    }
    expect(parseFast(text)).toEqual(fromYaml(parseDocument(text).contents));
  });
});
