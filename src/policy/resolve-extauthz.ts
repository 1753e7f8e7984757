/**
 * External authorization: the Mesh's `extAuthz` providers, and the checks that span documents for
 * AccessPolicies with `action: custom` (a declared provider, one provider per service, a service
 * the provider can be called at, a namespace that may reach it). Which ports are TCP is known only
 * from the registry: registry-check.ts refuses custom rules there (WEFT2093).
 */
import { PolicyCodes } from './codes.js';
import type { AccessPolicy, ExtAuthzProvider, ExternalService, MeshPolicy } from './types.js';
import type { MeshDoc } from './schema.js';
import type { ParsedDocument } from './parse.js';
import { DEFAULT_NAMESPACE, DocReporter, at, formatRef, qualify } from './resolve-util.js';
import { nearest } from './suggest.js';
import { compareText } from '../common/index.js';

type ProviderDoc = NonNullable<MeshDoc['extAuthz']>[number];

/** Envoy's own default for both kinds of authorizer (ExtAuthz.grpc_service / http_service). */
export const DEFAULT_EXT_AUTHZ_TIMEOUT_MS = 200;

export function resolveExtAuthz(docs: readonly ProviderDoc[], r: DocReporter): ReadonlyMap<string, ExtAuthzProvider> {
  const out = new Map<string, ExtAuthzProvider>();
  docs.forEach((d, i) => {
    const path = `extAuthz[${i}]`;
    if (out.has(d.name)) return r.error(PolicyCodes.extAuthzShape.code, `${path}.name`, `a second extAuthz provider named ${d.name}; the first is at ${formatRef(at(r.pd, `extAuthz[${docs.findIndex((x) => x.name === d.name)}].name`))}`);
    if ((d.http === undefined) === (d.grpc === undefined)) return r.error(PolicyCodes.extAuthzShape.code, path, `extAuthz provider ${d.name} needs exactly one of "http" and "grpc"`);
    const target = d.http ?? d.grpc!;
    out.set(d.name, {
      name: d.name,
      protocol: d.http ? 'http' : 'grpc',
      service: qualify(target.service, DEFAULT_NAMESPACE),
      port: target.port,
      timeoutMs: d.timeout ?? DEFAULT_EXT_AUTHZ_TIMEOUT_MS,
      failOpen: d.failOpen ?? false,
      ...(d.http?.pathPrefix !== undefined && { pathPrefix: d.http.pathPrefix }),
      requestHeaders: [...(d.http?.requestHeaders ?? [])].sort(compareText),
      upstreamHeaders: [...(target.upstreamHeaders ?? [])].sort(compareText),
      source: at(r.pd, path),
    });
  });
  return new Map([...out].sort(([a], [b]) => compareText(a, b)));
}

/** The shape of a custom policy that one document shows (resolve-access.ts calls it). */
export function checkCustomShape(policy: Pick<AccessPolicy, 'action' | 'provider' | 'rules'>, r: DocReporter): void {
  if (policy.action !== 'custom') {
    if (policy.provider !== undefined) r.error(PolicyCodes.customProvider.code, 'provider', `"provider" belongs to action custom; this policy's action is ${policy.action}`);
    return;
  }
  if (policy.provider === undefined) r.error(PolicyCodes.customProvider.code, 'action', 'action custom needs "provider": the Mesh extAuthz provider that decides the requests its rules match');
  if (policy.rules.length === 0) r.error(PolicyCodes.customProvider.code, 'action', 'a custom policy without rules sends no request to its authorizer; give it rules (rules: [{}] is every request)');
}

interface Sourced<T> { readonly policy: T; readonly pd: ParsedDocument }

/**
 * Checks across documents: every custom policy names a declared provider, the custom policies of
 * one service name one provider, and every provider's service can carry its checks and is
 * reachable from the namespaces of the services using it.
 */
export function checkCustom(mesh: MeshPolicy, meshPd: ParsedDocument | undefined, access: readonly Sourced<AccessPolicy>[],
  external: ReadonlyMap<string, Sourced<ExternalService>>, reporter: (pd: ParsedDocument) => DocReporter): void {
  const providers = mesh.extAuthz ?? new Map<string, ExtAuthzProvider>();
  const chosen = new Map<string, Sourced<AccessPolicy>>();
  const used = new Map<string, Set<string>>();
  for (const a of access) {
    const { provider, service, action } = a.policy;
    if (action !== 'custom' || provider === undefined) continue;
    const r = reporter(a.pd);
    if (external.has(service)) {
      r.error(PolicyCodes.customProvider.code, 'action', `${service} is an ExternalService: there is no inbound sidecar to call an authorizer from`);
      continue;
    }
    if (!providers.has(provider)) {
      const hint = nearest(provider, [...providers.keys()]);
      const known = providers.size ? `declared: ${[...providers.keys()].join(', ')}` : 'the Mesh declares no extAuthz providers';
      r.error(PolicyCodes.customProvider.code, 'provider', `unknown extAuthz provider "${provider}"${hint ? ` (did you mean "${hint}"?)` : ''}; ${known}`);
      continue;
    }
    const first = chosen.get(service);
    if (first && first.policy.provider !== provider) {
      r.error(PolicyCodes.customTwoProviders.code, 'provider', `${service} already delegates to provider ${first.policy.provider} (at ${formatRef(at(first.pd, 'provider'))}); one service has one authorizer`);
      continue;
    }
    if (!first) chosen.set(service, a);
    const namespaces = used.get(provider) ?? new Set<string>();
    namespaces.add(service.slice(service.lastIndexOf('.') + 1));
    used.set(provider, namespaces);
  }
  if (!meshPd) return;
  const r = reporter(meshPd);
  [...providers.values()].forEach((p) => checkProviderService(p, mesh, external, used.get(p.name), r, pathOf(meshPd, p.name)));
}

function pathOf(pd: ParsedDocument, name: string): string {
  const doc = pd.doc.value as MeshDoc;
  const i = (doc.extAuthz ?? []).findIndex((d) => d.name === name);
  const kind = doc.extAuthz?.[i]?.http ? 'http' : 'grpc';
  return `extAuthz[${i}].${kind}`;
}

const HTTP_PORTS: Record<ExtAuthzProvider['protocol'], readonly string[]> = { http: ['http', 'http2', 'grpc'], grpc: ['http2', 'grpc'] };

function checkProviderService(p: ExtAuthzProvider, mesh: MeshPolicy, external: ReadonlyMap<string, Sourced<ExternalService>>,
  namespaces: ReadonlySet<string> | undefined, r: DocReporter, path: string): void {
  const ext = external.get(p.service)?.policy;
  if (ext) {
    const port = ext.ports.find((x) => x.port === p.port);
    if (!port) return r.error(PolicyCodes.extAuthzService.code, `${path}.port`, `ExternalService ${ext.key} has no port ${p.port} (ports: ${ext.ports.map((x) => x.port).join(', ')})`);
    if (!HTTP_PORTS[p.protocol].includes(port.protocol)) r.error(PolicyCodes.extAuthzService.code, `${path}.port`, `port ${p.port} of ExternalService ${ext.key} is ${port.protocol}; a ${p.protocol} authorizer needs ${HTTP_PORTS[p.protocol].join(', ')}`);
    return;
  }
  const target = p.service.slice(p.service.lastIndexOf('.') + 1);
  for (const ns of [...(namespaces ?? [])].sort(compareText)) {
    const reach = mesh.reach.get(ns);
    if (ns !== target && reach && !reach.includes(target)) {
      r.error(PolicyCodes.extAuthzService.code, `${path}.service`, `services of namespace ${ns} use provider ${p.name}, but Mesh reach does not let ${ns} reach ${target}, so their sidecars have no cluster for ${p.service}`);
    }
  }
}
