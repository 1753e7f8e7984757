import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { makeCert } from './fixtures.js';
import { checkSvid } from './profile.js';

const TD = 'cluster.local';
const HOUR = 3600_000;

async function rootCa(notAfter?: Date) {
  const root = await makeCert({ name: 'weft test root', ...(notAfter ? { notAfter } : {}) });
  const ca = CertificateAuthority.fromPem({ certPem: root.certPem, keyPem: root.keyPem }, { trustDomain: TD });
  if (!ca.ok) throw new Error(ca.error.message);
  return { ca: ca.value, root: new X509Certificate(root.certPem) };
}

describe('X.509-SVID profile', () => {
  it('issues 10,000 SVIDs that all pass the independent profile check with unique serials', { timeout: 90_000 }, async () => {
    const { ca, root } = await rootCa();
    const serials = new Set<string>();
    const now = Date.now();
    for (let i = 0; i < 10_000; i++) {
      const id = `spiffe://${TD}/ns/ns${i % 97}/sa/sa-${i}`;
      const r = ca.issueSvid({ spiffeId: id, now });
      if (!r.ok) throw new Error(r.error.message);
      const problems = checkSvid(r.svid.certPem, root, id);
      if (problems.length) throw new Error(`SVID ${i}: ${problems.join('; ')}`);
      serials.add(r.svid.serial);
    }
    expect(serials.size).toBe(10_000);
  });

  it('back-dates notBefore by 60 s and applies the 24 h default TTL', async () => {
    const { ca } = await rootCa();
    const now = Math.floor(Date.now() / 1000) * 1000;
    const r = ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b`, now });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.svid.notBefore).toBe(now - 60_000);
    expect(r.svid.notAfter).toBe(now + 24 * HOUR);
    const leaf = new X509Certificate(r.svid.certPem);
    expect(Date.parse(leaf.validFrom)).toBe(now - 60_000);
    expect(Date.parse(leaf.validTo)).toBe(now + 24 * HOUR);
  });

  it('clamps notAfter to the issuer notAfter', async () => {
    const issuerEnd = new Date(Date.now() + 2 * HOUR);
    const { ca, root } = await rootCa(issuerEnd);
    const r = ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b`, ttlMs: 48 * HOUR });
    if (!r.ok) throw new Error(r.error.message);
    expect(new Date(r.svid.notAfter).toISOString()).toBe(new Date(Date.parse(root.validTo)).toISOString());
    expect(checkSvid(r.svid.certPem, root, `spiffe://${TD}/ns/a/sa/b`)).toEqual([]);
  });

  it('issues bootstrap certificates with the same profile and a one-year default clamped to the issuer', async () => {
    const { ca, root } = await rootCa(new Date(Date.now() + 200 * 24 * HOUR));
    const id = `spiffe://${TD}/ns/default/sa/envoy`;
    const r = ca.issueBootstrapCert({ spiffeId: id });
    if (!r.ok) throw new Error(r.error.message);
    expect(checkSvid(r.svid.certPem, root, id)).toEqual([]);
    expect(r.svid.notAfter).toBe(Math.floor(Date.parse(root.validTo) / 1000) * 1000);
    const long = await rootCa();
    const r2 = long.ca.issueBootstrapCert({ spiffeId: id, now: Date.now() });
    if (!r2.ok) throw new Error(r2.error.message);
    expect(r2.svid.notAfter - r2.svid.notBefore).toBeGreaterThan(364 * 24 * HOUR);
  });

  it('gives each SVID a fresh key pair whose private key matches the certificate', async () => {
    const { ca } = await rootCa();
    const a = ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b` });
    const b = ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b` });
    if (!a.ok || !b.ok) throw new Error('issue failed');
    expect(a.svid.keyPem).not.toBe(b.svid.keyPem);
    expect(new X509Certificate(a.svid.certPem).checkPrivateKey((await import('node:crypto')).createPrivateKey(a.svid.keyPem))).toBe(true);
  });

  it('refuses IDs outside the trust domain, without a path, invalid, or with a bad TTL', async () => {
    const { ca } = await rootCa();
    const code = (r: ReturnType<typeof ca.issueSvid>) => (r.ok ? 'ok' : r.error.code);
    expect(code(ca.issueSvid({ spiffeId: 'spiffe://other.td/ns/a/sa/b' }))).toBe('WEFT5113');
    expect(code(ca.issueSvid({ spiffeId: `spiffe://${TD}` }))).toBe('WEFT5115');
    expect(code(ca.issueSvid({ spiffeId: `spiffe://${TD}/ns//sa` }))).toBe('WEFT5013');
    expect(code(ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b`, ttlMs: 0 }))).toBe('WEFT5114');
    expect(code(ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b`, now: Date.now() + 400 * 24 * HOUR }))).toBe('WEFT5108');
    expect(code(ca.issueSvid({ spiffeId: `spiffe://${TD}/ns/a/sa/b`, now: Date.now() - 2 * 24 * HOUR }))).toBe('WEFT5108');
  });
});
