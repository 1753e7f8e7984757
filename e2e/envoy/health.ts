/**
 * The check every Envoy scenario ends with, read from each Envoy's own admin endpoint:
 * - no `update_rejected` counter (CDS `cluster_manager.cds`, LDS `listener_manager.lds`, RDS
 *   `http.*.rds.*`, EDS `cluster.<name>`, SDS `sds.*`) went up during the scenario, unless the
 *   scenario declared that rejection;
 * - the control plane is connected (`control_plane.connected_state` 1), unless declared otherwise;
 * - what weft's admin API reports as ACKed is what Envoy applied: every type SYNCED, and the
 *   ACKed version equals Envoy's (`/config_dump` `version_info` for CDS and LDS; for RDS, EDS and
 *   SDS, whose config-dump entries carry per-resource versions, the `version_text` of their
 *   subscriptions, one of which names the last version applied), with as many clusters and
 *   listeners as weft sent, and the RDS and SDS names weft reports subscribed.
 *
 * `guardEnvoys` registers this as vitest beforeEach/afterEach hooks, so a scenario whose traffic
 * looked right still fails when Envoy disagrees with weft.
 */
import { afterEach, beforeEach } from 'vitest';
import { until } from './http.js';

export type XdsType = 'CDS' | 'EDS' | 'LDS' | 'RDS' | 'SDS';

/** One Envoy under test. */
export interface EnvoyHandle {
  readonly nodeId: string;
  /** GET on Envoy's admin endpoint (`/stats?...`), wherever it listens (TCP or a Unix socket). */
  get(path: string): Promise<AdminReply>;
  /** Envoy's recent log, quoted in failures. */
  log(): string;
}

export interface AdminReply {
  readonly status: number;
  readonly text: string;
}

/** `get` for an admin endpoint on TCP (`http://host:port`). */
export function tcpAdmin(base: string): (path: string) => Promise<AdminReply> {
  return async (path) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, text: await res.text() };
  };
}

/** What a scenario expects to see go wrong; everything else is a failure. */
export interface Expectation {
  /** Types whose rejections (and NACKED status in weft) this scenario provokes on purpose. */
  readonly rejected?: readonly XdsType[];
  /** Envoy may end the scenario without a control-plane connection. */
  readonly disconnected?: boolean;
}

interface Stats {
  readonly counters: ReadonlyMap<string, number>;
  readonly versionText: ReadonlyMap<string, string>;
  readonly connected: number | undefined;
}

/** The xDS type a subscription stat belongs to, from its name. */
export function statType(name: string): XdsType | undefined {
  if (name.startsWith('cluster_manager.cds.')) return 'CDS';
  if (name.startsWith('listener_manager.lds.')) return 'LDS';
  if (/^http\..*\.rds\./.test(name)) return 'RDS';
  if (name.startsWith('sds.')) return 'SDS';
  if (name.startsWith('cluster.')) return 'EDS';
  return undefined;
}

async function readStats(envoy: EnvoyHandle): Promise<Stats> {
  const res = await envoy.get(`/stats?filter=${encodeURIComponent('(update_rejected|version_text|connected_state)$')}`);
  if (res.status !== 200) throw new Error(`${envoy.nodeId} admin /stats answered ${res.status}`);
  const counters = new Map<string, number>();
  const versionText = new Map<string, string>();
  let connected: number | undefined;
  for (const line of res.text.split('\n')) {
    const m = /^(\S+): (.*)$/.exec(line);
    if (!m) continue;
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'control_plane.connected_state') connected = Number(value);
    else if (name.endsWith('.version_text')) versionText.set(name, value.replace(/^"|"$/g, ''));
    else counters.set(name, Number(value));
  }
  return { counters, versionText, connected };
}

/** Rejection counters that went up since `before`, as `name: before → now`, with the types they belong to. */
function newRejections(before: Stats, now: Stats): { type: XdsType | undefined; text: string }[] {
  const out: { type: XdsType | undefined; text: string }[] = [];
  for (const [name, value] of now.counters) {
    const was = before.counters.get(name) ?? 0;
    if (value > was) out.push({ type: statType(name), text: `${name}: ${was} → ${value}` });
  }
  return out;
}

interface WeftType {
  readonly type: XdsType;
  readonly status: string;
  readonly ackedVersion?: string;
  readonly subscribed: readonly string[];
  readonly resources: number;
  readonly nack?: { readonly message: string };
}

async function weftTypes(weftAdmin: string, nodeId: string): Promise<readonly WeftType[] | undefined> {
  const res = await fetch(`${weftAdmin}/api/v1/proxies/${encodeURIComponent(nodeId)}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`weft admin /api/v1/proxies/${nodeId} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { types: WeftType[] }).types;
}

interface DumpView {
  readonly version: Partial<Record<'CDS' | 'LDS', string>>;
  readonly count: Partial<Record<'CDS' | 'LDS', number>>;
  readonly names: Partial<Record<'RDS' | 'SDS', string[]>>;
}

async function readDump(envoy: EnvoyHandle): Promise<DumpView> {
  const res = await envoy.get('/config_dump');
  if (res.status !== 200) throw new Error(`${envoy.nodeId} admin /config_dump answered ${res.status}`);
  type Entry = { name?: string; route_config?: { name?: string } };
  const configs = (JSON.parse(res.text) as { configs: Record<string, unknown>[] }).configs;
  const byType = (t: string) => configs.find((c) => String(c['@type']).endsWith(t)) ?? {};
  const clusters = byType('.ClustersConfigDump') as { version_info?: string; dynamic_active_clusters?: unknown[] };
  const listeners = byType('.ListenersConfigDump') as { version_info?: string; dynamic_listeners?: unknown[] };
  const routes = (byType('.RoutesConfigDump') as { dynamic_route_configs?: Entry[] }).dynamic_route_configs ?? [];
  const secrets = (byType('.SecretsConfigDump') as { dynamic_active_secrets?: Entry[]; dynamic_warming_secrets?: Entry[] });
  return {
    version: { CDS: clusters.version_info, LDS: listeners.version_info },
    count: { CDS: clusters.dynamic_active_clusters?.length ?? 0, LDS: listeners.dynamic_listeners?.length ?? 0 },
    names: {
      RDS: routes.map((r) => r.route_config?.name ?? '?').sort(),
      SDS: [...(secrets.dynamic_active_secrets ?? []), ...(secrets.dynamic_warming_secrets ?? [])].map((s) => s.name ?? '?').sort(),
    },
  };
}

/** Differences between weft's per-type report and what this Envoy applied; empty when they agree. */
export async function versionMismatches(weftAdmin: string, envoy: EnvoyHandle, expect: Expectation = {}): Promise<string[]> {
  const types = await weftTypes(weftAdmin, envoy.nodeId);
  if (!types) return [`weft reports no connected proxy ${envoy.nodeId}`];
  const [dump, stats] = await Promise.all([readDump(envoy), readStats(envoy)]);
  const out: string[] = [];
  for (const t of types) {
    if (expect.rejected?.includes(t.type)) continue;
    if (t.status !== 'SYNCED') out.push(`weft reports ${t.type} ${t.status}${t.nack ? ` (${t.nack.message})` : ''}`);
    if (t.type === 'CDS' || t.type === 'LDS') {
      if (dump.version[t.type] !== t.ackedVersion) out.push(`${t.type}: weft ACKed ${t.ackedVersion}, Envoy config_dump has ${dump.version[t.type]}`);
      if (dump.count[t.type] !== t.resources) out.push(`${t.type}: weft sent ${t.resources} resources, Envoy has ${dump.count[t.type]}`);
      continue;
    }
    const seen = [...stats.versionText].filter(([name]) => statType(name) === t.type).map(([, v]) => v);
    if (t.ackedVersion && !seen.includes(t.ackedVersion)) out.push(`${t.type}: weft ACKed ${t.ackedVersion}, Envoy's ${t.type} subscriptions are at ${[...new Set(seen)].join(', ') || 'nothing'}`);
    const names = t.type === 'RDS' || t.type === 'SDS' ? dump.names[t.type]! : undefined;
    if (names && names.join() !== [...t.subscribed].sort().join()) out.push(`${t.type}: weft reports [${[...t.subscribed].sort()}] subscribed, Envoy holds [${names}]`);
  }
  return out;
}

/** The whole check for one Envoy against a baseline taken before the scenario. */
async function problems(weftAdmin: string, envoy: EnvoyHandle, before: Stats, expect: Expectation): Promise<string[]> {
  const now = await readStats(envoy);
  const out = newRejections(before, now).filter((r) => !r.type || !expect.rejected?.includes(r.type)).map((r) => `update rejected: ${r.text}`);
  if (!expect.disconnected && now.connected !== 1) out.push(`control_plane.connected_state is ${now.connected}`);
  if (expect.disconnected) return out;
  let last: string[] = [];
  // A push may still be on its way when the traffic ends: wait (bounded) for agreement.
  await until(() => 'weft and Envoy to agree', 10_000, async () => ((last = await versionMismatches(weftAdmin, envoy, expect)).length === 0 ? true : undefined)).catch(() => undefined);
  return [...out, ...last];
}

/** What the guard needs to find the mesh; undefined when the scenarios are skipped. */
export type GuardTargets = () => { readonly weftAdmin: string; readonly envoys: readonly EnvoyHandle[] } | undefined;

/**
 * Registers the check around every test of the enclosing describe block. `expect()` inside a
 * scenario declares what it provokes on purpose; it applies to that scenario only.
 */
export function guardEnvoys(targets: GuardTargets): { expect(e: Expectation): void } {
  let expectation: Expectation = {};
  const baselines = new Map<string, Stats>();
  beforeEach(async () => {
    expectation = {};
    baselines.clear();
    for (const e of targets()?.envoys ?? []) baselines.set(e.nodeId, await readStats(e));
  });
  afterEach(async (ctx) => {
    const t = targets();
    if (!t) return;
    const found: string[] = [];
    for (const e of t.envoys) {
      const before = baselines.get(e.nodeId);
      const p = before ? await problems(t.weftAdmin, e, before, expectation) : [`no baseline for ${e.nodeId}`];
      if (p.length) found.push(`${e.nodeId}:\n  ${p.join('\n  ')}\n  --- envoy log (rejections)\n  ${rejectionLines(e.log()).join('\n  ') || '(none)'}`);
    }
    if (ctx.task.result?.state === 'fail' || found.length) for (const e of t.envoys) console.error(`--- envoy ${e.nodeId}\n${e.log()}`);
    if (found.length) throw new Error(`Envoy disagrees with weft after "${ctx.task.name}":\n${found.join('\n')}`);
  });
  return { expect: (e) => void (expectation = e) };
}

/** Envoy's own words for a rejected update ("gRPC config for ... rejected: ..."). */
export function rejectionLines(log: string): string[] {
  return log.split('\n').filter((l) => /rejected|Proto constraint validation failed|error adding listener|Unable to/i.test(l));
}

/**
 * Envoy's own log, kept for failure messages: whole lines only, access-log lines (JSON) left out
 * so they cannot push Envoy's warnings out of the last `max` characters.
 */
export class EnvoyLog {
  #partial = '';
  #text = '';

  constructor(private readonly max = 16_000) {}

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const own = lines.filter((l) => l && !l.startsWith('{'));
    if (own.length) this.#text = `${this.#text}${own.join('\n')}\n`.slice(-this.max);
  }

  text(): string {
    return this.#text + (this.#partial.startsWith('{') ? '' : this.#partial);
  }
}
