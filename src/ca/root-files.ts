/**
 * Where the self-managed root and its rotation state live: the files of the state directory
 * (state-dir.ts) by default, or any store with the same named files. `MemoryRootFiles` holds them
 * in memory for a caller that persists them elsewhere as one unit (the control plane keeps them
 * in a Kubernetes Secret shared by replicas, one atomic write per rotation step).
 */
import type { CaResult } from './errors.js';

/** The file operations RootStore needs (StateDir has them). Names are `StateFiles` values. */
export interface RootFiles {
  /** For messages: the directory, or what holds the files. */
  readonly dir: string;
  file(name: string): string;
  ensure(): Promise<CaResult<true>>;
  read(name: string): Promise<CaResult<string | undefined>>;
  write(name: string, data: string): Promise<void>;
  move(from: string, to: string): Promise<void>;
  remove(name: string): Promise<void>;
}

/** Named files in memory; `entries()` is what to persist after a change. */
export class MemoryRootFiles implements RootFiles {
  readonly #files: Map<string, string>;

  constructor(readonly dir: string, files: Iterable<readonly [string, string]> = []) {
    this.#files = new Map(files);
  }

  file(name: string): string {
    return `${this.dir} ${name}`;
  }

  async ensure(): Promise<CaResult<true>> {
    return { ok: true, value: true };
  }

  async read(name: string): Promise<CaResult<string | undefined>> {
    return { ok: true, value: this.#files.get(name) };
  }

  async write(name: string, data: string): Promise<void> {
    this.#files.set(name, data);
  }

  async move(from: string, to: string): Promise<void> {
    const v = this.#files.get(from);
    if (v === undefined) return;
    this.#files.set(to, v);
    this.#files.delete(from);
  }

  async remove(name: string): Promise<void> {
    this.#files.delete(name);
  }

  /** Every file, sorted by name (a copy). */
  entries(): [string, string][] {
    return [...this.#files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
