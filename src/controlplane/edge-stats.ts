/**
 * Golden metrics per edge, aggregated from what sidecars stream to weft (metrics-service.ts).
 *
 * An edge is (source namespace, source workload, destination service, port, subset). The source
 * is the stream's verified identity, never a label the proxy sent; the destination comes from the
 * stats tags of the proxy's outbound cluster stats (stats-config.ts, docs/metrics.md).
 *
 * Envoy reports cumulative values; each stream's last value per series is kept to turn them into
 * increments, so a lost or repeated report never double counts and a proxy restart (values going
 * down) starts afresh. A stream's first report is a baseline, as a first sample is for
 * Prometheus' rate(): it holds the proxy's whole history (a sidecar reconnecting to a restarted
 * weft would otherwise show hours of traffic as one burst), so it sets the last values and counts
 * nothing. A series first seen later in a stream started at zero and counts in full.
 * Increments land in time slots of `slotMs` (the sidecars' flush interval); error rates and p99 are
 * over the slots of the last `windowMs`, and the request rate divides by the time those slots'
 * increments cover (see `#view`), so a new edge shows its true rate at once, not a ramp. Totals
 * since weft started are kept per edge for `/metrics`.
 *
 * Bounded memory (docs/metrics.md "Metrics streamed to weft"): at most `maxEdges` edges (new ones
 * past it are dropped and counted) and `maxSeriesPerProxy` series per proxy; an edge with no
 * traffic for `idleMs` is removed. Not safe for concurrent mutation (one event loop).
 */

export interface EdgeKey {
  readonly sourceNamespace: string;
  readonly sourceWorkload: string;
  readonly destinationService: string;
  readonly destinationPort: string;
  readonly destinationSubset: string;
}

/** One reported series: the tag-extracted name, its labels, and a counter value or histogram. */
export interface ReportedSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value?: number;
  /** Cumulative: `[upperBound, cumulativeCount]` ascending, and the total count. */
  readonly histogram?: { readonly count: number; readonly buckets: readonly (readonly [number, number])[] };
}

export interface EdgeView extends EdgeKey {
  readonly requestsPerSecond: number;
  /** 5xx responses and gRPC calls not OK, over requests, in the window; 0 without requests. */
  readonly errorRate: number;
  /** From the window's latency histogram; undefined without samples. */
  readonly p99Ms?: number;
  readonly totals: { readonly requests: number; readonly errors: number; readonly grpcErrors: number; readonly byClass: Readonly<Record<string, number>> };
  readonly lastSeen: number;
}

export interface EdgeStatsOptions {
  readonly now?: () => number;
  readonly slotMs?: number;
  readonly windowMs?: number;
  readonly maxEdges?: number;
  readonly maxSeriesPerProxy?: number;
  readonly idleMs?: number;
}

/** `first`: when its first increment arrived (the oldest slot's start of data, for the rate). */
interface Slot { at: number; first: number; requests: number; errors: number; latency: Map<number, number> }
interface Edge {
  readonly key: EdgeKey;
  slots: Slot[];
  totals: { requests: number; errors: number; grpcErrors: number; byClass: Record<string, number> };
  lastSeen: number;
}
type Last = number | Map<number, number>;

const RQ = 'cluster.outbound.upstream_rq';
const RQ_TOTAL = 'cluster.outbound.upstream_rq_total';
const RQ_TIME = 'cluster.outbound.upstream_rq_time';
const GRPC = 'cluster.outbound.grpc';

/** Envoy's metric names arrive either raw (`cluster.outbound.upstream_rq`) or Prometheus-style. */
export function canonicalName(name: string): string {
  return name.startsWith('envoy_') ? name.slice(6).replace(/_/g, '.') : name;
}

export class EdgeStats {
  readonly #now: () => number;
  readonly #slotMs: number;
  readonly #windowMs: number;
  readonly #maxEdges: number;
  readonly #maxSeries: number;
  readonly #idleMs: number;
  readonly #edges = new Map<string, Edge>();
  readonly #proxies = new Map<string, Map<string, Last>>();
  /** Series or edges refused by the bounds, since start. */
  dropped = 0;

  constructor(o: EdgeStatsOptions = {}) {
    this.#now = o.now ?? Date.now;
    this.#slotMs = o.slotMs ?? 5_000;
    this.#windowMs = o.windowMs ?? 30_000;
    this.#maxEdges = o.maxEdges ?? 10_000;
    this.#maxSeries = o.maxSeriesPerProxy ?? 2_000;
    this.#idleMs = o.idleMs ?? 600_000;
  }

  get edgeCount(): number {
    return this.#edges.size;
  }

  /** One report of proxy `proxyKey` (a stream), whose verified identity is `source`. */
  ingest(proxyKey: string, source: { namespace: string; workload: string }, series: readonly ReportedSeries[]): void {
    let last = this.#proxies.get(proxyKey);
    const baseline = !last;
    if (!last) this.#proxies.set(proxyKey, (last = new Map()));
    const at = this.#now();
    for (const s of series) {
      const name = canonicalName(s.name);
      if (name !== RQ && name !== RQ_TOTAL && name !== RQ_TIME && name !== GRPC) continue;
      const id = seriesId(name, s.labels);
      if (!last.has(id) && last.size >= this.#maxSeries) { this.dropped++; continue; }
      const edge = this.#edge(source, s.labels, at);
      if (edge) this.#apply(edge, name, s, last, id, at, baseline);
    }
  }

  /** Forgets a proxy's last values (its stream closed). */
  closeProxy(proxyKey: string): void {
    this.#proxies.delete(proxyKey);
  }

  /** Every edge with its window figures, sorted by key; idle edges are removed first. */
  edges(): EdgeView[] {
    const now = this.#now();
    const out: EdgeView[] = [];
    for (const [k, e] of this.#edges) {
      if (now - e.lastSeen > this.#idleMs) { this.#edges.delete(k); continue; }
      out.push(this.#view(e, now));
    }
    return out.sort((a, b) => edgeId(a).localeCompare(edgeId(b)));
  }

  #edge(source: { namespace: string; workload: string }, labels: Readonly<Record<string, string>>, at: number): Edge | undefined {
    const key: EdgeKey = {
      sourceNamespace: source.namespace, sourceWorkload: source.workload,
      destinationService: labels.destination_service ?? '', destinationPort: labels.destination_port ?? '', destinationSubset: labels.destination_subset ?? '',
    };
    if (!key.destinationService) return undefined;
    const id = edgeId(key);
    let e = this.#edges.get(id);
    if (!e) {
      if (this.#edges.size >= this.#maxEdges) { this.dropped++; return undefined; }
      e = { key, slots: [], totals: { requests: 0, errors: 0, grpcErrors: 0, byClass: {} }, lastSeen: at };
      this.#edges.set(id, e);
    }
    return e;
  }

  #apply(e: Edge, name: string, s: ReportedSeries, last: Map<string, Last>, id: string, at: number, baseline: boolean): void {
    if (name === RQ_TIME) {
      if (!s.histogram) return;
      const prev = last.get(id);
      const cumulative = new Map(s.histogram.buckets.map(([b, c]) => [b, c] as [number, number]));
      last.set(id, cumulative);
      if (baseline) return;
      const restarted = prev instanceof Map && [...cumulative].some(([b, c]) => c < (prev.get(b) ?? 0));
      const slot = this.#slot(e, at);
      let below = 0;
      for (const [b, c] of [...cumulative].sort((x, y) => x[0] - y[0])) {
        const grown = c - (prev instanceof Map && !restarted ? prev.get(b) ?? 0 : 0);
        if (grown - below > 0) slot.latency.set(b, (slot.latency.get(b) ?? 0) + grown - below);
        below = Math.max(below, grown);
      }
      return;
    }
    if (s.value === undefined) return;
    const prev = last.get(id);
    last.set(id, s.value);
    if (baseline) return;
    const d = typeof prev === 'number' && s.value >= prev ? s.value - prev : s.value;
    if (d <= 0) return;
    e.lastSeen = at;
    const slot = this.#slot(e, at);
    if (name === RQ_TOTAL) { slot.requests += d; e.totals.requests += d; }
    else if (name === RQ) {
      const cls = s.labels.response_code_class ?? '';
      e.totals.byClass[cls] = (e.totals.byClass[cls] ?? 0) + d;
      if (cls === '5xx') { slot.errors += d; e.totals.errors += d; }
    } else if (name === GRPC && s.labels.grpc_status !== '0') { slot.errors += d; e.totals.grpcErrors += d; }
  }

  #slot(e: Edge, at: number): Slot {
    const start = at - (at % this.#slotMs);
    let s = e.slots[e.slots.length - 1];
    if (!s || s.at !== start) {
      s = { at: start, first: at, requests: 0, errors: 0, latency: new Map() };
      e.slots.push(s);
      const oldest = at - this.#windowMs - this.#slotMs;
      while (e.slots.length && e.slots[0]!.at < oldest) e.slots.shift();
    }
    return s;
  }

  /** The rate's divisor: a report covers the flush interval (one slot) before it arrived, so the
   * window's increments cover from one slot before the oldest slot's first report to the last
   * report, or to a slot ago once reports stop (the rate then decays as slots age out); at least a
   * slot, at most the window and the slot it may start in. */
  #view(e: Edge, now: number): EdgeView {
    const from = now - this.#windowMs;
    const slots = e.slots.filter((s) => s.at + this.#slotMs > from);
    const covered = slots.length ? Math.max(e.lastSeen, now - this.#slotMs) - slots[0]!.first + this.#slotMs : this.#windowMs;
    const spanMs = Math.min(this.#windowMs + this.#slotMs, Math.max(this.#slotMs, covered));
    const requests = slots.reduce((n, s) => n + s.requests, 0);
    const errors = slots.reduce((n, s) => n + s.errors, 0);
    const latency = new Map<number, number>();
    for (const s of slots) for (const [b, c] of s.latency) latency.set(b, (latency.get(b) ?? 0) + c);
    const p99 = quantile(latency, 0.99);
    return {
      ...e.key, requestsPerSecond: requests / (spanMs / 1000), errorRate: requests ? Math.min(1, errors / requests) : 0,
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      totals: { ...e.totals, byClass: { ...e.totals.byClass } }, lastSeen: e.lastSeen,
    };
  }
}

/** The `q` quantile of per-bucket counts (upper bounds, non-cumulative), interpolated inside the
 * bucket as Prometheus' histogram_quantile does; the +Inf bucket answers its lower bound. */
export function quantile(buckets: ReadonlyMap<number, number>, q: number): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = bounds.reduce((n, b) => n + buckets.get(b)!, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (const b of bounds) {
    const c = buckets.get(b)!;
    if (seen + c >= rank) return Number.isFinite(b) ? lower + (b - lower) * ((rank - seen) / c) : lower;
    seen += c;
    lower = b;
  }
  return lower;
}

export function edgeId(k: EdgeKey): string {
  return `${k.sourceNamespace}/${k.sourceWorkload}|${k.destinationService}|${k.destinationPort}|${k.destinationSubset}`;
}

function seriesId(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}|${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}`;
}
