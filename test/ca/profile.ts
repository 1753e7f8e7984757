/**
 * An independent X.509-SVID profile checker, written from the SPIFFE X509-SVID standard
 * (REFERENCE.md §3) for tests: node's X509Certificate for signatures, validity and the SAN text, and
 * the test-side ASN.1 walker for extension structure and criticality. Returns the list of
 * violations (empty when the certificate conforms).
 */
import { X509Certificate } from 'node:crypto';
import { certParts, oid, type Node } from './asn1.js';

const OID = {
  san: '2.5.29.17',
  basic: '2.5.29.19',
  keyUsage: '2.5.29.15',
  eku: '2.5.29.37',
  aki: '2.5.29.35',
  ski: '2.5.29.14',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** KeyUsage bit n set? (bit 0 = most significant bit of the first content byte after unused-bits). */
function kuBit(bits: Node, n: number): boolean {
  const byte = bits.content[1 + (n >> 3)] ?? 0;
  return (byte & (0x80 >> (n & 7))) !== 0;
}

/** Issuer facts reused across many checks (parsing the issuer per leaf doubled the test's time). */
const issuerFacts = new WeakMap<X509Certificate, { notAfter: number; ski: Buffer | undefined }>();
function factsOf(issuer: X509Certificate) {
  let f = issuerFacts.get(issuer);
  if (!f) {
    const ski = certParts(issuer.raw).exts.get(OID.ski);
    f = { notAfter: Date.parse(issuer.validTo), ski: ski ? Buffer.from(ski.value.content) : undefined };
    issuerFacts.set(issuer, f);
  }
  return f;
}

export function checkSvid(certPem: string, issuer: X509Certificate, spiffeId: string): string[] {
  const facts = factsOf(issuer);
  const p: string[] = [];
  const leaf = new X509Certificate(certPem);
  if (!leaf.verify(issuer.publicKey)) p.push('signature does not verify with the issuer key');
  if (!leaf.checkIssued(issuer)) p.push('issuer name/AKI does not match the issuer certificate');
  if (leaf.ca) p.push('leaf is a CA');
  if (leaf.subjectAltName !== `URI:${spiffeId}`) p.push(`SAN text is ${leaf.subjectAltName}`);
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  if (!(notBefore < notAfter)) p.push('empty validity');
  if (notAfter > facts.notAfter) p.push('notAfter beyond the issuer notAfter');
  const pub = leaf.publicKey.asymmetricKeyDetails;
  if (leaf.publicKey.asymmetricKeyType !== 'ec' || pub?.namedCurve !== 'prime256v1') p.push('key is not P-256');
  const { exts, extCount, subject, serial, version } = certParts(leaf.raw);
  if (exts.size !== extCount) p.push('duplicate extension');
  if (version.tag !== 0xa0 || version.children[0]?.content[0] !== 2) p.push('not X.509 v3');
  if (serial.content.length > 20 || (serial.content[0]! & 0x80) !== 0 || serial.content.every((b) => b === 0)) {
    p.push('serial is not a positive integer of at most 20 octets');
  }
  p.push(...checkSan(exts.get(OID.san), subject.children.length === 0, spiffeId));
  p.push(...checkConstraints(exts));
  const aki = exts.get(OID.aki);
  const keyId = aki?.value.children.find((c) => c.tag === 0x80)?.content;
  if (!keyId || !facts.ski || Buffer.compare(Buffer.from(keyId), facts.ski) !== 0) {
    p.push('AKI keyIdentifier does not equal the issuer SKI');
  }
  return p;
}

function checkSan(san: ReturnType<Map<string, { critical: boolean; value: Node }>['get']>, emptySubject: boolean, id: string): string[] {
  if (!san) return ['no subjectAltName'];
  const p: string[] = [];
  const uris = san.value.children.filter((c) => c.tag === 0x86);
  if (uris.length !== 1 || san.value.children.length !== 1) p.push(`SAN has ${san.value.children.length} names, ${uris.length} URIs`);
  if (Buffer.from(uris[0]?.content ?? []).toString('latin1') !== id) p.push('SAN URI differs from the SPIFFE ID');
  if (emptySubject && !san.critical) p.push('empty subject but SAN not critical');
  return p;
}

function checkConstraints(exts: Map<string, { critical: boolean; value: Node }>): string[] {
  const p: string[] = [];
  const basic = exts.get(OID.basic);
  if (!basic) p.push('no basicConstraints');
  else {
    if (!basic.critical) p.push('basicConstraints not critical');
    const caFlag = basic.value.children[0];
    if (caFlag && caFlag.tag === 0x01 && caFlag.content[0] !== 0) p.push('basicConstraints cA=true');
  }
  const ku = exts.get(OID.keyUsage);
  if (!ku) p.push('no keyUsage');
  else {
    if (!ku.critical) p.push('keyUsage not critical');
    if (!kuBit(ku.value, 0)) p.push('keyUsage lacks digitalSignature');
    if (kuBit(ku.value, 5) || kuBit(ku.value, 6)) p.push('keyUsage has keyCertSign or cRLSign');
  }
  const eku = exts.get(OID.eku);
  if (eku) {
    const purposes = eku.value.children.map((c) => oid(c.content));
    if (!purposes.includes(OID.serverAuth) || !purposes.includes(OID.clientAuth)) p.push('EKU lacks serverAuth or clientAuth');
  } else p.push('no extendedKeyUsage');
  return p;
}
