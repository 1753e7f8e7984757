/**
 * Model → IR for external authorization: the Mesh's extAuthz providers that the served services'
 * custom AccessPolicies name, resolved to the cluster the sidecar calls them through. A registry
 * service is called through its outbound cluster (`outbound|<port>||<hostname>`: EDS, mesh mTLS
 * with the authorizer's SPIFFE ID as SAN), an ExternalService through its egress cluster (TLS when
 * it originates TLS). Neither is added for the purpose: the proxy's scope holds them when its
 * namespace may reach the authorizer (the policy loader checks Mesh reach, WEFT2092) and the
 * authorizer's AccessPolicies admit it (build-ir.ts refuses custom rules otherwise, WEFT4170).
 */
import type { AccessPolicy, ExtAuthzProvider, MeshModel } from '../model/index.js';
import type { IrAuthorizer } from './ir.js';
import { outboundClusterName } from './names.js';
import { externalGroups } from './build-egress.js';

/** The authorizers of the providers `access` names, by provider name; absent: none. */
export function authorizersOf(model: MeshModel, access: readonly (readonly AccessPolicy[])[]): ReadonlyMap<string, IrAuthorizer> | undefined {
  const names = new Set(access.flatMap((list) => list.flatMap((a) => (a.action === 'custom' && a.provider ? [a.provider] : []))));
  const out = new Map<string, IrAuthorizer>();
  for (const name of [...names].sort()) {
    const p = model.policy.mesh.extAuthz?.get(name);
    const target = p && targetOf(model, p);
    if (p && target) out.set(name, authorizer(p, target));
  }
  return out.size ? out : undefined;
}

/** undefined when the provider's service or port is neither in the registry nor declared (the
 * registry check reports it); custom rules naming it are then refused. */
function targetOf(model: MeshModel, p: ExtAuthzProvider): { cluster: string; host: string; port: number; tls: boolean } | undefined {
  const ext = model.policy.external?.get(p.service);
  if (ext) {
    const port = ext.ports.find((x) => x.port === p.port);
    if (!port) return undefined;
    const group = externalGroups(ext, port)[0]!;
    return { cluster: group.cluster, host: group.hosts[0]!, port: port.targetPort, tls: !!ext.tls };
  }
  const service = model.registry.services.get(p.service);
  if (!service?.ports.some((x) => x.port === p.port)) return undefined;
  return { cluster: outboundClusterName(p.port, undefined, service.hostname), host: service.hostname, port: p.port, tls: false };
}

function authorizer(p: ExtAuthzProvider, t: { cluster: string; host: string; port: number; tls: boolean }): IrAuthorizer {
  const authority = `${t.host}:${t.port}`;
  return {
    provider: p.name,
    protocol: p.protocol,
    cluster: t.cluster,
    target: p.protocol === 'grpc' ? authority : `${t.tls ? 'https' : 'http'}://${authority}`,
    timeoutMs: p.timeoutMs,
    failOpen: p.failOpen,
    ...(p.pathPrefix !== undefined ? { pathPrefix: p.pathPrefix } : {}),
    requestHeaders: p.requestHeaders,
    upstreamHeaders: p.upstreamHeaders,
  };
}
