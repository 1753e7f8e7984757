/**
 * A tiny synchronous listener list shared by the discovery sources. Listeners run in
 * registration order; one that throws is isolated (reported with `process.emitWarning`) so it
 * cannot stop the others or the source.
 */
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
