/**
 * Validation before anything leaves translate: every message is checked against Envoy's protos
 * (check.ts, once per message object), and cross-reference problems found on the IR
 * (ir-validate.ts) remove the resource that refers to something missing. Each removal is a
 * WEFT4001/4002/4003 error diagnostic carrying the resource name, field path and policy source.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { Diagnostic } from '../model/index.js';
import type { TranslationCache } from './cache.js';
import { checkMessageOf, checkResource, type FieldProblem } from './check.js';
import type { IrGraph, IrProblem } from './ir-validate.js';
import type { PartResources, ResourceLists, TranslatedResource } from './resources.js';
import { TranslateCodes } from './codes.js';
import { byText } from '../common/index.js';

const KIND_TYPE: Record<IrProblem['kind'], ResourceTypeUrl> = {
  cluster: TypeUrl.Cluster, endpoints: TypeUrl.ClusterLoadAssignment,
  routeConfig: TypeUrl.RouteConfiguration, listener: TypeUrl.Listener,
};

export const byResourceName: (a: TranslatedResource, b: TranslatedResource) => number = byText((r) => r.name);

export function checkPart(lists: ResourceLists, problems: readonly IrProblem[], cache: TranslationCache, graph?: IrGraph): PartResources {
  const diagnostics: Diagnostic[] = [];
  for (const list of lists.values()) list.sort(byResourceName);
  const dropped = dropInvalid(lists, cache, diagnostics);
  dropInconsistent(lists, [...problems, ...(graph ? cascade(graph, dropped) : [])], diagnostics);
  return { lists, diagnostics };
}

function dropInvalid(lists: ResourceLists, cache: TranslationCache, diagnostics: Diagnostic[]): Set<string> {
  const dropped = new Set<string>();
  for (const [typeUrl, list] of lists) {
    const kept = list.filter((r) => {
      const problems = typeUrl === TypeUrl.RouteConfiguration ? cache.derive(r.message, undefined, checkRouteConfig)
        : cache.derive(r.message, typeUrl, checkOf);
      for (const p of problems) {
        diagnostics.push({ code: TranslateCodes.protoCheck.code, severity: 'error', message: `${r.name}: ${p.message}; resource not sent`,
          path: p.path, ...(r.source ? { source: r.source } : {}) });
      }
      if (problems.length) dropped.add(`${typeUrl}|${r.name}`);
      return problems.length === 0;
    });
    lists.set(typeUrl, kept);
  }
  return dropped;
}

/**
 * Route configurations hold one virtual host per service of a port, so a one-service change
 * rebuilds the configuration around mostly unchanged virtual-host objects: check those one by one
 * (cached per object) and the configuration without them.
 */
function checkRouteConfig(message: object, _p: undefined, cache: TranslationCache): readonly FieldProblem[] {
  const { virtual_hosts: hosts, ...top } = message as { virtual_hosts?: object[] };
  const problems = [...checkResource(TypeUrl.RouteConfiguration, top)];
  (hosts ?? []).forEach((vh, i) => {
    for (const p of cache.derive(vh, 'envoy.config.route.v3.VirtualHost', checkMessage)) {
      problems.push({ path: `virtual_hosts[${i}].${p.path}`, message: p.message });
    }
  });
  return problems;
}

const checkOf = (message: object, typeUrl: ResourceTypeUrl) => checkResource(typeUrl, message);
const checkMessage = (message: object, fullName: string) => checkMessageOf(fullName, message);

/** A listener whose route configuration was left out would never warm; endpoints whose cluster
 * was left out are unreferenced. Both follow their parent out. */
function cascade(graph: IrGraph, dropped: ReadonlySet<string>): IrProblem[] {
  const out: IrProblem[] = [];
  if (dropped.size === 0) return out;
  for (const l of graph.outbound) {
    if (l.routeConfig && dropped.has(`${TypeUrl.RouteConfiguration}|${l.routeConfig}`)) {
      out.push({ kind: 'listener', name: l.name, path: 'rds.route_config_name', message: `route configuration ${l.routeConfig} was left out`, code: TranslateCodes.danglingReference.code });
    }
  }
  for (const e of graph.endpoints) {
    if (dropped.has(`${TypeUrl.Cluster}|${e.name}`)) {
      out.push({ kind: 'endpoints', name: e.name, path: 'cluster_name', message: `cluster ${e.name} was left out`, code: TranslateCodes.danglingReference.code });
    }
  }
  return out;
}

function dropInconsistent(lists: ResourceLists, problems: readonly IrProblem[], diagnostics: Diagnostic[]): void {
  for (const p of problems) {
    const typeUrl = KIND_TYPE[p.kind];
    const list = lists.get(typeUrl) ?? [];
    const victim = list.find((r) => r.name === p.name);
    diagnostics.push({ code: p.code, severity: 'error', message: `${p.name}: ${p.message}; resource not sent`, path: p.path,
      ...(victim?.source ? { source: victim.source } : {}) });
    const first = list.findIndex((r) => r.name === p.name);
    lists.set(typeUrl, list.filter((r, i) => r.name !== p.name || (p.code === TranslateCodes.duplicateName.code && i === first)));
  }
}

/** Joins two parts' sorted lists in one linear pass; a name present in both is a WEFT4003 error
 * and the second copy is left out. A list the other part has nothing to add to is shared as is. */
export function mergeParts(a: PartResources, b: PartResources, diagnostics: Diagnostic[]): Map<ResourceTypeUrl, readonly TranslatedResource[]> {
  const out = new Map<ResourceTypeUrl, readonly TranslatedResource[]>();
  for (const [typeUrl, left] of a.lists) {
    const right = b.lists.get(typeUrl) ?? [];
    out.set(typeUrl, right.length === 0 ? left : mergeSorted(left, right, diagnostics));
  }
  return out;
}

/** `left` with `right`'s resources inserted at their places: one copy of `left` (the scope's
 * long lists) and a binary search per resource of `right` (a proxy's few own ones). */
function mergeSorted(left: readonly TranslatedResource[], right: readonly TranslatedResource[], diagnostics: Diagnostic[]): TranslatedResource[] {
  const merged = left.slice();
  let inserted = 0;
  for (const r of right) {
    const at = lowerBound(left, r.name);
    if (left[at]?.name === r.name) {
      diagnostics.push({ code: TranslateCodes.duplicateName.code, severity: 'error', path: 'name', message: `${r.name}: duplicate resource name; second copy not sent` });
      continue;
    }
    merged.splice(at + inserted++, 0, r);
  }
  return merged;
}

/** The first index in a name-sorted list whose name is not below `name`. */
export function lowerBound(list: readonly TranslatedResource[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
