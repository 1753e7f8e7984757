/**
 * The xDS gRPC server: ADS and the per-type discovery services, state-of-the-world and delta.
 *
 * Responses are written as pre-assembled bytes (identity serializer); requests are decoded with
 * protobufjs by a deserializer that never throws, so a malformed message ends only its stream.
 * Unary `Fetch*` methods answer UNIMPLEMENTED: weft serves streams only, and an unauthenticated
 * unary path is a known hole in other control planes (REFERENCE.md §2).
 */
import * as grpc from '@grpc/grpc-js';
import net from 'node:net';
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { SnapshotCache } from './cache.js';
import { resolveLimits } from './limits.js';
import { grpcTransport, type XdsCall } from './grpc-transport.js';
import { deltaProtocol, sotwProtocol } from './protocol.js';
import { decoder, type Decoded, type RawDeltaRequest, type RawSotwRequest } from './requests.js';
import { sotwRequestDecoder } from './sotw-decode.js';
import { XdsStream, type OpenStream, type StreamEnv, type StreamKind } from './stream.js';
import { systemClock } from './transport.js';
import type { StreamInfo, XdsServerOptions } from './types.js';
import { encodeControlPlane } from './wire.js';

/** The accept queue for reconnect storms (Linux caps it at net.core.somaxconn, 4096 by default). */
const LISTEN_BACKLOG = 4096;

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Envoy's own initial_fetch_timeout is 15 s; a cluster that has not warmed in 5 s is not coming soon. */
const DEFAULT_WARMING_HOLD_MS = 5_000;

interface ServiceSpec {
  readonly service: string;
  readonly short: string;
  readonly stream: string;
  readonly delta: string;
  readonly fetch?: string;
  readonly type?: ResourceTypeUrl;
}

/** Every discovery service weft registers, with its methods. */
const services: readonly ServiceSpec[] = [
  { service: 'envoy.service.discovery.v3.AggregatedDiscoveryService', short: 'ads', stream: 'StreamAggregatedResources', delta: 'DeltaAggregatedResources' },
  { service: 'envoy.service.listener.v3.ListenerDiscoveryService', short: 'lds', stream: 'StreamListeners', delta: 'DeltaListeners', fetch: 'FetchListeners', type: TypeUrl.Listener },
  { service: 'envoy.service.route.v3.RouteDiscoveryService', short: 'rds', stream: 'StreamRoutes', delta: 'DeltaRoutes', fetch: 'FetchRoutes', type: TypeUrl.RouteConfiguration },
  { service: 'envoy.service.cluster.v3.ClusterDiscoveryService', short: 'cds', stream: 'StreamClusters', delta: 'DeltaClusters', fetch: 'FetchClusters', type: TypeUrl.Cluster },
  { service: 'envoy.service.endpoint.v3.EndpointDiscoveryService', short: 'eds', stream: 'StreamEndpoints', delta: 'DeltaEndpoints', fetch: 'FetchEndpoints', type: TypeUrl.ClusterLoadAssignment },
  { service: 'envoy.service.secret.v3.SecretDiscoveryService', short: 'sds', stream: 'StreamSecrets', delta: 'DeltaSecrets', fetch: 'FetchSecrets', type: TypeUrl.Secret },
];

const identity = (b: Buffer) => b;
const deltaDecode = decoder('envoy.service.discovery.v3.DeltaDiscoveryRequest');

function method(path: string, requestStream: boolean, decode: (buf: Buffer) => Decoded<unknown>): grpc.MethodDefinition<unknown, Buffer> {
  return {
    path,
    requestStream,
    responseStream: requestStream,
    requestSerialize: identity as (v: unknown) => Buffer,
    requestDeserialize: decode,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

export class XdsServer {
  readonly cache: SnapshotCache;
  private readonly server: grpc.Server;
  private readonly live = new Set<OpenStream>();
  /** The listening sockets; grpc-js's shutdown closes the sessions and its injectors' servers. */
  private readonly sockets: net.Server[] = [];
  private readonly env: StreamEnv;
  /** SotW requests' name lists are shared between this server's streams, never across servers
   * (the plaintext port shares nothing with the mTLS one). */
  private readonly sotwDecode = sotwRequestDecoder();

  constructor(options: XdsServerOptions & { readonly cache?: SnapshotCache } = {}) {
    this.cache = options.cache ?? new SnapshotCache();
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const limits = resolveLimits(options.limits);
    this.env = {
      cache: this.cache,
      options,
      callbacks: options.callbacks ?? {},
      maxBytes,
      limits,
      clock: systemClock(options.now),
      warmingHoldMs: options.warmingHoldMs ?? DEFAULT_WARMING_HOLD_MS,
      controlPlane: encodeControlPlane(options.identifier ?? 'weft'),
      onClose: (s) => this.live.delete(s),
    };
    this.server = new grpc.Server({
      // grpc-js refuses a larger request from its length prefix, before buffering it.
      'grpc.max_receive_message_length': Math.min(maxBytes, limits.maxRequestBytes),
      'grpc.max_send_message_length': -1,
      'grpc-node.max_session_memory': options.maxSessionMemoryMiB ?? 64,
      'grpc.keepalive_time_ms': options.keepaliveMs ?? 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
    for (const spec of services) this.register(spec);
  }

  /** Adds another gRPC service (for example CSDS) on the same port and credentials. */
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.server.addService(definition, implementation);
  }

  /**
   * Binds and starts; resolves with the bound port (pass 0 for an ephemeral one). The socket is
   * weft's own, listening with a backlog of `LISTEN_BACKLOG`, and grpc-js serves the connections
   * handed to it (its connection injector, TLS included): grpc-js listens with Node's default
   * backlog of 511, and when thousands of proxies reconnect at once (a restart, a failover) the
   * accept queue overflowed while the event loop was busy with TLS handshakes; the kernel then
   * dropped the handshakes and reset their connections (storm benchmark: 112 of 2,500 proxies of
   * one load generator failed with ECONNRESET, ListenOverflows 39,480).
   */
  async listen(port = 0, host = '127.0.0.1', credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
    const injector = this.server.createConnectionInjector(credentials);
    const tcp = net.createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host, port, backlog: LISTEN_BACKLOG }, () => (tcp.off('error', reject), resolve()));
      });
    } catch (err) {
      injector.destroy();
      throw err;
    }
    this.sockets.push(tcp);
    return (tcp.address() as net.AddressInfo).port;
  }

  /** Live streams, for status views. Read-only snapshots of their state. */
  streams(): readonly StreamInfo[] {
    return [...this.live];
  }

  /**
   * Resolves when every live stream has settled (`XdsStream.settled`): no authentication pending,
   * no push scheduled. A deterministic point for tests and tools; it says nothing of requests still
   * in flight on the network.
   */
  async settled(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.settled()));
  }

  /**
   * Stops accepting streams and ends the open ones (they reconnect elsewhere). Resolves after at
   * most `graceMs`: grpc-js's `tryShutdown` never calls back when a peer left an HTTP/2 session
   * destroyed but not closed (seen with grpc-go), so the forced path resolves too.
   */
  close(graceMs = 1_000): Promise<void> {
    for (const tcp of this.sockets.splice(0)) tcp.close();
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.server.forceShutdown(), resolve()), graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const s of this.live) s.end();
    });
  }

  private register(spec: ServiceSpec): void {
    const prefix = `/${spec.service}/`;
    const kind: StreamKind = { service: spec.short, fixedType: spec.type };
    const definition: Record<string, grpc.MethodDefinition<unknown, Buffer>> = {
      [spec.stream]: method(prefix + spec.stream, true, this.sotwDecode),
      [spec.delta]: method(prefix + spec.delta, true, deltaDecode),
    };
    const impl: Record<string, grpc.UntypedHandleCall> = {
      [spec.stream]: ((call: XdsCall<RawSotwRequest>) => this.track(new XdsStream(grpcTransport(call), sotwProtocol, kind, this.env))) as grpc.UntypedHandleCall,
      [spec.delta]: ((call: XdsCall<RawDeltaRequest>) => this.track(new XdsStream(grpcTransport(call), deltaProtocol, kind, this.env))) as grpc.UntypedHandleCall,
    };
    if (spec.fetch) {
      definition[spec.fetch] = method(prefix + spec.fetch, false, this.sotwDecode);
      impl[spec.fetch] = (_call: unknown, callback: grpc.sendUnaryData<Buffer>) =>
        callback({ code: grpc.status.UNIMPLEMENTED, details: 'weft serves xDS over streams only; use the Stream or Delta method' });
    }
    this.server.addService(definition as grpc.ServiceDefinition, impl);
  }

  private track(stream: OpenStream): void {
    this.live.add(stream);
  }
}

