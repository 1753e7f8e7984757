import { describe, expect, it } from 'vitest';
import {
  CaCodes as C, formatSpiffeId, parseSpiffeId, parseWorkloadIdentity, workloadId, type SpiffeIdErrorCode,
} from '../../src/ca/index.js';

/** Printable ASCII plus a few non-ASCII characters. */
const CHARS = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), '\t', 'é', 'ß', '\u00a0', '\u{1F600}'];
const TD_OK = /[a-z0-9._-]/;
const PATH_OK = /[a-zA-Z0-9._-]/;

/** [input, expected code] for every rule, generated systematically. */
function invalidCases(): [string, SpiffeIdErrorCode][] {
  const cases: [string, SpiffeIdErrorCode][] = [['', C.idEmpty.code]];
  for (const n of [2049, 2050, 3000, 10_000]) cases.push([`spiffe://td/${'a'.repeat(n - 'spiffe://td/'.length)}`, C.idTooLong.code]);
  cases.push([`spiffe://td/${'é'.repeat(1020)}`, C.idTooLong.code]);
  for (const s of ['http://td/x', 'https://td', 'SPIFFE://td/x', 'Spiffe://td', 'spiffe:/td/x', 'spiffe:td', 'td/x',
    ' spiffe://td', 'spiffe//td', 'spiffes://td', 'spiffe', 'spiffe:', '//td/x', 'urn:spiffe:td']) cases.push([s, C.idScheme.code]);
  for (const s of ['spiffe://', 'spiffe:///', 'spiffe:///ns/a', 'spiffe:///a/b']) cases.push([s, C.trustDomainEmpty.code]);
  for (const s of ['spiffe://user@td', 'spiffe://u:p@td/x', 'spiffe://@td', 'spiffe://td@']) cases.push([s, C.trustDomainUserinfo.code]);
  for (const s of ['spiffe://td:8080', 'spiffe://td:/x', 'spiffe://td:0/ns/a', 'spiffe://:443']) cases.push([s, C.trustDomainPort.code]);
  for (const s of ['spiffe://t%41d', 'spiffe://td/a%20b', 'spiffe://td/%2e%2e', 'spiffe://td%2Fx']) cases.push([s, C.idPercentEncoding.code]);
  for (let c = 65; c <= 90; c++) cases.push([`spiffe://do${String.fromCharCode(c)}main/x`, C.trustDomainUppercase.code]);
  for (const ch of CHARS) {
    if (TD_OK.test(ch) || /[A-Z@:%/?#]/.test(ch)) continue;
    // at the start, in the middle and at the end of the trust domain
    for (const td of [`${ch}domain`, `do${ch}main`, `domain${ch}`]) cases.push([`spiffe://${td}/x`, C.trustDomainChar.code]);
  }
  for (const n of [256, 257, 300, 1000]) cases.push([`spiffe://${'a'.repeat(n)}`, C.trustDomainTooLong.code]);
  for (const s of ['spiffe://td?x=1', 'spiffe://td/a?b', 'spiffe://td/a/b?', 'spiffe://td?']) cases.push([s, C.idQuery.code]);
  for (const s of ['spiffe://td#f', 'spiffe://td/a#b', 'spiffe://td/a/b#', 'spiffe://td#']) cases.push([s, C.idFragment.code]);
  for (const s of ['spiffe://td//a', 'spiffe://td/a//b', 'spiffe://td/a/b//c', 'spiffe://td///x']) cases.push([s, C.pathEmptySegment.code]);
  for (const s of ['spiffe://td/.', 'spiffe://td/..', 'spiffe://td/a/./b', 'spiffe://td/a/../b', 'spiffe://td/a/..', 'spiffe://td/./a'])
    cases.push([s, C.pathDotSegment.code]);
  for (const s of ['spiffe://td/', 'spiffe://td/a/', 'spiffe://td/a/b/', 'spiffe://td//']) cases.push([s, C.pathTrailingSlash.code]);
  for (const ch of CHARS) {
    if (PATH_OK.test(ch) || /[/?#%]/.test(ch)) continue;
    cases.push([`spiffe://td/ns/a${ch}b`, C.pathChar.code]);
    cases.push([`spiffe://td/${ch}`, C.pathChar.code]);
  }
  return cases;
}

describe('parseSpiffeId', () => {
  const cases = invalidCases();

  it('has at least 200 systematically generated invalid IDs covering every rule', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const rules = new Set(cases.map(([, code]) => code));
    expect([...rules].sort()).toEqual(Object.values(C).map((c) => c.code).filter((c) => c.startsWith('WEFT50') && c !== C.notWorkload.code).sort());
  });

  it.each(cases.map(([s, code]) => [JSON.stringify(s).slice(0, 60), s, code] as const))(
    'rejects %s with its rule code', (_label, input, code) => {
      const r = parseSpiffeId(input);
      expect(r.ok ? 'accepted' : r.error.code).toBe(code);
    },
  );

  const valid = [
    'spiffe://cluster.local',
    'spiffe://cluster.local/ns/default/sa/web',
    'spiffe://example.org/a',
    'spiffe://a-b_c.d9/A-Z.a_z-0_9',
    'spiffe://td/...',
    'spiffe://td/.a/..b/a.',
    'spiffe://1.2.3.4/x',
    `spiffe://${'a'.repeat(255)}/x`,
    `spiffe://td/${'a'.repeat(2048 - 'spiffe://td/'.length)}`,
    `spiffe://td${'/ab'.repeat(600)}`.slice(0, 2048).replace(/\/$/, ''),
  ];
  it.each(valid)('accepts %s and formats it back unchanged', (s) => {
    const r = parseSpiffeId(s);
    if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
    expect(formatSpiffeId(r.id)).toBe(s);
  });

  it('splits the trust domain from the path', () => {
    const r = parseSpiffeId('spiffe://cluster.local/ns/default/sa/web');
    expect(r.ok && r.id).toEqual({ trustDomain: 'cluster.local', path: '/ns/default/sa/web' });
  });
});

describe('workload identities', () => {
  it('builds spiffe://td/ns/NS/sa/SA and parses it back', () => {
    const id = workloadId('cluster.local', 'default', 'reviews');
    if (!id.ok) throw new Error(id.error.message);
    expect(formatSpiffeId(id.id)).toBe('spiffe://cluster.local/ns/default/sa/reviews');
    const w = parseWorkloadIdentity(id.id);
    expect(w.ok && w.value).toEqual({ trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' });
    const fromText = parseWorkloadIdentity('spiffe://cluster.local/ns/default/sa/reviews');
    expect(fromText.ok && fromText.value.serviceAccount).toBe('reviews');
  });

  it('refuses names that would not be single segments', () => {
    const r = workloadId('cluster.local', 'a/b', 'web');
    expect(r.ok ? 'ok' : r.error.code).toBe(C.notWorkload.code);
    const bad = workloadId('cluster.local', 'de fault', 'web');
    expect(bad.ok ? 'ok' : bad.error.code).toBe(C.pathChar.code);
  });

  it.each(['spiffe://td', 'spiffe://td/ns/a', 'spiffe://td/ns/a/sa', 'spiffe://td/sa/a/ns/b', 'spiffe://td/ns/a/sa/b/c', 'spiffe://td/x/a/sa/b'])(
    'does not read %s as a workload identity', (s) => {
      const r = parseWorkloadIdentity(s);
      expect(r.ok ? 'ok' : r.error.code).toBe(C.notWorkload.code);
    },
  );

  it('reports the parse error of a malformed ID', () => {
    const r = parseWorkloadIdentity('spiffe://TD/ns/a/sa/b');
    expect(r.ok ? 'ok' : r.error.code).toBe(C.trustDomainUppercase.code);
  });
});
