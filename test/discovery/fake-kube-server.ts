/**
 * A fake Kubernetes API server for discovery tests: node:http on 127.0.0.1, speaking the real
 * list/watch protocol for core/v1 Services, Pods and Nodes and discovery.k8s.io/v1 EndpointSlices.
 *
 * - GET list: `{kind: <Kind>List, metadata: {resourceVersion}, items}`; a list at a compacted
 *   `resourceVersion` answers HTTP 410 with a Status object.
 * - GET `?watch=true&resourceVersion=N`: a chunked stream of newline-delimited watch events,
 *   replaying history after N, then live ADDED/MODIFIED/DELETED, and BOOKMARK when asked for
 *   (`allowWatchBookmarks=true`). A watch from a compacted version gets an ERROR event with a
 *   `{kind: 'Status', code: 410, reason: 'Expired'}` object and the stream ends (or HTTP 410 when
 *   `goneAsHttpStatus` is set).
 * - Tests can expire or drop open watches and make the server refuse requests for a while.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export type FakeKind = 'services' | 'endpointslices' | 'pods' | 'nodes';
const LIST_KIND: Record<FakeKind, [string, string]> = { services: ['v1', 'ServiceList'], pods: ['v1', 'PodList'], endpointslices: ['discovery.k8s.io/v1', 'EndpointSliceList'], nodes: ['v1', 'NodeList'] };
const PATH = /^\/(?:api\/v1|apis\/discovery\.k8s\.io\/v1)(?:\/namespaces\/([^/]+))?\/(services|pods|endpointslices|nodes)$/;

interface WatchEvent {
  readonly rv: number;
  readonly kind: FakeKind;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubernetesObject;
}

interface Watcher {
  readonly kind: FakeKind;
  readonly namespace: string | undefined;
  readonly bookmarks: boolean;
  readonly res: ServerResponse;
}

export interface RequestLog {
  readonly kind: FakeKind;
  readonly watch: boolean;
  readonly resourceVersion: string | null;
  readonly allowWatchBookmarks: string | null;
}

export class FakeKubeServer {
  readonly requests: RequestLog[] = [];
  /** Requests answered 503 because the server was refusing. */
  refusedRequests = 0;
  /** When set, a watch from a compacted version answers HTTP 410 instead of an ERROR event. */
  goneAsHttpStatus = false;
  private rv = 1000;
  private compactedThrough = 0;
  private refusing = false;
  private readonly store = new Map<string, KubernetesObject>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeKubeServer> {
    const server = createServer();
    const fake = new FakeKubeServer(server);
    server.on('request', (req, res) => fake.handle(req, res));
    server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Creates or replaces an object, stamping a new resourceVersion, and notifies watchers. */
  apply(kind: FakeKind, obj: KubernetesObject): void {
    const key = keyOf(kind, obj);
    const type = this.store.has(key) ? 'MODIFIED' : 'ADDED';
    const stamped = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.store.set(key, stamped);
    this.publish({ rv: this.rv, kind, type, object: stamped });
  }

  delete(kind: FakeKind, namespace: string, name: string): void {
    const key = `${kind}/${namespace}/${name}`;
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    const object = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.publish({ rv: this.rv, kind, type: 'DELETED', object });
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watcher that asked for them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const [apiVersion, listKind] = LIST_KIND[w.kind];
      const object = { apiVersion, kind: listKind.replace(/List$/, ''), metadata: { resourceVersion: String(this.rv) } };
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
    }
  }

  /** Forgets all history up to now: watches or lists from older versions get 410 Gone. */
  compact(): void {
    this.compactedThrough = this.rv;
    this.history.length = 0;
  }

  /** Compacts, then ends every open watch of `kind` with a 410 ERROR event, as etcd compaction does. */
  expireWatches(kind?: FakeKind): void {
    this.compact();
    for (const w of [...this.watchers]) if (!kind || w.kind === kind) this.sendGone(w.res);
  }

  /** Destroys every open connection abruptly (no final chunk), as a network failure would. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.watchers.clear();
  }

  /** While refusing, every request is answered 503 and every connection closed. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private publish(event: WatchEvent): void {
    this.history.push(event);
    for (const w of this.watchers) if (w.kind === event.kind && matches(w.namespace, event.object)) write(w.res, event);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const m = PATH.exec(url.pathname);
    if (this.refusing || !m || req.method !== 'GET') {
      if (this.refusing) this.refusedRequests++;
      res.writeHead(this.refusing ? 503 : 404, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: this.refusing ? 503 : 404 }));
      return;
    }
    const [, namespace, kind] = m as unknown as [string, string | undefined, FakeKind];
    const q = url.searchParams;
    const watching = q.get('watch') === 'true';
    this.requests.push({ kind, watch: watching, resourceVersion: q.get('resourceVersion'), allowWatchBookmarks: q.get('allowWatchBookmarks') });
    const since = Number(q.get('resourceVersion') || '0');
    if (watching) this.startWatch(res, kind, namespace, since, q.get('allowWatchBookmarks') === 'true');
    else this.list(res, kind, namespace, since);
  }

  private list(res: ServerResponse, kind: FakeKind, namespace: string | undefined, since: number): void {
    if (since > 0 && since <= this.compactedThrough) return goneResponse(res);
    const items = [...this.store.entries()].filter(([k, o]) => k.startsWith(`${kind}/`) && matches(namespace, o)).map(([, o]) => o);
    const [apiVersion, listKind] = LIST_KIND[kind];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ apiVersion, kind: listKind, metadata: { resourceVersion: String(this.rv) }, items }));
  }

  private startWatch(res: ServerResponse, kind: FakeKind, namespace: string | undefined, since: number, bookmarks: boolean): void {
    if (since <= this.compactedThrough && this.goneAsHttpStatus) return goneResponse(res);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // As the API server does: the client's watch call returns on these headers, before any event.
    res.flushHeaders();
    if (since <= this.compactedThrough) return this.sendGone(res);
    for (const e of this.history) if (e.rv > since && e.kind === kind && matches(namespace, e.object)) write(res, e);
    const watcher: Watcher = { kind, namespace, bookmarks, res };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private sendGone(res: ServerResponse): void {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 };
    res.end(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
    for (const w of this.watchers) if (w.res === res) this.watchers.delete(w);
  }
}

function goneResponse(res: ServerResponse): void {
  res.writeHead(410, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' }));
}

function write(res: ServerResponse, e: WatchEvent): void {
  res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
}

function keyOf(kind: FakeKind, obj: KubernetesObject): string {
  return `${kind}/${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}

function matches(namespace: string | undefined, obj: KubernetesObject): boolean {
  return namespace === undefined || (obj.metadata?.namespace ?? 'default') === namespace;
}
