/**
 * Limits on what one xDS stream can make the server hold or do (issue 10 #4).
 *
 * Any client that reaches a port can open a stream and send requests before it is known to be a
 * proxy, so every per-request and per-stream quantity the server keeps is bounded here:
 * - the size of a request message (grpc-js refuses a larger one from its length prefix, before
 *   reading it, with RESOURCE_EXHAUSTED);
 * - the names one request carries, the length of each name, and the names one stream subscribes
 *   to per resource type (delta subscriptions accumulate across requests);
 * - the NACK `error_detail.message` the server stores (truncated, with its original length).
 * A request over a limit ends its own stream with RESOURCE_EXHAUSTED and a message naming the
 * limit; other streams are not affected. Memoised work shared between streams (`ResourceSet`'s
 * subset memo) is bounded separately, by entries and size, whatever the streams send.
 *
 * `XDS_LIMITS` are the production defaults for the authenticated (mTLS) port; the plaintext port
 * should use the tighter `PLAINTEXT_XDS_LIMITS` (docs/xds.md "Limits").
 */
import { status } from '@grpc/grpc-js';
import { shortTypeName, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { RequestError } from './requests.js';

export interface XdsLimits {
  /** Names in one request: SotW `resource_names`; delta subscribe + unsubscribe + initial versions. */
  readonly maxNamesPerRequest: number;
  /** Names one stream subscribes to explicitly, per resource type. */
  readonly maxSubscribedNames: number;
  /** UTF-8 bytes of one resource name. */
  readonly maxNameBytes: number;
  /** Largest request message, bytes (also capped by `maxMessageBytes`). */
  readonly maxRequestBytes: number;
  /** UTF-8 bytes of a NACK's `error_detail.message` kept in status, callbacks and logs. */
  readonly maxErrorDetailBytes: number;
}

/**
 * Defaults for the mTLS port: room for Envoy in a large mesh (an EDS request names every cluster
 * it knows: 20k clusters of ~100 bytes is 2 MB), while one request stays a bounded amount of work.
 */
export const XDS_LIMITS: XdsLimits = Object.freeze({
  maxNamesPerRequest: 65_536,
  maxSubscribedNames: 65_536,
  maxNameBytes: 4_096,
  maxRequestBytes: 4 * 1024 * 1024,
  maxErrorDetailBytes: 4_096,
});

/** Defaults for the plaintext port (development and proxyless gRPC): unauthenticated callers. */
export const PLAINTEXT_XDS_LIMITS: XdsLimits = Object.freeze({
  maxNamesPerRequest: 4_096,
  maxSubscribedNames: 4_096,
  maxNameBytes: 1_024,
  maxRequestBytes: 1024 * 1024,
  maxErrorDetailBytes: 4_096,
});

/** A request over a limit: ends its stream with RESOURCE_EXHAUSTED. */
export class LimitError extends RequestError {
  override readonly code = status.RESOURCE_EXHAUSTED;
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/** `XDS_LIMITS` overridden by `partial`; throws a RangeError naming a field that is not a positive integer. */
export function resolveLimits(partial: Partial<XdsLimits> = {}): XdsLimits {
  const limits = { ...XDS_LIMITS, ...partial };
  for (const [field, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`XdsServerOptions.limits.${field} must be a positive integer, got ${value}`);
  }
  return Object.freeze(limits);
}

/** Checks the names of one request against the per-request limits. */
export function checkRequestNames(typeUrl: ResourceTypeUrl, names: readonly (readonly string[])[], limits: XdsLimits): void {
  let count = 0;
  for (const list of names) count += list.length;
  if (count > limits.maxNamesPerRequest) {
    throw new LimitError(`a ${shortTypeName[typeUrl]} request carried ${count} resource names; this port accepts at most ${limits.maxNamesPerRequest} per request (limits.maxNamesPerRequest)`);
  }
  for (const list of names) {
    // A frozen list (the SotW decoder shares one between the requests that repeat it) is walked once.
    const frozen = Object.isFrozen(list);
    if (frozen && withinNameBytes.get(limits)?.has(list)) continue;
    for (const n of list) {
      // A UTF-16 length within the limit is within it in UTF-8 bytes too only up to a factor of 3.
      if (n.length * 3 <= limits.maxNameBytes || Buffer.byteLength(n) <= limits.maxNameBytes) continue;
      throw new LimitError(`a ${shortTypeName[typeUrl]} resource name of ${Buffer.byteLength(n)} bytes exceeds ${limits.maxNameBytes} (limits.maxNameBytes): "${n.slice(0, 64)}…"`);
    }
    if (frozen) {
      let lists = withinNameBytes.get(limits);
      if (!lists) withinNameBytes.set(limits, (lists = new WeakSet()));
      lists.add(list);
    }
  }
}

/** Frozen name lists whose every name is within the limits' `maxNameBytes`, per limits object. */
const withinNameBytes = new WeakMap<XdsLimits, WeakSet<readonly string[]>>();

/** Checks the size of a stream's subscription to one type after a request was applied. */
export function checkSubscribed(typeUrl: ResourceTypeUrl, subscribed: number, limits: XdsLimits): void {
  if (subscribed <= limits.maxSubscribedNames) return;
  throw new LimitError(`this stream subscribes to ${subscribed} ${shortTypeName[typeUrl]} names; this port allows at most ${limits.maxSubscribedNames} per type (limits.maxSubscribedNames)`);
}
