/**
 * The messages between a benchmark driver (parent) and its load-generator children, and the clock
 * both sides read. Everything here crosses a `child_process` IPC channel, so it is plain JSON.
 *
 * Protocol (parent → child → parent):
 *   start  → the child opens its proxies and answers `synced` once every proxy has ACKed its
 *            initial CDS, EDS, LDS and RDS responses (or `failed`).
 *   arm    → the child snapshots each proxy's last ACKed version of `typeUrl` and answers `armed`.
 *            Only after `armed` does the parent change the configuration, so no response can race
 *            ahead of the marker.
 *            Later the child answers `round` with, per proxy, the time at which that proxy ACKed
 *            the first response of `typeUrl` whose version differs from the armed one.
 *   mark   → the child watches responses of `typeUrl` for `marker` (bytes a change put into one
 *            resource, e.g. an endpoint address) and answers `marked`; `collect` later answers
 *            `collected` with, per proxy, when it ACKed the first response containing the marker.
 *   window → the child zeroes its per-proxy receive counters and answers `window-open`; `counts`
 *            later answers `window-counts`: what each type delivered since, and to whom.
 *   reconnect → the child drops every proxy and opens fresh ones (no state, like restarted
 *            Envoys) with `connectConcurrency` at a time, and answers `synced` again.
 *   stop   → the child closes its streams and exits (it also exits when the parent disconnects).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds on a clock shared by every process on the machine (epoch-based, sub-ms). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** One simulated proxy: its node id, node metadata (strings), and its client certificate. */
export interface ProxySpec {
  id: string;
  /** Node metadata fields; default `namespace: default`, `service_account: bench`. */
  metadata?: Record<string, string>;
  /** Index into `StartMessage.tls.identities`: the bootstrap certificate this proxy presents. */
  identity?: number;
}

/** mTLS for every proxy: the trust bundle and one client key pair (PEM) per identity. */
export interface TlsSpec {
  ca: string;
  identities: { key: string; cert: string }[];
}

export interface StartMessage {
  kind: 'start';
  /** `host:port` of the ADS server under test. */
  target: string;
  /** The proxies this child simulates (one HTTP/2 connection each). */
  proxies: ProxySpec[];
  /** Present: connect over mTLS (the server's name is not checked: loopback benchmark). */
  tls?: TlsSpec;
  /** Subscribe to the SDS secrets clusters and listeners name, as Envoy does (default false). */
  sds?: boolean;
  /** Most proxies with a connection being opened at once (protects the listen backlog). */
  connectConcurrency: number;
  /** Give up (send `failed`) if initial sync takes longer than this. */
  syncTimeoutMs: number;
}

export interface ArmMessage {
  kind: 'arm';
  round: number;
  typeUrl: string;
  /** Give up on proxies that have not ACKed a new version after this long (reported as null). */
  timeoutMs: number;
}

export interface StopMessage {
  kind: 'stop';
}

export interface MarkMessage {
  kind: 'mark';
  id: number;
  typeUrl: string;
  /** Base64 of the bytes to look for in a response. */
  marker: string;
  /** Node ids that should receive it; `collect` waits for those of this child. */
  expect?: string[];
}

export interface CollectMessage {
  kind: 'collect';
  id: number;
  /** Wait up to this long for every expected proxy to have ACKed the marker (default 0). */
  timeoutMs?: number;
}

export interface WindowMessage {
  kind: 'window' | 'counts';
  id: number;
}

export interface ReconnectMessage {
  kind: 'reconnect';
  connectConcurrency: number;
  syncTimeoutMs: number;
}

export type ParentMessage = StartMessage | ArmMessage | StopMessage | MarkMessage | CollectMessage | WindowMessage | ReconnectMessage;

export interface SyncedMessage {
  kind: 'synced';
  proxies: number;
  at: number;
  /** Stream errors and undecodable responses the proxies saw while syncing. */
  errors: number;
}

export interface FailedMessage {
  kind: 'failed';
  reason: string;
}

export interface ArmedMessage {
  kind: 'armed';
  round: number;
}

export interface RoundMessage {
  kind: 'round';
  round: number;
  /** Shared-clock ACK time per proxy, in `nodeIds` order; null when the proxy timed out. */
  ackAt: (number | null)[];
  /** Responses that failed to decode or NACK-worthy problems the proxy saw during the round. */
  errors: number;
}

export interface MarkedMessage {
  kind: 'marked' | 'window-open';
  id: number;
}

export interface CollectedMessage {
  kind: 'collected';
  id: number;
  /** Shared-clock ACK time per proxy (this child's order); null when the marker never arrived. */
  ackAt: (number | null)[];
}

/** What one type delivered during a window. */
export interface TypeCount {
  responses: number;
  resources: number;
  bytes: number;
  /** Proxies that received at least one response of this type. */
  proxies: number;
  /** Distinct resource names delivered (at most 2,000 kept). */
  names: string[];
}

export interface WindowCountsMessage {
  kind: 'window-counts';
  id: number;
  byType: Record<string, TypeCount>;
  /** Node ids of the proxies that received anything in the window. */
  receivers: string[];
}

export type ChildMessage = SyncedMessage | FailedMessage | ArmedMessage | RoundMessage | MarkedMessage | CollectedMessage | WindowCountsMessage;
