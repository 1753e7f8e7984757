/**
 * Key material: fast P-256 key generation for the issuance hot path, and `SecretKey`, the one
 * holder of private keys in weft.
 *
 * Why ECDH and not generateKeyPairSync: weft never signs with a workload key, it only hands the key
 * to the proxy. `createECDH('prime256v1').generateKeys()` yields the raw scalar and point without
 * building a KeyObject or exporting it (on Node 20 the SPKI export alone costs more than the
 * signature); for P-256 both SPKI and PKCS#8 are fixed layouts around those raw values, so we
 * assemble them ourselves (bench/ca.ts measures the difference).
 */
import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { bitString, octets, oid, seq, smallInt, explicit, toPem } from './der.js';
import { Oid } from './x509-build.js';

const P256_ALGORITHM = seq(oid(Oid.ecPublicKey), oid(Oid.prime256v1));
const REDACTED = '[REDACTED private key]';

/**
 * A private key that never prints itself: `JSON.stringify`, `util.inspect`, `String()` and template
 * literals all show `[REDACTED private key]`. Read the PEM only through `revealPem()`, at the point
 * where it is handed to its legitimate consumer (an SDS response, a 0600 file). Immutable.
 */
export class SecretKey {
  readonly #pem: string;
  #key: KeyObject | undefined;

  /** `key` may be omitted; it is then parsed from the PEM on first use. */
  constructor(pem: string, key?: KeyObject) {
    this.#pem = pem;
    this.#key = key;
  }

  revealPem(): string {
    return this.#pem;
  }

  /** The node KeyObject, for signing. */
  keyObject(): KeyObject {
    this.#key ??= createPrivateKey(this.#pem);
    return this.#key;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretKey ${REDACTED}`;
  }
}

export interface GeneratedKey {
  readonly secret: SecretKey;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Buffer;
  /** The uncompressed EC point (04 || x || y): the subjectPublicKey bits. */
  readonly publicPoint: Buffer;
}

/** One reusable generator: `generateKeys()` replaces the pair on every call (constructing an ECDH
 * object costs about as much as generating a key). Synchronous use only, so sharing is safe. */
const ecdh = createECDH('prime256v1');

/** A fresh ECDSA P-256 key pair. */
export function generateP256(): GeneratedKey {
  const point = ecdh.generateKeys();
  return encodeP256(ecdh.getPrivateKey(), point);
}

/**
 * The key pair of a given private scalar (big-endian, 1 ≤ d < n): tests use fixed scalars, such as
 * ones with leading zero bytes, instead of generating keys until one turns up.
 */
export function p256FromScalar(d: Buffer): GeneratedKey {
  ecdh.setPrivateKey(d);
  return encodeP256(ecdh.getPrivateKey(), ecdh.getPublicKey());
}

/** `rawD` as OpenSSL gives it (leading zero bytes dropped), `point` uncompressed. */
function encodeP256(rawD: Buffer, point: Buffer): GeneratedKey {
  const d = leftPad(rawD, 32);
  // RFC 5915 ECPrivateKey inside RFC 5208 PKCS#8; curve named once, in the AlgorithmIdentifier.
  const pkcs8 = seq(
    smallInt(0),
    P256_ALGORITHM,
    octets(seq(smallInt(1), octets(d), explicit(1, bitString(point)))),
  );
  return {
    secret: new SecretKey(toPem('PRIVATE KEY', pkcs8)),
    spki: seq(P256_ALGORITHM, bitString(point)),
    publicPoint: point,
  };
}

/** The private scalar is an unsigned number: OpenSSL drops leading zero bytes; RFC 5915 wants 32. */
function leftPad(b: Buffer, size: number): Buffer {
  return b.length >= size ? b : Buffer.concat([Buffer.alloc(size - b.length), b]);
}
