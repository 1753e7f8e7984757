/**
 * Gateway API route status written by the leader only. Every replica loads the routes as policy
 * (and serves them); writing their status back is a once-only task (docs/deploy.md "Replicas"):
 * with several replicas each would otherwise write after every load, racing the others.
 *
 * A replica that is not leading only remembers the last load's diagnostics; when it starts
 * leading it writes the status of that load at once. A replica that stops leading stops between
 * two writes (`writeStatus` asks the gate before each route).
 */
import type { Diagnostic } from '../policy/index.js';
import type { ExtraPolicyFiles } from './policy-source.js';
import type { Logger } from './log.js';
import type { LeaderGate } from './replicas.js';

/** What the route source offers (discovery's KubernetesRouteSource). */
export interface RouteStatusSource extends Omit<ExtraPolicyFiles, 'loaded'> {
  writeStatus(diagnostics: readonly Diagnostic[], now: Date, proceed: () => boolean): Promise<void>;
  stop(): Promise<void>;
}

export class LeaderRouteStatus implements ExtraPolicyFiles {
  private last: readonly Diagnostic[] | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly routes: RouteStatusSource, private readonly gate: LeaderGate, log: Logger) {
    this.unsubscribe = gate.onChange((leading) => {
      if (!leading || !this.last) return;
      this.write(this.last).catch((err: unknown) => log.warn('writing route status failed', { error: String((err as Error).message ?? err) }));
    });
  }

  files() {
    return this.routes.files();
  }

  onChange(fn: () => void): void {
    this.routes.onChange(fn);
  }

  /** `ExtraPolicyFiles.loaded`: after every load; writes only while leading. */
  loaded(diagnostics: readonly Diagnostic[]): Promise<void> {
    this.last = diagnostics;
    return this.write(diagnostics);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.routes.stop();
  }

  private async write(diagnostics: readonly Diagnostic[]): Promise<void> {
    if (!this.gate.isLeader) return;
    await this.routes.writeStatus(diagnostics, new Date(), () => this.gate.isLeader);
  }
}
