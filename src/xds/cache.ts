/**
 * The snapshot cache: the seam between computing configuration and serving it.
 *
 * The control plane `set`s a snapshot per key (a proxy's node id by default); every stream bound
 * to that key is woken and sends what differs. Setting an identical snapshot object is a no-op.
 * Watchers are called synchronously from `set`; streams defer their work to a microtask so one
 * `set` never blocks on I/O. A key without a snapshot is "not ready": its streams wait, they are
 * never sent an empty configuration.
 */
import type { Snapshot } from './snapshot.js';

export type SnapshotWatcher = (snapshot: Snapshot) => void;

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly watchers = new Map<string, Set<SnapshotWatcher>>();

  set(key: string, snapshot: Snapshot): void {
    if (this.snapshots.get(key) === snapshot) return;
    this.snapshots.set(key, snapshot);
    for (const w of this.watchers.get(key) ?? []) w(snapshot);
  }

  get(key: string): Snapshot | undefined {
    return this.snapshots.get(key);
  }

  delete(key: string): void {
    this.snapshots.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.snapshots.keys();
  }

  /** Calls `watcher` on every later `set` for `key`; returns the unsubscribe function. */
  watch(key: string, watcher: SnapshotWatcher): () => void {
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.watchers.delete(key);
    };
  }

  /** Number of streams watching `key`. */
  watcherCount(key: string): number {
    return this.watchers.get(key)?.size ?? 0;
  }
}
