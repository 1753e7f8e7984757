/**
 * Debouncing of configuration changes: wait for `quietMs` without new changes, but never longer
 * than `maxMs` after the first pending change (REFERENCE.md §7: Istio 100 ms / 10 s).
 * `flush` runs at most once at a time and is given how many changes it merges; changes arriving
 * during a flush start a new round once that flush has finished.
 */
export interface DebounceOptions {
  readonly quietMs: number;
  readonly maxMs: number;
}

export class Debouncer {
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  /** Changes since the last flush began; > 0 means a flush is pending. */
  private merged = 0;
  private running?: Promise<void>;

  constructor(
    private readonly options: DebounceOptions,
    private readonly flush: (mergedChanges: number) => Promise<void> | void,
  ) {}

  /** Records one change. */
  trigger(): void {
    this.merged++;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => void this.fire(), this.options.quietMs);
    this.maxTimer ??= setTimeout(() => void this.fire(), this.options.maxMs);
  }

  /** True while a change waits or a flush runs. */
  get busy(): boolean {
    return this.merged > 0 || this.running !== undefined;
  }

  /** Runs a pending flush now, or waits for the running one (tests, shutdown). Resolves when done. */
  async flushNow(): Promise<void> {
    if (this.merged > 0) await this.fire();
    else await this.running;
  }

  /** Cancels the timers: a pending change waits for `trigger` or `flushNow`. */
  stop(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
  }

  private async fire(): Promise<void> {
    // Another caller may start the next flush while this one waits: wait for that one too.
    while (this.running) await this.running;
    if (this.merged === 0) return;
    this.stop();
    const merged = this.merged;
    this.merged = 0;
    this.running = Promise.resolve(this.flush(merged)).finally(() => (this.running = undefined));
    await this.running;
  }
}
