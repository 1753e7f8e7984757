/**
 * `translate` for an ingress gateway proxy (`ProxyDescription.gateway`): the IR of
 * build-gateway.ts in a `ProxyIr` (no inbound chains, no sidecar outbound listeners) and its
 * Envoy resources. Its reads are the services its routes name: the Gateway itself is compared by
 * model-diff (a Gateway change re-translates every proxy), like the Mesh settings.
 */
import type { MeshModel, ProxyDescription } from '../model/index.js';
import type { ProxyIr } from './ir.js';
import type { TranslationCache } from './cache.js';
import type { TranslateResult } from './translate.js';
import { buildGateway } from './build-gateway.js';
import { observabilityOf } from './build-ir.js';
import { gatewayResources } from './resources.js';
import { TRUST_BUNDLE_SECRET } from './names.js';
import { compareText } from '../common/index.js';

export interface GatewayInput {
  readonly registry: MeshModel['registry'];
  readonly policy: MeshModel['policy'];
  readonly proxy: ProxyDescription;
  readonly secretName: string;
}

export function translateGateway({ registry, policy, proxy, secretName }: GatewayInput, cache: TranslationCache): TranslateResult {
  const parts = buildGateway({ registry, policy }, proxy);
  const mesh = policy.mesh;
  // A refused proxy (not the Gateway's identity) gets no secrets at all.
  const served = !parts.diagnostics.some((d) => d.severity === 'error');
  const ir: ProxyIr = {
    proxy: { id: proxy.id, kind: proxy.kind, identity: proxy.identity, interception: 'explicit', outboundTraffic: mesh.outboundTraffic ?? 'allow-any' },
    clusters: parts.clusters, inlineClusters: [], endpoints: parts.endpoints, localClusters: [],
    routeConfigs: parts.routeConfigs, outbound: [],
    inbound: { mtls: mesh.mtls, trustDomain: mesh.trustDomain, chains: [] },
    observability: cache.memo('obs', mesh.observability, observabilityOf),
    connectTimeoutMs: mesh.defaults.connectTimeoutMs,
    secrets: served ? [secretName, TRUST_BUNDLE_SECRET, ...parts.certificates].sort(compareText) : [],
    gateway: parts.gateway,
  };
  const own = gatewayResources(ir, secretName, cache);
  return {
    ir, resources: own.lists, diagnostics: [...parts.diagnostics, ...own.diagnostics], secrets: ir.secrets,
    reads: { scope: { namespaces: [], keys: parts.keys, denied: [] }, served: [] },
  };
}
