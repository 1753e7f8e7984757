/**
 * Workload certificates for connected proxies, renewed before they expire.
 *
 * One certificate per SPIFFE ID, issued on first use. Each is renewed at 50 % of its life with
 * ±10 % jitter (REFERENCE.md §4; jitter spreads a fleet's renewals), and listeners are told so the
 * reconciler pushes the new secret over SDS well before expiry. Envoy applies it to new
 * connections and keeps existing ones (envoy#28386). `release` stops renewing an identity no
 * proxy uses any more. Private keys stay inside the certificate objects; nothing here logs them.
 */
import type { CertificateAuthority } from '../ca/index.js';
import type { Logger } from './log.js';
import type { CertificateSource, WorkloadCertificate } from './secrets.js';

export interface CertificateManagerOptions {
  readonly ttlMs: number;
  readonly log: Logger;
  /** Injected for tests: jitter in [-1, 1). */
  readonly random?: () => number;
  readonly now?: () => number;
}

export class CertificateManager implements CertificateSource {
  private readonly current = new Map<string, { cert: WorkloadCertificate; timer: NodeJS.Timeout }>();
  private readonly listeners: ((spiffeId: string | undefined) => void)[] = [];
  private bundleSequence: number;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly o: CertificateManagerOptions,
  ) {
    this.bundleSequence = ca.trustBundle().sequence;
  }

  certificate(spiffeId: string): WorkloadCertificate | undefined {
    return this.current.get(spiffeId)?.cert ?? this.issue(spiffeId);
  }

  bundle() {
    return this.ca.trustBundle();
  }

  onRotate(listener: (spiffeId: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  release(spiffeId: string): void {
    const entry = this.current.get(spiffeId);
    if (entry) clearTimeout(entry.timer);
    this.current.delete(spiffeId);
  }

  /** Tells listeners that the trust bundle changed (root rotation phases). */
  bundleChanged(): void {
    const seq = this.ca.trustBundle().sequence;
    if (seq === this.bundleSequence) return;
    this.bundleSequence = seq;
    for (const l of this.listeners) l(undefined);
  }

  /** Certificates currently held, for expiry metrics. */
  held(): WorkloadCertificate[] {
    return [...this.current.values()].map((e) => e.cert);
  }

  stop(): void {
    for (const e of this.current.values()) clearTimeout(e.timer);
    this.current.clear();
  }

  private issue(spiffeId: string): WorkloadCertificate | undefined {
    const now = (this.o.now ?? Date.now)();
    const r = this.ca.issueSvid({ spiffeId, ttlMs: this.o.ttlMs, now });
    if (!r.ok) {
      this.o.log.error('certificate issuance refused', { identity: spiffeId, code: r.error.code, reason: r.error.message });
      return undefined;
    }
    const cert = r.svid;
    const jitter = ((this.o.random ?? Math.random)() * 2 - 1) * 0.1;
    const renewIn = Math.max(1_000, (cert.notAfter - now) * (0.5 + jitter));
    const timer = setTimeout(() => this.renew(spiffeId), renewIn);
    timer.unref();
    this.current.set(spiffeId, { cert, timer });
    return cert;
  }

  private renew(spiffeId: string): void {
    this.current.delete(spiffeId);
    if (!this.issue(spiffeId)) return;
    this.o.log.info('certificate renewed', { identity: spiffeId, notAfter: new Date(this.current.get(spiffeId)!.cert.notAfter).toISOString() });
    for (const l of this.listeners) l(spiffeId);
  }
}
