/**
 * One simulated Envoy on its own HTTP/2 connection (plaintext, or mTLS with its own bootstrap
 * certificate), speaking SotW ADS the way Envoy does: wildcard CDS and LDS first (node only on
 * the first request), then EDS for the clusters it was given, RDS for the route configurations
 * its listeners' HTTP connection managers name and, with `sds`, SDS for the secrets its clusters'
 * and listeners' TLS contexts name; an ACK (same type, version_info, response_nonce,
 * resource_names) for every response.
 *
 * Contract: owned by the load generator; `close()` ends the stream and the channel. Messages are
 * encoded and decoded with protobufjs against Envoy's own protos, with identity serialisation in
 * grpc-js so the bytes on the wire are exactly what protobufjs produced.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { messageType } from '../proto/index.js';
import { TypeUrl } from '../proto/type-urls.js';
import { sharedNow, type ProxySpec } from './_ipc.js';
import { secretNames } from './_secret-refs.js';

const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const HCM_URL =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const Request = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const Response = messageType('envoy.service.discovery.v3.DiscoveryResponse');
const ClusterType = messageType('envoy.config.cluster.v3.Cluster');
const ListenerType = messageType('envoy.config.listener.v3.Listener');
const HcmType = messageType(HCM_URL.slice(HCM_URL.indexOf('/') + 1));
const identity = (b: Buffer): Buffer => b;

/** Types every sidecar asks for; `synced` also waits for each type it subscribed to since. */
const wildcardTypes = [TypeUrl.Cluster, TypeUrl.Listener];

interface TypeState {
  /** Subscribed names; empty means wildcard (CDS, LDS). */
  names: string[];
  version: string;
  nonce: string;
  /** Version of the last response this proxy ACKed; undefined before the first ACK. */
  ackedVersion?: string;
}

export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

/** Called after an ACK is written, with the shared-clock time it was written at and the response. */
export type AckListener = (typeUrl: string, version: string, at: number, response: Buffer, resources: readonly AnyMessage[]) => void;

export interface ProxyOptions {
  /** Client credentials: the trust bundle and this proxy's key pair (PEM). */
  tls?: { ca: string; key: string; cert: string };
  /** Follow SDS references (Envoy does; servers without secrets would never answer). */
  sds?: boolean;
}

export class SimulatedProxy {
  private readonly client: grpc.Client;
  private call: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  private readonly types = new Map<string, TypeState>();
  /** Decode failures and stream errors seen so far. */
  errors = 0;
  lastError: string | undefined;

  constructor(
    target: string,
    private readonly spec: ProxySpec,
    private readonly options: ProxyOptions,
    private readonly onAck: AckListener,
  ) {
    const t = options.tls;
    // The server's certificate carries a SPIFFE ID, not a host name: chain checked, name not.
    const creds = t
      ? grpc.credentials.createSsl(Buffer.from(t.ca), Buffer.from(t.key), Buffer.from(t.cert), { checkServerIdentity: () => undefined })
      : grpc.credentials.createInsecure();
    // A local subchannel pool gives every proxy its own TCP connection, as separate Envoys have.
    this.client = new grpc.Client(target, creds, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
      // SNI must be a host name (RFC 6066), not the loopback IP the target names.
      ...(t ? { 'grpc.ssl_target_name_override': 'xds.weft.bench' } : {}),
    });
  }

  get nodeId(): string {
    return this.spec.id;
  }

  /** Opens the ADS stream and sends the wildcard CDS and LDS requests. */
  start(): void {
    const call = this.client.makeBidiStreamRequest(ADS_PATH, identity, identity);
    this.call = call;
    call.on('data', (buf: Buffer) => this.onResponse(buf));
    call.on('error', (err: Error) => this.fail(err.message));
    const md = this.spec.metadata ?? { namespace: 'default', service_account: 'bench' };
    const fields = Object.fromEntries(Object.entries(md).map(([k, v]) => [k, { stringValue: v }]));
    const node = { id: this.spec.id, cluster: 'bench', metadata: { fields }, user_agent_name: 'envoy' };
    this.subscribe(TypeUrl.Cluster, [], node);
    this.subscribe(TypeUrl.Listener, []);
  }

  /** True once CDS and LDS, and every type subscribed since (EDS, RDS, SDS), have been ACKed. */
  synced(): boolean {
    if (!wildcardTypes.every((t) => this.types.has(t))) return false;
    for (const state of this.types.values()) if (state.ackedVersion === undefined) return false;
    return true;
  }

  /** The version this proxy last ACKed for `typeUrl` (undefined if none). */
  ackedVersion(typeUrl: string): string | undefined {
    return this.types.get(typeUrl)?.ackedVersion;
  }

  close(): void {
    this.call?.cancel();
    this.client.close();
  }

  private fail(message: string): void {
    this.errors++;
    this.lastError = message;
  }

  private send(request: object): void {
    this.call?.write(Buffer.from(Request.encode(Request.fromObject(request)).finish()));
  }

  /** A new subscription (or a change of names): carries the current version and nonce, if any. */
  private subscribe(typeUrl: string, names: string[], node?: object): void {
    const state = this.types.get(typeUrl) ?? { names, version: '', nonce: '' };
    state.names = names;
    this.types.set(typeUrl, state);
    this.send({ node, type_url: typeUrl, resource_names: names, version_info: state.version, response_nonce: state.nonce });
  }

  private onResponse(buf: Buffer): void {
    let res: { type_url: string; version_info: string; nonce: string; resources: AnyMessage[] };
    try {
      res = Response.decode(buf) as unknown as typeof res;
    } catch (err) {
      this.fail(`undecodable DiscoveryResponse: ${(err as Error).message}`);
      return;
    }
    const state = this.types.get(res.type_url);
    if (!state) return this.fail(`response for unsubscribed type ${res.type_url}`);
    const changed = state.ackedVersion !== res.version_info;
    state.version = res.version_info;
    state.nonce = res.nonce;
    if (changed) this.followReferences(res.type_url, res.resources);
    const at = sharedNow();
    this.send({ type_url: res.type_url, version_info: state.version, response_nonce: state.nonce, resource_names: state.names });
    state.ackedVersion = res.version_info;
    this.onAck(res.type_url, res.version_info, at, buf, res.resources);
  }

  /** CDS names the EDS resources to watch, LDS (via HCM `rds`) the RDS ones, like Envoy. */
  private followReferences(typeUrl: string, resources: AnyMessage[]): void {
    try {
      if (typeUrl === TypeUrl.Cluster) this.resubscribe(TypeUrl.ClusterLoadAssignment, edsNames(resources));
      if (typeUrl === TypeUrl.Listener) this.resubscribe(TypeUrl.RouteConfiguration, rdsNames(resources));
      if (this.options.sds && (typeUrl === TypeUrl.Cluster || typeUrl === TypeUrl.Listener)) {
        this.sdsRefs.set(typeUrl, secretNames(typeUrl, resources));
        this.resubscribe(TypeUrl.Secret, [...new Set([...this.sdsRefs.values()].flat())].sort());
      }
    } catch (err) {
      this.fail(`undecodable resource: ${(err as Error).message}`);
    }
  }

  /** Secret names referenced by the last CDS and LDS responses. */
  private readonly sdsRefs = new Map<string, string[]>();

  /** A first subscription with no names is not sent: in SotW an empty list means wildcard. */
  private resubscribe(typeUrl: string, names: string[]): void {
    const current = this.types.get(typeUrl)?.names;
    if (!current && names.length === 0) return;
    if (current && current.join('\0') === names.join('\0')) return;
    this.subscribe(typeUrl, names);
  }
}

function decodeAll(type: protobuf.Type, resources: AnyMessage[]): Record<string, unknown>[] {
  return resources.map((r) => type.toObject(type.decode(r.value)) as Record<string, unknown>);
}

/** EDS clusters are watched by `eds_cluster_config.service_name`, or the cluster name if unset. */
function edsNames(resources: AnyMessage[]): string[] {
  const names = decodeAll(ClusterType, resources)
    .filter((c) => c.type === 3 || c.type === 'EDS')
    .map((c) => ((c.eds_cluster_config as { service_name?: string } | undefined)?.service_name || String(c.name)));
  return [...new Set(names)].sort();
}

function rdsNames(resources: AnyMessage[]): string[] {
  const names = new Set<string>();
  for (const r of resources) {
    const listener = ListenerType.decode(r.value) as unknown as ListenerShape;
    for (const chain of listener.filter_chains ?? []) {
      for (const filter of chain.filters ?? []) {
        const any = filter.typed_config;
        if (!any || any.type_url !== HCM_URL) continue;
        const hcm = HcmType.decode(any.value) as unknown as { rds?: { route_config_name?: string } };
        if (hcm.rds?.route_config_name) names.add(hcm.rds.route_config_name);
      }
    }
  }
  return [...names].sort();
}

interface ListenerShape {
  filter_chains?: { filters?: { typed_config?: AnyMessage }[] }[];
}
