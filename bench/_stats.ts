/**
 * Small measurement helpers shared by benchmarks: percentiles, medians, a forced GC for memory
 * figures, and an event-loop delay probe.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Growth over a series of `[x, y]` samples as the least-squares line sees it: the line's rise from
 * the first sample's x to the last's, in % of its value at the first. One noisy end sample moves
 * it far less than it moves last-minus-first. 0 for fewer than two distinct x.
 */
export function trendGrowthPct(samples: readonly (readonly [number, number])[]): number {
  const n = samples.length;
  const mx = samples.reduce((a, [x]) => a + x, 0) / n;
  const my = samples.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = samples.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (n < 2 || sxx === 0) return 0;
  const slope = samples.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  const [first, last] = [samples[0]![0], samples[n - 1]![0]];
  const start = my + slope * (first - mx);
  return (slope * (last - first) / start) * 100;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Three decimals: CPU seconds per fan-out round, where the floor's is a few tens of ms. */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * A full GC, so RSS differences measure live memory rather than garbage. Works without
 * `--expose-gc` on the command line by enabling the flag at run time and fetching `gc` from a
 * fresh context (where V8 installs it); returns false if even that is unavailable.
 */
export function forceGc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc ?? fetchGc();
  if (!g) return false;
  g();
  g();
  return true;
}

function fetchGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export function rssMb(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}


/**
 * Event-loop delay over an interval: `start()`, then `stop()` returns the p99 and max lateness of
 * a 5 ms timer chain, in ms. A hand-rolled chain rather than `monitorEventLoopDelay`, whose
 * histogram came back empty when the loop was blocked for most of a short interval.
 */
export class LoopDelayProbe {
  private samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;

  start(): void {
    this.samples = [];
    this.schedule(performance.now());
  }

  /** Includes the lateness of the tick still pending, so a loop blocked until now is counted. */
  stop(): { p99Ms: number; maxMs: number } {
    clearTimeout(this.timer);
    this.samples.push(Math.max(0, performance.now() - this.expected));
    return { p99Ms: percentile(this.samples, 99), maxMs: Math.max(...this.samples) };
  }

  private schedule(from: number): void {
    this.expected = from + 5;
    this.timer = setTimeout(() => {
      const now = performance.now();
      this.samples.push(Math.max(0, now - this.expected));
      this.schedule(now);
    }, 5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
