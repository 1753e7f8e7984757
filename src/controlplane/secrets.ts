/**
 * SDS secrets from the CA: the proxy's own certificate (secret name `default`, the same for every
 * proxy: which certificate it is follows the stream's identity) and the trust bundle
 * (`trust-bundle`).
 *
 * Messages are memoised per certificate and per bundle sequence, so every proxy of one identity
 * shares one encoded secret, and a secret is re-encoded only when it rotates.
 * Plaintext (unauthenticated) streams never receive a private key.
 */
import { names } from '../translate/index.js';

/** The trust bundle's secret name, as translate references it. */
export const TRUST_BUNDLE = names.TRUST_BUNDLE_SECRET;
/** The proxy's own certificate's secret name, as translate references it. */
export const OWN_CERT = names.OWN_CERT_SECRET;

/** What the control plane needs of an issued certificate. */
export interface WorkloadCertificate {
  readonly spiffeId: string;
  readonly certPem: string;
  readonly chainPem: string;
  readonly keyPem: string;
  readonly notAfter: number;
  readonly serial: string;
}

export interface CertificateSource {
  /** The current certificate for `spiffeId`, issued on first use; undefined if the CA refused. */
  certificate(spiffeId: string): WorkloadCertificate | undefined;
  bundle(): { readonly pems: readonly string[]; readonly sequence: number };
  /** Called when a certificate was renewed or the bundle changed (`spiffeId` undefined). */
  onRotate(listener: (spiffeId: string | undefined) => void): void;
  /** No connected proxy uses `spiffeId` any more: stop renewing it. */
  release(spiffeId: string): void;
}

export interface SecretMessage {
  readonly name: string;
  readonly message: object;
}

export class SecretBuilder {
  private readonly certs = new WeakMap<WorkloadCertificate, SecretMessage>();
  private bundleMsg?: { sequence: number; secret: SecretMessage };

  constructor(private readonly source: CertificateSource) {}

  /**
   * Secrets for the names translate asked for: the own certificate (`default`) is always
   * `identity`'s, and only `withKeys`; any other name gets nothing.
   */
  build(names: readonly string[], identity: string, withKeys: boolean): SecretMessage[] {
    const out: SecretMessage[] = [];
    for (const name of names) {
      if (name === TRUST_BUNDLE) out.push(this.bundle());
      else if (withKeys && name === OWN_CERT) {
        const cert = this.source.certificate(identity);
        if (cert) out.push(this.certificate(cert));
      }
    }
    return out;
  }

  private certificate(cert: WorkloadCertificate): SecretMessage {
    let s = this.certs.get(cert);
    if (!s) {
      const tls_certificate = { certificate_chain: { inline_string: cert.certPem + cert.chainPem }, private_key: { inline_string: cert.keyPem } };
      s = { name: OWN_CERT, message: { name: OWN_CERT, tls_certificate } };
      this.certs.set(cert, s);
    }
    return s;
  }

  private bundle(): SecretMessage {
    const b = this.source.bundle();
    if (this.bundleMsg?.sequence !== b.sequence) {
      const message = { name: TRUST_BUNDLE, validation_context: { trusted_ca: { inline_string: b.pems.join('') } } };
      this.bundleMsg = { sequence: b.sequence, secret: { name: TRUST_BUNDLE, message } };
    }
    return this.bundleMsg.secret;
  }
}
