/**
 * X.509 building blocks on top of der.ts: OIDs, extensions, Names, and the final signing step.
 * Pure except for `signCertificate`, which uses node:crypto with the caller's key.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { bitString, bool, derNull, explicit, implicit, octets, oid, seq, set, smallInt, tlv, Tag, time } from './der.js';

export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Signature algorithm of an issuer key: weft signs with SHA-256 only. */
export type SignatureKind = 'ecdsa-sha256' | 'rsa-sha256';

/** AlgorithmIdentifier DER; RSA carries explicit NULL parameters, ECDSA none (RFC 5758 §3.2). */
export function signatureAlgorithm(kind: SignatureKind): Buffer {
  return kind === 'ecdsa-sha256' ? seq(oid(Oid.ecdsaWithSha256)) : seq(oid(Oid.sha256WithRsa), derNull());
}

/** One Extension: extnID, critical only when true (DER omits the DEFAULT FALSE), extnValue. */
export function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** RFC 5280 KeyUsage bits, numbered as in the ASN.1 (digitalSignature = 0 ... cRLSign = 6). */
export const KeyUsageBit = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** KeyUsage BIT STRING with DER's minimal length and unused-bit count. */
export function keyUsageValue(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest & 7);
  return tlv(Tag.bitString, Buffer.from([unused]), bytes);
}

export const basicConstraintsValue = (ca: boolean): Buffer => (ca ? seq(bool(true)) : seq());
export const extKeyUsageValue = (): Buffer => seq(oid(Oid.serverAuth), oid(Oid.clientAuth));
export const uriSanValue = (uri: string): Buffer => seq(implicit(6, Buffer.from(uri, 'latin1')));
export const skiValue = (keyId: Buffer): Buffer => octets(keyId);
export const akiValue = (keyId: Buffer): Buffer => seq(implicit(0, keyId));

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(publicKeyBits: Buffer): Buffer {
  return createHash('sha1').update(publicKeyBits).digest();
}

/** A Name of UTF8String attributes, one RDN each, in the given order. */
export function name(attrs: readonly (readonly [string, string])[]): Buffer {
  return seq(...attrs.map(([id, v]) => set(seq(oid(id), tlv(Tag.utf8String, Buffer.from(v, 'utf8'))))));
}

export interface TbsFields {
  readonly serial: Buffer;
  readonly signature: Buffer;
  readonly issuer: Buffer;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subject: Buffer;
  readonly spki: Buffer;
  readonly extensions: readonly Buffer[];
}

/** TBSCertificate (v3) from already-encoded parts; `serial` is a complete INTEGER TLV. */
export function tbsCertificate(f: TbsFields): Buffer {
  return seq(
    explicit(0, smallInt(2)),
    f.serial,
    f.signature,
    f.issuer,
    seq(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.spki,
    explicit(3, seq(...f.extensions)),
  );
}

/** Signs a TBSCertificate; node returns DER ECDSA-Sig-Value for EC keys, PKCS#1 v1.5 for RSA. */
export function signCertificate(tbs: Buffer, kind: SignatureKind, key: KeyObject): Buffer {
  return seq(tbs, signatureAlgorithm(kind), bitString(sign('sha256', tbs, key)));
}
