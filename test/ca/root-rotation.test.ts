import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaCodes, CertificateAuthority, RootRotation, spiffeBundle, type CaResult } from '../../src/ca/index.js';
import { makeCert } from './fixtures.js';

const TD = 'cluster.local';
const ID = `spiffe://${TD}/ns/default/sa/web`;
const codeOf = <T>(r: CaResult<T>) => (r.ok ? 'ok' : r.error.code);
const must = <T>(r: CaResult<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
  return r.value;
};

describe('RootRotation transitions', () => {
  it('walks stable(A) → trust-both(A,B) → sign-with-new(B; A,B) → stable(B) only with all ACKs', () => {
    const a = RootRotation.stable('A');
    expect([a.signer(), a.trusted()]).toEqual(['A', ['A']]);
    const both = must(a.begin('B'));
    expect(both.state).toEqual({ phase: 'trust-both', active: 'A', next: 'B' });
    expect([both.signer(), both.trusted()]).toEqual(['A', ['A', 'B']]);
    expect(codeOf(both.advance(false))).toBe(CaCodes.rotation.code);
    expect(codeOf(both.advance(() => false))).toBe(CaCodes.rotation.code);
    const signNew = must(both.advance(true));
    expect(signNew.state).toEqual({ phase: 'sign-with-new', active: 'B', previous: 'A' });
    expect([signNew.signer(), signNew.trusted()]).toEqual(['B', ['B', 'A']]);
    const done = must(signNew.advance(() => true));
    expect(done.state).toEqual({ phase: 'stable', active: 'B' });
  });

  it('refuses to begin twice, to rotate to the same root, and to advance when stable', () => {
    const both = must(RootRotation.stable('A').begin('B'));
    expect(codeOf(both.begin('C'))).toBe(CaCodes.rotation.code);
    expect(codeOf(RootRotation.stable('A').begin('A'))).toBe(CaCodes.rotation.code);
    expect(codeOf(RootRotation.stable('A').advance(true))).toBe(CaCodes.rotation.code);
  });

  it('round-trips through JSON and rejects unknown phases', () => {
    for (const r of [RootRotation.stable('A'), must(RootRotation.stable('A').begin('B')), must(must(RootRotation.stable('A').begin('B')).advance(true))]) {
      expect(must(RootRotation.fromJSON(JSON.parse(JSON.stringify(r)))).state).toEqual(r.state);
    }
    for (const bad of [null, {}, { phase: 'stable' }, { phase: 'trust-both', active: 'A' }, { phase: 'later', active: 'A' }]) {
      expect(codeOf(RootRotation.fromJSON(bad))).toBe(CaCodes.badState.code);
    }
  });
});

describe('root rotation in the self-managed CA', () => {
  const signerOf = (ca: CertificateAuthority, roots: readonly string[]) => {
    const r = ca.issueSvid({ spiffeId: ID });
    if (!r.ok) throw new Error(r.error.message);
    const leaf = new X509Certificate(r.svid.certPem);
    return roots.findIndex((pem) => leaf.verify(new X509Certificate(pem).publicKey));
  };

  it('publishes A+B, then signs with B, then drops A, persisting every phase in 0600 files', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'weft-rr-')), 'ca');
    const ca = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    const [rootA] = ca.trustBundle().pems;
    expect(ca.trustBundle().sequence).toBe(1);

    expect(must(await ca.beginRootRotation()).phase).toBe('trust-both');
    const both = ca.trustBundle();
    expect([both.pems.length, both.pems[0], both.sequence]).toEqual([2, rootA, 2]);
    const rootB = both.pems[1]!;
    expect(signerOf(ca, [rootA!, rootB])).toBe(0);

    let asked = 0;
    expect(codeOf(await ca.advanceRootRotation(() => (asked++, false)))).toBe(CaCodes.rotation.code);
    expect([asked, ca.rotationPhase()?.phase, ca.trustBundle().sequence]).toEqual([1, 'trust-both', 2]);

    const reopened = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    expect(reopened.rotationPhase()).toEqual(ca.rotationPhase());
    expect(reopened.trustBundle()).toEqual(ca.trustBundle());

    expect(must(await ca.advanceRootRotation(true)).phase).toBe('sign-with-new');
    expect(ca.trustBundle()).toEqual({ pems: [rootB, rootA], sequence: 3 });
    expect(signerOf(ca, [rootA!, rootB])).toBe(1);
    const mid = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    expect([mid.rotationPhase()?.phase, signerOf(mid, [rootA!, rootB])]).toEqual(['sign-with-new', 1]);

    expect(must(await ca.advanceRootRotation(() => true))).toEqual({ phase: 'stable', active: expect.any(String) });
    expect(ca.trustBundle()).toEqual({ pems: [rootB], sequence: 4 });
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['ca.crt', 'ca.key', 'state.json']);
    for (const f of files) expect((await stat(path.join(dir, f))).mode & 0o777).toBe(0o600);
    const after = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    expect(after.trustBundle()).toEqual({ pems: [rootB], sequence: 4 });
    expect(signerOf(after, [rootB])).toBe(0);
  });

  it('is refused for an operator-provided CA', async () => {
    const root = await makeCert({ name: 'operator' });
    const ca = must(CertificateAuthority.fromPem({ certPem: root.certPem, keyPem: root.keyPem }, { trustDomain: TD }));
    expect(ca.rotationPhase()).toBeUndefined();
    expect(codeOf(await ca.beginRootRotation())).toBe(CaCodes.rotation.code);
    expect(codeOf(await ca.advanceRootRotation(true))).toBe(CaCodes.rotation.code);
  });
});

describe('SPIFFE bundle document', () => {
  it('lists each trusted root as an x509-svid JWK with one x5c certificate, no kid, and the sequence', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'weft-bundle-')), 'ca');
    const ca = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    must(await ca.beginRootRotation());
    const doc = spiffeBundle(ca.trustBundle());
    expect(doc.spiffe_sequence).toBe(2);
    expect(doc.keys).toHaveLength(2);
    doc.keys.forEach((k, i) => {
      expect([k.use, k.kty, k.crv, 'kid' in k, k.x5c.length]).toEqual(['x509-svid', 'EC', 'P-256', false, 1]);
      expect(new X509Certificate(Buffer.from(k.x5c[0], 'base64')).toString()).toBe(ca.trustBundle().pems[i]);
    });
  });
});

describe('concurrent rotation steps', () => {
  it('serialises two begin calls: one wins, the other is refused, one new root on disk', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'weft-rr2-')), 'ca');
    const ca = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    const [a, b] = await Promise.all([ca.beginRootRotation(), ca.beginRootRotation()]);
    expect([codeOf(a), codeOf(b)].sort()).toEqual([CaCodes.rotation.code, 'ok'].sort());
    const reopened = must(await CertificateAuthority.open(dir, { trustDomain: TD }));
    expect(reopened.trustBundle()).toEqual(ca.trustBundle());
    expect(ca.trustBundle().sequence).toBe(2);
  });
});
