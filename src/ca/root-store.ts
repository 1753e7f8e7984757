/**
 * The self-managed root and its rotation, persisted in a StateDir (see state-dir.ts for layout) or
 * any other RootFiles (root-files.ts).
 *
 * On first open it creates a root (root.ts) and writes `ca.crt`, `ca.key` and `state.json`. On
 * later opens it reloads the same root, and the rotation phase and bundle sequence with it.
 * `begin`/`advance` apply a RootRotation transition and persist it: new files first, then
 * `state.json` (the commit point), then file renames that are only cosmetic.
 * Rotation steps within one process are serialised; two processes must not share a directory for
 * writing (one leader writes).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { checkTrustDomain } from './spiffe-id.js';
import { caFail, CaCodes, type CaResult } from './errors.js';
import { loadIssuer, type Issuer } from './issuer.js';
import { createRoot, type RootOptions } from './root.js';
import { RootRotation, type AckCheck } from './root-rotation.js';
import type { RootFiles } from './root-files.js';
import { StateDir, StateFiles as F } from './state-dir.js';

/** What the CA serves from in the current phase. */
export interface RootSet {
  readonly rotation: RootRotation;
  readonly sequence: number;
  readonly signer: Issuer;
  /** PEM of every root proxies must trust now, signer first. */
  readonly trusted: readonly string[];
}

export const fingerprint = (pem: string): string =>
  createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

export class RootStore {
  readonly #dir: RootFiles;
  readonly #rootOptions: Omit<RootOptions, 'now'>;
  #rotation: RootRotation;
  #sequence: number;
  /** Tail of the queue of rotation steps: each step starts after the previous one settled. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: RootFiles, rootOptions: Omit<RootOptions, 'now'>, rotation: RootRotation, sequence: number) {
    this.#dir = dir;
    this.#rootOptions = rootOptions;
    this.#rotation = rotation;
    this.#sequence = sequence;
  }

  /** Opens (creating on first use) the root in `dir` and returns the store with its current set. */
  static async open(dir: string | RootFiles, root: Omit<RootOptions, 'now'>, now: number): Promise<CaResult<{ store: RootStore; set: RootSet }>> {
    const td = checkTrustDomain(root.trustDomain);
    if (td) return caFail(CaCodes.badTrustDomain.code, `trust domain "${root.trustDomain}": ${td.message}`);
    const sd = typeof dir === 'string' ? new StateDir(dir) : dir;
    const ensured = await sd.ensure();
    if (!ensured.ok) return ensured;
    const saved = await sd.read(F.state);
    if (!saved.ok) return saved;
    const cert = await sd.read(F.cert);
    if (!cert.ok) return cert;
    if (saved.value === undefined && cert.value === undefined) {
      const minted = createRoot({ ...root, now });
      await sd.write(F.key, minted.key.revealPem());
      await sd.write(F.cert, minted.certPem);
    }
    const state = await readState(sd, saved.value);
    if (!state.ok) return state;
    const store = new RootStore(sd, root, state.value.rotation, state.value.sequence);
    if (saved.value === undefined) await store.#save();
    const set = await store.current(now);
    return set.ok ? { ok: true, value: { store, set: set.value } } : set;
  }

  /** Loads and validates the roots named by the current phase. */
  async current(now: number): Promise<CaResult<RootSet>> {
    const certs = await this.#readAll([F.cert, F.nextCert, F.prevCert]);
    const keys = await this.#readAll([F.key, F.nextKey, F.prevKey]);
    const trusted: string[] = [];
    for (const fp of this.#rotation.trusted()) {
      const pem = certs.get(fp);
      if (!pem) return caFail(CaCodes.badState.code, `root ${fp.slice(0, 16)}… named in state.json is missing`, this.#dir.dir);
      trusted.push(pem);
    }
    const signerPem = trusted[0]!;
    let last: CaResult<Issuer> = caFail(CaCodes.badState.code, 'no key file matches the signing root', this.#dir.file(F.key));
    for (const keyPem of keys.values()) {
      last = loadIssuer({ certPem: signerPem, keyPem, certFile: this.#dir.file(F.cert) }, now);
      if (last.ok || last.error.code !== CaCodes.keyMismatch.code) break;
    }
    if (!last.ok) return last;
    return { ok: true, value: { rotation: this.#rotation, sequence: this.#sequence, signer: last.value, trusted } };
  }

  /** stable(A) → trust-both(A, B): mints root B and publishes A + B. */
  begin(now: number): Promise<CaResult<RootSet>> {
    return this.#serial(() => this.#begin(now));
  }

  /** One phase forward when all proxies ACKed the current bundle. */
  advance(allAcked: AckCheck, now: number): Promise<CaResult<RootSet>> {
    return this.#serial(() => this.#advance(allAcked, now));
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #begin(now: number): Promise<CaResult<RootSet>> {
    const minted = createRoot({ ...this.#rootOptions, now });
    const next = this.#rotation.begin(fingerprint(minted.certPem));
    if (!next.ok) return next;
    await this.#dir.write(F.nextKey, minted.key.revealPem());
    await this.#dir.write(F.nextCert, minted.certPem);
    return this.#commit(next.value, now);
  }

  async #advance(allAcked: AckCheck, now: number): Promise<CaResult<RootSet>> {
    const next = this.#rotation.advance(allAcked);
    if (!next.ok) return next;
    const set = await this.#commit(next.value, now);
    if (set.ok) await this.#tidy();
    return set;
  }

  async #commit(rotation: RootRotation, now: number): Promise<CaResult<RootSet>> {
    const previous = { rotation: this.#rotation, sequence: this.#sequence };
    this.#rotation = rotation;
    this.#sequence += 1;
    const set = await this.current(now);
    if (!set.ok) {
      this.#rotation = previous.rotation;
      this.#sequence = previous.sequence;
      return set;
    }
    await this.#save();
    return set;
  }

  /** Renames files to match the phase; purely cosmetic since state.json names roots by fingerprint. */
  async #tidy(): Promise<void> {
    const phase = this.#rotation.state.phase;
    if (phase === 'sign-with-new') {
      await this.#dir.move(F.cert, F.prevCert);
      await this.#dir.remove(F.key);
      await this.#dir.move(F.nextCert, F.cert);
      await this.#dir.move(F.nextKey, F.key);
    } else if (phase === 'stable') {
      await this.#dir.remove(F.prevCert);
      await this.#dir.remove(F.prevKey);
    }
  }

  async #save(): Promise<void> {
    const body = { rotation: this.#rotation.toJSON(), sequence: this.#sequence };
    await this.#dir.write(F.state, JSON.stringify(body, null, 2) + '\n');
  }

  async #readAll(names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const n of names) {
      const r = await this.#dir.read(n);
      if (!r.ok || r.value === undefined) continue;
      try {
        out.set(n.endsWith('.crt') ? fingerprint(r.value) : n, r.value);
      } catch {
        // an unparsable file is simply not a candidate; `current` reports what is missing
      }
    }
    return out;
  }
}

async function readState(sd: RootFiles, saved: string | undefined): Promise<CaResult<{ rotation: RootRotation; sequence: number }>> {
  if (saved === undefined) {
    const cert = await sd.read(F.cert);
    if (!cert.ok || cert.value === undefined) return caFail(CaCodes.badState.code, 'ca.crt is missing', sd.file(F.cert));
    try {
      return { ok: true, value: { rotation: RootRotation.stable(fingerprint(cert.value)), sequence: 1 } };
    } catch {
      return caFail(CaCodes.badCertificate.code, 'cannot parse the certificate (expected PEM X.509 v3)', sd.file(F.cert));
    }
  }
  let parsed: { rotation?: unknown; sequence?: unknown };
  try {
    parsed = JSON.parse(saved) as typeof parsed;
  } catch {
    return caFail(CaCodes.badState.code, 'state.json is not valid JSON', sd.file(F.state));
  }
  const rotation = RootRotation.fromJSON(parsed.rotation);
  if (!rotation.ok) return { ok: false, error: { ...rotation.error, file: sd.file(F.state) } };
  const sequence = typeof parsed.sequence === 'number' && parsed.sequence >= 1 ? parsed.sequence : 1;
  return { ok: true, value: { rotation: rotation.value, sequence } };
}
