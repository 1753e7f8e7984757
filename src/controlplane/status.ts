/**
 * Per-proxy, per-type sync status (what `weft status` and CSDS show), computed from what the
 * streams report (sent, ACKed, NACKed, quarantined) against the proxy's current snapshot.
 *
 * SYNCED: every subscribed resource is ACKed at its current version (and, for a wildcard, nothing
 * extra is held). NACKED: a current resource was rejected. STALE: anything else once something was
 * sent. NOT_SENT: nothing sent yet.
 */
import { shortTypeName, type ResourceTypeUrl, type Snapshot, type TypeStatus } from '../xds/index.js';
import type { SyncStatus, TypeSyncView } from './view.js';

export function syncStatus(t: TypeStatus, snapshot: Snapshot | undefined): SyncStatus {
  if (t.sentVersion === undefined && t.ackedVersion === undefined) return 'NOT_SENT';
  if (!snapshot) return 'STALE';
  const set = snapshot.get(t.typeUrl);
  const wildcard = t.subscribed.includes('*');
  const wanted = wildcard ? set.names : t.subscribed.filter((n) => set.has(n));
  if (wanted.some((n) => t.quarantined.includes(n) && t.acked.get(n) !== set.get(n)!.version)) return 'NACKED';
  if (t.pending > 0) return 'STALE';
  if (wanted.some((n) => t.acked.get(n) !== set.get(n)!.version)) return 'STALE';
  if (wildcard && [...t.acked.keys()].some((n) => !set.has(n))) return 'STALE';
  return 'SYNCED';
}

export function typeView(t: TypeStatus, snapshot: Snapshot | undefined, sourceOf: (type: ResourceTypeUrl, name: string) => string | undefined): TypeSyncView {
  const status = syncStatus(t, snapshot);
  const nack = t.lastNack;
  return {
    type: shortTypeName[t.typeUrl],
    status,
    desiredVersion: snapshot?.get(t.typeUrl).version,
    sentVersion: t.sentVersion,
    ackedVersion: t.ackedVersion,
    subscribed: t.subscribed,
    resources: snapshot?.get(t.typeUrl).size ?? 0,
    nack: nack && (status === 'NACKED' || t.quarantined.length > 0)
      ? {
          message: nack.message,
          at: new Date(nack.at).toISOString(),
          version: nack.version,
          resources: nack.names.map((name) => ({ name, source: sourceOf(t.typeUrl, name) })),
        }
      : undefined,
  };
}
