/**
 * `translate(input) -> { ir, resources, diagnostics }`: the pure core of weft (DESIGN.md §2, §4, §5).
 *
 * Contract:
 * - Pure and synchronous: reads only `input` (and mutates only `input.cache`); no clock,
 *   randomness, environment or I/O. Never throws on user input: problems are diagnostics
 *   (codes WEFT4xxx, docs/translation.md) and an invalid resource is left out, not sent.
 * - Output values are shared with the cache and with other proxies' results: treat them as
 *   deeply immutable. The same object is returned for unchanged content across proxies and
 *   model versions, so the xDS layer can encode each resource once.
 * - `resources` holds Cluster, ClusterLoadAssignment, Listener and RouteConfiguration lists,
 *   sorted by name with no duplicates. Secrets are not material here: `secrets` names the SDS
 *   secrets the proxy needs, for the caller to attach from the CA.
 */
import { TypeUrl, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { Diagnostic, MeshModel, ProxyDescription } from '../model/index.js';
import { buildIr } from './build-ir.js';
import type { TranslationCache } from './cache.js';
import { checkResource } from './check.js';
import type { ProxyIr } from './ir.js';
import { validateIr, type IrProblem } from './ir-validate.js';
import { kindDiagnostics } from './kind-diagnostics.js';
import { toResources, type ResourceLists, type TranslatedResource } from './resources.js';

export interface TranslateInput {
  readonly model: MeshModel;
  readonly proxy: ProxyDescription;
  /** Shared across calls; see cache.ts. */
  readonly cache: TranslationCache;
}

export interface TranslateResult {
  readonly ir: ProxyIr;
  readonly resources: ReadonlyMap<ResourceTypeUrl, readonly TranslatedResource[]>;
  readonly diagnostics: readonly Diagnostic[];
  /** SDS secret names to attach: the proxy's SPIFFE ID and `trust-bundle` (none for gRPC). */
  readonly secrets: readonly string[];
}

export function translate(input: TranslateInput): TranslateResult {
  const { model, proxy, cache } = input;
  const parts = buildIr(model, proxy, cache);
  return cache.memo(`proxy|${proxy.id}`, [proxy, model.policy.mesh, parts.scope, parts.inbound, parts.ir.observability], () => {
    const diagnostics: Diagnostic[] = [...parts.diagnostics, ...kindDiagnostics(parts.ir)];
    const resources = toResources(parts.ir, cache);
    const dropped = dropInvalid(resources, cache, diagnostics);
    dropInconsistent(resources, [...validateIr(parts.ir), ...cascade(parts.ir, dropped)], diagnostics);
    return { ir: parts.ir, resources, diagnostics, secrets: parts.ir.secrets };
  });
}

/** Proto check of every message (cached per message object): failures become WEFT4001 errors.
 * Returns the names left out. */
function dropInvalid(resources: ResourceLists, cache: TranslationCache, diagnostics: Diagnostic[]): Set<string> {
  const dropped = new Set<string>();
  for (const [typeUrl, list] of resources) {
    const kept = list.filter((r) => {
      const problems = cache.derive(r.message, 'check', () => checkResource(typeUrl, r.message));
      for (const p of problems) {
        diagnostics.push({ code: 'WEFT4001', severity: 'error', message: `${r.name}: ${p.message}; resource not sent`,
          path: p.path, ...(r.source ? { source: r.source } : {}) });
      }
      if (problems.length) dropped.add(`${typeUrl}|${r.name}`);
      return problems.length === 0;
    });
    resources.set(typeUrl, kept);
  }
  return dropped;
}

/** A listener whose route configuration was left out would never warm; endpoints whose cluster
 * was left out are unreferenced. Both follow their parent out. */
function cascade(ir: ProxyIr, dropped: ReadonlySet<string>): IrProblem[] {
  const out: IrProblem[] = [];
  for (const l of ir.outbound) {
    if (l.routeConfig && dropped.has(`${TypeUrl.RouteConfiguration}|${l.routeConfig}`)) {
      out.push({ kind: 'listener', name: l.name, path: 'rds.route_config_name', message: `route configuration ${l.routeConfig} was left out`, code: 'WEFT4002' });
    }
  }
  for (const e of ir.endpoints) {
    if (dropped.has(`${TypeUrl.Cluster}|${e.name}`)) {
      out.push({ kind: 'endpoints', name: e.name, path: 'cluster_name', message: `cluster ${e.name} was left out`, code: 'WEFT4002' });
    }
  }
  return out;
}

const KIND_TYPE: Record<IrProblem['kind'], string> = {
  cluster: 'envoy.config.cluster.v3.Cluster', endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  routeConfig: 'envoy.config.route.v3.RouteConfiguration', listener: 'envoy.config.listener.v3.Listener',
};

/** Dangling references and duplicates: report, and leave the referring resource out. */
function dropInconsistent(resources: ResourceLists, problems: readonly IrProblem[], diagnostics: Diagnostic[]): void {
  for (const p of problems) {
    const typeUrl = `type.googleapis.com/${KIND_TYPE[p.kind]}` as ResourceTypeUrl;
    const list = resources.get(typeUrl) ?? [];
    const victim = list.find((r) => r.name === p.name);
    diagnostics.push({ code: p.code, severity: 'error', message: `${p.name}: ${p.message}; resource not sent`, path: p.path,
      ...(victim?.source ? { source: victim.source } : {}) });
    if (p.code === 'WEFT4003') {
      const first = list.findIndex((r) => r.name === p.name);
      resources.set(typeUrl, list.filter((r, i) => r.name !== p.name || i === first));
    } else resources.set(typeUrl, list.filter((r) => r.name !== p.name));
  }
}
