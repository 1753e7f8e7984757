/**
 * Locality-aware load balancing for one caller (docs/policy.md "Locality"): which priority and
 * weight each locality of a service's endpoints gets, relative to the caller's own locality.
 *
 * `localityPlan` narrows the policy to what one caller of one service needs (the plan is part of
 * the endpoint builder's input, so its memo key); `placeLocalities` applies it to the endpoints'
 * localities. Pure.
 */
import { appliedLocality, localityMatches } from '../model/index.js';
import type { LocalityMatch, LocalityPolicy, MeshPolicy, ProxyLocality, TrafficPolicy } from '../model/index.js';

/** What the endpoint builder needs of the caller and the service's locality block. */
export interface LocalityPlan {
  /** The caller's locality; `''` for an unknown part. */
  readonly region: string;
  readonly zone: string;
  /** `to` of the first failover rule whose `from` matches the caller (tried after its region). */
  readonly failover: readonly LocalityMatch[];
  /** `to` of the first distribute rule whose `from` matches the caller; absent: priorities. */
  readonly distribute?: LocalityPolicy['distribute'][number]['to'];
}

/** The plan for `caller` reaching a service, or undefined when every locality is equal to it
 * (no block applies, or the caller's locality is unknown). */
export function localityPlan(mesh: Pick<MeshPolicy, 'locality'>, traffic: TrafficPolicy | undefined, caller: ProxyLocality | undefined): LocalityPlan | undefined {
  const block = appliedLocality(mesh, traffic);
  if (!block || !caller) return undefined;
  const region = caller.region ?? '';
  const zone = caller.zone ?? '';
  const failover = block.failover.find((r) => localityMatches(r.from, region, zone))?.to ?? [];
  const distribute = block.distribute.find((r) => localityMatches(r.from, region, zone))?.to;
  return { region, zone, failover, ...(distribute ? { distribute } : {}) };
}

/** Whether a service's clusters need Envoy's locality-weighted balancing: some caller's plan may
 * carry weights. Decided per service, not per caller, so clusters stay shared by every caller. */
export function usesLocalityWeights(mesh: Pick<MeshPolicy, 'locality'>, traffic: TrafficPolicy | undefined): boolean {
  return (appliedLocality(mesh, traffic)?.distribute.length ?? 0) > 0;
}

/** One locality of a service's endpoints: `''` for an unset part; `endpoints` counts the healthy
 * ones (gRPC sends nothing to the others, Envoy only in panic). */
export interface LocalityKey { readonly region: string; readonly zone: string; readonly endpoints: number }
export interface Placement { readonly priority: number; readonly weight: number }

/**
 * Priority and weight per locality (same order as `localities`). Without a plan: one priority,
 * each locality weighted by its healthy endpoint count, at least 1 (per-endpoint balance also for
 * gRPC, which picks a locality by weight first). With distribute: the shared localities at priority 0 with their
 * shares, the rest at 1. Otherwise: levels (same zone, same region, each failover entry, the rest),
 * with empty levels skipped so priorities are contiguous (Envoy and gRPC require it).
 */
export function placeLocalities(localities: readonly LocalityKey[], plan: LocalityPlan | undefined): Placement[] {
  if (!plan) return localities.map((l) => ({ priority: 0, weight: countWeight(l) }));
  if (plan.distribute) return distributed(localities, plan.distribute);
  const levels = localities.map((l) => level(l, plan));
  const used = [...new Set(levels)].sort((a, b) => a - b);
  return localities.map((l, i) => ({ priority: used.indexOf(levels[i]!), weight: countWeight(l) }));
}

/** Weights are at least 1 (Envoy's and gRPC's rule). */
function countWeight(l: LocalityKey): number {
  return Math.max(1, l.endpoints);
}

function level(l: LocalityKey, plan: LocalityPlan): number {
  if (l.region === plan.region) return l.zone === plan.zone ? 0 : 1;
  const i = plan.failover.findIndex((m) => localityMatches(m, l.region, l.zone));
  return i < 0 ? 2 + plan.failover.length : 2 + i;
}

/** Weight scale: a share of 1 % split between three localities still gets a whole weight. */
const SCALE = 1000;

function distributed(localities: readonly LocalityKey[], shares: NonNullable<LocalityPlan['distribute']>): Placement[] {
  const owner = localities.map((l) => shareOf(l, shares));
  const counts = new Map<number, number>();
  for (const o of owner) if (o >= 0) counts.set(o, (counts.get(o) ?? 0) + 1);
  const placed = localities.map((l, i) => {
    const o = owner[i]!;
    const percent = o >= 0 ? shares[o]!.percent : 0;
    return percent > 0 ? { priority: 0, weight: Math.max(1, Math.round((percent * SCALE) / counts.get(o)!)) } : { priority: 1, weight: countWeight(l) };
  });
  // Nothing shared exists (every named locality is empty): the fallback is all there is.
  return placed.some((p) => p.priority === 0) ? placed : placed.map((p) => ({ ...p, priority: 0 }));
}

/** The most specific share naming the locality (region and zone over region over `*`), first in
 * order among equals; -1 when none does. */
function shareOf(l: LocalityKey, shares: NonNullable<LocalityPlan['distribute']>): number {
  let best = -1;
  let bestRank = -1;
  shares.forEach((s, i) => {
    if (!localityMatches(s.locality, l.region, l.zone)) return;
    const rank = (s.locality.region === '*' ? 0 : 2) + (s.locality.zone === '*' ? 0 : 1);
    if (rank > bestRank) [best, bestRank] = [i, rank];
  });
  return best;
}
