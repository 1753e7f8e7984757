/**
 * The transport floor: a bare `@grpc/grpc-js` server that implements ADS's
 * `StreamAggregatedResources` with identity (raw bytes) serialisation and nothing else. It answers
 * each new subscription with the current pre-encoded DiscoveryResponse for that type, ignores the
 * ACKs after decoding them, and on `push` encodes the changed response ONCE and writes the same
 * bytes to every stream subscribed to that type.
 *
 * What it leaves out, on purpose: snapshot lookup, per-stream version tracking, subscriptions by
 * name, nonces per stream (every stream gets the same nonce), NACK handling. Whatever weft takes
 * beyond this server's time, in the same run, is the price of being a control plane.
 */
import * as grpc from '@grpc/grpc-js';
import { messageType } from '../proto/index.js';
import { messageNameOf } from '../proto/type-urls.js';
import type { NamedMessage, ResourceSet } from './_config.js';
import type { EncodedGroup } from './_gocp.js';

const Request = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const Response = messageType('envoy.service.discovery.v3.DiscoveryResponse');
const identity = (b: Buffer): Buffer => b;

type Stream = grpc.ServerDuplexStream<Buffer, Buffer>;

interface AnyValue {
  type_url: string;
  value: Uint8Array;
}

interface TypeFeed {
  /** Encoded resource per name, as an `Any`; replaced per name on `push`. */
  anys: Map<string, AnyValue>;
  response: Buffer;
  version: number;
  subscribers: Set<Stream>;
}

export class FloorServer {
  private readonly server = new grpc.Server({
    'grpc.max_send_message_length': 16 * 1024 * 1024,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc-node.max_session_memory': 64,
  });
  private readonly feeds = new Map<string, TypeFeed>();
  /** Bytes written to streams, and protobuf bytes encoded (resources plus responses). */
  bytesSent = 0;
  bytesEncoded = 0;
  acks = 0;

  /** `resources` as messages, or already `encoded` (then `resources` is ignored). */
  constructor(resources: ResourceSet, encoded?: EncodedGroup) {
    const byType: [string, [string, AnyValue][]][] = encoded
      ? Object.entries(encoded).map(([t, list]) => [t, list.map((r) => [r.name, { type_url: t, value: r.value }])])
      : Object.entries(resources).map(([t, list]) => [t, (list ?? []).map((r) => [r.name, this.encodeAny(t, r)])]);
    for (const [typeUrl, list] of byType) {
      const anys = new Map(list);
      const feed: TypeFeed = { anys, response: Buffer.alloc(0), version: 1, subscribers: new Set() };
      feed.response = this.encodeResponse(typeUrl, feed);
      this.feeds.set(typeUrl, feed);
    }
    this.server.register(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      (call: Stream) => this.onStream(call),
      identity,
      identity,
      'bidi',
    );
  }

  listen(port = 0, host = '127.0.0.1', credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, credentials, (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  close(): Promise<void> {
    for (const feed of this.feeds.values()) for (const s of feed.subscribers) s.end();
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  /** Replaces `changed` resources of `typeUrl`, encodes the response once and writes it to all. */
  push(typeUrl: string, changed: readonly NamedMessage[]): void {
    const feed = this.feeds.get(typeUrl);
    if (!feed) throw new Error(`floor server has no resources of ${typeUrl}`);
    for (const r of changed) feed.anys.set(r.name, this.encodeAny(typeUrl, r));
    feed.version++;
    feed.response = this.encodeResponse(typeUrl, feed);
    for (const stream of feed.subscribers) this.write(stream, feed.response);
  }

  private onStream(call: Stream): void {
    const subscribed: TypeFeed[] = [];
    call.on('data', (buf: Buffer) => {
      const req = Request.decode(buf) as unknown as { type_url: string; response_nonce: string };
      const feed = this.feeds.get(req.type_url);
      if (!feed) return;
      if (req.response_nonce !== '') {
        this.acks++;
        return;
      }
      if (!feed.subscribers.has(call)) subscribed.push(feed);
      feed.subscribers.add(call);
      this.write(call, feed.response);
    });
    const drop = (): void => {
      for (const feed of subscribed) feed.subscribers.delete(call);
    };
    call.on('end', () => {
      drop();
      call.end();
    });
    call.on('error', drop);
    call.on('cancelled', drop);
  }

  private write(stream: Stream, bytes: Buffer): void {
    this.bytesSent += bytes.length;
    stream.write(bytes);
  }

  private encodeAny(typeUrl: string, r: NamedMessage): AnyValue {
    const type = messageType(messageNameOf(typeUrl));
    const value = type.encode(type.fromObject(r.message)).finish();
    this.bytesEncoded += value.length;
    return { type_url: typeUrl, value };
  }

  private encodeResponse(typeUrl: string, feed: TypeFeed): Buffer {
    const version = String(feed.version);
    const resources = [...feed.anys.values()];
    const bytes = Buffer.from(Response.encode({ version_info: version, type_url: typeUrl, nonce: version, resources }).finish());
    this.bytesEncoded += bytes.length;
    return bytes;
  }
}
