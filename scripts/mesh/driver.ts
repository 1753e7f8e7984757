/**
 * The test's handle on the frontend process: `run` asks it for a batch of calls and returns the
 * outcomes. The frontend does the mesh calls; the test only observes.
 */
import * as grpc from '@grpc/grpc-js';
import { RUN, tally, type Outcome, type RunRequest } from './wire.js';

const raw = (b: Buffer) => b;

export class Driver {
  readonly #client: grpc.Client;

  constructor(port: number) {
    this.#client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  }

  run(req: RunRequest): Promise<Outcome[]> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(RUN, raw, raw, Buffer.from(JSON.stringify(req)), { deadline: Date.now() + 120_000 }, (err, value) =>
        err ? reject(err) : resolve(JSON.parse(value!.toString()) as Outcome[]));
    });
  }

  async tally(req: RunRequest): Promise<Record<string, number>> {
    return tally(await this.run(req));
  }

  close(): void {
    this.#client.close();
  }
}

/** Share of `outcomes` whose reply starts with `prefix` (e.g. `reviews-v2`). */
export function share(outcomes: readonly Outcome[], prefix: string): number {
  return outcomes.filter((o) => o.r.startsWith(prefix)).length / Math.max(1, outcomes.length);
}

export function failures(outcomes: readonly Outcome[]): Outcome[] {
  return outcomes.filter((o) => o.r.startsWith('error '));
}
