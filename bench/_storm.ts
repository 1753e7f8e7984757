/**
 * The storm benchmark as a function (bench/storm.ts is its command line; the smoke test calls
 * it directly). Per server (weft, then the grpc-js floor and the go-control-plane peer, both
 * serving what weft served; `_storm-servers.ts`): every proxy connects over mTLS with its own
 * identity's bootstrap certificate and syncs (CDS, EDS, LDS, RDS and SDS ACKed); then all of them
 * drop their connections and reconnect at once as fresh proxies (no xDS state, as restarted
 * Envoys), and the storm lasts until every one has synced again. Reports the storm's duration,
 * server CPU, errors, and RSS (synced, peak during the storm, after).
 */
import { sharedNow } from './_ipc.js';
import { profiled } from './_profile.js';
import { GoPeer } from './_gocp.js';
import { LoadgenGroup } from './_loadgen-group.js';
import { proxySpecs, serviceOfProxy, type MeshShape } from './_scoped-mesh.js';
import { round2 } from './_stats.js';
import { startFloorStorm, startPeerStorm, startWeftStorm, type StormServer } from './_storm-servers.js';
import type { TlsSpec } from './_ipc.js';
import type { TargetName } from './_targets.js';

export interface StormOptions extends MeshShape {
  loadgens: number;
  /** Give up on a storm after this long (reported as not synced). */
  timeoutMs: number;
  targets?: readonly TargetName[];
}

export interface StormResult {
  target: TargetName;
  first_sync_s: number;
  all_synced: boolean;
  storm_s: number | null;
  failure?: string;
  server_cpu_s: number;
  errors: number;
  server_log_errors: number;
  rss_synced_mb: number;
  peak_rss_mb: number;
  rss_after_mb: number;
  /** (RSS synced after the storm − RSS before any proxy) / proxies, after a full GC. */
  kb_per_proxy: number;
}

export interface StormReport {
  options: StormOptions;
  identities: number;
  results: StormResult[];
  peer_skipped?: string;
  /** weft / go-control-plane. */
  ratio_storm_s_gocp: number | null;
  ratio_cpu_gocp: number | null;
  ratio_kb_per_proxy_gocp: number | null;
}

async function storm(server: StormServer, o: StormOptions, tls: TlsSpec, beforeClose?: () => void): Promise<StormResult> {
  const specs = proxySpecs(o).map((s, p) => ({ ...s, identity: serviceOfProxy(o, p) }));
  const rssEmpty = await server.settledRssMb();
  const group = new LoadgenGroup({ target: `127.0.0.1:${server.port}`, proxies: specs, processes: o.loadgens, tls, sds: true, syncTimeoutMs: o.timeoutMs });
  try {
    const s0 = sharedNow();
    try {
      await group.sync();
    } catch (err) {
      return failedFirstSync(server, (err as Error).message, (sharedNow() - s0) / 1000);
    }
    const firstSync = (sharedNow() - s0) / 1000;
    const rssSynced = await server.settledRssMb();
    let peak = rssSynced;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssMb())), 50);
    const cpu0 = await server.cpuSeconds();
    const t0 = sharedNow();
    let stormS: number | null = null;
    let errors = 0;
    let failure: string | undefined;
    try {
      ({ errors } = await profiled(`storm-${server.name}`, () => group.reconnect(o.proxies, o.timeoutMs)));
      stormS = (sharedNow() - t0) / 1000;
    } catch (err) {
      failure = (err as Error).message;
    } finally {
      clearInterval(sampler);
    }
    const cpu = (await server.cpuSeconds()) - cpu0;
    const rssAfter = await server.settledRssMb();
    beforeClose?.();
    return {
      target: server.name, first_sync_s: round2(firstSync), all_synced: failure === undefined, storm_s: stormS === null ? null : round2(stormS),
      ...(failure ? { failure } : {}), server_cpu_s: round2(cpu), errors, server_log_errors: server.logErrors(),
      rss_synced_mb: round2(rssSynced), peak_rss_mb: round2(Math.max(peak, rssAfter)), rss_after_mb: round2(rssAfter),
      kb_per_proxy: round2(((rssAfter - rssEmpty) * 1024) / o.proxies),
    };
  } finally {
    await group.close();
  }
}

/** A server whose proxies did not all sync the first time: no storm was run against it. */
function failedFirstSync(server: StormServer, failure: string, seconds: number): StormResult {
  const rss = server.rssMb();
  return {
    target: server.name, first_sync_s: round2(seconds), all_synced: false, storm_s: null, failure: `first sync: ${failure}`, server_cpu_s: 0, errors: 0,
    server_log_errors: server.logErrors(), rss_synced_mb: round2(rss), peak_rss_mb: round2(rss), rss_after_mb: round2(rss), kb_per_proxy: 0,
  };
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : round2(a / b));

export async function runStorm(o: StormOptions): Promise<StormReport> {
  const names = o.targets ?? ['weft', 'floor', 'go-control-plane'];
  const weft = await startWeftStorm(o);
  const results: StormResult[] = [];
  let exported: ReturnType<typeof weft.exportResources> | undefined;
  let peerSkipped: string | undefined;
  try {
    const r = await storm(weft.server, o, weft.tls, () => (exported = weft.exportResources()));
    if (names.includes('weft')) results.push(r);
    await weft.server.close();
    if (names.includes('floor')) {
      const floor = await startFloorStorm(exported!, weft.serverTls);
      try { results.push(await storm(floor, o, weft.tls)); } finally { await floor.close(); }
    }
    if (names.includes('go-control-plane')) {
      const b = GoPeer.binary();
      if ('skipped' in b) peerSkipped = b.skipped;
      else {
        const peer = await startPeerStorm(b.path, exported!, weft.serverTls);
        try { results.push(await storm(peer, o, weft.tls)); } finally { await peer.close(); }
      }
    }
  } finally {
    await weft.server.close().catch(() => undefined);
    await weft.removeServerTls();
  }
  const w = results.find((r) => r.target === 'weft');
  const g = results.find((r) => r.target === 'go-control-plane');
  return {
    options: o, identities: o.services, results, ...(peerSkipped ? { peer_skipped: peerSkipped } : {}),
    ratio_storm_s_gocp: ratio(w?.storm_s, g?.storm_s), ratio_cpu_gocp: ratio(w?.server_cpu_s, g?.server_cpu_s), ratio_kb_per_proxy_gocp: ratio(w?.kb_per_proxy, g?.kb_per_proxy),
  };
}
