/**
 * Model → IR for ExternalServices (docs/policy.md "ExternalService"): their inline clusters, the
 * virtual hosts of their HTTP ports, the TCP/TLS routes of their other ports, and which of their
 * ports a caller's AccessPolicies refuse. An external service has no sidecar, so its AccessPolicies
 * are decided here, at translation, from the caller's own identity: a refused HTTP port answers
 * 403, a refused TCP/TLS port goes to the black hole.
 *
 * Pure functions of their arguments; build-scope.ts memoises the scope that calls them.
 */
import type { AccessPolicy, ExternalPort, ExternalService, PortProtocol } from '../model/index.js';
import { restrictsCallers } from '../model/index.js';
import type { IrInlineCluster, IrProtocol, IrTcpRoute, IrVirtualHost } from './ir.js';
import { BLACKHOLE_CLUSTER, externalClusterName, virtualHostName } from './names.js';
import { principalNames, type Caller } from './scope.js';
import { byName } from './build-clusters.js';

/** One way to an external port: the hosts that lead there and the cluster that serves them. */
export interface ExternalGroup {
  readonly hosts: readonly string[];
  readonly cluster: string;
  readonly targets: readonly { readonly address: string; readonly port: number }[];
}

/** `dns`: one group per host (each resolves to its own addresses); `static`: one for all hosts. */
export function externalGroups(ext: ExternalService, port: ExternalPort): ExternalGroup[] {
  if (ext.resolution === 'static') {
    return [{ hosts: ext.hosts, cluster: externalClusterName(port.port, ext.key), targets: ext.addresses.map((address) => ({ address, port: port.targetPort })) }];
  }
  return ext.hosts.map((h) => ({ hosts: [h], cluster: externalClusterName(port.port, h), targets: [{ address: h, port: port.targetPort }] }));
}

export function portClass(p: PortProtocol): 'http' | 'tcp' | 'tls' {
  return p === 'tcp' || p === 'tls' ? p : 'http';
}

function clusterProtocol(p: PortProtocol): IrProtocol {
  return p === 'http' ? 'http' : p === 'http2' || p === 'grpc' ? 'http2' : 'tcp';
}

/** The clusters of the given external services, and the black hole when `blackhole`; by name. */
export function buildInlineClusters(externals: readonly ExternalService[], connectTimeoutMs: number, blackhole: boolean): IrInlineCluster[] {
  const out: IrInlineCluster[] = blackhole ? [{ name: BLACKHOLE_CLUSTER, protocol: 'tcp', resolution: 'none', targets: [], connectTimeoutMs }] : [];
  const seen = new Set<string>();
  for (const ext of externals) {
    for (const port of ext.ports) {
      const tls = ext.tls && port.protocol !== 'tls' ? ext.tls : undefined;
      for (const g of externalGroups(ext, port)) {
        if (seen.has(g.cluster)) continue;
        seen.add(g.cluster);
        out.push({
          name: g.cluster, service: ext.key, protocol: clusterProtocol(port.protocol), resolution: ext.resolution, targets: g.targets,
          ...(tls ? { tls: { sni: tls.sni ?? g.hosts[0]!, caFile: tls.caFile } } : {}),
          connectTimeoutMs, ...(ext.source ? { source: ext.source } : {}),
        });
      }
    }
  }
  return out.sort(byName);
}

/**
 * The ports of external services a caller may not use, as `<key>|<port>`, sorted. A port is
 * refused when a deny rule names the caller (no `from`, or a principal matching it) and the port
 * (no `to.ports`, or listing it), or when allow policies exist and none of their rules does.
 */
export function refusedExternalPorts(externals: readonly ExternalService[], access: ReadonlyMap<string, readonly AccessPolicy[]>, caller: Caller): string[] {
  const out: string[] = [];
  for (const ext of externals) {
    const policies = access.get(ext.key);
    if (!policies?.length) continue;
    for (const port of ext.ports) if (refuses(policies, caller, port.port)) out.push(refusalKey(ext.key, port.port));
  }
  return out.sort();
}

export function refusalKey(key: string, port: number): string {
  return `${key}|${port}`;
}

function refuses(policies: readonly AccessPolicy[], caller: Caller, port: number): boolean {
  let allows = false;
  let admits = false;
  for (const p of policies) {
    if (restrictsCallers(p)) allows = true;
    for (const rule of p.rules) {
      const who = !rule.from?.length || rule.from.some((w) => principalNames(w, caller));
      const where = !rule.to?.ports || rule.to.ports.includes(port);
      if (!who || !where) continue;
      if (p.action === 'deny') return true;
      admits = true;
    }
  }
  return allows && !admits;
}

/** Virtual hosts of one external HTTP port: forward to its cluster, or (refused) answer 403. */
export function externalVirtualHosts(ext: ExternalService, port: ExternalPort, refused: boolean, timeoutMs: number): IrVirtualHost[] {
  return externalGroups(ext, port).map((g): IrVirtualHost => {
    const name = virtualHostName(g.hosts[0]!, port.port);
    const action = refused
      ? { kind: 'direct' as const, status: 403, body: `weft: the AccessPolicy of external service ${ext.key} does not allow this caller on port ${port.port}\n` }
      : { kind: 'forward' as const, clusters: [{ cluster: g.cluster, weight: 100 }], timeoutMs: port.protocol === 'http' ? timeoutMs : 0, ...(port.protocol === 'http' ? { websocket: true } : {}) };
    return {
      name, service: ext.key,
      domains: [...new Set(g.hosts.flatMap((h) => [h, `${h}:${port.port}`]))].sort(),
      routes: [{ name: `${name}/0`, match: { path: { prefix: '/' }, headers: [], query: [] }, action, ...(ext.source ? { source: ext.source } : {}) }],
    };
  });
}

/** TCP/TLS routes of one external port: TLS by SNI (its hosts), TCP by its addresses. */
export function externalTcpRoutes(ext: ExternalService, port: ExternalPort, refused: boolean, byAddress: boolean): IrTcpRoute[] {
  return externalGroups(ext, port).map((g): IrTcpRoute => ({
    name: `${ext.key}|${g.hosts[0]}`,
    service: ext.key,
    ...(port.protocol === 'tls' ? { serverNames: [...g.hosts] } : byAddress ? { destinations: [...ext.addresses] } : {}),
    clusters: [{ cluster: refused ? BLACKHOLE_CLUSTER : g.cluster, weight: 100 }],
    ...(ext.source ? { source: ext.source } : {}),
  }));
}
