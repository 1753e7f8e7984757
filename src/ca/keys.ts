/**
 * Key material: fast P-256 key generation for the issuance hot path, and `SecretKey`, the one
 * holder of private keys in weft.
 *
 * Why JWK export: on Node 20, exporting a fresh EC key as JWK is ~3x faster than as SPKI DER, and
 * for P-256 both the SPKI and the PKCS#8 encodings are fixed layouts around the raw x, y and d
 * values, so we assemble them ourselves (see bench/ca.ts).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
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
  readonly #key: KeyObject;

  constructor(pem: string, key: KeyObject) {
    this.#pem = pem;
    this.#key = key;
  }

  revealPem(): string {
    return this.#pem;
  }

  /** The node KeyObject, for signing. */
  keyObject(): KeyObject {
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

/** A fresh ECDSA P-256 key pair. */
export function generateP256(): GeneratedKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
  const d = b64url(jwk.d);
  const pkcs8 = seq(
    smallInt(0),
    P256_ALGORITHM,
    octets(seq(smallInt(1), octets(d), explicit(1, bitString(point)))),
  );
  return {
    secret: new SecretKey(toPem('PRIVATE KEY', pkcs8), privateKey),
    spki: seq(P256_ALGORITHM, bitString(point)),
    publicPoint: point,
  };
}

function b64url(s: string | undefined): Buffer {
  if (s === undefined) throw new Error('EC JWK export is missing a coordinate');
  return Buffer.from(s, 'base64url');
}
