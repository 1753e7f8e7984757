/**
 * Envoy's Client Status Discovery Service (`envoy.service.status.v3.ClientStatusDiscoveryService`)
 * served from a `ControlPlaneView`: the standard way tools ask a control plane "what did each
 * client get, and did it accept it" (REFERENCE.md §6).
 *
 * Every proxy becomes one `ClientConfig` with `generic_xds_configs`, one per resource, with the
 * per-resource status: SYNCED (ACKed the current content), STALE (sent and not yet ACKed, or
 * about to be removed), NOT_SENT (wanted, not yet sent) and ERROR (rejected; `error_state` holds
 * the NACK message, with the policy location when known, and the rejected content).
 *
 * Access: CSDS shares the xDS port, where every proxy holds a client certificate. A proxy must not
 * read other namespaces' config (REFERENCE.md §2, istio CVE-2026-31838), so by default a caller
 * sees only the proxies of the SPIFFE identity in its certificate; `adminIdentities` see all;
 * callers without a certificate are refused unless `allowUnauthenticated` (plaintext dev port).
 * Secret contents are never sent over CSDS, only their names, versions and status.
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { encode } from '../../proto/codec.js';
import { messageType } from '../../proto/index.js';
import { SPIFFE_SCHEME } from '../ca/index.js';
import { TypeUrl, type ResourceTypeUrl } from '../xds/index.js';
import type { ConfigDump, ControlPlaneView, ProxyView, TypeSyncView, XdsTypeShort } from './view.js';

const SERVICE = 'envoy.service.status.v3.ClientStatusDiscoveryService';
const requestType = messageType('envoy.service.status.v3.ClientStatusRequest');
const responseType = messageType('envoy.service.status.v3.ClientStatusResponse');

export interface CsdsOptions {
  /** Identities (SPIFFE IDs) allowed to see every proxy, e.g. the operators' tooling. */
  readonly adminIdentities?: readonly string[];
  /** Let callers without a client certificate see every proxy (plaintext development port only). */
  readonly allowUnauthenticated?: boolean;
}

type Scope = { readonly all: true } | { readonly identity: string };
type Plain = Record<string, unknown>;

const typeUrls: Readonly<Record<XdsTypeShort, ResourceTypeUrl>> = {
  CDS: TypeUrl.Cluster, EDS: TypeUrl.ClusterLoadAssignment, LDS: TypeUrl.Listener, RDS: TypeUrl.RouteConfiguration, SDS: TypeUrl.Secret,
};

/** The SPIFFE ID in a certificate's URI SAN (`URI:spiffe://...`), if exactly one. */
export function spiffeIdOf(cert: PeerCertificate | undefined): string | undefined {
  const ids = (cert?.subjectaltname ?? '').split(/,\s*/).filter((s) => s.startsWith(`URI:${SPIFFE_SCHEME}`)).map((s) => s.slice(4));
  return ids.length === 1 ? ids[0] : undefined;
}

/** The part of a grpc-js server call that carries the TLS peer. */
interface AuthCall {
  getAuthContext?(): { readonly sslPeerCertificate?: PeerCertificate } | null;
}

function scopeOf(call: AuthCall, options: CsdsOptions): Scope | string {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  const id = spiffeIdOf(cert);
  if (id) return options.adminIdentities?.includes(id) ? { all: true } : { identity: id };
  if (options.allowUnauthenticated) return { all: true };
  return 'CSDS needs a client certificate with a SPIFFE ID; connect with the proxy\'s or an admin identity\'s certificate';
}

/** `envoy.type.matcher.v3.StringMatcher` over a node id; `safe_regex` is not supported. */
function stringMatches(m: Plain, value: string): boolean {
  const ci = m.ignore_case === true;
  const v = ci ? value.toLowerCase() : value;
  const p = (k: string) => (ci ? String(m[k]).toLowerCase() : String(m[k]));
  if (typeof m.exact === 'string') return v === p('exact');
  if (typeof m.prefix === 'string') return v.startsWith(p('prefix'));
  if (typeof m.suffix === 'string') return v.endsWith(p('suffix'));
  if (typeof m.contains === 'string') return v.includes(p('contains'));
  return false;
}

/** A proxy matches when no matchers are given, or any matcher's `node_id` matches its id. */
function nodeMatches(matchers: readonly Plain[], proxy: ProxyView): boolean {
  if (matchers.length === 0) return true;
  return matchers.some((m) => {
    const id = m.node_id as Plain | undefined;
    const metadata = (m.node_metadatas as unknown[] | undefined) ?? [];
    return metadata.length === 0 && (id === undefined || stringMatches(id, proxy.id));
  });
}

function resourceName(r: Plain): string {
  return String(r.name ?? r.cluster_name ?? '');
}

/** Encodes a dumped resource (`@type` plus keepCase fields) as an `Any`; undefined if it cannot. */
function toAny(resource: Plain): Plain | undefined {
  const { '@type': type, ...fields } = resource;
  if (typeof type !== 'string') return undefined;
  try {
    return { type_url: type, value: encode(type.slice(type.lastIndexOf('/') + 1), fields) };
  } catch {
    return undefined;
  }
}

function timestamp(iso: string): Plain | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function byName(list: readonly object[]): Map<string, Plain> {
  return new Map(list.map((r) => [resourceName(r as Plain), r as Plain]));
}

interface ResourceState {
  readonly status: 'SYNCED' | 'STALE' | 'NOT_SENT' | 'ERROR';
  readonly client: 'ACKED' | 'NACKED' | 'REQUESTED' | 'UNKNOWN';
}

function stateOf(t: TypeSyncView, name: string, desired: Plain | undefined, acked: Plain | undefined): ResourceState {
  if (t.status === 'NACKED' && t.nack?.resources.some((r) => r.name === name)) return { status: 'ERROR', client: 'NACKED' };
  if (desired && acked && JSON.stringify(desired) === JSON.stringify(acked)) return { status: 'SYNCED', client: 'ACKED' };
  if (!acked && (t.status === 'NOT_SENT' || t.sentVersion !== t.desiredVersion)) return { status: 'NOT_SENT', client: 'REQUESTED' };
  return { status: 'STALE', client: acked ? 'ACKED' : 'UNKNOWN' };
}

function errorState(t: TypeSyncView, name: string, desired: Plain | undefined, contents: boolean): Plain | undefined {
  const nack = t.nack;
  if (!nack) return undefined;
  const source = nack.resources.find((r) => r.name === name)?.source;
  const failed = contents && desired && t.type !== 'SDS' ? toAny(desired) : undefined;
  return {
    details: source ? `${nack.message} (from ${source})` : nack.message,
    version_info: nack.version,
    last_update_attempt: timestamp(nack.at),
    ...(failed ? { failed_configuration: failed } : {}),
  };
}

function typeConfigs(t: TypeSyncView, dump: ConfigDump, contents: boolean): Plain[] {
  const desired = byName(dump.desired[t.type]);
  const acked = byName(dump.acked[t.type]);
  const names = [...new Set([...desired.keys(), ...acked.keys()])].sort();
  return names.map((name) => {
    const d = desired.get(name);
    const a = acked.get(name);
    const state = stateOf(t, name, d, a);
    const shown = a ?? d;
    const any = contents && shown && t.type !== 'SDS' ? toAny(shown) : undefined;
    const error = state.status === 'ERROR' ? errorState(t, name, d, contents) : undefined;
    return {
      type_url: typeUrls[t.type],
      name,
      version_info: (state.client === 'ACKED' ? t.ackedVersion : t.desiredVersion) ?? '',
      config_status: state.status,
      client_status: state.client,
      ...(any ? { xds_config: any } : {}),
      ...(error ? { error_state: error } : {}),
    };
  });
}

/** One `ClientConfig` for `proxy`, or undefined when it disconnected meanwhile. */
export function clientConfig(view: ControlPlaneView, proxy: ProxyView, contents = true): Plain | undefined {
  const dump = view.configDump(proxy.id);
  if (!dump) return undefined;
  return {
    node: { id: proxy.id, user_agent_name: proxy.kind === 'grpc' ? 'grpc' : 'envoy' },
    generic_xds_configs: proxy.types.flatMap((t) => typeConfigs(t, dump, contents)),
  };
}

function respond(view: ControlPlaneView, request: Plain, scope: Scope): Plain {
  const matchers = (request.node_matchers as Plain[] | undefined) ?? [];
  const contents = request.exclude_resource_contents !== true;
  const visible = view.proxies().filter((p) => ('all' in scope || p.identity === scope.identity) && nodeMatches(matchers, p));
  return { config: visible.flatMap((p) => clientConfig(view, p, contents) ?? []) };
}

/** Never throws: a malformed request becomes `{ invalid }` and is answered INVALID_ARGUMENT. */
function decodeRequest(bytes: Buffer): Plain {
  try {
    return requestType.toObject(requestType.decode(bytes), { enums: String, longs: Number, defaults: false });
  } catch (err) {
    return { invalid: `malformed ClientStatusRequest: ${(err as Error).message}` };
  }
}

function encodeResponse(obj: Plain): Buffer {
  return Buffer.from(responseType.encode(responseType.fromObject(obj)).finish());
}

function method(name: string, stream: boolean): grpc.MethodDefinition<Plain, Plain> {
  return {
    path: `/${SERVICE}/${name}`,
    requestStream: stream,
    responseStream: stream,
    requestSerialize: (o: Plain) => Buffer.from(requestType.encode(requestType.fromObject(o)).finish()),
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: (b: Buffer) => responseType.toObject(responseType.decode(b), { enums: String, longs: Number }),
  };
}

/** The CSDS service for `XdsServer.addService(definition, implementation)`. */
export function csdsService(view: ControlPlaneView, options: CsdsOptions = {}): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition = { StreamClientStatus: method('StreamClientStatus', true), FetchClientStatus: method('FetchClientStatus', false) };
  const fetch = (call: grpc.ServerUnaryCall<Plain, Plain>, callback: grpc.sendUnaryData<Plain>) => {
    const scope = scopeOf(call, options);
    if (typeof scope === 'string') return callback({ code: grpc.status.PERMISSION_DENIED, details: scope });
    if (typeof call.request.invalid === 'string') return callback({ code: grpc.status.INVALID_ARGUMENT, details: call.request.invalid });
    callback(null, respond(view, call.request, scope));
  };
  const stream = (call: grpc.ServerDuplexStream<Plain, Plain>) => {
    const scope = scopeOf(call, options);
    if (typeof scope === 'string') return call.emit('error', { code: grpc.status.PERMISSION_DENIED, details: scope });
    call.on('data', (request: Plain) => {
      if (typeof request.invalid === 'string') call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: request.invalid });
      else call.write(respond(view, request, scope));
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  };
  return { definition, implementation: { FetchClientStatus: fetch, StreamClientStatus: stream } as grpc.UntypedServiceImplementation };
}
