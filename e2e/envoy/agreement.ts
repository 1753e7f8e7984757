/**
 * Does weft's admin API tell the truth about one Envoy? Compares what weft reports as ACKed
 * (`GET /api/v1/proxies/<id>` and `/config`) with what Envoy applied (`/config_dump?include_eds`):
 * - every type SYNCED (unless the scenario provokes a rejection of it);
 * - CDS and LDS: the ACKed version is Envoy's `version_info`;
 * - every type: the resource names Envoy holds are the ones weft reports ACKed (EDS: each ACKed
 *   ClusterLoadAssignment is held, with the same endpoint addresses);
 * - delta streams: each resource's version in Envoy is the one weft sent.
 * For RDS, EDS and SDS over SotW Envoy keeps no per-type version (each resource carries the version
 * of the response that last changed it, and a response that only drops resources changes none),
 * so there the resources themselves are compared.
 */
import type { EnvoyHandle, XdsType } from './health.js';

interface WeftType {
  readonly type: XdsType;
  readonly status: string;
  readonly ackedVersion?: string;
  readonly subscribed: readonly string[];
  readonly nack?: { readonly message: string };
}
interface WeftResource {
  readonly version?: string;
  /** Set when weft no longer has the ACKed content (only its name and version). */
  readonly note?: string;
  readonly name?: string;
  readonly cluster_name?: string;
  readonly endpoints?: readonly Locality[];
}
interface Locality { readonly lb_endpoints?: readonly { readonly endpoint?: { readonly address?: { readonly socket_address?: { address: string; port_value: number } } } }[] }
/** One resource as Envoy holds it. */
interface Held { readonly version?: string; readonly endpoints?: string }

const addresses = (endpoints: readonly Locality[] | undefined): string =>
  (endpoints ?? []).flatMap((l) => (l.lb_endpoints ?? []).map((e) => e.endpoint?.address?.socket_address))
    .filter((a) => a !== undefined).map((a) => `${a.address}:${a.port_value}`).sort().join(',');

async function weftView(weftAdmin: string, id: string): Promise<{ types: readonly WeftType[]; delta: boolean; acked: Record<string, readonly WeftResource[]> } | undefined> {
  const res = await fetch(`${weftAdmin}/api/v1/proxies/${encodeURIComponent(id)}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`weft admin /api/v1/proxies/${id} answered ${res.status}: ${await res.text()}`);
  const proxy = (await res.json()) as { types: WeftType[]; delta: boolean };
  const config = await fetch(`${weftAdmin}/api/v1/proxies/${encodeURIComponent(id)}/config`);
  if (!config.ok) throw new Error(`weft admin /api/v1/proxies/${id}/config answered ${config.status}`);
  return { ...proxy, acked: ((await config.json()) as { acked: Record<string, WeftResource[]> }).acked };
}

type Dump = Record<string, unknown> & { '@type': string };

/** Envoy's dynamic resources by type and name, and its CDS/LDS `version_info`. */
async function envoyView(envoy: EnvoyHandle): Promise<{ held: Record<XdsType, Map<string, Held>>; version: Partial<Record<XdsType, string>>; draining: ReadonlySet<string> }> {
  const res = await envoy.get('/config_dump?include_eds');
  if (res.status !== 200) throw new Error(`${envoy.nodeId} admin /config_dump answered ${res.status}`);
  const configs = (JSON.parse(res.text) as { configs: Dump[] }).configs;
  const of = <T>(suffix: string) => (configs.find((c) => c['@type'].endsWith(suffix)) ?? {}) as T;
  const clusters = of<{ version_info?: string; dynamic_active_clusters?: { version_info?: string; cluster: { name: string } }[] }>('.ClustersConfigDump');
  const listeners = of<{ version_info?: string; dynamic_listeners?: { name: string; active_state?: { version_info?: string }; draining_state?: object }[] }>('.ListenersConfigDump');
  const routes = of<{ dynamic_route_configs?: { version_info?: string; route_config: { name: string } }[] }>('.RoutesConfigDump');
  const secrets = of<{ dynamic_active_secrets?: { version_info?: string; name: string }[] }>('.SecretsConfigDump');
  const endpoints = of<{ dynamic_endpoint_configs?: { endpoint_config: WeftResource }[] }>('.EndpointsConfigDump');
  const map = <T>(xs: readonly T[] | undefined, f: (x: T) => [string, Held]) => new Map((xs ?? []).map(f));
  return {
    version: { CDS: clusters.version_info, LDS: listeners.version_info },
    // A listener weft removed drains for a while and keeps the route configuration it names;
    // weft rightly no longer reports that one as ACKed.
    draining: drainingOnly(listeners.dynamic_listeners ?? []),
    held: {
      CDS: map(clusters.dynamic_active_clusters, (c) => [c.cluster.name, { version: c.version_info }]),
      // A listener without an active state is still warming: not applied.
      LDS: map(listeners.dynamic_listeners?.filter((l) => l.active_state), (l) => [l.name, { version: l.active_state!.version_info }]),
      RDS: map(routes.dynamic_route_configs, (r) => [r.route_config.name, { version: r.version_info }]),
      SDS: map(secrets.dynamic_active_secrets, (s) => [s.name, { version: s.version_info }]),
      EDS: map(endpoints.dynamic_endpoint_configs, (e) => [e.endpoint_config.cluster_name ?? '?', { endpoints: addresses(e.endpoint_config.endpoints) }]),
    },
  };
}

/** Route configurations named only by draining listeners (none of the active ones). */
function drainingOnly(listeners: readonly { active_state?: object; draining_state?: object }[]): Set<string> {
  const named = (state: object | undefined) => [...JSON.stringify(state ?? {}).matchAll(/"route_config_name":"([^"]+)"/g)].map((m) => m[1]!);
  const active = new Set(listeners.flatMap((l) => named(l.active_state)));
  return new Set(listeners.flatMap((l) => named(l.draining_state)).filter((n) => !active.has(n)));
}

/**
 * weft's `acked` entries, as `<type> <name>`, for resources the proxy does not subscribe to (a
 * non-wildcard type): Envoy drops what it unsubscribes from, so weft must not report it held
 * (issue 12 D6, fixed). `disagreements` catches these too, as a resource Envoy does not hold.
 */
export async function ackedUnsubscribed(weftAdmin: string, id: string): Promise<string[]> {
  const weft = await weftView(weftAdmin, id);
  const out: string[] = [];
  for (const t of weft?.types ?? []) {
    if (t.subscribed.includes('*')) continue;
    for (const r of weft!.acked[t.type] ?? []) {
      const name = r.name ?? r.cluster_name ?? '?';
      if (!t.subscribed.includes(name)) out.push(`${t.type} ${name}`);
    }
  }
  return out;
}

/** Differences between weft's report and this Envoy's state; empty when they agree. */
export async function disagreements(weftAdmin: string, envoy: EnvoyHandle, provoked: readonly XdsType[] = []): Promise<string[]> {
  const weft = await weftView(weftAdmin, envoy.nodeId);
  if (!weft) return [`weft reports no connected proxy ${envoy.nodeId}`];
  const mine = await envoyView(envoy);
  const out: string[] = [];
  for (const t of weft.types) {
    if (provoked.includes(t.type)) continue;
    if (t.status !== 'SYNCED') out.push(`weft reports ${t.type} ${t.status}${t.nack ? ` (${t.nack.message.trim()})` : ''}`);
    const v = mine.version[t.type];
    if ((t.type === 'CDS' || t.type === 'LDS') && v !== t.ackedVersion) out.push(`${t.type}: weft ACKed ${t.ackedVersion}, Envoy's config_dump has ${v}`);
    out.push(...resourceDiffs(t, weft.acked[t.type] ?? [], mine.held[t.type], weft.delta, t.type === 'RDS' ? mine.draining : new Set()));
  }
  return out;
}

function resourceDiffs(t: WeftType, acked: readonly WeftResource[], held: ReadonlyMap<string, Held>, delta: boolean, draining: ReadonlySet<string>): string[] {
  const type = t.type;
  const out: string[] = [];
  const names = new Set<string>();
  for (const r of acked) {
    const name = r.name ?? r.cluster_name ?? '?';
    names.add(name);
    const h = held.get(name);
    if (!h) out.push(`${type}: weft reports ${name} ACKed, Envoy does not hold it`);
    else if (r.note !== undefined) continue;
    else if (type === 'EDS' && h.endpoints !== addresses(r.endpoints)) out.push(`EDS ${name}: weft ACKed [${addresses(r.endpoints)}], Envoy has [${h.endpoints}]`);
    else if (delta && type !== 'EDS' && h.version !== r.version) out.push(`${type} ${name}: weft sent version ${r.version}, Envoy holds ${h.version}`);
  }
  // Envoy lists every cluster's assignment under EDS, also of clusters that do not use EDS.
  if (type !== 'EDS') for (const name of held.keys()) if (!names.has(name) && !draining.has(name)) out.push(`${type}: Envoy holds ${name}, which weft does not report ACKed`);
  return out;
}
