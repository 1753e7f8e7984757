/**
 * The test's side of the namespace mesh: requests sent by a workload's application (so they
 * leave from inside its namespace), outcome tallies, admin counters, and the scenario wrappers
 * that skip by name where the mesh cannot run.
 */
import { it } from 'vitest';
import { named, needsEnvoy } from '../env.js';
import type { NetnsMesh } from './mesh.js';
import { netnsUnavailable } from './net.js';

/** Why namespace-mesh scenarios cannot run here, or undefined. */
export const netnsSkip: string | undefined = needsEnvoy ?? netnsUnavailable();

export interface Outcome {
  readonly status: number;
  readonly backend?: string;
  readonly xfcc?: string;
  readonly ms: number;
  readonly error?: string;
  readonly seen?: Record<string, unknown>;
  readonly response?: Record<string, unknown>;
  /** With `detail`: the response body (first 1,000 characters). */
  readonly body?: string;
}

export const host = (service: string) => `${service}.default.svc.cluster.local`;

export interface HttpCall {
  readonly path?: string;
  readonly method?: string;
  /** A list value sends the header once per element. */
  readonly headers?: Record<string, string | readonly string[]>;
  readonly concurrency?: number;
  readonly intervalMs?: number;
  readonly detail?: boolean;
  /** Address to dial (default: the first workload of the service); Host is the service's name. */
  readonly address?: string;
}

/** `count` HTTP requests from workload `from` to `service` on `port` (dialled at `to`'s address). */
export function http(mesh: NetnsMesh, from: string, to: string, service: string, port: number, count: number, o: HttpCall = {}): Promise<Outcome[]> {
  return mesh.workload(from).app.send<Outcome[]>({ op: 'http', address: o.address ?? mesh.workload(to).address, port, host: host(service), count, concurrency: 4, ...o });
}

/** Outcomes by backend name; `<status>` when Envoy answered itself, `<code>` on a socket error. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status === 200 && o.backend ? o.backend : o.error ? `<${o.error}>` : `<${o.status}>`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** One counter from a workload's Envoy (`/stats?filter=`), 0 when absent. */
export async function envoyCounter(mesh: NetnsMesh, workload: string, name: string): Promise<number> {
  const res = await mesh.workload(workload).envoy!.handle.get(`/stats?filter=${encodeURIComponent(`^${name.replace(/[|.]/g, '\\$&')}$`)}`);
  const m = /: (\d+)/.exec(res.text);
  return m ? Number(m[1]) : 0;
}

/** A scenario of the namespace mesh; skipped by name where it cannot run. */
export const scenario = (title: string, fn: () => Promise<void>, timeout?: number) => it.skipIf(!!netnsSkip)(named(title, netnsSkip), fn, timeout);

/** A scenario that fails until the weft defect in its name is fixed (then this marker must go). */
export const knownDefect = (title: string, fn: () => Promise<void>, timeout?: number) => it.skipIf(!!netnsSkip).fails(named(title, netnsSkip), fn, timeout);
