/**
 * The issuer: a CA certificate and its key, validated once, plus what issuance needs from them.
 *
 * `loadIssuer` accepts either a self-signed root or an intermediate whose chain (intermediates, then
 * the root) is supplied; it refuses, with a stable code, everything that would make weft mint
 * certificates nobody can verify or that nobody should trust (REFERENCE.md §3: cA=true and
 * keyCertSign; a key that matches; strong keys; inside its validity).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateFields, keyUsageBits, readTlv, children } from './der-reader.js';
import { caFail, CaCodes, type CaResult } from './errors.js';
import { SecretKey } from './keys.js';
import type { Validity } from './expiry.js';
import { KeyUsageBit, Oid, keyIdentifier, type SignatureKind } from './x509-build.js';

/** A validated signing certificate. Immutable; the key is redacted when printed. */
export interface Issuer {
  readonly certPem: string;
  readonly certDer: Buffer;
  /** Raw subject Name DER: copied into the issuer field of every certificate we sign. */
  readonly subject: Buffer;
  /** The issuer's subjectKeyIdentifier (or one computed from its key): our certificates' AKI. */
  readonly keyId: Buffer;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly key: SecretKey;
  readonly signature: SignatureKind;
  /** PEM of the certificates to send after a leaf: this issuer when it is an intermediate, then the
   * chain's intermediates; empty for a root issuer. */
  readonly intermediatesPem: string;
  /** PEM of the self-signed root this issuer chains to (itself, for a root). */
  readonly rootPem: string;
  /** Validity of each certificate above this one (intermediates, then the root); empty for a root. */
  readonly chainValidity: readonly Validity[];
}

export interface IssuerFiles {
  readonly certPem: string;
  readonly keyPem: string;
  readonly chainPem?: string;
  /** File names, only for error messages. */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly chainFile?: string;
}

/** Validates operator (or state-directory) material at time `now`; see the module comment. */
export function loadIssuer(files: IssuerFiles, now: number): CaResult<Issuer> {
  const cert = parseCert(files.certPem, files.certFile);
  if (!cert.ok) return cert;
  let key: KeyObject;
  try {
    key = createPrivateKey(files.keyPem);
  } catch {
    return caFail(CaCodes.badKey.code, 'cannot parse the CA private key (PEM PKCS#8, SEC1 or PKCS#1)', files.keyFile);
  }
  const kind = signatureKind(cert.value.x509.publicKey);
  if (!kind.ok) return { ok: false, error: { ...kind.error, file: files.certFile ?? '<ca>' } };
  if (!cert.value.x509.checkPrivateKey(key)) {
    return caFail(CaCodes.keyMismatch.code, 'the CA private key does not match the CA certificate', files.keyFile);
  }
  const caCheck = checkSigningCert(cert.value, now, files.certFile);
  if (!caCheck.ok) return caCheck;
  const chain = resolveChain(cert.value.x509, files.chainPem ?? '', now, files.chainFile);
  if (!chain.ok) return chain;
  return { ok: true, value: assemble(cert.value, key, kind.value, chain.value) };
}

function assemble(
  cert: ParsedCert, key: KeyObject, signature: SignatureKind,
  chain: { intermediatesPem: string; rootPem: string; chainValidity: Validity[] },
): Issuer {
  const f = cert.fields;
  const ski = f.extensions.get(Oid.subjectKeyIdentifier);
  const keyId = ski ? readTlv(ski.value)?.body : undefined;
  return {
    certPem: cert.x509.toString(),
    certDer: cert.x509.raw,
    subject: Buffer.from(f.subject),
    keyId: Buffer.from(keyId ?? keyIdentifier(publicKeyBits(f.spki))),
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    key: new SecretKey(key.export({ type: 'pkcs8', format: 'pem' }).toString(), key),
    signature,
    ...chain,
  };
}

interface ParsedCert {
  readonly x509: X509Certificate;
  readonly fields: NonNullable<ReturnType<typeof certificateFields>>;
}

function parseCert(pem: string, file: string | undefined): CaResult<ParsedCert> {
  try {
    const x509 = new X509Certificate(pem);
    const fields = certificateFields(x509.raw);
    if (fields) return { ok: true, value: { x509, fields } };
  } catch {
    // reported below
  }
  return caFail(CaCodes.badCertificate.code, 'cannot parse the certificate (expected PEM X.509 v3)', file);
}

/** Only EC P-256 and RSA of at least 2048 bits: weaker keys are refused, others unsupported. */
function signatureKind(pub: KeyObject): CaResult<SignatureKind> {
  const d = pub.asymmetricKeyDetails ?? {};
  if (pub.asymmetricKeyType === 'ec' && d.namedCurve === 'prime256v1') return { ok: true, value: 'ecdsa-sha256' };
  if (pub.asymmetricKeyType === 'rsa' && (d.modulusLength ?? 0) >= 2048) return { ok: true, value: 'rsa-sha256' };
  const what = pub.asymmetricKeyType === 'rsa' ? `RSA-${d.modulusLength}` : `${pub.asymmetricKeyType} ${d.namedCurve ?? ''}`;
  return caFail(CaCodes.weakKey.code, `CA key ${what.trim()} is weak or unsupported: use EC P-256 or RSA >= 2048 bits`);
}

function checkSigningCert(c: ParsedCert, now: number, file: string | undefined): CaResult<true> {
  if (!isCaCert(c.fields.extensions)) return caFail(CaCodes.notCa.code, 'the certificate is not a CA (basicConstraints cA is not true)', file);
  const ku = c.fields.extensions.get(Oid.keyUsage);
  if (ku && !(keyUsageBits(ku.value) & (1 << KeyUsageBit.keyCertSign))) {
    return caFail(CaCodes.noKeyCertSign.code, 'the CA certificate keyUsage lacks keyCertSign', file);
  }
  if (now > c.fields.notAfter) {
    return caFail(CaCodes.expired.code, `the CA certificate expired at ${new Date(c.fields.notAfter).toISOString()}`, file);
  }
  if (now < c.fields.notBefore) {
    return caFail(CaCodes.expired.code, `the CA certificate is not valid before ${new Date(c.fields.notBefore).toISOString()}`, file);
  }
  return { ok: true, value: true };
}

/** basicConstraints present with cA TRUE (read from DER: OpenSSL's notion of "CA" also folds in keyUsage). */
function isCaCert(exts: ReadonlyMap<string, { value: Buffer }>): boolean {
  const bc = exts.get(Oid.basicConstraints);
  const seq = bc && readTlv(bc.value);
  const first = seq && children(seq)?.[0];
  return first?.tag === 0x01 && first.body[0] !== 0;
}

const isSelfSigned = (c: X509Certificate): boolean => c.checkIssued(c) && c.verify(c.publicKey);

/** Walks issuer → chain[0] → ... → a self-signed root, checking each signature and validity. */
function resolveChain(
  leaf: X509Certificate, chainPem: string, now: number, file: string | undefined,
): CaResult<{ intermediatesPem: string; rootPem: string; chainValidity: Validity[] }> {
  if (isSelfSigned(leaf)) return { ok: true, value: { intermediatesPem: '', rootPem: leaf.toString(), chainValidity: [] } };
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const parsed = blocks.map((b) => parseCert(b, file));
  const chain: ParsedCert[] = [];
  for (const p of parsed) {
    if (!p.ok) return p;
    chain.push(p.value);
  }
  let child = leaf;
  const sent: string[] = [leaf.toString()];
  const chainValidity: Validity[] = [];
  for (const c of chain) {
    if (!child.checkIssued(c.x509) || !child.verify(c.x509.publicKey)) {
      return caFail(CaCodes.badChain.code, `"${child.subject.replace(/\n/g, ', ')}" is not signed by the next certificate in the chain`, file);
    }
    const valid = checkSigningCert(c, now, file);
    if (!valid.ok) return valid;
    const root = isSelfSigned(c.x509);
    const label = `${root ? 'root' : 'intermediate'} CA "${c.x509.subject.replace(/\n/g, ', ')}"`;
    chainValidity.push({ label, notBefore: c.fields.notBefore, notAfter: c.fields.notAfter });
    if (root) return { ok: true, value: { intermediatesPem: sent.join(''), rootPem: c.x509.toString(), chainValidity } };
    sent.push(c.x509.toString());
    child = c.x509;
  }
  return caFail(CaCodes.noRoot.code, 'an intermediate CA needs a chain file ending with its self-signed root', file ?? '<chain>');
}

/** The subjectPublicKey bits inside a SubjectPublicKeyInfo. */
export function publicKeyBits(spki: Buffer): Buffer {
  const parts = children(readTlv(spki) ?? { tag: 0, raw: spki, body: Buffer.alloc(0) }) ?? [];
  return parts[1]?.body.subarray(1) ?? Buffer.alloc(0);
}
