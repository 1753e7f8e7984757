/**
 * The service map (admin `/api/v1/graph`, `/ui`, `weft graph`): services as nodes grouped by
 * namespace, with their proxies' sync status; edges from policy routes (weighted, so a canary
 * split shows as weighted edges to its subsets) and from observed traffic (edge-stats.ts), each
 * with its mTLS mode and authorization state. Pure: the caller passes every input.
 */
import type { Service } from '../discovery/index.js';
import type { AccessPolicy, PolicySet } from '../policy/index.js';
import { restrictsCallers } from '../policy/index.js';
import type { EdgeView } from './edge-stats.js';
import type { ProxyView, SyncStatus } from './view.js';

export interface GraphProxy {
  readonly id: string;
  readonly status: 'SYNCED' | 'STALE' | 'NACKED';
  /** Present when NACKED: what the proxy said and the policy locations (`file:line`) involved. */
  readonly nack?: { readonly type: string; readonly message: string; readonly sources: readonly string[] };
}

export interface GraphNode {
  /** Service key `<name>.<namespace>`, or `<sa>.<namespace>` (kind `workload`) for a caller that
   * serves no service. */
  readonly id: string;
  readonly kind: 'service' | 'workload';
  readonly name: string;
  readonly namespace: string;
  readonly hostname?: string;
  readonly subsets: readonly string[];
  readonly proxies: readonly GraphProxy[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly subset?: string;
  readonly port?: string;
  /** `route`: a policy route's backend (weight in percent); `traffic`: observed calls. */
  readonly kind: 'route' | 'traffic';
  readonly weight?: number;
  /** Where the route is defined, `file:line`. */
  readonly source?: string;
  readonly requestsPerSecond?: number;
  readonly errorRate?: number;
  readonly p99Ms?: number;
  readonly mtls: 'strict' | 'permissive' | 'disabled';
  /** `open`: no AccessPolicy on the destination; `allowed`/`denied`: the caller is named by an
   * allow/deny rule (or, allow rules existing, not named: `denied`); `restricted`: policies exist
   * (route edges, whose caller is unknown). */
  readonly authz: 'open' | 'allowed' | 'denied' | 'restricted';
}

export interface Graph {
  readonly namespaces: readonly string[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly policyVersion?: string;
}

export interface GraphInput {
  readonly services: readonly Service[];
  readonly policy?: PolicySet;
  readonly proxies: readonly ProxyView[];
  readonly traffic: readonly EdgeView[];
}

export function buildGraph(i: GraphInput): Graph {
  const nodes = new Map<string, GraphNode>();
  const bySa = new Map<string, string[]>();
  for (const s of i.services) {
    nodes.set(s.key, { id: s.key, kind: 'service', name: s.name, namespace: s.namespace, hostname: s.hostname, subsets: subsetsOf(i.policy, s.key), proxies: [] });
    const sa = `${s.serviceAccount}.${s.namespace}`;
    bySa.set(sa, [...(bySa.get(sa) ?? []), s.key]);
  }
  const byHost = new Map(i.services.map((s) => [s.hostname, s.key]));
  attachProxies(nodes, bySa, i.proxies);
  const mtls = i.policy?.mesh.mtls ?? 'strict';
  const edges: GraphEdge[] = [...routeEdges(i.policy, nodes, mtls)];
  for (const t of i.traffic) {
    const to = byHost.get(t.destinationService) ?? t.destinationService;
    for (const from of sourcesOf(nodes, bySa, t.sourceWorkload, t.sourceNamespace)) {
      edges.push({
        from, to, kind: 'traffic', ...(t.destinationSubset ? { subset: t.destinationSubset } : {}), port: t.destinationPort,
        requestsPerSecond: t.requestsPerSecond, errorRate: t.errorRate, ...(t.p99Ms !== undefined ? { p99Ms: t.p99Ms } : {}),
        mtls, authz: authzFor(i.policy?.access.get(to), t.sourceWorkload, t.sourceNamespace),
      });
    }
  }
  const sorted = [...nodes.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.id.localeCompare(b.id));
  return {
    namespaces: [...new Set(sorted.map((n) => n.namespace))],
    nodes: sorted, edges,
    ...(i.policy ? { policyVersion: i.policy.version } : {}),
  };
}

function subsetsOf(policy: PolicySet | undefined, key: string): string[] {
  return [...(policy?.traffic.get(key)?.subsets.keys() ?? [])].sort();
}

function proxyStatus(p: ProxyView): GraphProxy {
  const nacked = p.types.find((t) => t.status === 'NACKED');
  if (nacked?.nack) {
    const sources = [...new Set(nacked.nack.resources.flatMap((r) => (r.source ? [r.source] : [])))];
    return { id: p.id, status: 'NACKED', nack: { type: nacked.type, message: nacked.nack.message, sources } };
  }
  const stale = p.types.some((t) => t.status === ('STALE' satisfies SyncStatus) || t.status === 'NOT_SENT');
  return { id: p.id, status: stale ? 'STALE' : 'SYNCED' };
}

/** A proxy belongs to every service its identity runs; a proxy whose identity runs none gets a
 * `workload` node of its own. */
function attachProxies(nodes: Map<string, GraphNode>, bySa: ReadonlyMap<string, string[]>, proxies: readonly ProxyView[]): void {
  for (const p of proxies) {
    if (!p.namespace || !p.serviceAccount) continue;
    const keys = bySa.get(`${p.serviceAccount}.${p.namespace}`) ?? [workloadNode(nodes, p.serviceAccount, p.namespace).id];
    for (const k of keys) {
      const n = nodes.get(k)!;
      nodes.set(k, { ...n, proxies: [...n.proxies, proxyStatus(p)] });
    }
  }
}

function workloadNode(nodes: Map<string, GraphNode>, sa: string, ns: string): GraphNode {
  const id = `${sa}.${ns}`;
  const found = nodes.get(id);
  if (found) return found;
  const n: GraphNode = { id, kind: 'workload', name: sa, namespace: ns, subsets: [], proxies: [] };
  nodes.set(id, n);
  return n;
}

function sourcesOf(nodes: Map<string, GraphNode>, bySa: ReadonlyMap<string, string[]>, sa: string, ns: string): string[] {
  return bySa.get(`${sa}.${ns}`) ?? [workloadNode(nodes, sa, ns).id];
}

function* routeEdges(policy: PolicySet | undefined, nodes: ReadonlyMap<string, GraphNode>, mtls: GraphEdge['mtls']): Iterable<GraphEdge> {
  if (!policy) return;
  for (const [key, tp] of policy.traffic) {
    if (!nodes.has(key)) continue;
    for (const r of tp.routes) {
      const where = r.source ? `${r.source.file}:${r.source.line}` : undefined;
      for (const b of r.backends ?? []) {
        if (b.service === key && !b.subset) continue;
        yield {
          from: key, to: b.service, kind: 'route', weight: b.weight, ...(b.subset ? { subset: b.subset } : {}),
          ...(where ? { source: where } : {}), mtls, authz: policy.access.get(b.service)?.length ? 'restricted' : 'open',
        };
      }
    }
  }
}

function authzFor(policies: readonly AccessPolicy[] | undefined, sa: string, ns: string): GraphEdge['authz'] {
  if (!policies?.length) return 'open';
  const named = (p: AccessPolicy) => p.rules.some((r) => !r.from?.length || r.from.some((f) =>
    (f.serviceAccount === undefined || f.serviceAccount === `${sa}.${ns}`) && (f.namespace === undefined || f.namespace === ns) && f.identity === undefined));
  if (policies.some((p) => p.action === 'deny' && named(p))) return 'denied';
  const allows = policies.filter(restrictsCallers);
  if (allows.length === 0) return 'open';
  return allows.some(named) ? 'allowed' : 'denied';
}
