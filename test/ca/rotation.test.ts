import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CertificateAuthority, RotationSchedule, SvidManager, type IssueRequest, type IssueResult, type Svid, type Timers,
} from '../../src/ca/index.js';

const TD = 'cluster.local';
const HOUR = 3600_000;
const ID = `spiffe://${TD}/ns/default/sa/web`;

/** A manual clock: timers fire only when the test advances time. */
class ManualClock implements Timers {
  t = Date.UTC(2026, 0, 1);
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.#timers.delete(h as number);
  }
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time forward, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

async function openCa(clock: ManualClock) {
  const ca = await CertificateAuthority.open(path.join(await mkdtemp(path.join(tmpdir(), 'weft-rot-')), 'ca'), {
    trustDomain: TD, clock: () => clock.now(),
  });
  if (!ca.ok) throw new Error(ca.error.message);
  return ca.value;
}

describe('RotationSchedule', () => {
  const s = new RotationSchedule();
  it.each([
    [0, 40], [0.25, 45], [0.5, 50], [0.75, 55], [0.999999, 60],
  ])('with rand()=%s renews at %s percent of life', (r, pct) => {
    expect(Math.abs(s.renewAt(1000, 1000 + 100 * HOUR, () => r) - (1000 + pct * HOUR))).toBeLessThan(1000);
  });

  it('spreads renewals between 40 % and 60 % of life', () => {
    const at = Array.from({ length: 1000 }, (_, i) => s.renewAt(0, 1000, () => i / 1000));
    expect(Math.min(...at)).toBe(400);
    expect(Math.max(...at)).toBe(600);
  });
});

describe('SvidManager', () => {
  it('issues once per identity and renews on time with the injected clock', async () => {
    const clock = new ManualClock();
    const ca = await openCa(clock);
    const m = new SvidManager({ issuer: ca, timers: clock, rand: () => 0.5, ttlMs: 24 * HOUR });
    const rotations: [string, Svid][] = [];
    m.onRotate((id, svid) => rotations.push([id, svid]));
    const first = m.get(ID);
    if (!first.ok) throw new Error(first.error.message);
    const again = m.get(ID);
    expect(again.ok && again.svid).toBe(first.svid);
    expect(clock.pending).toBe(1);
    // measured from issuance (notBefore is back-dated 60 s), so 50 % of 24 h is now + 12 h
    clock.advance(12 * HOUR - 1000);
    expect(rotations).toHaveLength(0);
    clock.advance(2000);
    expect(rotations).toHaveLength(1);
    expect(rotations[0]![0]).toBe(ID);
    expect(rotations[0]![1].serial).not.toBe(first.svid.serial);
    const current = m.get(ID);
    expect(current.ok && current.svid).toBe(rotations[0]![1]);
    clock.advance(48 * HOUR);
    expect(rotations).toHaveLength(5);
    m.close();
    expect(clock.pending).toBe(0);
  });

  it('does not renew on every get() when the TTL is shorter than the back-dating', async () => {
    const clock = new ManualClock();
    const m = new SvidManager({ issuer: await openCa(clock), timers: clock, rand: () => 0.5, ttlMs: 30_000 });
    const a = m.get(ID);
    clock.advance(10_000);
    const b = m.get(ID);
    expect(a.ok && b.ok && a.svid === b.svid).toBe(true);
    clock.advance(6_000);
    const c = m.get(ID);
    expect(c.ok && a.ok && c.svid !== a.svid).toBe(true);
  });

  it('renews on get() when the timer was late (e.g. the host slept)', async () => {
    const clock = new ManualClock();
    const ca = await openCa(clock);
    const m = new SvidManager({ issuer: ca, timers: { ...clock, now: () => clock.now(), setTimeout: () => 0, clearTimeout: () => {} }, rand: () => 0.5 });
    const a = m.get(ID);
    clock.t += 13 * HOUR;
    const b = m.get(ID);
    expect(a.ok && b.ok && a.svid.serial !== b.svid.serial).toBe(true);
  });

  it('keeps the old SVID and retries when renewal fails', () => {
    const clock = new ManualClock();
    let fail = false;
    const real = { n: 0 };
    const issuer = {
      issueSvid(req: IssueRequest): IssueResult {
        if (fail) return { ok: false, error: { code: 'WEFT5108', severity: 'error', message: 'expired' } };
        real.n++;
        const fake = { serial: String(real.n), notBefore: req.now!, notAfter: req.now! + 10 * HOUR, spiffeId: req.spiffeId };
        return { ok: true, svid: fake as unknown as Svid };
      },
    };
    const m = new SvidManager({ issuer, timers: clock, rand: () => 0.5, retryMs: 60_000 });
    const errors: string[] = [];
    m.onError((_id, e) => errors.push(e.code));
    const first = m.get(ID);
    fail = true;
    clock.advance(5 * HOUR);
    expect(errors).toEqual(['WEFT5108']);
    const kept = m.get(ID);
    expect(kept.ok && first.ok && kept.svid).toBe(first.ok && first.svid);
    fail = false;
    clock.advance(60_000);
    const renewed = m.get(ID);
    expect(renewed.ok && renewed.svid.serial).toBe('2');
  });

  it('re-issues every SVID from the new root after a root rotation step', async () => {
    const clock = new ManualClock();
    const ca = await openCa(clock);
    const m = new SvidManager({ issuer: ca, timers: clock });
    const other = `spiffe://${TD}/ns/default/sa/other`;
    m.get(ID);
    m.get(other);
    const rotated: string[] = [];
    m.onRotate((id) => rotated.push(id));
    await ca.beginRootRotation();
    const step = await ca.advanceRootRotation(true);
    expect(step.ok).toBe(true);
    m.renewAll();
    expect(rotated.sort()).toEqual([ID, other].sort());
    const [rootB] = ca.trustBundle().pems;
    const cur = m.get(ID);
    if (!cur.ok) throw new Error(cur.error.message);
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(cur.svid.certPem).verify(new X509Certificate(rootB!).publicKey)).toBe(true);
  });

  it('stops renewing an identity after release', async () => {
    const clock = new ManualClock();
    const m = new SvidManager({ issuer: await openCa(clock), timers: clock });
    m.get(ID);
    m.get(`spiffe://${TD}/ns/default/sa/other`);
    expect(m.size).toBe(2);
    m.release(ID);
    expect([m.size, clock.pending]).toEqual([1, 1]);
  });
});

describe('key redaction', () => {
  it('never prints a private key through JSON.stringify, util.inspect or string conversion', async () => {
    const clock = new ManualClock();
    const ca = await openCa(clock);
    const r = ca.issueSvid({ spiffeId: ID });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.svid.keyPem).toContain('PRIVATE KEY');
    const views = [
      JSON.stringify(r.svid), JSON.stringify({ nested: [r.svid] }), inspect(r.svid), inspect({ deep: { svid: r.svid } }, { depth: 10, showHidden: true }),
      String(r.svid), `${r.svid}`, JSON.stringify({ ...r.svid }), inspect(r), JSON.stringify(r), inspect(ca, { depth: 10, showHidden: true }),
    ];
    for (const v of views) expect(v).not.toContain('PRIVATE KEY');
    const m = new SvidManager({ issuer: ca, timers: clock });
    m.get(ID);
    expect(inspect(m, { depth: 10, showHidden: true })).not.toContain('PRIVATE KEY');
  });
});
