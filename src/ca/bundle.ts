/**
 * The SPIFFE trust bundle document (SPIFFE Trust Domain and Bundle standard, REFERENCE.md §3): a
 * JWK Set whose entries have `use` = `x509-svid`, no `kid`, and `x5c` holding exactly one CA
 * certificate, plus `spiffe_sequence`. This is what a federating trust domain or an admin endpoint
 * publishes; Envoy itself takes the PEM list from `CertificateAuthority.trustBundle()`.
 */
import { X509Certificate } from 'node:crypto';
import type { TrustBundle } from './authority.js';

export interface SpiffeBundleKey {
  readonly use: 'x509-svid';
  readonly kty: string;
  readonly x5c: readonly [string];
  readonly [jwkField: string]: unknown;
}

export interface SpiffeBundle {
  readonly keys: readonly SpiffeBundleKey[];
  readonly spiffe_sequence: number;
}

/** Builds the bundle document from PEM roots. Pure; throws only on a PEM weft did not validate. */
export function spiffeBundle(bundle: TrustBundle): SpiffeBundle {
  const keys = bundle.pems.map((pem): SpiffeBundleKey => {
    const cert = new X509Certificate(pem);
    const jwk = cert.publicKey.export({ format: 'jwk' });
    return { ...jwk, kty: jwk.kty ?? 'EC', use: 'x509-svid', x5c: [cert.raw.toString('base64')] };
  });
  return { keys, spiffe_sequence: bundle.sequence };
}
