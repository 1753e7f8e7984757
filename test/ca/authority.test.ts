import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaCodes, CertificateAuthority, caExpiryWarnings, type CaResult } from '../../src/ca/index.js';
import { certParts } from './asn1.js';
import { makeCert, x509 } from './fixtures.js';
import { checkSvid } from './profile.js';

const TD = 'cluster.local';
const DAY = 24 * 3600 * 1000;
const tmp = () => mkdtemp(path.join(tmpdir(), 'weft-ca-'));
const codeOf = <T>(r: CaResult<T>) => (r.ok ? 'ok' : r.error.code);
const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('self-managed root', () => {
  it('creates the root on first start with 0600 files in a 0700 directory and reloads the same root', async () => {
    const dir = path.join(await tmp(), 'ca');
    const first = await CertificateAuthority.open(dir, { trustDomain: TD });
    if (!first.ok) throw new Error(first.error.message);
    expect(await mode(dir)).toBe(0o700);
    for (const f of ['ca.crt', 'ca.key', 'state.json']) expect(await mode(path.join(dir, f))).toBe(0o600);
    await chmod(path.join(dir, 'ca.key'), 0o644);
    await chmod(dir, 0o755);
    const again = await CertificateAuthority.open(dir, { trustDomain: TD });
    expect([await mode(dir), await mode(path.join(dir, 'ca.key'))]).toEqual([0o700, 0o600]);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.trustBundle()).toEqual(first.value.trustBundle());
    expect(again.value.trustBundle().pems[0]).toBe(await readFile(path.join(dir, 'ca.crt'), 'utf8'));
  });

  it('creates a 10-year P-256 root with the SPIFFE signing-certificate profile', async () => {
    const opened = await CertificateAuthority.open(path.join(await tmp(), 'ca'), { trustDomain: TD });
    if (!opened.ok) throw new Error(opened.error.message);
    const root = new X509Certificate(opened.value.trustBundle().pems[0]!);
    expect(root.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(root.subject).toMatch(/O=weft/);
    expect(root.subject).toMatch(/CN=/);
    expect(root.subjectAltName).toBe(`URI:spiffe://${TD}`);
    const life = Date.parse(root.validTo) - Date.parse(root.validFrom);
    expect(life).toBeGreaterThan(3650 * DAY);
    const { exts } = certParts(root.raw);
    expect(exts.get('2.5.29.19')?.critical).toBe(true);
    const ku = exts.get('2.5.29.15');
    expect(ku?.critical).toBe(true);
    expect(ku?.value.content[1]! & 0x06).toBe(0x06); // keyCertSign (bit 5) and cRLSign (bit 6)
    expect(exts.has('2.5.29.37')).toBe(false);
    const ski = exts.get('2.5.29.14')!.value.content;
    const aki = exts.get('2.5.29.35')!.value.children[0]!.content;
    expect(Buffer.from(aki).equals(Buffer.from(ski))).toBe(true);
    const sanUri = exts.get('2.5.29.17')!.value.children.map((c) => Buffer.from(c.content).toString());
    expect(sanUri).toEqual([`spiffe://${TD}`]);
  });

  it('refuses an invalid trust domain and an unreadable or corrupt state', async () => {
    expect(codeOf(await CertificateAuthority.open(path.join(await tmp(), 'ca'), { trustDomain: 'Bad:TD' }))).toBe(CaCodes.badTrustDomain.code);
    const dir = await tmp();
    await writeFile(path.join(dir, 'ca.crt'), 'not a certificate');
    expect(codeOf(await CertificateAuthority.open(dir, { trustDomain: TD }))).toBe(CaCodes.badCertificate.code);
    const dir2 = path.join(await tmp(), 'ca');
    await CertificateAuthority.open(dir2, { trustDomain: TD });
    await writeFile(path.join(dir2, 'state.json'), '{"rotation":{"phase":"sideways"}}');
    expect(codeOf(await CertificateAuthority.open(dir2, { trustDomain: TD }))).toBe(CaCodes.badState.code);
  });
});

describe('operator-provided CA', () => {
  const load = (certPem: string, keyPem: string, chainPem?: string) =>
    CertificateAuthority.fromPem({ certPem, keyPem, ...(chainPem ? { chainPem } : {}) }, { trustDomain: TD });

  it('refuses a key that does not match the certificate', async () => {
    const [a, b] = await Promise.all([makeCert({ name: 'a' }), makeCert({ name: 'b' })]);
    expect(codeOf(load(a.certPem, b.keyPem))).toBe(CaCodes.keyMismatch.code);
  });

  it('refuses a certificate that is not a CA, or a CA without keyCertSign', async () => {
    const leaf = await makeCert({ name: 'leaf', ca: false });
    expect(codeOf(load(leaf.certPem, leaf.keyPem))).toBe(CaCodes.notCa.code);
    const crlOnly = await makeCert({ name: 'crl', usages: x509.KeyUsageFlags.cRLSign });
    expect(codeOf(load(crlOnly.certPem, crlOnly.keyPem))).toBe(CaCodes.noKeyCertSign.code);
  });

  it('refuses RSA below 2048 bits and curves other than P-256', async () => {
    const [rsa1024, p384] = await Promise.all([makeCert({ name: 'r', key: 'rsa1024' }), makeCert({ name: 'p', key: 'p384' })]);
    expect(codeOf(load(rsa1024.certPem, rsa1024.keyPem))).toBe(CaCodes.weakKey.code);
    expect(codeOf(load(p384.certPem, p384.keyPem))).toBe(CaCodes.weakKey.code);
  });

  it('refuses an expired or not-yet-valid certificate', async () => {
    const expired = await makeCert({ name: 'old', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    expect(codeOf(load(expired.certPem, expired.keyPem))).toBe(CaCodes.expired.code);
    const future = await makeCert({ name: 'new', notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 9 * DAY) });
    expect(codeOf(load(future.certPem, future.keyPem))).toBe(CaCodes.expired.code);
  });

  it('refuses unparsable certificates, keys and missing files', async () => {
    const ok = await makeCert({ name: 'ok' });
    expect(codeOf(load('garbage', ok.keyPem))).toBe(CaCodes.badCertificate.code);
    expect(codeOf(load(ok.certPem, 'garbage'))).toBe(CaCodes.badKey.code);
    const missing = await CertificateAuthority.fromFiles({ certFile: '/nonexistent/ca.crt', keyFile: '/nonexistent/ca.key' }, { trustDomain: TD });
    expect(missing.ok ? 'ok' : [missing.error.code, missing.error.file]).toEqual([CaCodes.unreadable.code, '/nonexistent/ca.crt']);
  });

  it('accepts an RSA-2048 root and signs SVIDs with sha256WithRSAEncryption', async () => {
    const rsa = await makeCert({ name: 'rsa root', key: 'rsa2048' });
    const ca = load(rsa.certPem, rsa.keyPem);
    if (!ca.ok) throw new Error(ca.error.message);
    const id = `spiffe://${TD}/ns/a/sa/b`;
    const r = ca.value.issueSvid({ spiffeId: id });
    if (!r.ok) throw new Error(r.error.message);
    expect(checkSvid(r.svid.certPem, new X509Certificate(rsa.certPem), id)).toEqual([]);
  });

  it('in intermediate mode issues SVIDs that chain to the operator root through the intermediate', async () => {
    const root = await makeCert({ name: 'operator root' });
    const inter = await makeCert({ name: 'weft intermediate', issuer: root });
    const dir = await tmp();
    const files = { certFile: path.join(dir, 'i.crt'), keyFile: path.join(dir, 'i.key'), chainFile: path.join(dir, 'chain.pem') };
    await Promise.all([writeFile(files.certFile, inter.certPem), writeFile(files.keyFile, inter.keyPem), writeFile(files.chainFile, root.certPem)]);
    const ca = await CertificateAuthority.fromFiles(files, { trustDomain: TD });
    if (!ca.ok) throw new Error(ca.error.message);
    expect(ca.value.trustBundle().pems).toEqual([new X509Certificate(root.certPem).toString()]);
    const id = `spiffe://${TD}/ns/default/sa/web`;
    const r = ca.value.issueSvid({ spiffeId: id });
    if (!r.ok) throw new Error(r.error.message);
    expect(checkSvid(r.svid.certPem, new X509Certificate(inter.certPem), id)).toEqual([]);
    expect(new X509Certificate(r.svid.chainPem).fingerprint256).toBe(new X509Certificate(inter.certPem).fingerprint256);
    const builder = new x509.X509ChainBuilder({ certificates: [new x509.X509Certificate(r.svid.chainPem), root.cert] });
    const chain = await builder.build(new x509.X509Certificate(r.svid.certPem));
    expect(chain.map((c) => c.subject)).toEqual(['', 'CN=weft intermediate', 'CN=operator root']);
  });

  it('refuses an intermediate without its root, or with a chain that does not sign it', async () => {
    const [root, other] = await Promise.all([makeCert({ name: 'root' }), makeCert({ name: 'other' })]);
    const inter = await makeCert({ name: 'inter', issuer: root });
    expect(codeOf(load(inter.certPem, inter.keyPem))).toBe(CaCodes.noRoot.code);
    expect(codeOf(load(inter.certPem, inter.keyPem, other.certPem))).toBe(CaCodes.badChain.code);
  });
});

describe('CA expiry warnings', () => {
  const v = { label: 'signing CA', notBefore: 0, notAfter: 100 * DAY };

  it('warns only when less than the threshold of life is left, and when expired', () => {
    expect(caExpiryWarnings([v], 50 * DAY)).toEqual([]);
    expect(caExpiryWarnings([v], 80 * DAY)).toEqual([]);
    const [w] = caExpiryWarnings([v], 81 * DAY);
    expect(w).toMatch(/signing CA certificate expires at .* \(19 days, 19% of its life left\)/);
    expect(caExpiryWarnings([v], 101 * DAY)[0]).toMatch(/expired/);
    expect(caExpiryWarnings([v], 60 * DAY, 0.5)).toHaveLength(1);
  });

  it('is wired to the CA signing certificate', async () => {
    const opened = await CertificateAuthority.open(path.join(await tmp(), 'ca'), { trustDomain: TD });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.expiryWarnings(Date.now())).toEqual([]);
    expect(opened.value.expiryWarnings(Date.now() + 9 * 366 * DAY)).toHaveLength(1);
  });
});

describe('CA expiry warnings in intermediate mode', () => {
  it('warns about the operator root when it ends before the intermediate is near expiry', async () => {
    const root = await makeCert({ name: 'short root', notBefore: new Date(Date.now() - 90 * DAY), notAfter: new Date(Date.now() + 10 * DAY) });
    const inter = await makeCert({ name: 'inter', issuer: root, notAfter: new Date(Date.now() + 9 * DAY) });
    const ca = CertificateAuthority.fromPem({ certPem: inter.certPem, keyPem: inter.keyPem, chainPem: root.certPem }, { trustDomain: TD });
    if (!ca.ok) throw new Error(ca.error.message);
    const warnings = ca.value.expiryWarnings(Date.now());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^root CA "CN=short root" certificate expires/);
  });
});
