/**
 * The issuance hot path: a per-issuer template of every constant part of an X.509-SVID, filled
 * per certificate with the serial, validity, public key, SKI and URI SAN, then signed.
 *
 * Profile (REFERENCE.md §3, X.509-SVID):
 * - empty subject, so the subjectAltName extension is critical (RFC 5280 §4.2.1.6) and holds
 *   exactly one URI, the SPIFFE ID. We chose the empty subject because nothing in the mesh reads a
 *   CN, and an invented CN would be one more thing validators could disagree on;
 * - basicConstraints cA=false, critical (encoded as an empty SEQUENCE: DER omits DEFAULT FALSE);
 * - keyUsage digitalSignature only, critical (ECDSA keys never encipher; no keyCertSign/cRLSign);
 * - extendedKeyUsage serverAuth + clientAuth, since the same SVID serves both ends of mTLS;
 * - SKI of the leaf key and AKI = the issuer's key id, so validators pick the right root during
 *   rotation when two roots share a subject.
 */
import { bitString, explicit, seq, smallInt, time, tlv, toPem } from './der.js';
import type { Issuer } from './issuer.js';
import { generateP256 } from './keys.js';
import { randomSerial } from './serial.js';
import { Svid } from './svid.js';
import {
  Oid, akiValue, basicConstraintsValue, extKeyUsageValue, extension, keyIdentifier, keyUsageValue,
  KeyUsageBit, signatureAlgorithm, skiValue, uriSanValue,
} from './x509-build.js';
import { sign } from 'node:crypto';

/** Clock skew allowance: certificates start one minute in the past. */
export const BACKDATE_MS = 60_000;

export class SvidTemplate {
  readonly #issuer: Issuer;
  readonly #version = explicit(0, smallInt(2));
  readonly #sigAlg: Buffer;
  readonly #emptySubject = seq();
  readonly #constantExtensions: Buffer;

  constructor(issuer: Issuer) {
    this.#issuer = issuer;
    this.#sigAlg = signatureAlgorithm(issuer.signature);
    this.#constantExtensions = Buffer.concat([
      extension(Oid.basicConstraints, true, basicConstraintsValue(false)),
      extension(Oid.keyUsage, true, keyUsageValue([KeyUsageBit.digitalSignature])),
      extension(Oid.extKeyUsage, false, extKeyUsageValue()),
      extension(Oid.authorityKeyIdentifier, false, akiValue(issuer.keyId)),
    ]);
  }

  /**
   * Mints one SVID for an already-validated SPIFFE ID URI. Validity is
   * [now - 60 s, now + ttl] clamped to the issuer's own validity. Never throws for valid input.
   */
  issue(spiffeUri: string, ttlMs: number, now: number): Svid {
    const issuer = this.#issuer;
    const notBefore = Math.max(now - BACKDATE_MS, issuer.notBefore);
    const notAfter = Math.min(now + ttlMs, issuer.notAfter);
    const key = generateP256();
    const serial = randomSerial();
    const tbs = seq(
      this.#version, serial.der, this.#sigAlg, issuer.subject,
      seq(time(notBefore), time(notAfter)),
      this.#emptySubject, key.spki,
      explicit(3, tlv(0x30,
        this.#constantExtensions,
        extension(Oid.subjectKeyIdentifier, false, skiValue(keyIdentifier(key.publicPoint))),
        extension(Oid.subjectAltName, true, uriSanValue(spiffeUri)),
      )),
    );
    const signature = sign('sha256', tbs, issuer.key.keyObject());
    const der = seq(tbs, this.#sigAlg, bitString(signature));
    return new Svid({
      spiffeId: spiffeUri,
      certPem: toPem('CERTIFICATE', der),
      chainPem: issuer.intermediatesPem,
      notBefore: Math.floor(notBefore / 1000) * 1000,
      notAfter: Math.floor(notAfter / 1000) * 1000,
      serial: serial.hex,
      key: key.secret,
    });
  }
}
