/**
 * The pieces weft adds around @kubernetes/client-node's `ListWatch` (its informer).
 *
 * What the client does (read from its dist/cache.js and dist/watch.js, v1.4):
 * - list, then watch from the list's resourceVersion; every event advances the resourceVersion,
 *   BOOKMARK events included;
 * - a watch that ends cleanly is re-opened at once from the last resourceVersion;
 * - 410 Gone (an ERROR event with `code: 410`, or HTTP 410 when the watch opens) clears the
 *   resourceVersion, so the next round relists. A relist is diffed against the cache (objects no
 *   longer listed get `delete` callbacks, then listed ones `add`/`update`), all synchronously: the
 *   cache is never cleared first;
 * - any other failure (connection refused, a failed list, a stream error) calls the `error`
 *   callbacks and STOPS the informer for good.
 *
 * So weft adds: `allowWatchBookmarks=true` and a server-side `timeoutSeconds` on every watch (the
 * client sends neither), restarting after errors with capped exponential backoff, and a delay
 * before re-opening a watch that ended quickly (a server that drops every watch at once would
 * otherwise be hammered in a tight loop), and closing a watch that finished connecting after
 * the source stopped (`stop()` while connecting left it open).
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** Capped exponential backoff with full jitter off (deterministic for tests). */
export class Backoff {
  private attempt = 0;
  constructor(private readonly initialMs: number, private readonly maxMs: number) {}

  /** The delay before the next attempt; grows until `reset()`. */
  next(): number {
    const ms = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return ms;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** A watch that lasted less than this counts as "dropped at once" and backs off before reopening. */
const SHORT_WATCH_MS = 1000;

/**
 * A `Watch` that asks for bookmarks and a server-side timeout, and spaces out re-opens of
 * watches that keep ending quickly. One instance per informer (it tracks that informer's backoff).
 */
export class BookmarkWatch extends Watch {
  private lastStart = 0;
  private quickEnds = 0;

  constructor(config: KubeConfig, private readonly backoff: Backoff, private readonly timeoutSeconds: number, private readonly isStopped: () => boolean) {
    super(config);
  }

  override async watch(path: string, query: Record<string, unknown>, callback: (phase: string, apiObj: any, watchObj?: any) => void, done: (err: any) => void): Promise<AbortController> {
    if (Date.now() - this.lastStart < SHORT_WATCH_MS) this.quickEnds++;
    else this.quickEnds = 0;
    if (this.quickEnds > 0) await new Promise((r) => setTimeout(r, this.backoff.next()));
    this.lastStart = Date.now();
    if (this.isStopped()) {
      const idle = new AbortController();
      idle.abort();
      return idle;
    }
    const params = { ...query, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds };
    const controller = await super.watch(path, params, (phase, obj, raw) => {
      if (phase !== 'ERROR') this.backoff.reset();
      callback(phase, obj, raw);
    }, done);
    // ListWatch.stop() aborts only a watch whose controller it already holds: one still connecting
    // when the source stopped would stay open for good.
    if (this.isStopped()) controller.abort();
    return controller;
  }
}
