/**
 * Model → IR for one proxy: all decisions are taken here (and in the build-* files it calls);
 * the Envoy stage only transcribes. Each piece is memoised in the TranslationCache under the
 * narrowed input value its builder takes (`ScopeModelInput`, `InboundInput`, the mesh's
 * observability settings), so a proxy only ever shares a piece with proxies whose input is equal,
 * and an unchanged service keeps its IR objects across model versions.
 */
import type { Diagnostic, MeshModel, MeshPolicy, MtlsMode, ProxyDescription } from '../model/index.js';
import { chainMtls } from './mtls-modes.js';
import type { IrInbound, IrInboundChain, IrObservability, ProxyIr } from './ir.js';
import type { TranslationCache } from './cache.js';
import { buildInbound, inboundInput, refuseCustom, type InboundInput, type InboundResult } from './build-inbound.js';
import { ModelObjects, SCOPE_VARIANTS, externalRefusedFor, refusedFor, scopeFromModel, scopeModelInput, scopeSlot, type ScopePart } from './build-scope.js';
import { TRUST_BUNDLE_SECRET, tracingClusterName } from './names.js';
import { fixedSockets, type IrSocket } from './sockets.js';

export type { ScopePart } from './build-scope.js';

export interface IrParts {
  readonly ir: ProxyIr;
  readonly scope: ScopePart;
  readonly inbound: InboundPart;
}

/** Proxies serving the same services in different ways (modes, placements) keep this many
 * inbound parts side by side in one slot. */
const INBOUND_VARIANTS = 8;

export function buildIr(model: MeshModel, proxy: ProxyDescription, cache: TranslationCache, ownSecretName: string): IrParts {
  const mesh = model.policy.mesh;
  const objects = ModelObjects.of(model.registry, model.policy);
  const scopeIn = scopeModelInput(proxy, objects, refusedFor(proxy, objects, cache), externalRefusedFor(proxy, objects, cache));
  // Proxies of one scope slot differ only in what their identities are refused: a few variants.
  const scope = cache.memo(`scope-model|${scopeSlot(scopeIn)}`, scopeIn, scopeFromModel, SCOPE_VARIANTS);
  const inbound = withAuthorizerClusters(cache.memo(`in|${proxy.services.join(',')}`, inboundInput(model, proxy, occupiedSockets(proxy, scope)), inboundPart, INBOUND_VARIANTS), scope);
  const observability = cache.memo('obs', mesh.observability, observabilityOf);
  const ir: ProxyIr = {
    proxy: { id: proxy.id, kind: proxy.kind, identity: proxy.identity, interception: proxy.interception, outboundTraffic: mesh.outboundTraffic ?? 'allow-any',
      ...(proxy.serverListenerTemplate !== undefined ? { serverListenerTemplate: proxy.serverListenerTemplate } : {}) },
    clusters: scope.clusters, inlineClusters: scope.inlineClusters, endpoints: scope.endpoints, localClusters: inbound.localClusters,
    routeConfigs: scope.routeConfigs, outbound: scope.outbound,
    inbound: inbound.ir,
    observability,
    connectTimeoutMs: mesh.defaults.connectTimeoutMs,
    secrets: proxy.kind === 'grpc' || !usesMtls(mesh.mtls, inbound.ir, scope) ? [] : [ownSecretName, TRUST_BUNDLE_SECRET].sort(),
  };
  return { ir, scope, inbound };
}

/** A sidecar needs its certificate unless mTLS is disabled mesh-wide and no MtlsPolicy gives one
 * of its inbound ports or of its destinations' ports another mode. */
function usesMtls(meshMode: MtlsMode, inbound: IrInbound, scope: ScopePart): boolean {
  return meshMode !== 'disabled' || inbound.chains.some((c) => chainMtls(inbound, c) !== 'disabled') || scope.clusters.some((c) => c.tls);
}

/** What the inbound side must not bind or forward to: the sidecar's fixed sockets and, in
 * explicit mode, its bound outbound listeners. gRPC proxies bind nothing of weft's. */
function occupiedSockets(proxy: ProxyDescription, scope: ScopePart): readonly IrSocket[] {
  if (proxy.kind === 'grpc') return NO_SOCKETS;
  const fixed = fixedSockets(proxy.interception);
  if (proxy.interception === 'iptables') return fixed;
  return [...fixed, ...scope.outbound.filter((l) => l.bind).map((l) => ({ address: l.address, port: l.port }))];
}

const NO_SOCKETS: readonly IrSocket[] = Object.freeze([]);

/** The inbound half; shared by proxies whose `InboundInput` is equal. */
export interface InboundPart extends InboundResult { readonly ir: IrInbound }

function inboundPart(input: InboundInput): InboundPart {
  const r = buildInbound(input);
  return { ...r, ir: { mtls: input.mesh.mtls, trustDomain: input.mesh.trustDomain, chains: r.chains } };
}

/**
 * A chain whose authorizer's cluster is not in the proxy's scope (its AccessPolicies refuse this
 * proxy, or it is out of reach) cannot call it: Envoy would fail every check, and fail open
 * under failOpen. Its custom rules are refused instead (WEFT4170). Unchanged (the same object)
 * when every authorizer is there, which is the normal case.
 */
function withAuthorizerClusters(part: InboundPart, scope: ScopePart): InboundPart {
  const missing = (c: IrInboundChain) => c.extAuthz && !scope.clusters.some((x) => x.name === c.extAuthz!.cluster) && !scope.inlineClusters.some((x) => x.name === c.extAuthz!.cluster);
  if (!part.ir.chains.some(missing)) return part;
  const diagnostics = [...part.diagnostics];
  const chains = part.ir.chains.map((c): IrInboundChain => {
    if (!missing(c)) return c;
    const { extAuthz, ...rest } = c;
    const why = `this proxy has no cluster ${extAuthz!.cluster} for provider ${extAuthz!.provider} (Mesh reach, or the authorizer's AccessPolicies refuse it); the requests they match are refused`;
    return { ...rest, authz: refuseCustom(c.authz, extAuthz!.rules, { key: c.service, access: [] }, c.name, why, diagnostics) };
  });
  return { ...part, diagnostics, ir: { ...part.ir, chains } };
}

export function observabilityOf(o: MeshPolicy['observability']): IrObservability {
  const t = o.tracing;
  if (!t) return { accessLog: o.accessLog };
  const colon = t.address.lastIndexOf(':');
  const host = t.address.slice(0, colon);
  const port = Number(t.address.slice(colon + 1));
  return {
    accessLog: o.accessLog,
    tracing: { provider: t.provider, cluster: tracingClusterName(t.provider, t.address), host, port, authority: t.address, samplingPercent: t.samplingPercent },
  };
}

/** Diagnostics of the model → IR stage. */
export function partDiagnostics(parts: Pick<IrParts, 'scope' | 'inbound'>): Diagnostic[] {
  return [...parts.scope.diagnostics, ...parts.inbound.diagnostics];
}
