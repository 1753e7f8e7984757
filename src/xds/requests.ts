/**
 * Decoding and checking of incoming requests. A request that cannot be decoded or breaks the
 * protocol yields a `RequestError` (INVALID_ARGUMENT with a message) that closes only its stream.
 */
import { status } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { messageType } from '../../proto/index.js';
import { isKnownTypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { NodeInfo } from './types.js';

export class RequestError extends Error {
  /** The gRPC status the stream ends with. */
  readonly code: number = status.INVALID_ARGUMENT;
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

/** A decoded request, or the reason it could not be decoded (deserializers must not throw). */
export type Decoded<T> = { readonly ok: true; readonly msg: T } | { readonly ok: false; readonly error: string };

export interface RawSotwRequest {
  version_info: string;
  node?: RawNode | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code: number; message: string } | null;
}

export interface RawDeltaRequest {
  node?: RawNode | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: { code: number; message: string } | null;
}

interface RawNode {
  id: string;
  cluster: string;
  metadata?: { fields?: Record<string, RawValue> } | null;
  user_agent_name: string;
  user_agent_version?: string;
  locality?: { region?: string; zone?: string; sub_zone?: string } | null;
}

interface RawValue {
  nullValue?: number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, RawValue> };
  listValue?: { values?: RawValue[] };
}

export function decoder<T>(typeName: string): (buf: Buffer) => Decoded<T> {
  let type: protobuf.Type | undefined;
  return (buf) => {
    try {
      type ??= messageType(typeName);
      return { ok: true, msg: type.decode(buf) as unknown as T };
    } catch (err) {
      return { ok: false, error: `cannot decode ${typeName}: ${(err as Error).message}` };
    }
  };
}

/** Resolves the type URL of a request on a stream (per-type services may leave it empty). */
export function requestType(typeUrl: string, fixed: ResourceTypeUrl | undefined): ResourceTypeUrl {
  if (fixed) {
    if (typeUrl !== '' && typeUrl !== fixed) throw new RequestError(`this service serves ${fixed}, not ${typeUrl}`);
    return fixed;
  }
  if (typeUrl === '') throw new RequestError('type_url is required on the aggregated (ADS) stream');
  if (!isKnownTypeUrl(typeUrl)) throw new RequestError(`unsupported type_url ${typeUrl}: weft serves listeners, routes, clusters, endpoints and secrets (v3)`);
  return typeUrl;
}

export function nodeInfo(raw: RawNode | null | undefined): NodeInfo {
  if (!raw || !raw.id) throw new RequestError('the first request of a stream must carry node with a non-empty id');
  const loc = raw.locality;
  return Object.freeze({
    id: raw.id,
    cluster: raw.cluster ?? '',
    metadata: structToJson(raw.metadata),
    userAgentName: raw.user_agent_name ?? '',
    userAgentVersion: raw.user_agent_version ?? '',
    locality: loc ? { region: loc.region || undefined, zone: loc.zone || undefined, subZone: loc.sub_zone || undefined } : undefined,
  });
}

function structToJson(s: { fields?: Record<string, RawValue> } | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

/** Decoded oneof members other than the set one read as defaults, so test own properties. */
function valueToJson(v: RawValue): unknown {
  const has = (k: keyof RawValue) => Object.prototype.hasOwnProperty.call(v, k);
  if (has('structValue')) return structToJson(v.structValue);
  if (has('listValue')) return (v.listValue?.values ?? []).map(valueToJson);
  if (has('stringValue')) return v.stringValue;
  if (has('numberValue')) return v.numberValue;
  if (has('boolValue')) return v.boolValue;
  return null;
}

/** A NACK's `error_detail`, its message cut to a bounded length. */
export interface ErrorDetail {
  readonly code: number;
  /** At most `maxErrorDetailBytes` UTF-8 bytes of the client's message. */
  readonly message: string;
  /** UTF-8 bytes of the client's message before truncation. */
  readonly messageBytes: number;
  readonly truncated: boolean;
}

/** `error_detail` with its message truncated to `maxBytes`, or undefined when the request is not a NACK. */
export function errorDetail(e: { code: number; message: string } | null | undefined, maxBytes: number): ErrorDetail | undefined {
  if (!e) return undefined;
  const m = truncateUtf8(e.message ?? '', maxBytes);
  return { code: e.code ?? 0, message: m.text, messageBytes: m.bytes, truncated: m.truncated };
}

export interface TruncatedText {
  /** At most `maxBytes` UTF-8 bytes of the original, cut at a character boundary. */
  readonly text: string;
  /** UTF-8 bytes of the original. */
  readonly bytes: number;
  readonly truncated: boolean;
}

/** The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): TruncatedText {
  if (text.length * 3 <= maxBytes) return { text, bytes: Buffer.byteLength(text), truncated: false };
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return { text, bytes, truncated: false };
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return { text: text.slice(0, read), bytes, truncated: true };
}
