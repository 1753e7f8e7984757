/**
 * Test fixtures: operator CA material made with @peculiar/x509 (an independent implementation),
 * so the CA's loader is exercised with certificates it did not produce itself.
 */
import 'reflect-metadata'; // tsyringe, under @peculiar/x509, needs a Reflect metadata polyfill
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyKind = 'p256' | 'p384' | 'rsa1024' | 'rsa2048';

export interface Made {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

export interface MakeOptions {
  readonly name: string;
  readonly key?: KeyKind;
  readonly ca?: boolean;
  readonly usages?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly issuer?: Made;
}

const DAY = 24 * 3600 * 1000;

function algorithm(kind: KeyKind): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (kind === 'p256') return { name: 'ECDSA', namedCurve: 'P-256' };
  if (kind === 'p384') return { name: 'ECDSA', namedCurve: 'P-384' };
  const modulusLength = kind === 'rsa1024' ? 1024 : 2048;
  return { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
}

const pem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;

/** A CA (or, with `ca: false`, a leaf) certificate, self-signed unless `issuer` is given. */
export async function makeCert(o: MakeOptions): Promise<Made> {
  const kind = o.key ?? 'p256';
  const alg = algorithm(kind);
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = o.ca ?? true;
  const usages = o.usages ?? (ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature);
  const extensions = [
    new x509.BasicConstraintsExtension(ca, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = {
    serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    extensions,
    signingAlgorithm: kind.startsWith('rsa') || o.issuer?.keys.privateKey.algorithm.name === 'RSASSA-PKCS1-v1_5'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : { name: 'ECDSA', hash: 'SHA-256' },
  };
  const cert = o.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: `CN=${o.name}`,
        issuer: o.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: o.issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: `CN=${o.name}`, keys });
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem') + '\n', keyPem, keys, cert };
}

export { x509 };
