/**
 * One Envoy mesh at a time on this machine. Every sidecar binds the fixed inbound (15006) and
 * stats (15090) ports, and Envoy sets SO_REUSEPORT on its listeners, so two suites running at
 * once (vitest runs test files in parallel workers) would both bind them and split connections
 * between them. Each mesh holds this lock from start to stop; a lock whose holder died is taken
 * over.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireFileLock, releaseFileLock } from '../support/pid-lock.js';

const LOCK = path.join(tmpdir(), 'weft-e2e-envoy.lock');

/** Waits (polling every 200 ms, at most `ms`) until this process holds the lock. */
export function acquireMeshLock(ms = 300_000): Promise<void> {
  return acquireFileLock(LOCK, { pollMs: 200, timeoutMs: ms, what: 'Envoy e2e run' });
}

/** Releases the lock if this process holds it. */
export function releaseMeshLock(): Promise<void> {
  return releaseFileLock(LOCK);
}
