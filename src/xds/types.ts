/**
 * Public types of the xDS server: what a stream looks like from outside, the hooks the control
 * plane plugs in (authentication, snapshot key, callbacks), and the options.
 *
 * `src/xds` knows nothing of policy or identity formats: it hands the control plane the node and
 * the peer certificate, and serves whatever snapshot the control plane names for the stream.
 */
import type { PeerCertificate } from 'node:tls';
import type { ResourceTypeUrl } from '../../proto/type-urls.js';
import type { XdsLimits } from './limits.js';

/** The parts of `envoy.config.core.v3.Node` weft uses, with `metadata` as plain JSON. */
export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly userAgentName: string;
  readonly userAgentVersion: string;
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly subZone?: string };
}

export interface NackInfo {
  readonly nonce: string;
  /** The rejected response's version. */
  readonly version: string;
  readonly code: number;
  /** The client's `error_detail.message`, cut to `limits.maxErrorDetailBytes` UTF-8 bytes. */
  readonly message: string;
  /** UTF-8 bytes of the client's message; more than `message` holds when it was truncated. */
  readonly messageBytes: number;
  readonly truncated: boolean;
  /** Resources in the rejected response that differed from what the client had accepted. */
  readonly names: readonly string[];
  /** Of `names`, those quarantined: not sent again to this stream until their content changes. */
  readonly quarantined: readonly string[];
  readonly at: number;
}

/** Per stream and resource type: what was sent and what the client accepted. */
export interface TypeStatus {
  readonly typeUrl: ResourceTypeUrl;
  /** `*` when the stream subscribes with wildcard; explicit names otherwise. */
  readonly subscribed: readonly string[];
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly sentAt?: number;
  readonly ackedAt?: number;
  /** Responses sent and not yet ACKed or NACKed. */
  readonly pending: number;
  /** Resources whose current content the client rejected; they are not re-sent until they change. */
  readonly quarantined: readonly string[];
  readonly lastNack?: NackInfo;
  /** Names and versions the client accepted. */
  readonly acked: ReadonlyMap<string, string>;
}

export interface StreamInfo {
  readonly id: number;
  /** `ads` or the per-type service's short name (`lds`, `rds`, `cds`, `eds`, `sds`). */
  readonly service: string;
  readonly delta: boolean;
  readonly peer: string;
  readonly openedAt: number;
  /** Set at the first request. */
  readonly node?: NodeInfo;
  /** Set by `authenticate`: the identity the stream is bound to, and its snapshot key. */
  readonly identity?: string;
  readonly key?: string;
  /** What `authenticate` returned as the stream's principal, carried with the stream for the
   * control plane's callbacks; opaque to the xDS layer. */
  readonly principal?: unknown;
  readonly secure: boolean;
  types(): readonly TypeStatus[];
  /** ADS make-before-break holds of listener/route updates (warming.ts); absent on fakes. */
  readonly warming?: { readonly held: number; readonly expired: number };
}

export type AuthResult =
  | { readonly ok: true; readonly key: string; readonly identity?: string; readonly principal?: unknown }
  | { readonly ok: false; readonly code: number; readonly message: string };

export interface AuthRequest {
  readonly stream: StreamInfo;
  readonly node: NodeInfo;
  /** The verified client certificate on a TLS port; undefined on a plaintext port. */
  readonly peerCertificate?: PeerCertificate;
}

export interface ResponseInfo {
  readonly version: string;
  readonly nonce: string;
  readonly names: readonly string[];
  readonly removed: readonly string[];
  readonly bytes: number;
}

/** Observation hooks; all optional, all synchronous, never allowed to throw into the server. */
export interface XdsCallbacks {
  onStreamOpen(stream: StreamInfo): void;
  /** After authentication succeeded; `stream.node` and `stream.key` are set. */
  onStreamBound(stream: StreamInfo): void;
  onRequest(stream: StreamInfo, typeUrl: ResourceTypeUrl): void;
  onResponse(stream: StreamInfo, typeUrl: ResourceTypeUrl, info: ResponseInfo): void;
  onAck(stream: StreamInfo, typeUrl: ResourceTypeUrl, version: string, nonce: string): void;
  onNack(stream: StreamInfo, typeUrl: ResourceTypeUrl, nack: NackInfo): void;
  onStreamClose(stream: StreamInfo, reason: { code: number; message: string }): void;
  /** A response over `maxMessageBytes` that could not be split (full LDS/CDS state). */
  onOversize(stream: StreamInfo, typeUrl: ResourceTypeUrl, bytes: number): void;
  /**
   * An LDS or RDS update waited `warmingHoldMs` for clusters it names to warm on the client and
   * was sent anyway; `clusters` were still cold (not ACKed, or their endpoints not ACKed).
   */
  onWarmingTimeout(stream: StreamInfo, typeUrl: ResourceTypeUrl, clusters: readonly string[]): void;
}

export interface XdsServerOptions {
  /**
   * Binds a stream to a snapshot key at its first request. Default: allow every client, key =
   * `node.id`. Return `{ ok: false }` to end the stream with that gRPC status.
   */
  readonly authenticate?: (req: AuthRequest) => AuthResult | Promise<AuthResult>;
  readonly callbacks?: Partial<XdsCallbacks>;
  /**
   * Responses above this size are split where the protocol allows it; requests above it (or above
   * `limits.maxRequestBytes`, whichever is smaller) are refused. Default 16 MiB.
   */
  readonly maxMessageBytes?: number;
  /**
   * What one stream may send and make the server keep; each field defaults to `XDS_LIMITS` (the
   * mTLS port's). Give a plaintext port `PLAINTEXT_XDS_LIMITS`. A request over a limit ends its
   * stream with RESOURCE_EXHAUSTED.
   */
  readonly limits?: Partial<XdsLimits>;
  /** HTTP/2 session memory per connection, MiB (grpc-js defaults to 10). Default 64. */
  readonly maxSessionMemoryMiB?: number;
  /** Server-initiated keepalive ping interval, ms. Default 30 s. */
  readonly keepaliveMs?: number;
  /** `control_plane.identifier` sent in responses. */
  readonly identifier?: string;
  /** Told when a callback threw; the stream carries on. Default: written to stderr. */
  readonly onCallbackError?: (callback: string, error: unknown) => void;
  /** Clock for timestamps in status (injected for tests). */
  readonly now?: () => number;
  /**
   * ADS make-before-break: the longest a listener or route update waits for the clusters it names
   * to be ACKed with their endpoints before it is sent anyway (`onWarmingTimeout`). Default 5 s.
   */
  readonly warmingHoldMs?: number;
}
