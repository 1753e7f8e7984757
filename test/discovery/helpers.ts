/** Test helpers for discovery sources: collect published changes and wait for conditions. */
import type { Diagnostic } from '../../src/policy/index.js';
import type { RegistryChange, RegistrySource } from '../../src/discovery/index.js';

export interface Recorder {
  readonly changes: RegistryChange[];
  readonly errors: (readonly Diagnostic[])[];
}

export function record(source: RegistrySource): Recorder {
  const rec: Recorder = { changes: [], errors: [] };
  source.onChange((c) => rec.changes.push(c));
  source.onError((d) => rec.errors.push(d));
  return rec;
}

/** Polls `cond` every 10 ms until it holds, or fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
