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
 *   stop   → the child closes its streams and exits (it also exits when the parent disconnects).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds on a clock shared by every process on the machine (epoch-based, sub-ms). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface StartMessage {
  kind: 'start';
  /** `host:port` of the ADS server under test. */
  target: string;
  /** Node ids of the proxies this child simulates (one HTTP/2 connection each). */
  nodeIds: string[];
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

export type ParentMessage = StartMessage | ArmMessage | StopMessage;

export interface SyncedMessage {
  kind: 'synced';
  proxies: number;
  at: number;
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

export type ChildMessage = SyncedMessage | FailedMessage | ArmedMessage | RoundMessage;
