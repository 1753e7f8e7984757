/**
 * The mTLS xDS port's own credentials, kept current without a restart.
 *
 * grpc-js re-applies a server's TLS context (`setSecureContext`) whenever a certificate provider
 * reports an update, so this provider reports:
 * - the trust bundle (the CAs client certificates are checked against) whenever it changes, so a
 *   proxy whose certificate is signed by a new root is accepted as soon as that root is trusted,
 *   and one signed only by a dropped root is refused;
 * - the server's own certificate (SPIFFE ID `controlPlaneIdentity`) whenever it is renewed: at
 *   half its life, and when the signing root changes (`renewAll`), so a client that trusts only
 *   the new root can still connect after the old one is dropped.
 * Connections already open keep the context they were accepted with; new ones get the latest.
 */
import * as grpc from '@grpc/grpc-js';
import type { experimental } from '@grpc/grpc-js';
import type { CertificateSource } from './secrets.js';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export class ServingCredentials implements experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly idListeners = new Set<IdentityListener>();

  /** Throws if the CA refuses the serving certificate (the caller turns that into a StartError). */
  constructor(
    private readonly source: CertificateSource,
    private readonly spiffeId: string,
  ) {
    if (!this.identityUpdate()) throw new Error(`the CA refused the xDS serving certificate for ${spiffeId}`);
    source.onRotate((id) => {
      if (id === undefined) this.caListeners.forEach((l) => l(this.caUpdate()));
      if (id === undefined || id === spiffeId) this.idListeners.forEach((l) => l(this.identityUpdate()));
    });
  }

  /** Server credentials that require a client certificate chained to the current bundle. */
  credentials(): grpc.ServerCredentials {
    return grpc.experimental.createCertificateProviderServerCredentials(this, this, true);
  }

  addCaCertificateListener(l: CaListener): void {
    this.caListeners.add(l);
    // Deferred: grpc-js registers its watcher only after adding the listener.
    queueMicrotask(() => this.caListeners.has(l) && l(this.caUpdate()));
  }

  removeCaCertificateListener(l: CaListener): void {
    this.caListeners.delete(l);
  }

  addIdentityCertificateListener(l: IdentityListener): void {
    this.idListeners.add(l);
    queueMicrotask(() => this.idListeners.has(l) && l(this.identityUpdate()));
  }

  removeIdentityCertificateListener(l: IdentityListener): void {
    this.idListeners.delete(l);
  }

  private caUpdate() {
    return { caCertificate: Buffer.from(this.source.bundle().pems.join('')) };
  }

  private identityUpdate() {
    const c = this.source.certificate(this.spiffeId);
    return c ? { certificate: Buffer.from(c.certPem + c.chainPem), privateKey: Buffer.from(c.keyPem) } : null;
  }
}
