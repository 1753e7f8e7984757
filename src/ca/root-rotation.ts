/**
 * Root rotation as pure state transitions (Istio's four phases, REFERENCE.md §4):
 *
 *   stable(A) ─begin(B)─► trust-both(A,B) ─advance─► sign-with-new(B; trust A,B) ─advance─► stable(B)
 *
 * Each `advance` is allowed only once every connected proxy has ACKed the trust bundle of the
 * current phase: a proxy that does not yet trust B would reject certificates signed by B, and one
 * that still sees certificates from A must keep trusting A until they are all replaced. The caller
 * (the reconciler) knows the ACK state; it passes it in as a boolean or a predicate.
 *
 * Roots are named by fingerprint (SHA-256 of the certificate DER, hex). Values are immutable; every
 * transition returns a new `RootRotation` or an error, never throws.
 */
import { caFail, CaCodes, type CaResult } from './errors.js';

export type RootPhase =
  | { readonly phase: 'stable'; readonly active: string }
  | { readonly phase: 'trust-both'; readonly active: string; readonly next: string }
  | { readonly phase: 'sign-with-new'; readonly active: string; readonly previous: string };

export type AckCheck = boolean | (() => boolean);

export class RootRotation {
  /** The current phase; `active` is always the root that signs. */
  readonly state: RootPhase;

  private constructor(state: RootPhase) {
    this.state = state;
  }

  static stable(active: string): RootRotation {
    return new RootRotation({ phase: 'stable', active });
  }

  /** Rebuilds a value saved by `toJSON`; an error for anything else. */
  static fromJSON(v: unknown): CaResult<RootRotation> {
    const o = (v ?? {}) as Record<string, unknown>;
    const str = (k: string) => typeof o[k] === 'string' && (o[k] as string).length > 0;
    if (o.phase === 'stable' && str('active')) return ok(RootRotation.stable(o.active as string));
    if (o.phase === 'trust-both' && str('active') && str('next')) {
      return ok(new RootRotation({ phase: 'trust-both', active: o.active as string, next: o.next as string }));
    }
    if (o.phase === 'sign-with-new' && str('active') && str('previous')) {
      return ok(new RootRotation({ phase: 'sign-with-new', active: o.active as string, previous: o.previous as string }));
    }
    return caFail(CaCodes.badState.code, 'rotation state is not a known phase');
  }

  /** stable(A) → trust-both(A, next). Refused in any other phase or when next is A. */
  begin(next: string): CaResult<RootRotation> {
    if (this.state.phase !== 'stable') {
      return caFail(CaCodes.rotation.code, `a root rotation is already in progress (phase ${this.state.phase})`);
    }
    if (next === this.state.active) return caFail(CaCodes.rotation.code, 'the new root is the current root');
    return ok(new RootRotation({ phase: 'trust-both', active: this.state.active, next }));
  }

  /** Moves one phase forward when `allAcked` holds; refused in `stable` or when not all ACKed. */
  advance(allAcked: AckCheck): CaResult<RootRotation> {
    const s = this.state;
    if (s.phase === 'stable') return caFail(CaCodes.rotation.code, 'no root rotation in progress');
    const acked = typeof allAcked === 'function' ? allAcked() : allAcked;
    if (!acked) {
      return caFail(CaCodes.rotation.code, `not every proxy has acknowledged the ${s.phase} trust bundle yet`);
    }
    if (s.phase === 'trust-both') {
      return ok(new RootRotation({ phase: 'sign-with-new', active: s.next, previous: s.active }));
    }
    return ok(RootRotation.stable(s.active));
  }

  /** Fingerprints of the roots proxies must trust in this phase, signer first. */
  trusted(): readonly string[] {
    const s = this.state;
    if (s.phase === 'stable') return [s.active];
    return s.phase === 'trust-both' ? [s.active, s.next] : [s.active, s.previous];
  }

  /** Fingerprint of the root that signs new certificates. */
  signer(): string {
    return this.state.active;
  }

  toJSON(): RootPhase {
    return this.state;
  }
}

const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
