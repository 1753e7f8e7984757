/**
 * Prometheus metrics of the control plane (every metric is listed in docs/metrics.md).
 *
 * Ownership: a `ControlPlaneMetrics` owns its prom-client `Registry` (default process metrics
 * included, prefix `weft_`); `/metrics` renders that registry. The xDS server feeds it through
 * `xdsCallbacks()`; the reconciler through the `record*`/`set*` methods. All methods are
 * synchronous and never throw (a metrics fault must not break a push).
 *
 * Cardinality: labels are bounded sets (xDS type, proxy kind, result) except the two series the
 * operators asked per proxy, `weft_proxy_config_bytes` (label `proxy` = node id) and the workload
 * certificate expiry (label `identity`). Both are removed when the last stream of that proxy or
 * identity closes, so a churn of pods does not grow the registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EdgeStats } from './edge-stats.js';
import { shortTypeName, type ResourceTypeUrl, type StreamInfo, type XdsCallbacks } from '../xds/index.js';

/** Fraction of the gRPC message limit above which a proxy's config is flagged. */
export const NEAR_LIMIT_RATIO = 0.75;

const PREFIX = 'weft_';

function typeLabel(typeUrl: ResourceTypeUrl): string {
  return shortTypeName[typeUrl] ?? 'unknown';
}

/** `grpc` for proxyless gRPC clients, `envoy` otherwise (DESIGN.md §3: told apart by user agent). */
export function proxyKind(stream: StreamInfo): 'envoy' | 'grpc' {
  const agent = stream.node?.userAgentName ?? '';
  return /grpc/i.test(agent) ? 'grpc' : 'envoy';
}

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  private readonly connected = new Gauge({ name: `${PREFIX}xds_connected_proxies`, help: 'xDS streams bound to a proxy, by proxy kind (envoy, grpc)', labelNames: ['kind'], registers: [this.registry] });
  private readonly pushes = new Counter({ name: `${PREFIX}xds_pushes_total`, help: 'xDS responses sent, by type', labelNames: ['type'], registers: [this.registry] });
  private readonly bytes = new Counter({ name: `${PREFIX}xds_response_bytes_total`, help: 'Bytes of xDS responses sent, by type', labelNames: ['type'], registers: [this.registry] });
  private readonly convergence = new Histogram({
    name: `${PREFIX}xds_push_convergence_seconds`, help: 'Time from sending an xDS response to its ACK, by type', labelNames: ['type'], registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  private readonly nacks = new Counter({ name: `${PREFIX}xds_nacks_total`, help: 'xDS responses rejected by a proxy (NACK), by type', labelNames: ['type'], registers: [this.registry] });
  private readonly oversize = new Counter({ name: `${PREFIX}xds_oversize_responses_total`, help: 'Responses over the gRPC message limit that could not be split, by type', labelNames: ['type'], registers: [this.registry] });
  private readonly warmingTimeouts = new Counter({ name: `${PREFIX}xds_warming_timeouts_total`, help: 'Listener or route updates sent after waiting the warming bound for clusters still not warm on the proxy, by type', labelNames: ['type'], registers: [this.registry] });
  private readonly configBytes = new Gauge({ name: `${PREFIX}proxy_config_bytes`, help: 'Bytes of one proxy\'s full configuration (all types)', labelNames: ['proxy'], registers: [this.registry] });
  private readonly nearLimit = new Gauge({ name: `${PREFIX}proxy_config_near_limit`, help: 'Present (value 1) while a proxy\'s configuration is above 75% of the gRPC message limit', labelNames: ['proxy'], registers: [this.registry] });
  private readonly translation = new Histogram({
    name: `${PREFIX}translation_duration_seconds`, help: 'Time to translate the mesh model into Envoy resources, per reconcile', registers: [this.registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  private readonly debounce = new Counter({ name: `${PREFIX}debounce_merged_events_total`, help: 'Change events merged into an already pending reconcile by the debouncer', registers: [this.registry] });
  private readonly policyLoads = new Counter({ name: `${PREFIX}policy_loads_total`, help: 'Policy loads, by result (ok, rejected)', labelNames: ['result'], registers: [this.registry] });
  private readonly certExpiry = new Gauge({ name: `${PREFIX}certificate_expiry_timestamp_seconds`, help: 'notAfter of the workload certificate served to an identity, Unix seconds', labelNames: ['identity'], registers: [this.registry] });
  private readonly rootExpiry = new Gauge({ name: `${PREFIX}ca_root_expiry_timestamp_seconds`, help: 'notAfter of the CA root certificate, Unix seconds', registers: [this.registry] });
  private readonly ready = new Gauge({ name: `${PREFIX}ready`, help: '1 when policy and discovery have synced and weft serves config, else 0', registers: [this.registry] });
  private readonly leader = new Gauge({ name: `${PREFIX}leader`, help: '1 while this replica holds the leader-election Lease (always 1 without --leader-election), else 0', registers: [this.registry] });

  /**
   * Golden metrics per edge from the sidecars' metrics service (docs/metrics.md "Metrics streamed
   * to weft"), computed from `stats` at each scrape. Labels are bounded by EdgeStats' edge cap.
   */
  addEdgeStats(stats: EdgeStats): void {
    const labelNames = ['source_namespace', 'source_workload', 'destination_service', 'destination_port', 'destination_subset'] as const;
    const labels = (e: ReturnType<EdgeStats['edges']>[number]) => ({
      source_namespace: e.sourceNamespace, source_workload: e.sourceWorkload, destination_service: e.destinationService, destination_port: e.destinationPort, destination_subset: e.destinationSubset,
    });
    new Counter({
      name: `${PREFIX}edge_requests_total`, help: 'Requests per edge reported by sidecars, by response code class', labelNames: [...labelNames, 'response_code_class'], registers: [this.registry],
      collect() {
        this.reset();
        for (const e of stats.edges()) for (const [cls, n] of Object.entries(e.totals.byClass)) this.inc({ ...labels(e), response_code_class: cls }, n);
      },
    });
    new Counter({
      name: `${PREFIX}edge_grpc_errors_total`, help: 'gRPC calls per edge that ended with a status other than OK', labelNames, registers: [this.registry],
      collect() {
        this.reset();
        for (const e of stats.edges()) if (e.totals.grpcErrors) this.inc(labels(e), e.totals.grpcErrors);
      },
    });
    new Gauge({
      name: `${PREFIX}edge_request_p99_milliseconds`, help: 'p99 request latency per edge over the last window (30 s)', labelNames, registers: [this.registry],
      collect() {
        this.reset();
        for (const e of stats.edges()) if (e.p99Ms !== undefined) this.set(labels(e), e.p99Ms);
      },
    });
    new Gauge({ name: `${PREFIX}edges`, help: 'Edges weft holds metrics for', registers: [this.registry], collect() { this.set(stats.edgeCount); } });
    new Gauge({ name: `${PREFIX}edge_series_dropped`, help: 'Reported series or edges refused by the bounds since start', registers: [this.registry], collect() { this.set(stats.dropped); } });
  }

  private readonly tracker: ConvergenceTracker;
  /** Bound streams per node id and per identity: series are removed when the last one closes. */
  private readonly streamsByProxy = new Map<string, number>();
  private readonly streamsByIdentity = new Map<string, number>();
  private readonly bound = new Set<number>();

  /** @param now clock in ms (injected for tests). */
  constructor(now: () => number = Date.now, options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.tracker = new ConvergenceTracker(now);
    this.ready.set(0);
  }

  /** Callbacks for `XdsServerOptions.callbacks`; compose with others if several are needed. */
  xdsCallbacks(): Partial<XdsCallbacks> {
    return {
      onStreamBound: (s) => this.guard(() => this.onBound(s)),
      onResponse: (s, t, info) => this.guard(() => {
        this.pushes.inc({ type: typeLabel(t) });
        this.bytes.inc({ type: typeLabel(t) }, info.bytes);
        this.tracker.sent(s.id, t, info.nonce);
      }),
      onAck: (s, t, _v, nonce) => this.guard(() => {
        const seconds = this.tracker.acked(s.id, t, nonce);
        if (seconds !== undefined) this.convergence.observe({ type: typeLabel(t) }, seconds);
      }),
      onNack: (s, t, nack) => this.guard(() => {
        this.nacks.inc({ type: typeLabel(t) });
        this.tracker.rejected(s.id, t, nack.nonce);
      }),
      onOversize: (_s, t) => this.guard(() => this.oversize.inc({ type: typeLabel(t) })),
      onWarmingTimeout: (_s, t) => this.guard(() => this.warmingTimeouts.inc({ type: typeLabel(t) })),
      onStreamClose: (s) => this.guard(() => this.onClose(s)),
    };
  }

  recordTranslation(ms: number): void {
    this.guard(() => this.translation.observe(ms / 1000));
  }

  /** `n` events were folded into a reconcile that was already pending. */
  recordDebounceMerge(n = 1): void {
    if (n > 0) this.guard(() => this.debounce.inc(n));
  }

  recordPolicyLoad(ok: boolean): void {
    this.guard(() => this.policyLoads.inc({ result: ok ? 'ok' : 'rejected' }));
  }

  setCertificateExpiry(identity: string, notAfterMs: number): void {
    this.guard(() => this.certExpiry.set({ identity }, notAfterMs / 1000));
  }

  setRootExpiry(notAfterMs: number): void {
    this.guard(() => this.rootExpiry.set(notAfterMs / 1000));
  }

  /** Size of a proxy's full config; flags it when above 75 % of `limit` (the gRPC message limit). */
  setConfigBytes(proxy: string, bytes: number, limit: number): void {
    this.guard(() => {
      this.configBytes.set({ proxy }, bytes);
      if (limit > 0 && bytes > limit * NEAR_LIMIT_RATIO) this.nearLimit.set({ proxy }, 1);
      else this.nearLimit.remove({ proxy });
    });
  }

  setReady(ready: boolean): void {
    this.ready.set(ready ? 1 : 0);
  }

  setLeader(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }

  private onBound(s: StreamInfo): void {
    if (this.bound.has(s.id)) return;
    this.bound.add(s.id);
    this.connected.inc({ kind: proxyKind(s) });
    if (s.node) increment(this.streamsByProxy, s.node.id);
    if (s.identity) increment(this.streamsByIdentity, s.identity);
  }

  private onClose(s: StreamInfo): void {
    this.tracker.closed(s.id);
    if (!this.bound.delete(s.id)) return;
    this.connected.dec({ kind: proxyKind(s) });
    if (s.node && decrement(this.streamsByProxy, s.node.id)) {
      this.configBytes.remove({ proxy: s.node.id });
      this.nearLimit.remove({ proxy: s.node.id });
    }
    if (s.identity && decrement(this.streamsByIdentity, s.identity)) this.certExpiry.remove({ identity: s.identity });
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch {
      // A metrics fault must never break the xDS server or a reconcile; the metric just misses a point.
    }
  }
}

/** Responses still waiting for an ACK kept per stream and type; older ones are dropped. */
const MAX_PENDING = 16;

/**
 * Matches ACKs to the responses they acknowledge by nonce (per stream and type: nonces mean
 * nothing across streams, REFERENCE.md §1) and reports the time in between. A NACKed or
 * superseded response is forgotten without an observation.
 */
class ConvergenceTracker {
  private readonly pending = new Map<number, Map<string, Map<string, number>>>();

  constructor(private readonly now: () => number) {}

  sent(stream: number, type: string, nonce: string): void {
    let byType = this.pending.get(stream);
    if (!byType) this.pending.set(stream, (byType = new Map()));
    let nonces = byType.get(type);
    if (!nonces) byType.set(type, (nonces = new Map()));
    nonces.set(nonce, this.now());
    if (nonces.size > MAX_PENDING) nonces.delete(nonces.keys().next().value as string);
  }

  /** Seconds since `nonce` was sent, or undefined if it is unknown; forgets it and older ones. */
  acked(stream: number, type: string, nonce: string): number | undefined {
    const at = this.settle(stream, type, nonce);
    return at === undefined ? undefined : Math.max(0, this.now() - at) / 1000;
  }

  rejected(stream: number, type: string, nonce: string): void {
    this.settle(stream, type, nonce);
  }

  closed(stream: number): void {
    this.pending.delete(stream);
  }

  private settle(stream: number, type: string, nonce: string): number | undefined {
    const nonces = this.pending.get(stream)?.get(type);
    const at = nonces?.get(nonce);
    if (!nonces || at === undefined) return undefined;
    // Insertion order is send order: forget this response and every one sent before it.
    for (const n of nonces.keys()) {
      nonces.delete(n);
      if (n === nonce) break;
    }
    return at;
  }
}

function increment(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Decrements; true when the count reached zero (the key is then forgotten). */
function decrement(m: Map<string, number>, key: string): boolean {
  const n = (m.get(key) ?? 0) - 1;
  if (n > 0) {
    m.set(key, n);
    return false;
  }
  m.delete(key);
  return true;
}
