/**
 * weft's development root: a self-signed ECDSA P-256 CA created on first start.
 *
 * Profile (REFERENCE.md §3, "signing certificate"): subject CN + O; basicConstraints cA=true and
 * keyUsage keyCertSign + cRLSign, both critical; no extendedKeyUsage (a CA with EKU constrains
 * every leaf in ways validators disagree on); SKI, and AKI equal to it; one URI SAN holding the
 * trust domain's SPIFFE ID, which has no path, and is non-critical because the subject is set.
 */
import { toPem } from './der.js';
import { generateP256, type SecretKey } from './keys.js';
import { randomSerial } from './serial.js';
import { trustDomainIdText } from './spiffe-id.js';
import {
  Oid, akiValue, basicConstraintsValue, extension, keyIdentifier, keyUsageValue, KeyUsageBit, name,
  signCertificate, signatureAlgorithm, skiValue, tbsCertificate, uriSanValue,
} from './x509-build.js';

export const TEN_YEARS_MS = 10 * 365.25 * 24 * 3600 * 1000;

export interface RootOptions {
  readonly trustDomain: string;
  readonly now: number;
  readonly lifetimeMs?: number;
  readonly commonName?: string;
  readonly organization?: string;
}

export interface MintedCa {
  readonly certPem: string;
  readonly key: SecretKey;
}

/** Creates a self-signed root; `trustDomain` must already be valid (see checkTrustDomain). */
export function createRoot(opts: RootOptions): MintedCa {
  const key = generateP256();
  const keyId = keyIdentifier(key.publicPoint);
  const subject = name([
    [Oid.organization, opts.organization ?? 'weft'],
    [Oid.commonName, opts.commonName ?? `weft root CA ${opts.trustDomain}`],
  ]);
  const tbs = tbsCertificate({
    serial: randomSerial().der,
    signature: signatureAlgorithm('ecdsa-sha256'),
    issuer: subject,
    // Back-dated like leaves, so a root made seconds ago verifies on a host whose clock lags.
    notBefore: opts.now - 60_000,
    notAfter: opts.now + (opts.lifetimeMs ?? TEN_YEARS_MS),
    subject,
    spki: key.spki,
    extensions: [
      extension(Oid.basicConstraints, true, basicConstraintsValue(true)),
      extension(Oid.keyUsage, true, keyUsageValue([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign])),
      extension(Oid.subjectKeyIdentifier, false, skiValue(keyId)),
      extension(Oid.authorityKeyIdentifier, false, akiValue(keyId)),
      extension(Oid.subjectAltName, false, uriSanValue(trustDomainIdText(opts.trustDomain))),
    ],
  });
  const der = signCertificate(tbs, 'ecdsa-sha256', key.secret.keyObject());
  return { certPem: toPem('CERTIFICATE', der), key: key.secret };
}
