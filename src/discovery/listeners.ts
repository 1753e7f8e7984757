/**
 * A tiny synchronous listener list shared by the discovery sources. Listeners run in
 * registration order; one that throws is isolated (reported with `process.emitWarning`) so it
 * cannot stop the others or the source.
 */
import type { Diagnostic } from '../policy/index.js';
import { EMPTY_REGISTRY } from './registry-build.js';
import type { RegistryChange, RegistrySource, ServiceRegistry } from './types.js';

export class Listeners<T> {
  private readonly fns = new Set<(value: T) => void>();

  /** Adds a listener; returns its unsubscribe function. */
  add(fn: (value: T) => void): () => void {
    const wrapped = (v: T): void => fn(v);
    this.fns.add(wrapped);
    return () => {
      this.fns.delete(wrapped);
    };
  }

  emit(value: T): void {
    for (const fn of [...this.fns]) {
      try {
        fn(value);
      } catch (err) {
        process.emitWarning(`weft discovery listener threw: ${String(err)}`);
      }
    }
  }
}

/**
 * What every registry source shares: the current registry, the synced flag and the two listener
 * lists, behind the `RegistrySource` accessors. Subclasses publish through `changes`/`errors`.
 */
export abstract class RegistrySourceBase implements RegistrySource {
  abstract readonly kind: RegistrySource['kind'];
  protected registry: ServiceRegistry = EMPTY_REGISTRY;
  protected isSynced = false;
  protected evaluated = 0;
  protected readonly changes = new Listeners<RegistryChange>();
  protected readonly errors = new Listeners<readonly Diagnostic[]>();

  get synced(): boolean {
    return this.isSynced;
  }

  /**
   * How many times the source has evaluated its input (a file read, a rebuild from the informer
   * caches) and come to a result: published a change, found nothing new, or rejected it. An
   * observable for tests and debugging: "nothing was published" is asserted after this advances,
   * not after a sleep. Not part of `RegistrySource`.
   */
  get evaluations(): number {
    return this.evaluated;
  }

  current(): ServiceRegistry {
    return this.registry;
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    return this.changes.add(listener);
  }

  onError(listener: (diagnostics: readonly Diagnostic[]) => void): () => void {
    return this.errors.add(listener);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}
