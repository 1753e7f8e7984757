/**
 * ADS make-before-break for additions (issue 12 D5): a listener or route update that names a
 * cluster the client has not got warm yet waits until it is warm.
 *
 * Envoy answers `503 NC` (no cluster) for a route whose cluster it does not have, and a new
 * cluster is usable only once it left warming, which for an EDS cluster is when its endpoints were
 * applied (REFERENCE.md §1 "Warming and ordering"; Envoy ACKs an EDS response after applying it).
 * Sending clusters before routes in one push is not enough: the route can be applied before the
 * cluster warms. So on an ADS stream a cluster is *cold* while all of these hold:
 * - the stream subscribes to it on CDS, and the snapshot has it;
 * - the client has not ACKed a CDS response carrying it, or (for an EDS cluster, on a stream that
 *   asks for EDS at all) has not ACKed its endpoints, which the snapshot has;
 * - neither was rejected (quarantined): what a client refused will not arrive, waiting is useless.
 * A cluster the stream does not subscribe to is never cold: proxyless gRPC subscribes to a
 * cluster only after a route names it, so waiting for it would deadlock.
 *
 * An LDS or RDS update (the whole response set of that type in one push) that refers to a cold
 * cluster is held. The hold is bounded: once a hold episode is `holdMs` old the update is sent
 * anyway and counted (`expired`), so a client that never ACKs is not starved. Removals go the
 * other way and are held by `PushContext.holdRemovals` (stream.ts, push.ts).
 *
 * One instance per stream; not shared. `wake` is called when the bound runs out.
 */
import { TypeUrl } from '../../proto/type-urls.js';
import type { EncodedResource } from './encoder.js';
import type { Clock } from './transport.js';
import type { Outgoing } from './push.js';
import type { Snapshot } from './snapshot.js';
import type { TypeState } from './type-state.js';

/** What a stream has counted of its holds. */
export interface WarmingCounts {
  /** Hold episodes begun (an update waited for at least one cold cluster). */
  readonly held: number;
  /** Episodes that ran out of `holdMs` and sent the update while a cluster was still cold. */
  readonly expired: number;
}

export class WarmingHold implements WarmingCounts {
  held = 0;
  expired = 0;
  private since?: number;
  private cancel?: () => void;

  constructor(
    private readonly holdMs: number,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  /**
   * Whether to hold `outs` (LDS or RDS responses about to be sent). False when nothing they name
   * is cold, or when the current episode has run out of time (then counted in `expired`, and
   * `onExpired` is told which clusters were still cold).
   */
  holds(outs: readonly Outgoing[], snapshot: Snapshot, cds: TypeState | undefined, eds: TypeState | undefined, onExpired: (cold: readonly string[]) => void): boolean {
    if (!cds) return false;
    const cold = coldClusters(outs, snapshot, cds, eds);
    if (cold.length === 0) return false;
    const now = this.clock.now();
    if (this.since === undefined) {
      this.since = now;
      this.held++;
      this.cancel = this.clock.setTimer(this.wake, this.holdMs);
    }
    if (now - this.since < this.holdMs) return true;
    // The episode stays expired for the rest of this push (LDS and RDS alike go out); the push
    // ends it, having held nothing.
    this.expired++;
    onExpired(cold);
    return false;
  }

  /** Ends the current episode (call at the end of a push that held nothing); the next hold starts a new bound. */
  settle(): void {
    if (this.since === undefined) return;
    this.since = undefined;
    this.cancel?.();
    this.cancel = undefined;
  }
}

/** The cold clusters (module comment) among those `outs` refer to, each once. */
export function coldClusters(outs: readonly Outgoing[], snapshot: Snapshot, cds: TypeState, eds: TypeState | undefined): string[] {
  const clusters = snapshot.get(TypeUrl.Cluster);
  const cold: string[] = [];
  const seen = new Set<string>();
  for (const out of outs) {
    for (const r of out.resources) {
      for (const name of r.clusterRefs()) {
        if (seen.has(name)) continue;
        seen.add(name);
        const c = clusters.get(name);
        if (c && isCold(c, snapshot, cds, eds)) cold.push(name);
      }
    }
  }
  return cold;
}

function isCold(cluster: EncodedResource, snapshot: Snapshot, cds: TypeState, eds: TypeState | undefined): boolean {
  if (!cds.subscription.includes(cluster.name) || cds.isQuarantined(cluster)) return false;
  const accepted = cds.acked.get(cluster.name);
  if (!accepted) return true;
  // The client has a version of the cluster; it is warm unless it is an EDS cluster whose
  // endpoints the client has not applied yet (it was added and is warming).
  const endpoints = accepted.edsName;
  if (!eds || endpoints === undefined || eds.acked.has(endpoints)) return false;
  const assignment = snapshot.get(TypeUrl.ClusterLoadAssignment).get(endpoints);
  return assignment !== undefined && !eds.isQuarantined(assignment);
}
