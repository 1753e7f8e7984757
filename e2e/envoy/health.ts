/**
 * The check every Envoy scenario ends with, read from each Envoy's own admin endpoint:
 * - no `update_rejected` counter (CDS `cluster_manager.cds`, LDS `listener_manager.lds`, RDS
 *   `http.*.rds.*`, EDS `cluster.<name>`, SDS `sds.*`) went up during the scenario, unless the
 *   scenario declared that rejection;
 * - the control plane is connected (`control_plane.connected_state` 1), unless declared otherwise;
 * - what weft's admin API reports as ACKed is what Envoy applied (agreement.ts: every type
 *   SYNCED, CDS/LDS versions equal to Envoy's `version_info`, the same resources, endpoints and,
 *   on delta streams, per-resource versions).
 *
 * `guardEnvoys` registers this as vitest beforeEach/afterEach hooks, so a scenario whose traffic
 * looked right still fails when Envoy disagrees with weft.
 */
import { afterEach, beforeEach } from 'vitest';
import { disagreements } from './agreement.js';
import { until } from './http.js';

export type XdsType = 'CDS' | 'EDS' | 'LDS' | 'RDS' | 'SDS';

/** One Envoy under test. */
export interface EnvoyHandle {
  readonly nodeId: string;
  /** GET on Envoy's admin endpoint (`/stats?...`), wherever it listens (TCP or a Unix socket). */
  get(path: string): Promise<AdminReply>;
  /** Envoy's recent log, quoted in failures. */
  log(): string;
  /** The most recent access-log lines (JSON), oldest first; where the handle keeps them. */
  accessLog?(): readonly string[];
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
  const res = await envoy.get(`/stats?filter=${encodeURIComponent('(update_rejected|connected_state)$')}`);
  if (res.status !== 200) throw new Error(`${envoy.nodeId} admin /stats answered ${res.status}`);
  const counters = new Map<string, number>();
  let connected: number | undefined;
  for (const line of res.text.split('\n')) {
    const m = /^(\S+): (.*)$/.exec(line);
    if (!m) continue;
    const [, name, value] = m as unknown as [string, string, string];
    if (name === 'control_plane.connected_state') connected = Number(value);
    else counters.set(name, Number(value));
  }
  return { counters, connected };
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

/** The whole check for one Envoy against a baseline taken before the scenario. */
async function problems(weftAdmin: string, envoy: EnvoyHandle, before: Stats, expect: Expectation): Promise<string[]> {
  const now = await readStats(envoy);
  const out = newRejections(before, now).filter((r) => !r.type || !expect.rejected?.includes(r.type)).map((r) => `update rejected: ${r.text}`);
  if (!expect.disconnected && now.connected !== 1) out.push(`control_plane.connected_state is ${now.connected}`);
  if (expect.disconnected) return out;
  let last: string[] = [];
  // A push may still be on its way when the traffic ends: wait (bounded) for agreement.
  await until(() => 'weft and Envoy to agree', 10_000, async () => ((last = await disagreements(weftAdmin, envoy, expect.rejected)).length === 0 ? true : undefined)).catch(() => undefined);
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
    const found = (await Promise.all(t.envoys.map(async (e) => {
      const before = baselines.get(e.nodeId);
      const p = before ? await problems(t.weftAdmin, e, before, expectation) : [`no baseline for ${e.nodeId}`];
      return p.length ? [`${e.nodeId}:\n  ${p.join('\n  ')}\n  --- envoy log (rejections)\n  ${rejectionLines(e.log()).join('\n  ') || '(none)'}`] : [];
    }))).flat();
    if (ctx.task.result?.state === 'fail' || found.length) for (const e of t.envoys) console.error(`--- envoy ${e.nodeId}\n${e.log()}`);
    if (found.length) throw new Error(`Envoy disagrees with weft after "${ctx.task.name}":\n${found.join('\n')}`);
  }, 30_000);
  return { expect: (e) => void (expectation = e) };
}

/** Envoy's own words for a rejected update ("gRPC config for ... rejected: ..."). */
export function rejectionLines(log: string): string[] {
  return log.split('\n').filter((l) => /rejected|Proto constraint validation failed|error adding listener|Unable to/i.test(l));
}

/**
 * Envoy's own log, kept for failure messages: whole lines only. Access-log lines (JSON) are left
 * out so they cannot push Envoy's warnings out of the last `max` characters, except those of
 * failed requests (5xx, no response, or a response flag), of which the last 30 are kept apart.
 */
export class EnvoyLog {
  #partial = '';
  #text = '';
  readonly #failed: string[] = [];
  /** The last 200 access-log lines, for scenarios that read what Envoy logged per request. */
  readonly #access: string[] = [];

  constructor(private readonly max = 16_000) {}

  push(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const own: string[] = [];
    for (const l of lines) {
      if (!l) continue;
      if (!l.startsWith('{')) own.push(l);
      else {
        this.#access.splice(0, this.#access.length - 199, l);
        if (failedRequest(l)) this.#failed.splice(0, this.#failed.length - 29, l);
      }
    }
    if (own.length) this.#text = `${this.#text}${own.join('\n')}\n`.slice(-this.max);
  }

  accessLines(): readonly string[] {
    return [...this.#access];
  }

  text(): string {
    const failed = this.#failed.length ? `--- access log, failed requests (last ${this.#failed.length})\n${this.#failed.join('\n')}\n` : '';
    return this.#text + failed;
  }
}

function failedRequest(line: string): boolean {
  try {
    const r = JSON.parse(line) as { response_code?: number; response_flags?: string };
    return !r.response_code || r.response_code >= 500 || (r.response_flags !== undefined && r.response_flags !== '-');
  } catch {
    return false;
  }
}
