/**
 * One xDS stream (ADS or per-type, SotW or delta) from its first request to its end.
 *
 * Lifecycle: the first request must carry `node`; the stream is then authenticated and bound to a
 * snapshot key (requests arriving meanwhile are queued). Each request updates one type's state;
 * every request and every snapshot change schedules a push (coalesced in a microtask) that walks
 * the types in make-before-break order and sends what differs.
 *
 * Backpressure: responses are computed from the latest state when they are sent, never queued as
 * stale copies. When the transport buffer is full, pushes wait for 'drain', so at most one push
 * worth of responses is buffered per stream.
 *
 * Failure: a malformed request ends this stream alone with INVALID_ARGUMENT; a request over one
 * of `limits` (limits.ts) ends it with RESOURCE_EXHAUSTED, checked before the request is queued or
 * applied; an authentication refusal ends it with the code the hook chose. Nothing here throws
 * into grpc-js.
 */
import * as grpc from '@grpc/grpc-js';
import { TypeUrl, pushOrder, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { SnapshotCache } from './cache.js';
import { DeltaState } from './delta.js';
import { LimitError, checkRequestNames, checkSubscribed, type XdsLimits } from './limits.js';
import type { Outgoing, PushContext } from './push.js';
import { RequestError, errorDetail, nodeInfo, requestType, type Decoded, type RawDeltaRequest, type RawSotwRequest } from './requests.js';
import type { Snapshot } from './snapshot.js';
import { SotwState } from './sotw.js';
import type { AuthResult, NodeInfo, StreamInfo, TypeStatus, XdsCallbacks, XdsServerOptions } from './types.js';
import { DeltaField, SotwField, WireWriter } from './wire.js';

export interface StreamEnv {
  readonly cache: SnapshotCache;
  readonly options: XdsServerOptions;
  readonly callbacks: Partial<XdsCallbacks>;
  readonly maxBytes: number;
  readonly limits: XdsLimits;
  readonly now: () => number;
  readonly controlPlane: Buffer;
  onClose(stream: XdsStream): void;
}

export interface StreamKind {
  readonly service: string;
  readonly delta: boolean;
  /** Per-type services serve exactly one type. */
  readonly fixedType?: ResourceTypeUrl;
}

/** Requests a stream may send before its authentication completes; they wait in memory. */
const MAX_QUEUED_REQUESTS = 64;

type Call = grpc.ServerDuplexStream<Decoded<RawSotwRequest | RawDeltaRequest>, Buffer>;
type State = SotwState | DeltaState;

let nextId = 0;

export class XdsStream implements StreamInfo {
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
  private readonly states = new Map<ResourceTypeUrl, State>();
  private snapshot?: Snapshot;
  private unwatch?: () => void;
  private auth: 'none' | 'pending' | 'bound' | 'closed' = 'none';
  private readonly queued: (RawSotwRequest | RawDeltaRequest)[] = [];
  private scheduled = false;
  private blocked = false;
  private nonce = 0;

  constructor(
    private readonly call: Call,
    private readonly kind: StreamKind,
    private readonly env: StreamEnv,
  ) {
    this.service = kind.service;
    this.delta = kind.delta;
    this.peer = call.getPeer();
    this.openedAt = env.now();
    this.secure = call.getAuthContext().transportSecurityType === 'ssl';
    call.on('data', (d: Decoded<RawSotwRequest | RawDeltaRequest>) => this.onData(d));
    // A client that half-closes is done: finish the call too, or grpc-js keeps it (and this
    // stream's state) until the connection goes away.
    call.on('end', () => this.end('client closed the stream'));
    call.on('cancelled', () => this.close(grpc.status.CANCELLED, 'stream cancelled'));
    call.on('error', (e: Error) => this.close(grpc.status.UNAVAILABLE, e.message));
    call.on('drain', () => {
      this.blocked = false;
      this.schedule();
    });
    this.emit('onStreamOpen');
  }

  types(): readonly TypeStatus[] {
    return [...this.states.values()].map((s) => s.status());
  }

  /** Ends the stream with OK (server shutdown by default); the client reconnects. */
  end(message = 'server shutting down'): void {
    if (this.auth === 'closed') return;
    this.close(grpc.status.OK, message);
    this.call.end();
  }

  private onData(d: Decoded<RawSotwRequest | RawDeltaRequest>): void {
    if (this.auth === 'closed') return;
    try {
      if (!d.ok) throw new RequestError(d.error);
      this.checkLimits(d.msg);
      if (this.auth === 'none') this.authenticate(d.msg);
      if (this.auth === 'pending') this.queue(d.msg);
      else this.handle(d.msg);
    } catch (err) {
      this.failOn(err);
    }
  }

  /** Ends the stream for a `RequestError` with its code; anything else is a bug and is rethrown. */
  private failOn(err: unknown): void {
    if (!(err instanceof RequestError)) throw err;
    this.fail(err.code, err.message);
  }

  private checkLimits(req: RawSotwRequest | RawDeltaRequest): void {
    const typeUrl = requestType(req.type_url, this.kind.fixedType);
    const names = this.delta
      ? [(req as RawDeltaRequest).resource_names_subscribe ?? [], (req as RawDeltaRequest).resource_names_unsubscribe ?? [], Object.keys((req as RawDeltaRequest).initial_resource_versions ?? {})]
      : [(req as RawSotwRequest).resource_names ?? []];
    checkRequestNames(typeUrl, names, this.env.limits);
  }

  private queue(req: RawSotwRequest | RawDeltaRequest): void {
    if (this.queued.length >= MAX_QUEUED_REQUESTS) throw new LimitError(`more than ${MAX_QUEUED_REQUESTS} requests arrived before the stream was authenticated`);
    this.queued.push(req);
  }

  private authenticate(first: RawSotwRequest | RawDeltaRequest): void {
    const node = nodeInfo(first.node);
    this.node = node;
    this.auth = 'pending';
    const hook = this.env.options.authenticate ?? ((): AuthResult => ({ ok: true, key: node.id }));
    Promise.resolve()
      .then(() => hook({ stream: this, node, peerCertificate: this.peerCertificate() }))
      .then((r) => this.bind(r), (e: Error) => this.fail(grpc.status.INTERNAL, `authentication failed: ${e.message}`));
  }

  private peerCertificate() {
    const cert = this.call.getAuthContext().sslPeerCertificate;
    return cert && Object.keys(cert).length > 0 ? cert : undefined;
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

  private handle(req: RawSotwRequest | RawDeltaRequest): void {
    const typeUrl = requestType(req.type_url, this.kind.fixedType);
    const state = this.stateFor(typeUrl);
    const now = this.env.now();
    const detailBytes = this.env.limits.maxErrorDetailBytes;
    const result = state instanceof SotwState ? state.handle(sotwRequest(req as RawSotwRequest, detailBytes), now) : state.handle(deltaRequest(req as RawDeltaRequest, detailBytes), now);
    checkSubscribed(typeUrl, state.subscription.names.size, this.env.limits);
    this.emit('onRequest', typeUrl);
    if (result.kind === 'ack') this.emit('onAck', typeUrl, state.ackedVersion ?? '', req.response_nonce);
    if (result.kind === 'nack') this.emit('onNack', typeUrl, result.info);
    this.schedule();
  }

  private stateFor(typeUrl: ResourceTypeUrl): State {
    let s = this.states.get(typeUrl);
    if (!s) this.states.set(typeUrl, (s = this.delta ? new DeltaState(typeUrl) : new SotwState(typeUrl)));
    return s;
  }

  private schedule(): void {
    if (this.scheduled || this.auth !== 'bound') return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.push();
    });
  }

  /** One pass over the types in make-before-break order, sending what differs. */
  private push(): void {
    const snapshot = this.snapshot;
    if (!snapshot || this.blocked || this.auth !== 'bound') return;
    const ctx: PushContext = {
      snapshot,
      warm: new Set(),
      maxBytes: this.env.maxBytes,
      holdRemovals: () => this.kind.fixedType === undefined && this.routingBusy(ctx),
    };
    for (const typeUrl of pushOrder) {
      const state = this.states.get(typeUrl);
      if (!state) continue;
      for (const out of state.next(ctx)) this.send(state, out);
    }
  }

  /** Listeners or routes not yet settled on the current snapshot (ADS make-before-break). */
  private routingBusy(ctx: PushContext): boolean {
    return [TypeUrl.Listener, TypeUrl.RouteConfiguration].some((t) => this.states.get(t)?.busy(ctx) ?? false);
  }

  private send(state: State, out: Outgoing): void {
    const nonce = String(++this.nonce);
    const field = this.delta ? DeltaField : SotwField;
    const tail = new WireWriter().string(field.nonce, nonce).bytes(field.controlPlane, this.env.controlPlane).finish();
    const body = Buffer.concat([out.body, tail]);
    state.commit(nonce, out, this.env.now());
    if (body.length > this.env.maxBytes) this.emit('onOversize', state.typeUrl, body.length);
    const names = out.resources.map((r) => r.name);
    this.emit('onResponse', state.typeUrl, { version: out.version, nonce, names, removed: out.removed, bytes: body.length });
    if (!this.call.write(body)) this.blocked = true;
  }

  private fail(code: number, message: string): void {
    if (this.auth === 'closed') return;
    this.close(code, message);
    this.call.emit('error', { code, details: message });
  }

  private close(code: number, message: string): void {
    if (this.auth === 'closed') return;
    this.auth = 'closed';
    this.unwatch?.();
    this.env.onClose(this);
    this.emit('onStreamClose', { code, message });
  }

  private emit<K extends keyof XdsCallbacks>(name: K, ...args: DropFirst<Parameters<XdsCallbacks[K]>>): void {
    const fn = this.env.callbacks[name] as ((s: StreamInfo, ...a: unknown[]) => void) | undefined;
    if (!fn) return;
    try {
      fn(this, ...args);
    } catch (err) {
      // Observers must not break the protocol, but their failures must be seen.
      const report = this.env.options.onCallbackError ?? ((n: string, e: unknown) => process.stderr.write(`weft: xDS callback ${n} failed: ${(e as Error).stack ?? e}\n`));
      report(name, err);
    }
  }
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

function sotwRequest(r: RawSotwRequest, detailBytes: number) {
  return { names: r.resource_names ?? [], versionInfo: r.version_info ?? '', nonce: r.response_nonce ?? '', error: errorDetail(r.error_detail, detailBytes) };
}

function deltaRequest(r: RawDeltaRequest, detailBytes: number) {
  return {
    subscribe: r.resource_names_subscribe ?? [],
    unsubscribe: r.resource_names_unsubscribe ?? [],
    initialVersions: r.initial_resource_versions ?? {},
    nonce: r.response_nonce ?? '',
    error: errorDetail(r.error_detail, detailBytes),
  };
}
