/**
 * CertificateAuthority: weft's built-in CA. Issues X.509-SVIDs for workloads and bootstrap client
 * certificates for xDS clients, and serves the trust bundle.
 *
 * Two modes:
 * - `open(dir)`: a self-managed root in a state directory, created on first start, with root
 *   rotation (`beginRootRotation` / `advanceRootRotation`);
 * - `fromFiles({ certFile, keyFile, chainFile })`: an operator-provided root or intermediate,
 *   validated at load; its rotation belongs to the operator (restart with new files).
 *
 * Issuance is synchronous and CPU-bound (~0.15 ms per certificate); call it from the event loop,
 * never while holding a lock across an await. The instance is mutable only through the rotation
 * methods, which swap the issuer atomically between two issuance calls.
 */
import { CaCodes, caFail, type CaError, type CaResult } from './errors.js';
import { loadIssuer, type Issuer, type IssuerFiles } from './issuer.js';
import type { RootFiles } from './root-files.js';
import { RootStore, type RootSet } from './root-store.js';
import type { AckCheck, RootPhase } from './root-rotation.js';
import { checkTrustDomain, parseSpiffeId, type SpiffeIdError } from './spiffe-id.js';
import { readOperatorFile } from './state-dir.js';
import { SvidTemplate } from './svid-template.js';
import type { Svid } from './svid.js';
import { caExpiryWarnings, type Validity } from './expiry.js';

export const DEFAULT_SVID_TTL_MS = 24 * 3600 * 1000;
export const DEFAULT_BOOTSTRAP_TTL_MS = 365 * 24 * 3600 * 1000;

export interface CaOptions {
  readonly trustDomain: string;
  /** Clock for loading and default issuance times; defaults to Date.now. */
  readonly clock?: () => number;
}

export interface IssueRequest {
  /** Full SPIFFE ID text; must be in this CA's trust domain and have a path. */
  readonly spiffeId: string;
  readonly ttlMs?: number;
  readonly now?: number;
}

export type IssueResult = { ok: true; svid: Svid } | { ok: false; error: CaError | SpiffeIdError };

/** The roots proxies must trust. `sequence` increases on every change (SPIFFE `spiffe_sequence`). */
export interface TrustBundle {
  readonly pems: readonly string[];
  readonly sequence: number;
}

export interface OperatorFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly chainFile?: string;
}

export class CertificateAuthority {
  readonly trustDomain: string;
  readonly #clock: () => number;
  #store: RootStore | undefined;
  #issuer: Issuer;
  #template: SvidTemplate;
  #bundle: TrustBundle;
  #phase: RootPhase | undefined;

  private constructor(opts: CaOptions, issuer: Issuer, bundle: TrustBundle, store?: RootStore) {
    this.trustDomain = opts.trustDomain;
    this.#clock = opts.clock ?? Date.now;
    this.#store = store;
    this.#issuer = issuer;
    this.#template = new SvidTemplate(issuer);
    this.#bundle = bundle;
  }

  /** Self-managed mode: loads the root in `dir`, creating it (and `dir`, 0700) on first start;
   * or in other RootFiles (a store the caller persists, e.g. a Kubernetes Secret). */
  static async open(dir: string | RootFiles, opts: CaOptions): Promise<CaResult<CertificateAuthority>> {
    const now = (opts.clock ?? Date.now)();
    const opened = await RootStore.open(dir, { trustDomain: opts.trustDomain }, now);
    if (!opened.ok) return opened;
    const ca = new CertificateAuthority(opts, opened.value.set.signer, bundleOf(opened.value.set), opened.value.store);
    ca.#phase = opened.value.set.rotation.state;
    return { ok: true, value: ca };
  }

  /** Operator mode: a root, or an intermediate with a chain file ending at its root. */
  static async fromFiles(files: OperatorFiles, opts: CaOptions): Promise<CaResult<CertificateAuthority>> {
    const cert = await readOperatorFile(files.certFile);
    const key = cert.ok ? await readOperatorFile(files.keyFile) : cert;
    const chain = key.ok && files.chainFile ? await readOperatorFile(files.chainFile) : key;
    if (!cert.ok || !key.ok || !chain.ok) return [cert, key, chain].find((r) => !r.ok) as { ok: false; error: CaError };
    return CertificateAuthority.fromPem(
      { certPem: cert.value, keyPem: key.value, certFile: files.certFile, keyFile: files.keyFile,
        ...(files.chainFile ? { chainPem: chain.value, chainFile: files.chainFile } : {}) },
      opts,
    );
  }

  /** Operator mode from PEM text already in memory (a Kubernetes Secret, tests). */
  static fromPem(files: IssuerFiles, opts: CaOptions): CaResult<CertificateAuthority> {
    const td = checkTrustDomain(opts.trustDomain);
    if (td) return caFail(CaCodes.badTrustDomain.code, `trust domain "${opts.trustDomain}": ${td.message}`);
    const issuer = loadIssuer(files, (opts.clock ?? Date.now)());
    if (!issuer.ok) return issuer;
    return { ok: true, value: new CertificateAuthority(opts, issuer.value, { pems: [issuer.value.rootPem], sequence: 1 }) };
  }

  /** A workload X.509-SVID (default TTL 24 h), profile in svid-template.ts. */
  issueSvid(req: IssueRequest): IssueResult {
    return this.#issue(req, req.ttlMs ?? DEFAULT_SVID_TTL_MS);
  }

  /** An xDS client certificate for `weft bootstrap`: same profile, default TTL one year. */
  issueBootstrapCert(req: IssueRequest): IssueResult {
    return this.#issue(req, req.ttlMs ?? DEFAULT_BOOTSTRAP_TTL_MS);
  }

  #issue(req: IssueRequest, ttlMs: number): IssueResult {
    const parsed = parseSpiffeId(req.spiffeId);
    if (!parsed.ok) return parsed;
    if (parsed.id.trustDomain !== this.trustDomain) {
      return caFail(CaCodes.badTrustDomain.code, `"${req.spiffeId}" is not in trust domain "${this.trustDomain}"`);
    }
    if (parsed.id.path === '') return caFail(CaCodes.idWithoutPath.code, 'a workload SPIFFE ID needs a path');
    if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) return caFail(CaCodes.badTtl.code, `TTL must be a positive number of ms, got ${ttlMs}`);
    const now = req.now ?? this.#clock();
    if (now >= this.#issuer.notAfter) {
      return caFail(CaCodes.expired.code, `the CA certificate expired at ${new Date(this.#issuer.notAfter).toISOString()}`);
    }
    if (now < this.#issuer.notBefore) {
      return caFail(CaCodes.expired.code, `the CA certificate is not valid before ${new Date(this.#issuer.notBefore).toISOString()}`);
    }
    return { ok: true, svid: this.#template.issue(req.spiffeId, ttlMs, now) };
  }

  trustBundle(): TrustBundle {
    return this.#bundle;
  }

  /** Validity of the signing certificate (notAfter clamps every issued certificate). */
  expiry(): Validity {
    return { label: 'signing CA', notBefore: this.#issuer.notBefore, notAfter: this.#issuer.notAfter };
  }

  /** Human warnings when the signing CA, or a CA above it, has less than `thresholdFraction` of its
   * life left (default 20 %, as Istio re-issues its root). */
  expiryWarnings(now = this.#clock(), thresholdFraction = 0.2): string[] {
    return caExpiryWarnings([this.expiry(), ...this.#issuer.chainValidity], now, thresholdFraction);
  }

  /** The root rotation phase, or undefined in operator mode. */
  rotationPhase(): RootPhase | undefined {
    return this.#phase;
  }

  /** stable(A) → trust-both(A, B). Push the new bundle, wait for ACKs, then `advanceRootRotation`. */
  async beginRootRotation(): Promise<CaResult<RootPhase>> {
    if (!this.#store) return caFail(CaCodes.rotation.code, 'root rotation needs a self-managed CA (operator CA files are rotated by the operator)');
    return this.#apply(await this.#store.begin(this.#clock()));
  }

  /** One phase forward, only when `allAcked` says every proxy ACKed the current bundle. */
  async advanceRootRotation(allAcked: AckCheck): Promise<CaResult<RootPhase>> {
    if (!this.#store) return caFail(CaCodes.rotation.code, 'no root rotation in operator mode');
    return this.#apply(await this.#store.advance(allAcked, this.#clock()));
  }

  /**
   * Takes over the roots, rotation phase and bundle of `other` (a CA opened from a newer copy of
   * the same shared store): between two issuance calls, as a rotation step swaps them.
   */
  adopt(other: CertificateAuthority): void {
    if (other.trustDomain !== this.trustDomain) throw new Error(`cannot adopt a CA of trust domain ${other.trustDomain}`);
    this.#store = other.#store;
    this.#issuer = other.#issuer;
    this.#template = other.#template;
    this.#bundle = other.#bundle;
    this.#phase = other.#phase;
  }

  #apply(set: CaResult<RootSet>): CaResult<RootPhase> {
    if (!set.ok) return set;
    this.#issuer = set.value.signer;
    this.#template = new SvidTemplate(set.value.signer);
    this.#bundle = bundleOf(set.value);
    this.#phase = set.value.rotation.state;
    return { ok: true, value: this.#phase };
  }
}

const bundleOf = (set: RootSet): TrustBundle => ({ pems: set.trusted, sequence: set.sequence });
