/**
 * Workload certificate rotation: when to renew (RotationSchedule) and a small per-identity cache
 * that renews on time (SvidManager).
 *
 * Renewal at 50 % of life ± 10 % jitter follows SPIRE (REFERENCE.md §4): half the life is left as
 * margin for a control plane outage, and jitter spreads the renewals of proxies that started
 * together (a rollout, a control plane restart) so they do not all hit the CA in the same second.
 * Envoy applies a new SDS certificate to new connections only (envoy#28386), so early renewal also
 * bounds how long old connections keep an old certificate.
 */
import type { IssueRequest, IssueResult } from './authority.js';
import type { CaError } from './errors.js';
import type { SpiffeIdError } from './spiffe-id.js';
import type { Svid } from './svid.js';

export class RotationSchedule {
  readonly fraction: number;
  readonly jitter: number;

  /** `fraction` of the lifetime, ± `jitter` (both fractions of the lifetime). */
  constructor(fraction = 0.5, jitter = 0.1) {
    this.fraction = fraction;
    this.jitter = jitter;
  }

  /** When to renew a certificate valid in [notBefore, notAfter]; `rand` returns [0, 1). */
  renewAt(notBefore: number, notAfter: number, rand: () => number): number {
    const life = notAfter - notBefore;
    const f = this.fraction + this.jitter * (2 * rand() - 1);
    return notBefore + Math.round(life * Math.min(1, Math.max(0, f)));
  }
}

/** The clock and timers the manager uses; `realTimers` in production, a manual clock in tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What the manager needs from a CA (CertificateAuthority satisfies it). */
export interface SvidIssuer {
  issueSvid(req: IssueRequest): IssueResult;
}

export interface SvidManagerOptions {
  readonly issuer: SvidIssuer;
  readonly timers?: Timers;
  readonly schedule?: RotationSchedule;
  readonly rand?: () => number;
  readonly ttlMs?: number;
  /** Delay before retrying a failed renewal (default 30 s). */
  readonly retryMs?: number;
}

export type RotateListener = (spiffeId: string, svid: Svid) => void;
export type RenewErrorListener = (spiffeId: string, error: CaError | SpiffeIdError) => void;

/** setTimeout's ceiling (~24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  svid: Svid;
  renewAt: number;
  timer: unknown;
}

/**
 * Keeps one current SVID per SPIFFE ID: issues on first `get`, renews when due (timer-driven, or
 * on `get` if a timer was late), and tells listeners after each renewal so the SDS layer can push.
 * Holds keys only inside Svid objects (redacted when printed) and never logs. Single-threaded;
 * `close()` stops every timer.
 */
export class SvidManager {
  readonly #opts: SvidManagerOptions;
  readonly #timers: Timers;
  readonly #schedule: RotationSchedule;
  readonly #entries = new Map<string, Entry>();
  readonly #rotateListeners = new Set<RotateListener>();
  readonly #errorListeners = new Set<RenewErrorListener>();

  constructor(opts: SvidManagerOptions) {
    this.#opts = opts;
    this.#timers = opts.timers ?? realTimers;
    this.#schedule = opts.schedule ?? new RotationSchedule();
  }

  /** The current SVID for `spiffeId`, issuing (and scheduling its renewal) when needed. */
  get(spiffeId: string): IssueResult {
    const entry = this.#entries.get(spiffeId);
    if (entry && this.#timers.now() < entry.renewAt) return { ok: true, svid: entry.svid };
    return this.#renew(spiffeId, entry !== undefined);
  }

  /** Subscribes to renewals; returns the unsubscribe function. */
  onRotate(listener: RotateListener): () => void {
    this.#rotateListeners.add(listener);
    return () => this.#rotateListeners.delete(listener);
  }

  /** Subscribes to failed renewals (the old SVID stays current until it expires). */
  onError(listener: RenewErrorListener): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Stops tracking an identity (its last proxy disconnected). */
  release(spiffeId: string): void {
    const entry = this.#entries.get(spiffeId);
    if (entry) this.#timers.clearTimeout(entry.timer);
    this.#entries.delete(spiffeId);
  }

  /** Re-issues every tracked SVID now (after a root rotation step), notifying listeners. */
  renewAll(): void {
    for (const id of [...this.#entries.keys()]) this.#renew(id, true);
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    for (const id of [...this.#entries.keys()]) this.release(id);
  }

  #renew(spiffeId: string, notify: boolean): IssueResult {
    const now = this.#timers.now();
    const r = this.#opts.issuer.issueSvid({ spiffeId, now, ...(this.#opts.ttlMs ? { ttlMs: this.#opts.ttlMs } : {}) });
    const old = this.#entries.get(spiffeId);
    if (old) this.#timers.clearTimeout(old.timer);
    if (!r.ok) {
      if (old && now < old.svid.notAfter) this.#arm(spiffeId, old, now + (this.#opts.retryMs ?? 30_000));
      for (const l of this.#errorListeners) l(spiffeId, r.error);
      return old && now < old.svid.notAfter ? { ok: true, svid: old.svid } : r;
    }
    // From issuance, not notBefore: notBefore is back-dated for clock skew, which with a short TTL
    // would put the renewal time in the past and renew on every get().
    const renewAt = this.#schedule.renewAt(Math.max(now, r.svid.notBefore), r.svid.notAfter, this.#opts.rand ?? Math.random);
    const entry: Entry = { svid: r.svid, renewAt, timer: undefined };
    this.#entries.set(spiffeId, entry);
    this.#arm(spiffeId, entry, renewAt);
    if (notify) for (const l of this.#rotateListeners) l(spiffeId, r.svid);
    return r;
  }

  #arm(spiffeId: string, entry: Entry, at: number): void {
    entry.renewAt = at;
    const delay = Math.max(0, Math.min(at - this.#timers.now(), MAX_TIMER_MS));
    entry.timer = this.#timers.setTimeout(() => this.#fire(spiffeId, entry), delay);
  }

  #fire(spiffeId: string, entry: Entry): void {
    if (this.#entries.get(spiffeId) !== entry) return;
    if (this.#timers.now() < entry.renewAt) this.#arm(spiffeId, entry, entry.renewAt);
    else this.#renew(spiffeId, true);
  }
}
