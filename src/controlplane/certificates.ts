/**
 * Workload certificates for connected proxies, as the reconciler's `CertificateSource`: an
 * adapter over the CA's `SvidManager`, which issues on first use and renews at 50 % of life with
 * jitter. Renewals are forwarded so the reconciler pushes the new secret over SDS before expiry.
 */
import { SvidManager, type CertificateAuthority } from '../ca/index.js';
import type { Logger } from './log.js';
import type { CertificateSource, WorkloadCertificate } from './secrets.js';

export class CertificateManager implements CertificateSource {
  private readonly svids: SvidManager;
  private readonly listeners: ((spiffeId: string | undefined) => void)[] = [];
  private bundleSequence: number;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly o: { readonly ttlMs: number; readonly log: Logger },
  ) {
    this.svids = new SvidManager({ issuer: ca, ttlMs: o.ttlMs });
    this.bundleSequence = ca.trustBundle().sequence;
    this.svids.onRotate((id, svid) => {
      o.log.info('certificate renewed', { identity: id, notAfter: new Date(svid.notAfter).toISOString() });
      // Deferred: a renewal can happen inside certificate(), called while publishing.
      queueMicrotask(() => this.listeners.forEach((l) => l(id)));
    });
    this.svids.onError((id, e) => o.log.error('certificate renewal failed; the current one stays until it expires', { identity: id, code: e.code, reason: e.message }));
  }

  certificate(spiffeId: string): WorkloadCertificate | undefined {
    const r = this.svids.get(spiffeId);
    if (r.ok) return r.svid;
    this.o.log.error('certificate issuance refused', { identity: spiffeId, code: r.error.code, reason: r.error.message });
    return undefined;
  }

  bundle() {
    return this.ca.trustBundle();
  }

  onRotate(listener: (spiffeId: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  release(spiffeId: string): void {
    this.svids.release(spiffeId);
  }

  /** Tells listeners that the trust bundle changed (root rotation phases). */
  bundleChanged(): void {
    const seq = this.ca.trustBundle().sequence;
    if (seq === this.bundleSequence) return;
    this.bundleSequence = seq;
    for (const l of this.listeners) l(undefined);
  }

  /** Re-issues every held certificate now (the signing root changed); listeners are told. */
  renewAll(): void {
    this.svids.renewAll();
  }

  stop(): void {
    this.svids.close();
  }
}
