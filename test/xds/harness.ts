/**
 * Test harness: a weft XdsServer on 127.0.0.1:0 and raw xDS clients that speak the protocol
 * byte-for-byte (protobufjs), so tests see exactly what a proxy would.
 */
import * as grpc from '@grpc/grpc-js';
import { messageType } from '../../proto/index.js';
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { ResourceEncoder, XdsServer, buildSnapshot, type XdsCallbacks, type XdsServerOptions } from '../../src/xds/index.js';

export const T = TypeUrl;
export { apiListener, cluster, endpoints, route, tcpListener } from './resources.js';

const Req = () => messageType('envoy.service.discovery.v3.DiscoveryRequest');
const Resp = () => messageType('envoy.service.discovery.v3.DiscoveryResponse');
const DReq = () => messageType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
const DResp = () => messageType('envoy.service.discovery.v3.DeltaDiscoveryResponse');

export interface Response {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: { name: string; version?: string; value: Record<string, unknown> }[];
  removed: string[];
}

/** Decodes the resource inside an Any (or delta Resource) to a plain object. */
function decodeAny(any: { type_url: string; value: Uint8Array }): Record<string, unknown> {
  const type = messageType(any.type_url.slice(any.type_url.lastIndexOf('/') + 1));
  return type.toObject(type.decode(any.value), { enums: String, longs: Number, json: true }) as Record<string, unknown>;
}

/**
 * Wakes waiters whenever something observable happened (a response arrived, the server handled a
 * request or wrote a response), so waits are on events, with a deadline only to fail loudly.
 */
export class Signals {
  private waiters: (() => void)[] = [];

  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `ready()` holds, re-checked at every notification; rejects after `ms`. */
  async until(ready: () => boolean, what: string, ms = 2_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }
}

/** A DiscoveryResponse (or delta response) as a test reads it, resources decoded. */
export function decodeResponse(delta: boolean, b: Buffer): Response {
  if (delta) {
    const m = DResp().decode(b) as unknown as { system_version_info: string; type_url: string; nonce: string; resources: { name: string; version: string; resource: { type_url: string; value: Uint8Array } }[]; removed_resources: string[] };
    return { version_info: m.system_version_info, type_url: m.type_url, nonce: m.nonce, removed: m.removed_resources, resources: m.resources.map((r) => ({ name: r.name, version: r.version, value: decodeAny(r.resource) })) };
  }
  const m = Resp().decode(b) as unknown as { version_info: string; type_url: string; nonce: string; resources: { type_url: string; value: Uint8Array }[] };
  return {
    version_info: m.version_info, type_url: m.type_url, nonce: m.nonce, removed: [],
    resources: m.resources.map((a) => { const v = decodeAny(a); return { name: String(v.name ?? v.cluster_name), value: v }; }),
  };
}

export class RawClient {
  readonly responses: Response[] = [];
  status?: grpc.StatusObject;
  /** Requests written, for `none()` to know when the server has seen them all. */
  sent = 0;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private read = 0;

  /**
   * `quiet`, when given (startServer's clients), resolves once the server has handled every
   * request written so far and every response it wrote has arrived: `none()` then asserts on
   * that deterministic point instead of waiting a fixed time.
   */
  constructor(
    client: grpc.Client,
    readonly delta: boolean,
    path: string,
    private readonly quiet?: () => Promise<void>,
    private readonly signals = new Signals(),
  ) {
    const id = (b: Buffer) => b;
    this.call = client.makeBidiStreamRequest(path, id, id);
    this.call.on('data', (b: Buffer) => {
      this.responses.push(this.decode(b));
      this.signals.notify();
    });
    this.call.on('status', (s) => {
      this.status = s;
      this.signals.notify();
    });
    this.call.on('error', () => this.signals.notify());
  }

  private decode(b: Buffer): Response {
    return decodeResponse(this.delta, b);
  }

  send(req: Record<string, unknown>): void {
    const type = this.delta ? DReq() : Req();
    this.sent++;
    this.call.write(Buffer.from(type.encode(type.fromObject(req)).finish()));
  }

  /** Writes arbitrary bytes (malformed-request tests). */
  sendRaw(b: Buffer): void {
    this.call.write(b);
  }

  /** Resolves with the next unread response, or rejects after `ms`. */
  async next(ms = 2_000): Promise<Response> {
    await this.signals.until(() => this.read < this.responses.length || this.status !== undefined, 'a response', ms);
    if (this.read >= this.responses.length) throw new Error(`stream ended: ${this.status!.code} ${this.status!.details}`);
    return this.responses[this.read++]!;
  }

  /**
   * Asserts that nothing more arrived, once the server harness (`quiet`) says the server has
   * handled everything sent and delivered everything it wrote. A client of another server has no
   * such signal: it asserts on the answer to a later request instead (it must come next, alone).
   */
  async none(): Promise<void> {
    if (!this.quiet) throw new Error('none() needs a server harness (startServer); without one, assert on the answer to a later request');
    await this.quiet();
    if (this.read < this.responses.length) throw new Error(`unexpected response: ${JSON.stringify(this.responses[this.read]!.resources.map((r) => r.name))} (${this.responses[this.read]!.type_url})`);
  }

  async ended(ms = 2_000): Promise<grpc.StatusObject> {
    await this.signals.until(() => this.status !== undefined, 'the stream to end', ms);
    return this.status!;
  }

  /** Responses received so far. */
  get received(): number {
    return this.responses.length;
  }

  /** SotW ACK of `r` for `names`. */
  ack(r: Response, names: string[] = []): void {
    this.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
  }

  nack(r: Response, message: string, names: string[] = [], lastGood = ''): void {
    this.send({ type_url: r.type_url, version_info: lastGood, response_nonce: r.nonce, resource_names: names, error_detail: { code: 3, message } });
  }

  close(): void {
    this.call.end();
  }
}

export const node = (id: string, metadata: Record<string, string> = {}) => ({
  id,
  cluster: 'test',
  user_agent_name: 'envoy',
  metadata: { fields: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, { stringValue: v }])) },
});

export async function startServer(opts: XdsServerOptions = {}) {
  const signals = new Signals();
  let handled = 0;
  let written = 0;
  const callbacks = {
    ...opts.callbacks,
    onRequest: (...a: Parameters<XdsCallbacks['onRequest']>) => (handled++, signals.notify(), opts.callbacks?.onRequest?.(...a)),
    onResponse: (...a: Parameters<XdsCallbacks['onResponse']>) => (written++, signals.notify(), opts.callbacks?.onResponse?.(...a)),
  };
  const server = new XdsServer({ ...opts, callbacks });
  const port = await server.listen(0, '127.0.0.1');
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const encoder = new ResourceEncoder();
  const opened: RawClient[] = [];
  const paths = {
    ads: '/envoy.service.discovery.v3.AggregatedDiscoveryService/',
    cds: '/envoy.service.cluster.v3.ClusterDiscoveryService/',
    eds: '/envoy.service.endpoint.v3.EndpointDiscoveryService/',
  };
  const live = () => opened.filter((c) => c.status === undefined);
  /** The server handled every request the live clients sent, and they received all it wrote. */
  const quiet = async () => {
    await signals.until(() => handled >= live().reduce((n, c) => n + c.sent, 0), 'the server to handle every request');
    await server.settled();
    await signals.until(() => opened.reduce((n, c) => n + c.received, 0) >= written, 'every response to arrive');
  };
  return {
    server,
    port,
    encoder,
    grpcClient: client,
    /** Resolves when the server has handled what was sent and written what it will (see `quiet`). */
    settled: quiet,
    /** Opens a stream; `service` picks ADS or a per-type service. */
    open(opts: { delta?: boolean; service?: 'ads' | 'cds' | 'eds'; method?: string } = {}): RawClient {
      const service = opts.service ?? 'ads';
      const methods = { ads: ['StreamAggregatedResources', 'DeltaAggregatedResources'], cds: ['StreamClusters', 'DeltaClusters'], eds: ['StreamEndpoints', 'DeltaEndpoints'] }[service];
      const c = new RawClient(client, !!opts.delta, paths[service] + (opts.method ?? methods[opts.delta ? 1 : 0]!), quiet, signals);
      opened.push(c);
      return c;
    },
    /** Sets the snapshot of `key` from messages grouped by type. */
    set(key: string, resources: Partial<Record<ResourceTypeUrl, { name: string; message: object }[]>>): void {
      server.cache.set(key, buildSnapshot(encoder, resources));
    },
    async stop(): Promise<void> {
      for (const c of opened) c.close();
      client.close();
      await server.close(200);
    },
  };
}
