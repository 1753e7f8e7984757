import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer } from '../../src/controlplane/debounce.js';

/** A flush that records each call's merge count and, when `hold` is set, stays running until released. */
function recorder(hold = false) {
  const calls: number[] = [];
  const releases: (() => void)[] = [];
  const flush = (n: number) => {
    calls.push(n);
    return hold ? new Promise<void>((resolve) => releases.push(resolve)) : undefined;
  };
  return { calls, releases, flush };
}

describe('Debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes once the quiet period passes without a new change, merging the changes before it', async () => {
    const r = recorder();
    const d = new Debouncer({ quietMs: 100, maxMs: 10_000 }, r.flush);
    d.trigger();
    await vi.advanceTimersByTimeAsync(60);
    d.trigger();
    d.trigger();
    await vi.advanceTimersByTimeAsync(99);
    expect(r.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toEqual([3]);
    expect(d.busy).toBe(false);
  });

  it('flushes at the maximum wait even while changes keep arriving inside the quiet period', async () => {
    const r = recorder();
    const d = new Debouncer({ quietMs: 100, maxMs: 1_000 }, r.flush);
    for (let t = 0; t < 999; t += 50) {
      d.trigger();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(r.calls).toEqual([20]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts the maximum wait again after a flush (it counts from the first change of a round)', async () => {
    const r = recorder();
    const d = new Debouncer({ quietMs: 100, maxMs: 300 }, r.flush);
    d.trigger();
    await vi.advanceTimersByTimeAsync(100);
    expect(r.calls).toEqual([1]);
    for (let i = 0; i < 5; i++) {
      d.trigger();
      await vi.advanceTimersByTimeAsync(60);
    }
    expect(r.calls).toEqual([1, 5]);
  });

  it('flushNow runs a pending flush at once and resolves when it has finished', async () => {
    const r = recorder(true);
    const d = new Debouncer({ quietMs: 100, maxMs: 10_000 }, r.flush);
    d.trigger();
    d.trigger();
    let done = false;
    const flushed = d.flushNow().then(() => (done = true));
    expect(r.calls).toEqual([2]);
    await Promise.resolve();
    expect(done).toBe(false);
    r.releases[0]!();
    await flushed;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flushNow with nothing pending waits for the running flush, or resolves at once when idle', async () => {
    const r = recorder(true);
    const d = new Debouncer({ quietMs: 10, maxMs: 100 }, r.flush);
    await d.flushNow();
    expect(r.calls).toEqual([]);
    d.trigger();
    await vi.advanceTimersByTimeAsync(10);
    let done = false;
    const waited = d.flushNow().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    r.releases[0]!();
    await waited;
    expect(r.calls).toEqual([1]);
  });

  it('is busy while a change waits and while a flush runs, and idle after', async () => {
    const r = recorder(true);
    const d = new Debouncer({ quietMs: 10, maxMs: 100 }, r.flush);
    expect(d.busy).toBe(false);
    d.trigger();
    expect(d.busy).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    expect(r.calls).toEqual([1]);
    expect(d.busy).toBe(true);
    r.releases[0]!();
    await d.flushNow();
    expect(d.busy).toBe(false);
  });

  it('never runs two flushes at once: changes during a flush make one more flush after it', async () => {
    const r = recorder(true);
    const d = new Debouncer({ quietMs: 10, maxMs: 100 }, r.flush);
    d.trigger();
    await vi.advanceTimersByTimeAsync(10);
    d.trigger();
    d.trigger();
    await vi.advanceTimersByTimeAsync(200);
    expect(r.calls).toEqual([1]);
    r.releases[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([1, 2]);
    r.releases[1]!();
    await d.flushNow();
    expect(d.busy).toBe(false);
  });

  it('two callers of flushNow during a flush both resolve only after the next round has flushed', async () => {
    const r = recorder(true);
    const d = new Debouncer({ quietMs: 10, maxMs: 100 }, r.flush);
    d.trigger();
    const first = d.flushNow();
    d.trigger();
    let secondDone = false;
    let thirdDone = false;
    const second = d.flushNow().then(() => (secondDone = true));
    const third = d.flushNow().then(() => (thirdDone = true));
    r.releases[0]!();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([1, 1]);
    expect([secondDone, thirdDone]).toEqual([false, false]);
    r.releases[1]!();
    await Promise.all([second, third]);
    expect(r.calls).toEqual([1, 1]);
  });

  it('after stop, no timer fires; a pending change still flushes on flushNow', async () => {
    const r = recorder();
    const d = new Debouncer({ quietMs: 10, maxMs: 100 }, r.flush);
    d.trigger();
    d.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.calls).toEqual([]);
    expect(d.busy).toBe(true);
    await d.flushNow();
    expect(r.calls).toEqual([1]);
  });
});
