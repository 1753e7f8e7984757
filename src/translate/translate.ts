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
import type { ResourceTypeUrl } from '../../proto/type-urls.js';
import type { Diagnostic, MeshModel, ProxyDescription } from '../model/index.js';
import { buildIr, partDiagnostics, type InboundPart, type ScopePart } from './build-ir.js';
import type { ScopeReads } from './build-scope.js';
import type { TranslationCache } from './cache.js';
import type { ProxyIr } from './ir.js';
import { kindDiagnostics } from './kind-diagnostics.js';
import { mergeParts } from './part-check.js';
import { OWN_CERT_SECRET } from './names.js';
import { proxyResources, scopeResources, type TranslatedResource } from './resources.js';
import { translateGateway } from './translate-gateway.js';

export interface TranslateInput {
  readonly model: MeshModel;
  readonly proxy: ProxyDescription;
  /** Shared across calls; see cache.ts. */
  readonly cache: TranslationCache;
  /**
   * SDS name under which an Envoy proxy finds its own certificate. Default `default`
   * (`OWN_CERT_SECRET`, DESIGN.md §4): served per stream by the SDS layer, so all proxies share
   * cluster objects. Benchmarks pass the SPIFFE ID to measure per-identity names.
   */
  readonly ownSecretName?: string;
}

export interface TranslateResult {
  readonly ir: ProxyIr;
  readonly resources: ReadonlyMap<ResourceTypeUrl, readonly TranslatedResource[]>;
  readonly diagnostics: readonly Diagnostic[];
  /** SDS secret names to attach: the own certificate and `trust-bundle` (none for gRPC). */
  readonly secrets: readonly string[];
  /**
   * What of the model this result depends on besides the mesh-wide settings (`policy.mesh`):
   * a model change that touches none of it leaves the result equal. The `scope` object is shared
   * by every proxy of one scope.
   */
  readonly reads: TranslationReads;
}

export interface TranslationReads {
  readonly scope: ScopeReads;
  /** Keys of the services the proxy serves (registry entry and AccessPolicies: its inbound side). */
  readonly served: readonly string[];
}

export function translate(input: TranslateInput): TranslateResult {
  const { model, proxy, cache } = input;
  const secretName = input.ownSecretName ?? OWN_CERT_SECRET;
  // Fast path: translate's whole input again (same registry, policy and proxy values).
  return cache.memo(`translate|${proxy.id}`, { registry: model.registry, policy: model.policy, proxy, secretName }, proxy.gateway !== undefined ? translateGateway : translateParts);
}

/** translate's own input minus the cache (the model's `version` string is never read). */
interface WholeInput {
  readonly registry: MeshModel['registry'];
  readonly policy: MeshModel['policy'];
  readonly proxy: ProxyDescription;
  readonly secretName: string;
}

function translateParts({ registry, policy, proxy, secretName }: WholeInput, cache: TranslationCache): TranslateResult {
  const parts = buildIr({ version: '', registry, policy }, proxy, cache, secretName);
  // The scope part first: it is compared by identity (memo-key.ts), so a rebuilt scope misses at once.
  const { ir, scope, inbound } = parts;
  return cache.memo(`proxy|${proxy.id}`, { scope, inbound, secretName, served: proxy.services, ir }, resultOf);
}

/** Exactly what the IR → Envoy stage reads for one proxy (its memo key). */
interface ResultInput { readonly scope: ScopePart; readonly inbound: InboundPart; readonly secretName: string; readonly served: readonly string[]; readonly ir: ProxyIr }

function resultOf({ ir, scope, inbound, secretName, served }: ResultInput, cache: TranslationCache): TranslateResult {
  const scoped = scopeResources(scope, ir, secretName, cache);
  const own = proxyResources(ir, secretName, cache);
  const diagnostics: Diagnostic[] = [...partDiagnostics({ scope, inbound }), ...kindDiagnostics(ir), ...scoped.diagnostics, ...own.diagnostics];
  const resources = mergeParts(scoped, own, diagnostics);
  return { ir, resources, diagnostics, secrets: ir.secrets, reads: { scope: scope.reads, served } };
}
