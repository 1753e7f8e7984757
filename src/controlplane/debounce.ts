/**
 * Debouncing of configuration changes: wait for `quietMs` without new changes, but never longer
 * than `maxMs` after the first pending change (REFERENCE.md §7: Istio 100 ms / 10 s).
 * `flush` runs at most once at a time; changes arriving during a flush start a new round.
 */
export interface DebounceOptions {
  readonly quietMs: number;
  readonly maxMs: number;
}

export class Debouncer {
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  private pendingSince?: number;
  private merged = 0;
  private running?: Promise<void>;

  constructor(
    private readonly options: DebounceOptions,
    private readonly flush: (mergedChanges: number) => Promise<void> | void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one change. */
  trigger(): void {
    this.merged++;
    this.pendingSince ??= this.now();
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => void this.fire(), this.options.quietMs);
    this.maxTimer ??= setTimeout(() => void this.fire(), this.options.maxMs);
  }

  /** True while a change waits or a flush runs. */
  get busy(): boolean {
    return this.pendingSince !== undefined || this.running !== undefined;
  }

  /** Runs a pending flush now (tests, shutdown). */
  async flushNow(): Promise<void> {
    if (this.pendingSince !== undefined) await this.fire();
    else await this.running;
  }

  stop(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
  }

  private async fire(): Promise<void> {
    if (this.running) {
      await this.running;
      if (this.pendingSince === undefined) return;
    }
    this.stop();
    this.quietTimer = this.maxTimer = undefined;
    const merged = this.merged;
    this.merged = 0;
    this.pendingSince = undefined;
    this.running = Promise.resolve(this.flush(merged)).finally(() => (this.running = undefined));
    await this.running;
  }
}
