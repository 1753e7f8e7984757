/**
 * The effective inbound mTLS mode of one service port and where it came from. Precedence, most
 * specific first (the order Istio's PeerAuthentication uses: port, workload, namespace, mesh):
 * the service's MtlsPolicy `ports` entry, its `mode`, the namespace's MtlsPolicy `mode`,
 * `Mesh.mtls`. Pure; the translator, the admin view and `weft validate` all ask this function.
 */
import type { SourceRef } from './diagnostics.js';
import type { MeshPolicy, MtlsMode, MtlsPolicies } from './types.js';

/** Which level decided: the Mesh default, a namespace MtlsPolicy, a service one, or its port entry. */
export type MtlsOrigin = 'mesh' | 'namespace' | 'service' | 'port';

export interface EffectiveMtls {
  readonly mode: MtlsMode;
  readonly from: MtlsOrigin;
  /** The document that decided (absent for a Mesh default without a Mesh document). */
  readonly source?: SourceRef;
}

export interface MtlsSettings {
  readonly mesh: Pick<MeshPolicy, 'mtls' | 'source'>;
  readonly mtls?: MtlsPolicies;
}

/** `service` is a key `<name>.<namespace>`; `port` the service port callers dial. */
export function effectiveMtls(p: MtlsSettings, service: { readonly key: string; readonly namespace: string }, port: number): EffectiveMtls {
  const own = p.mtls?.services.get(service.key);
  const onPort = own?.ports.get(port);
  if (onPort) return withSource(onPort, 'port', own!.source);
  if (own?.mode) return withSource(own.mode, 'service', own.source);
  const ns = p.mtls?.namespaces.get(service.namespace);
  if (ns?.mode) return withSource(ns.mode, 'namespace', ns.source);
  return withSource(p.mesh.mtls, 'mesh', p.mesh.source);
}

function withSource(mode: MtlsMode, from: MtlsOrigin, source: SourceRef | undefined): EffectiveMtls {
  return { mode, from, ...(source ? { source } : {}) };
}

/** Every mode one service's ports can have (its service and namespace levels, its port entries). */
export function modesOfService(p: MtlsSettings, service: { readonly key: string; readonly namespace: string }): ReadonlySet<MtlsMode> {
  const own = p.mtls?.services.get(service.key);
  const base = own?.mode ?? p.mtls?.namespaces.get(service.namespace)?.mode ?? p.mesh.mtls;
  return new Set([base, ...(own?.ports.values() ?? [])]);
}
