/**
 * One xDS stream (ADS or per-type, SotW or delta) from its first request to its end, over any
 * transport (transport.ts; grpc-transport.ts in production, a fake in tests).
 *
 * Lifecycle: the first request must carry `node`; the stream is then authenticated and bound to a
 * snapshot key (requests arriving meanwhile are queued). Each request updates one type's state
 * machine (`Protocol.machine`); every request and every snapshot change schedules a push
 * (coalesced in a microtask) that walks the types in make-before-break order and sends what
 * differs. On ADS, listener and route updates that name clusters not yet warm on the client wait
 * for them (warming.ts), and clusters being removed wait for listeners and routes to settle.
 *
 * Backpressure: responses are computed from the latest state when they are sent, never queued as
 * stale copies. When the transport buffer is full, pushes wait for `drain`, so at most one push
 * worth of responses is buffered per stream.
 *
 * Failure: a malformed request ends this stream alone with INVALID_ARGUMENT; a request over one
 * of `limits` (limits.ts) ends it with RESOURCE_EXHAUSTED, checked before the request is queued or
 * applied; an authentication refusal ends it with the code the hook chose. Nothing here throws
 * into the transport.
 */
import { status } from '@grpc/grpc-js';
import { TypeUrl, pushOrder, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { LimitError, checkRequestNames, checkSubscribed } from './limits.js';
import type { Machine, Protocol } from './protocol.js';
import type { Outgoing, PushContext } from './push.js';
import { RequestError, nodeInfo, requestType, type Decoded, type RawSotwRequest } from './requests.js';
import type { Snapshot } from './snapshot.js';
import { emitTo, type OpenStream, type StreamEnv, type StreamKind } from './stream-env.js';
import type { XdsTransport } from './transport.js';
import type { AuthResult, NodeInfo, TypeStatus, XdsCallbacks } from './types.js';
import { WarmingHold, type WarmingCounts } from './warming.js';
import { withNonce } from './wire.js';

export type { OpenStream, StreamEnv, StreamKind } from './stream-env.js';

/** The parts of a raw request every protocol has. */
type RawRequest = Pick<RawSotwRequest, 'type_url' | 'node' | 'response_nonce'>;

/** Requests a stream may send before its authentication completes; they wait in memory. */
const MAX_QUEUED_REQUESTS = 64;

let nextId = 0;

export class XdsStream<Raw extends RawRequest, Req> implements OpenStream {
  readonly id = ++nextId;
  readonly service: string;
  readonly delta: boolean;
  readonly peer: string;
  readonly openedAt: number;
  readonly secure: boolean;
  node?: NodeInfo;
  identity?: string;
  key?: string;
  principal?: unknown;
  private readonly states = new Map<ResourceTypeUrl, Machine<Req>>();
  private snapshot?: Snapshot;
  private unwatch?: () => void;
  private auth: 'none' | 'pending' | 'bound' | 'closed' = 'none';
  private readonly queued: Raw[] = [];
  private scheduled = false;
  private blocked = false;
  private nonce = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly hold: WarmingHold;

  constructor(
    private readonly transport: XdsTransport<Raw>,
    private readonly protocol: Protocol<Raw, Req>,
    private readonly kind: StreamKind,
    private readonly env: StreamEnv,
  ) {
    this.service = kind.service;
    this.delta = protocol.delta;
    this.peer = transport.peer;
    this.secure = transport.secure;
    this.openedAt = env.clock.now();
    this.hold = new WarmingHold(env.warmingHoldMs, env.clock, () => this.schedule());
    transport.listen({
      request: (d) => this.onData(d),
      // A client that half-closes is done: finish the stream too, or the transport keeps it
      // (and this stream's state) until the connection goes away.
      halfClose: () => this.end('client closed the stream'),
      gone: (code, message) => this.close(code, message),
      drain: () => {
        this.blocked = false;
        this.schedule();
      },
    });
    this.emit('onStreamOpen');
  }

  types(): readonly TypeStatus[] {
    return [...this.states.values()].map((s) => s.status());
  }

  get warming(): WarmingCounts {
    return { held: this.hold.held, expired: this.hold.expired };
  }

  /**
   * Resolves once authentication is no longer pending and no push is scheduled: every response
   * the current state calls for has then been written (or waits for `drain`), so a test may
   * assert that nothing was sent. Timers (the warming bound) are not waited for.
   */
  settled(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Ends the stream with OK (server shutdown by default); the client reconnects. */
  end(message = 'server shutting down'): void {
    if (this.auth === 'closed') return;
    this.close(status.OK, message);
    this.transport.end();
  }

  private idle(): boolean {
    return this.auth !== 'pending' && !this.scheduled;
  }

  private wakeIdle(): void {
    if (this.idle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private onData(d: Decoded<Raw>): void {
    if (this.auth === 'closed') return;
    try {
      if (!d.ok) throw new RequestError(d.error);
      checkRequestNames(this.typeOf(d.msg), this.protocol.names(d.msg), this.env.limits);
      if (this.auth === 'none') this.authenticate(d.msg);
      if (this.auth === 'pending') this.queue(d.msg);
      else this.handle(d.msg);
    } catch (err) {
      this.failOn(err);
    }
  }

  private typeOf(req: Raw): ResourceTypeUrl {
    return requestType(req.type_url, this.kind.fixedType);
  }

  /** Ends the stream for a `RequestError` with its code; anything else is a bug and is rethrown. */
  private failOn(err: unknown): void {
    if (!(err instanceof RequestError)) throw err;
    this.fail(err.code, err.message);
  }

  private queue(req: Raw): void {
    if (this.queued.length >= MAX_QUEUED_REQUESTS) throw new LimitError(`more than ${MAX_QUEUED_REQUESTS} requests arrived before the stream was authenticated`);
    this.queued.push(req);
  }

  private authenticate(first: Raw): void {
    const node = nodeInfo(first.node);
    this.node = node;
    this.auth = 'pending';
    const hook = this.env.options.authenticate ?? ((): AuthResult => ({ ok: true, key: node.id }));
    Promise.resolve()
      .then(() => hook({ stream: this, node, peerCertificate: this.transport.peerCertificate() }))
      .then((r) => this.bind(r), (e: Error) => this.fail(status.INTERNAL, `authentication failed: ${e.message}`))
      .finally(() => this.wakeIdle());
  }

  private bind(r: AuthResult): void {
    if (this.auth === 'closed') return;
    if (!r.ok) return this.fail(r.code, r.message);
    this.auth = 'bound';
    this.key = r.key;
    this.identity = r.identity;
    this.principal = r.principal;
    this.snapshot = this.env.cache.get(r.key);
    this.unwatch = this.env.cache.watch(r.key, (s) => {
      this.snapshot = s;
      this.schedule();
    });
    this.emit('onStreamBound');
    try {
      for (const req of this.queued.splice(0)) this.handle(req);
    } catch (err) {
      this.failOn(err);
    }
  }

  private handle(raw: Raw): void {
    const typeUrl = this.typeOf(raw);
    const state = this.stateFor(typeUrl);
    const result = state.handle(this.protocol.request(raw, this.env.limits.maxErrorDetailBytes), this.env.clock.now());
    checkSubscribed(typeUrl, state.subscription.names.size, this.env.limits);
    this.emit('onRequest', typeUrl);
    if (result.kind === 'ack') this.emit('onAck', typeUrl, state.ackedVersion ?? '', raw.response_nonce);
    if (result.kind === 'nack') this.emit('onNack', typeUrl, result.info);
    this.schedule();
  }

  private stateFor(typeUrl: ResourceTypeUrl): Machine<Req> {
    let s = this.states.get(typeUrl);
    if (!s) this.states.set(typeUrl, (s = this.protocol.machine(typeUrl)));
    return s;
  }

  private schedule(): void {
    if (this.scheduled || this.auth !== 'bound') return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.push();
      this.wakeIdle();
    });
  }

  /** One pass over the types in make-before-break order, sending what differs. */
  private push(): void {
    const snapshot = this.snapshot;
    if (!snapshot || this.blocked || this.auth !== 'bound') return;
    const ads = this.kind.fixedType === undefined;
    // Asked by CDS and EDS, which run before LDS and RDS change anything in this push: one answer.
    let holding: boolean | undefined;
    const ctx: PushContext = {
      snapshot,
      warm: new Set(),
      maxBytes: this.env.maxBytes,
      holdRemovals: () => (holding ??= ads && this.routingBusy(ctx)),
    };
    let held = false;
    for (const typeUrl of pushOrder) {
      const state = this.states.get(typeUrl);
      if (!state) continue;
      const outs = state.next(ctx);
      if (outs.length === 0) continue;
      if (ads && this.waitsForClusters(typeUrl, outs, snapshot)) held = true;
      else for (const out of outs) this.send(state, out);
    }
    if (!held) this.hold.settle();
  }

  /** ADS make-before-break for additions: LDS/RDS naming clusters not warm yet wait (warming.ts). */
  private waitsForClusters(typeUrl: ResourceTypeUrl, outs: readonly Outgoing[], snapshot: Snapshot): boolean {
    if (typeUrl !== TypeUrl.Listener && typeUrl !== TypeUrl.RouteConfiguration) return false;
    const cds = this.states.get(TypeUrl.Cluster);
    const eds = this.states.get(TypeUrl.ClusterLoadAssignment);
    return this.hold.holds(outs, snapshot, cds, eds, (cold) => this.emit('onWarmingTimeout', typeUrl, cold));
  }

  /** Listeners or routes not yet settled on the current snapshot (ADS make-before-break). */
  private routingBusy(ctx: PushContext): boolean {
    return [TypeUrl.Listener, TypeUrl.RouteConfiguration].some((t) => this.states.get(t)?.busy(ctx) ?? false);
  }

  private send(state: Machine<Req>, out: Outgoing): void {
    const nonce = String(++this.nonce);
    const { fields } = this.protocol;
    const body = withNonce(out.body, fields.nonce, nonce, fields.controlPlane, this.env.controlPlane);
    state.commit(nonce, out, this.env.clock.now());
    if (body.length > this.env.maxBytes) this.emit('onOversize', state.typeUrl, body.length);
    const names = out.resources.map((r) => r.name);
    this.emit('onResponse', state.typeUrl, { version: out.version, nonce, names, removed: out.removed, bytes: body.length });
    if (!this.transport.write(body)) this.blocked = true;
  }

  private fail(code: number, message: string): void {
    if (this.auth === 'closed') return;
    this.close(code, message);
    this.transport.fail(code, message);
  }

  private close(code: number, message: string): void {
    if (this.auth === 'closed') return;
    this.auth = 'closed';
    this.hold.settle();
    this.unwatch?.();
    this.env.onClose(this);
    this.emit('onStreamClose', { code, message });
    this.wakeIdle();
  }

  private emit<K extends keyof XdsCallbacks>(name: K, ...args: DropFirst<Parameters<XdsCallbacks[K]>>): void {
    emitTo(this.env, this, name, args);
  }
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;
