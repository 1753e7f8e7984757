/**
 * Cross-reference checks on a proxy's IR, the same ones go-control-plane's `Consistent()` makes on
 * a snapshot: every EDS cluster has endpoints and every endpoints set a cluster, every cluster a
 * route or TCP listener names exists, every RDS name a listener uses exists (and every route
 * configuration is used), and no name appears twice within a resource type.
 *
 * Pure; returns problems (empty when consistent). Translate turns them into WEFT4002/WEFT4003
 * diagnostics and leaves the offending resources out.
 */
import type { ProxyIr } from './ir.js';
import { TranslateCodes } from './codes.js';

export type IrResourceKind = 'cluster' | 'endpoints' | 'routeConfig' | 'listener';

export interface IrProblem {
  readonly kind: IrResourceKind;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  readonly code: typeof TranslateCodes.danglingReference.code | typeof TranslateCodes.duplicateName.code;
}

/** The parts of a ProxyIr that reference each other (a ScopePart qualifies too). */
export type IrGraph = Pick<ProxyIr, 'clusters' | 'endpoints' | 'routeConfigs' | 'outbound'> & Partial<Pick<ProxyIr, 'localClusters' | 'inlineClusters' | 'gateway'>>;

export function validateIr(ir: IrGraph): IrProblem[] {
  const problems: IrProblem[] = [];
  const clusters = names(ir.clusters, 'cluster', problems);
  for (const c of ir.localClusters ?? []) clusters.add(c.name);
  for (const c of ir.inlineClusters ?? []) {
    if (clusters.has(c.name)) problems.push({ kind: 'cluster', name: c.name, path: 'name', message: `duplicate cluster name ${c.name}`, code: TranslateCodes.duplicateName.code });
    clusters.add(c.name);
  }
  const endpoints = names(ir.endpoints, 'endpoints', problems);
  const routes = names(ir.routeConfigs, 'routeConfig', problems);
  names(ir.outbound, 'listener', problems);
  for (const c of ir.clusters) {
    if (!endpoints.has(c.name)) problems.push(p('cluster', c.name, 'eds_cluster_config.service_name', `no endpoints named ${c.name}`));
  }
  for (const e of ir.endpoints) {
    if (!clusters.has(e.name)) problems.push(p('endpoints', e.name, 'cluster_name', `no cluster references endpoints ${e.name}`));
  }
  checkRoutes(ir, clusters, problems);
  const usedRoutes = new Set<string>();
  for (const l of ir.outbound) {
    if (l.routeConfig) {
      usedRoutes.add(l.routeConfig);
      if (!routes.has(l.routeConfig)) problems.push(p('listener', l.name, 'rds.route_config_name', `route configuration ${l.routeConfig} does not exist`));
    }
    for (const c of (l.tcpRoutes ?? []).flatMap((r) => r.clusters.map((w) => w.cluster))) {
      if (!clusters.has(c)) problems.push(p('listener', l.name, 'tcp_proxy.cluster', `cluster ${c} does not exist`));
    }
  }
  for (const c of (ir.gateway?.listeners ?? []).flatMap((l) => l.chains)) {
    usedRoutes.add(c.routeConfig);
    if (!routes.has(c.routeConfig)) problems.push(p('listener', c.name, 'rds.route_config_name', `route configuration ${c.routeConfig} does not exist`));
  }
  for (const r of ir.routeConfigs) {
    if (!usedRoutes.has(r.name)) problems.push(p('routeConfig', r.name, 'name', `no listener uses route configuration ${r.name}`));
  }
  return problems;
}

function checkRoutes(ir: IrGraph, clusters: ReadonlySet<string>, problems: IrProblem[]): void {
  for (const rc of ir.routeConfigs) {
    rc.virtualHosts.forEach((vh, vi) => vh.routes.forEach((r, ri) => {
      if (r.action.kind !== 'forward') return;
      const at = `virtual_hosts[${vi}].routes[${ri}]`;
      for (const w of r.action.clusters) {
        if (!clusters.has(w.cluster)) problems.push(p('routeConfig', rc.name, `${at}.route`, `cluster ${w.cluster} does not exist`));
      }
      const m = r.action.mirror;
      if (m && !clusters.has(m.cluster)) problems.push(p('routeConfig', rc.name, `${at}.route.request_mirror_policies`, `cluster ${m.cluster} does not exist`));
    }));
  }
}

function names(items: readonly { readonly name: string }[], kind: IrResourceKind, problems: IrProblem[]): Set<string> {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.name)) problems.push({ kind, name: i.name, path: 'name', message: `duplicate ${kind} name ${i.name}`, code: TranslateCodes.duplicateName.code });
    seen.add(i.name);
  }
  return seen;
}

function p(kind: IrResourceKind, name: string, path: string, message: string): IrProblem {
  return { kind, name, path, message, code: TranslateCodes.danglingReference.code };
}
