/**
 * SDS secrets from the CA: the proxy's own certificate (secret name `default`, the same for every
 * proxy: which certificate it is follows the stream's identity) and the trust bundle
 * (`trust-bundle`).
 *
 * Messages are memoised per certificate and per bundle sequence, so every proxy of one identity
 * shares one encoded secret, and a secret is re-encoded only when it rotates.
 * Plaintext (unauthenticated) streams never receive a private key.
 */
import { names as resourceNames } from '../translate/index.js';

/** The trust bundle's secret name, as translate references it. */
export const TRUST_BUNDLE = resourceNames.TRUST_BUNDLE_SECRET;
/** The proxy's own certificate's secret name, as translate references it. */
export const OWN_CERT = resourceNames.OWN_CERT_SECRET;

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

/** A certificate a Gateway listener serves (gateway-certs.ts), as PEM. Never logged. */
export interface GatewayCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Where gateway listener certificates come from: CertificateFiles, Kubernetes Secrets. */
export interface GatewayCertificateSource {
  /** The certificate of a listener's reference, or undefined (missing or invalid: logged, WEFT6116). */
  certificate(kind: string, namespace: string, name: string): GatewayCertificate | undefined;
  /** Called when a certificate may have changed. */
  onChange(listener: () => void): void;
  /** Stops watching (the reconciler calls it when it stops). */
  close?(): void;
}

export interface SecretMessage {
  readonly name: string;
  readonly message: object;
}

export class SecretBuilder {
  private readonly certs = new WeakMap<WorkloadCertificate, SecretMessage>();
  private bundleMsg?: { sequence: number; secret: SecretMessage };

  private readonly gatewayMsgs = new WeakMap<GatewayCertificate, SecretMessage>();

  constructor(private readonly source: CertificateSource, private readonly gateway?: GatewayCertificateSource) {}

  /**
   * Secrets for the names translate asked for: the own certificate (`default`) is always
   * `identity`'s, and only `withKeys`; a gateway listener certificate only `withKeys` (translate
   * names it only for a proxy whose verified identity is that Gateway's); any other name gets
   * nothing.
   */
  build(names: readonly string[], identity: string, withKeys: boolean): SecretMessage[] {
    const out: SecretMessage[] = [];
    for (const name of names) {
      if (name === TRUST_BUNDLE) out.push(this.bundle());
      else if (withKeys && name === OWN_CERT) {
        const cert = this.source.certificate(identity);
        if (cert) out.push(this.certificate(cert));
      } else if (withKeys) {
        const ref = resourceNames.parseGatewayCertSecretName(name);
        const cert = ref && this.gateway?.certificate(ref.kind, ref.namespace, ref.name);
        if (cert) out.push(this.gatewayCertificate(name, cert));
      }
    }
    return out;
  }

  private gatewayCertificate(name: string, cert: GatewayCertificate): SecretMessage {
    let s = this.gatewayMsgs.get(cert);
    if (!s || s.name !== name) {
      const tls_certificate = { certificate_chain: { inline_string: cert.certPem }, private_key: { inline_string: cert.keyPem } };
      s = { name, message: { name, tls_certificate } };
      this.gatewayMsgs.set(cert, s);
    }
    return s;
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
