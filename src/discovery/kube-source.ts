/**
 * The Kubernetes registry source: Services, EndpointSlices, Pods and Nodes (their locality labels) through client-node informers.
 *
 * Guarantees (see kube-watch.ts for what the client itself does):
 * - `synced` becomes true, and `start()` resolves, only after every informer finished its first
 *   list; nothing is published before that, so a half-listed cluster never looks like a shrunk one.
 * - Changes are debounced (`debounceMs`, default 50 ms) into one RegistryChange computed from the
 *   informer caches. A relist after 410 Gone updates the cache in one synchronous diff, and the
 *   rebuild runs only after the debounce timer, so no empty or partial intermediate registry is
 *   ever published because a watch expired or dropped.
 * - Failed lists/watches are reported through `onError` (WEFT3101) and retried with capped
 *   exponential backoff; the last good registry stays current meanwhile.
 * - `start()` rejects if the initial sync has not completed within `syncTimeoutMs`.
 */
import { CoreV1Api, DiscoveryV1Api, ListWatch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { RegistryCodes } from './codes.js';
import { mapKubeObjects, type DraftMemo } from './kube-mapping.js';
import { Backoff, BookmarkWatch } from './kube-watch.js';
import { RegistrySourceBase } from './listeners.js';
import { nextRegistry } from './registry-build.js';
import { DEFAULT_CLUSTER_DOMAIN } from './types.js';

export interface KubernetesSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch only these namespaces (one informer per namespace and kind); default all namespaces. */
  readonly namespaces?: readonly string[];
  readonly clusterDomain?: string;
  readonly debounceMs?: number;
  /** Retry delays after failures: default 250 ms doubling up to 30 s. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Server-side watch timeout; default 300 s (the API server picks 30-60 min otherwise). */
  readonly watchTimeoutSeconds?: number;
  /** `start()` rejects when the initial sync takes longer; default 60 s. */
  readonly syncTimeoutMs?: number;
}

type Kind = 'services' | 'endpointslices' | 'pods' | 'nodes';

interface Feed {
  readonly kind: Kind;
  readonly scope: string;
  readonly informer: ListWatch<KubernetesObject>;
  readonly backoff: Backoff;
  listed: boolean;
  retry: NodeJS.Timeout | undefined;
}

/** See the module comment. One instance per cluster; `start()` once, `stop()` releases all watches. */
export class KubernetesRegistrySource extends RegistrySourceBase {
  readonly kind = 'kubernetes' as const;
  private readonly feeds: Feed[] = [];
  private readonly clusterDomain: string;
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = '';
  private onSynced: (() => void) | undefined;
  private readonly memo: DraftMemo = new WeakMap();

  constructor(private readonly options: KubernetesSourceOptions) {
    super();
    this.clusterDomain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    this.debounceMs = options.debounceMs ?? 50;
    const scopes = options.namespaces && options.namespaces.length > 0 ? options.namespaces : [''];
    for (const scope of scopes) for (const kind of ['services', 'endpointslices', 'pods'] as const) this.feeds.push(this.makeFeed(kind, scope));
    // Nodes are cluster-scoped: one feed, whatever namespaces are watched (their region labels).
    this.feeds.push(this.makeFeed('nodes', ''));
  }

  /** Starts every informer; resolves after the first complete sync and its publication. */
  async start(): Promise<void> {
    const synced = new Promise<void>((resolve) => (this.onSynced = resolve));
    for (const feed of this.feeds) this.run(feed);
    const timeoutMs = this.options.syncTimeoutMs ?? 60_000;
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`Kubernetes discovery did not sync within ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`)), timeoutMs);
    });
    try {
      await Promise.race([synced, expired]);
    } finally {
      clearTimeout(timeout);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const feed of this.feeds) clearTimeout(feed.retry);
    await Promise.all(this.feeds.map((f) => f.informer.stop()));
  }

  /** The resourceVersion each informer would resume its watch from, keyed `<kind>` or
   * `<kind>/<namespace>`: an observable for tests and debugging (a BOOKMARK shows here once the
   * informer applied it). */
  resumeVersions(): Record<string, string> {
    return Object.fromEntries(this.feeds.map((f) => [f.scope ? `${f.kind}/${f.scope}` : f.kind, f.informer.latestResourceVersion()]));
  }

  private makeFeed(kind: Kind, scope: string): Feed {
    const backoff = new Backoff(this.options.backoff?.initialMs ?? 250, this.options.backoff?.maxMs ?? 30_000);
    const watch = new BookmarkWatch(this.options.kubeConfig, backoff, this.options.watchTimeoutSeconds ?? 300, () => this.stopped);
    const feed: Feed = { kind, scope, backoff, listed: false, retry: undefined, informer: undefined as unknown as ListWatch<KubernetesObject> };
    const list = this.listFunction(kind, scope);
    const listAndMark = async () => {
      const result = await list();
      backoff.reset();
      // The informer applies the list right after this promise settles; mark it listed after that.
      setImmediate(() => this.markListed(feed));
      return result;
    };
    const informer = new ListWatch<KubernetesObject>(watchPath(kind, scope), watch, listAndMark, false);
    informer.on('change', () => this.schedule());
    informer.on('error', (err: unknown) => this.failed(feed, err));
    Object.assign(feed, { informer });
    return feed;
  }

  private listFunction(kind: Kind, scope: string): () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }> {
    const kc = this.options.kubeConfig;
    if (kind === 'endpointslices') {
      const api = kc.makeApiClient(DiscoveryV1Api);
      return () => (scope ? api.listNamespacedEndpointSlice({ namespace: scope }) : api.listEndpointSliceForAllNamespaces());
    }
    const api = kc.makeApiClient(CoreV1Api);
    if (kind === 'services') return () => (scope ? api.listNamespacedService({ namespace: scope }) : api.listServiceForAllNamespaces());
    if (kind === 'nodes') return () => api.listNode();
    return () => (scope ? api.listNamespacedPod({ namespace: scope }) : api.listPodForAllNamespaces());
  }

  private run(feed: Feed): void {
    if (this.stopped) return;
    feed.informer.start().catch((err: unknown) => this.failed(feed, err));
  }

  /** The client stopped this informer after an error: report it and restart after a backoff. */
  private failed(feed: Feed, err: unknown): void {
    if (this.stopped) return;
    const message = `${feed.kind}${feed.scope ? ` in ${feed.scope}` : ''}: ${describe(err)}; retrying`;
    this.lastError = message;
    this.errors.emit([{ code: RegistryCodes.kubeUnavailable.code, severity: 'error', message, path: feed.kind }]);
    clearTimeout(feed.retry);
    feed.retry = setTimeout(() => this.run(feed), feed.backoff.next());
  }

  private markListed(feed: Feed): void {
    feed.listed = true;
    if (!this.isSynced && this.feeds.every((f) => f.listed)) {
      this.rebuild();
      this.isSynced = true;
      this.onSynced?.();
    }
  }

  private schedule(): void {
    if (!this.isSynced || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.rebuild(), this.debounceMs);
  }

  private rebuild(): void {
    const objects = { services: [] as KubernetesObject[], slices: [] as KubernetesObject[], pods: [] as KubernetesObject[], nodes: [] as KubernetesObject[] };
    for (const feed of this.feeds) {
      const bucket = feed.kind === 'services' ? objects.services : feed.kind === 'pods' ? objects.pods : feed.kind === 'nodes' ? objects.nodes : objects.slices;
      bucket.push(...feed.informer.list());
    }
    const drafts = mapKubeObjects(objects as unknown as Parameters<typeof mapKubeObjects>[0], this.memo);
    const change = nextRegistry(this.registry, drafts, this.clusterDomain);
    this.evaluated++;
    if (!change) return;
    this.registry = change.registry;
    this.changes.emit(change);
  }
}

function watchPath(kind: Kind, scope: string): string {
  if (kind === 'nodes') return '/api/v1/nodes';
  const group = kind === 'endpointslices' ? '/apis/discovery.k8s.io/v1' : '/api/v1';
  return scope ? `${group}/namespaces/${scope}/${kind}` : `${group}/${kind}`;
}

/** One line for an error: the HTTP status and the Status message for API errors, else the message. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.code === 'number' ? e.code : undefined;
  let detail = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  if (status !== undefined) {
    const body = typeof e.body === 'string' ? safeJson(e.body) : e.body;
    const msg = (body as { message?: unknown } | undefined)?.message;
    detail = `HTTP ${status}${typeof msg === 'string' ? `: ${msg}` : ''}`;
  }
  return detail;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
