/**
 * Fake transport and manual clock for testing the xDS stream state machines without gRPC: a
 * `FakeClient` feeds decoded requests straight into an `XdsStream` and reads the bytes it writes.
 * Time moves only when a test calls `clock.advance`, and "nothing was sent" is asserted after
 * `XdsStream.settled()`, a deterministic point, instead of after a fixed wait.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { SnapshotCache } from '../../src/xds/cache.js';
import { ResourceEncoder } from '../../src/xds/encoder.js';
import { resolveLimits } from '../../src/xds/limits.js';
import { deltaProtocol, sotwProtocol } from '../../src/xds/protocol.js';
import type { Decoded, RawDeltaRequest, RawSotwRequest } from '../../src/xds/requests.js';
import { buildSnapshot } from '../../src/xds/snapshot.js';
import { XdsStream, type StreamEnv } from '../../src/xds/stream.js';
import type { Clock, TransportEvents, XdsTransport } from '../../src/xds/transport.js';
import type { XdsCallbacks, XdsServerOptions } from '../../src/xds/types.js';
import { encodeControlPlane } from '../../src/xds/wire.js';
import { decodeResponse, type Response } from './harness.js';

export const T = TypeUrl;

/** A clock that moves only when told; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  private t = 1_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }

  /** Timers armed and not cancelled or fired. */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
  }
}

/** The transport side of one fake stream: requests in, written bytes out. */
class FakeTransport<Raw> implements XdsTransport<Raw> {
  readonly peer = 'fake:1';
  readonly written: Buffer[] = [];
  /** What `write` returns: set false to simulate a full buffer. */
  room = true;
  ended?: { code: number; message: string };
  events?: TransportEvents<Raw>;
  constructor(readonly secure = false) {}
  peerCertificate() {
    return undefined;
  }
  listen(events: TransportEvents<Raw>): void {
    this.events = events;
  }
  write(response: Buffer): boolean {
    this.written.push(response);
    return this.room;
  }
  end(): void {
    this.ended = { code: 0, message: 'OK' };
  }
  fail(code: number, message: string): void {
    this.ended = { code, message };
  }
}

type Resources = Partial<Record<ResourceTypeUrl, { name: string; message: object }[]>>;

export interface FakeServerOptions extends Pick<XdsServerOptions, 'authenticate' | 'limits'> {
  readonly callbacks?: Partial<XdsCallbacks>;
  readonly warmingHoldMs?: number;
  readonly maxBytes?: number;
}

/** A snapshot cache, encoder, clock and the environment streams share, without a server. */
export function fakeServer(opts: FakeServerOptions = {}) {
  const cache = new SnapshotCache();
  const encoder = new ResourceEncoder();
  const clock = new ManualClock();
  const env: StreamEnv = {
    cache,
    options: { authenticate: opts.authenticate },
    callbacks: opts.callbacks ?? {},
    maxBytes: opts.maxBytes ?? 16 * 1024 * 1024,
    limits: resolveLimits(opts.limits),
    clock,
    warmingHoldMs: opts.warmingHoldMs ?? 5_000,
    controlPlane: encodeControlPlane('weft-test'),
    onClose: () => {},
  };
  return {
    cache,
    encoder,
    clock,
    set(key: string, resources: Resources): void {
      cache.set(key, buildSnapshot(encoder, resources));
    },
    /** Nothing to release (`startServer` parity). */
    stop(): Promise<void> {
      return Promise.resolve();
    },
    /** Opens an ADS stream, or a per-type one (`fixedType`, or `service` as `startServer` takes it). */
    open(o: { delta?: boolean; fixedType?: ResourceTypeUrl; service?: 'ads' | 'cds' | 'eds' } = {}): FakeClient {
      const byService = { ads: undefined, cds: T.Cluster, eds: T.ClusterLoadAssignment } as const;
      return new FakeClient(env, !!o.delta, o.fixedType ?? byService[o.service ?? 'ads']);
    },
  };
}

/** One client on a fake stream; reads what the stream wrote, in order. */
export class FakeClient {
  readonly stream: XdsStream<RawSotwRequest, unknown> | XdsStream<RawDeltaRequest, unknown>;
  private readonly transport = new FakeTransport<never>();
  private read = 0;

  constructor(env: StreamEnv, readonly delta: boolean, fixedType?: ResourceTypeUrl) {
    const kind = { service: fixedType ? 'per-type' : 'ads', fixedType };
    this.stream = delta
      ? new XdsStream(this.transport as FakeTransport<RawDeltaRequest>, deltaProtocol, kind, env)
      : new XdsStream(this.transport as FakeTransport<RawSotwRequest>, sotwProtocol, kind, env);
  }

  get ended() {
    return this.transport.ended;
  }

  set room(value: boolean) {
    this.transport.room = value;
  }

  /** The client half-closes its side. */
  close(): void {
    this.transport.events!.halfClose();
  }

  drain(): void {
    this.transport.events!.drain();
  }

  /** Delivers one request (fields as in the proto, snake_case; defaults filled in). */
  send(req: Record<string, unknown>): void {
    const base = this.delta
      ? { type_url: '', resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {}, response_nonce: '' }
      : { type_url: '', version_info: '', resource_names: [], response_nonce: '' };
    const d = { ok: true, msg: { ...base, ...req } } as unknown as Decoded<never>;
    this.transport.events!.request(d);
  }

  /** Every response written since the last read, once the stream has settled. */
  async take(): Promise<Response[]> {
    await this.stream.settled();
    const out = this.transport.written.slice(this.read).map((b) => decodeResponse(this.delta, b));
    this.read = this.transport.written.length;
    return out;
  }

  /** The single response written since the last read (fails on none or several). */
  async one(): Promise<Response> {
    const out = await this.take();
    if (out.length !== 1) throw new Error(`expected one response, got ${out.length}: ${out.map((r) => r.type_url.split('.').pop()).join(', ')}`);
    return out[0]!;
  }

  /** The next unread response (as `RawClient.next`); fails when the settled stream wrote none. */
  async next(): Promise<Response> {
    await this.stream.settled();
    const b = this.transport.written[this.read];
    if (!b) throw new Error(`no response${this.ended ? `: stream ended ${this.ended.code} ${this.ended.message}` : ''}`);
    this.read++;
    return decodeResponse(this.delta, b);
  }

  /** Asserts nothing was written once the stream settled (`_ms` only for `RawClient` parity). */
  async none(_ms?: number): Promise<void> {
    const out = await this.take();
    if (out.length > 0) throw new Error(`unexpected responses: ${out.map((r) => `${r.type_url.split('.').pop()} [${r.resources.map((x) => x.name)}]`).join('; ')}`);
  }

  /** SotW ACK of `r`, subscribing to `names`. */
  ack(r: Response, names: string[] = []): void {
    if (this.delta) this.send({ type_url: r.type_url, response_nonce: r.nonce });
    else this.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
  }

  nack(r: Response, message: string, names: string[] = [], lastGood = ''): void {
    const error_detail = { code: 3, message };
    if (this.delta) this.send({ type_url: r.type_url, response_nonce: r.nonce, error_detail });
    else this.send({ type_url: r.type_url, version_info: lastGood, response_nonce: r.nonce, resource_names: names, error_detail });
  }
}

export const fakeNode = (id: string) => ({ id, cluster: 'test', user_agent_name: 'envoy', metadata: { fields: {} } });
export const names = (r: Response) => r.resources.map((x) => x.name);
export const kind = (r: Response) => r.type_url.split('.').pop();
