/**
 * Encode-once: turns a resource message (a protobufjs keepCase object) into the bytes every stream
 * shares.
 *
 * Contract:
 * - `encode` is memoised by message object identity: callers that hand the same object instance for
 *   unchanged content (translate's cache does) pay for exactly one protobuf encoding per resource
 *   version, however many proxies receive it. Message objects must not be mutated after encoding.
 * - `version` is a content hash of the encoded bytes, so equal content always has equal versions,
 *   across objects, processes and restarts.
 * - Encoding errors (a field of the wrong type) throw `ResourceEncodeError` naming the resource; the
 *   control plane validates resources before they get here, so this is a programming error.
 */
import { createHash } from 'node:crypto';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { clusterRefsOf } from './cluster-refs.js';
import { encodeAny, encodeDeltaResource } from './wire.js';

const NO_REFS: readonly string[] = Object.freeze([]);

export interface EncodedResource {
  readonly typeUrl: ResourceTypeUrl;
  readonly name: string;
  /** Content hash of the encoded message. */
  readonly version: string;
  /** The resource wrapped in `google.protobuf.Any`, as bytes. */
  readonly any: Buffer;
  /** For clusters: the EDS resource this cluster waits for while warming. */
  readonly edsName?: string;
  /** The message object this was encoded from (read-only; used by config dumps). */
  readonly message: object;
  /** The delta `Resource` wrapper, built on first use. */
  deltaBytes(): Buffer;
  /**
   * Listeners and route configurations: the cluster names the message refers to
   * (cluster-refs.ts), computed on first use and shared by every stream. Empty for other types.
   */
  clusterRefs(): readonly string[];
}

export class ResourceEncodeError extends Error {
  constructor(typeUrl: string, name: string, cause: unknown) {
    super(`cannot encode ${messageNameOf(typeUrl)} "${name}": ${(cause as Error).message ?? cause}`);
    this.name = 'ResourceEncodeError';
  }
}

export class ResourceEncoder {
  private readonly memo = new WeakMap<object, EncodedResource>();
  private encodes = 0;
  private bytes = 0;

  /** Number of protobuf encodings performed (for the encode-once benchmark and metrics). */
  get encodeCount(): number {
    return this.encodes;
  }

  /** Total bytes of resource payloads encoded. */
  get bytesEncoded(): number {
    return this.bytes;
  }

  encode(typeUrl: ResourceTypeUrl, name: string, message: object): EncodedResource {
    const hit = this.memo.get(message);
    if (hit && hit.name === name && hit.typeUrl === typeUrl) return hit;
    const encoded = this.encodeFresh(typeUrl, name, message);
    this.memo.set(message, encoded);
    return encoded;
  }

  private encodeFresh(typeUrl: ResourceTypeUrl, name: string, message: object): EncodedResource {
    let value: Uint8Array;
    try {
      const type = messageType(messageNameOf(typeUrl));
      value = type.encode(type.fromObject(message)).finish();
    } catch (err) {
      throw new ResourceEncodeError(typeUrl, name, err);
    }
    this.encodes++;
    this.bytes += value.length;
    const version = createHash('sha256').update(value).digest('base64url').slice(0, 16);
    const any = encodeAny(typeUrl, value);
    let delta: Buffer | undefined;
    let refs: readonly string[] | undefined;
    const routing = typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.RouteConfiguration;
    return Object.freeze({
      typeUrl,
      name,
      version,
      any,
      message,
      edsName: typeUrl === TypeUrl.Cluster ? edsNameOf(name, message) : undefined,
      deltaBytes: () => (delta ??= encodeDeltaResource(name, version, any)),
      clusterRefs: () => (refs ??= routing ? clusterRefsOf(message) : NO_REFS),
    });
  }
}

/** The EDS name a cluster subscribes to: `eds_cluster_config.service_name`, else its own name. */
function edsNameOf(name: string, cluster: object): string | undefined {
  const c = cluster as { type?: unknown; eds_cluster_config?: { service_name?: string } };
  if (c.type !== 'EDS' && c.eds_cluster_config === undefined) return undefined;
  return c.eds_cluster_config?.service_name || name;
}
