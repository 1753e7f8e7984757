/**
 * The two RPCs of the e2e mesh, with raw byte payloads so no .proto file is needed:
 * - `Mesh/Call` (every mesh service): answers with the service's instance name, followed by
 *   `>` and its upstream's answer when it has one (`reviews-v2>ratings-0`);
 * - `Driver/Run` (the frontend's control port): runs a batch of calls to a mesh target and
 *   answers with one outcome per call. Request and answer are JSON.
 *
 * Outcomes are strings so tallies are plain maps: a reply text, or `error <code>`.
 */
import * as grpc from '@grpc/grpc-js';

export const CALL = '/weft.e2e.Mesh/Call';
export const RUN = '/weft.e2e.Driver/Run';

const raw = (b: Buffer) => b;

function unary(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return { path, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw };
}

export const meshService = { Call: unary(CALL) } as grpc.ServiceDefinition;
export const driverService = { Run: unary(RUN) } as grpc.ServiceDefinition;

export interface RunRequest {
  /** An `xds:///host:port` target (or `host:port` for a direct plaintext call). */
  readonly target: string;
  /** The `:authority` to send (the service's host when `target` is a sidecar's listener). */
  readonly authority?: string;
  readonly calls: number;
  readonly concurrency: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly deadlineMs?: number;
}

export interface Outcome {
  /** The reply text, or `error <grpc status code>`. */
  readonly r: string;
  /** Wall-clock duration of the call in milliseconds. */
  readonly ms: number;
}

/** One unary `Mesh/Call` on `client`; never rejects. */
export function callOnce(client: grpc.Client, headers: Readonly<Record<string, string>> = {}, deadlineMs = 5_000): Promise<Outcome> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  const start = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(CALL, raw, raw, Buffer.alloc(0), md, { deadline: Date.now() + deadlineMs }, (err, value) => {
      const ms = Math.round(performance.now() - start);
      resolve({ r: err ? `error ${err.code}` : value!.toString(), ms });
    });
  });
}

/** Per-outcome counts. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outcomes) out[o.r] = (out[o.r] ?? 0) + 1;
  return out;
}

/** Stops the process when its parent goes away: the parent holds our stdin, and a dead parent
 * closes it (even on SIGKILL), so children never outlive the test or the demo. */
export function exitWithParent(cleanup: () => void): void {
  const stop = () => {
    cleanup();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
