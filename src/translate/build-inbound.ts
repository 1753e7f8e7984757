/**
 * Model → IR for the inbound side: one filter chain per served service port, with the
 * authorization and rate limit of the service's AccessPolicies.
 *
 * Authorization decisions made here (docs/translation.md "Authorization"):
 * - deny rules are collected before allow rules and evaluated first (fail closed);
 * - a rule with no `from` admits any *authenticated* caller of the trust domain, not anyone;
 * - on TCP ports, which cannot see methods or paths, a deny rule that names them is widened to
 *   the whole port and an allow rule that names them is left out: both errors fail closed.
 */
import type { AccessPolicy, AccessRule, Diagnostic, MeshModel, MtlsMode, Principal, ProxyDescription, Service, ServicePort } from '../model/index.js';
import type { IrAccessRule, IrAuthz, IrInboundChain, IrLocalCluster, IrPermission, IrPrincipal } from './ir.js';
import { irProtocol } from './build-clusters.js';
import { inboundClusterName, spiffeId } from './names.js';

/** One service the proxy serves: the registry's service (absent when unknown) and its policies. */
export interface ServedService {
  readonly key: string;
  readonly service: Service | undefined;
  readonly access: readonly AccessPolicy[];
}

/**
 * Everything `buildInbound` reads, and so its memo key. `placement` is present only when the
 * proxy's own sockets depend on where it runs (an Envoy in `explicit` mode binds its registry
 * endpoint); otherwise proxies serving the same services share one inbound part.
 */
export interface InboundInput {
  readonly mesh: { readonly trustDomain: string; readonly mtls: MtlsMode };
  readonly served: readonly ServedService[];
  readonly placement?: { readonly ips: readonly string[]; readonly labels: Readonly<Record<string, string>> };
}

/** Narrows (model, proxy) to what the inbound side reads. */
export function inboundInput(model: MeshModel, proxy: ProxyDescription): InboundInput {
  const { trustDomain, mtls } = model.policy.mesh;
  const served = [...new Set(proxy.services)].sort().map((key): ServedService =>
    ({ key, service: model.registry.services.get(key), access: model.policy.access.get(key) ?? [] }));
  // gRPC servers listen through their own server listeners (template), never a sidecar socket.
  const placed = proxy.kind === 'envoy' && proxy.interception === 'explicit';
  return { mesh: { trustDomain, mtls }, served, ...(placed ? { placement: { ips: proxy.ips, labels: proxy.labels } } : {}) };
}

export interface InboundResult {
  readonly chains: IrInboundChain[];
  readonly localClusters: IrLocalCluster[];
  readonly diagnostics: Diagnostic[];
}

export function buildInbound(input: InboundInput): InboundResult {
  const out: InboundResult = { chains: [], localClusters: [], diagnostics: [] };
  const used = new Map<number, string>();
  for (const served of input.served) {
    if (!served.service) {
      out.diagnostics.push({ code: 'WEFT4105', severity: 'warning', message: `proxy serves unknown service "${served.key}"`, path: 'proxy.services' });
      continue;
    }
    for (const port of served.service.ports) addChain(input, served.service, served.access, port, used, out);
  }
  out.chains.sort((a, b) => a.port - b.port);
  out.localClusters.sort((a, b) => (a.name < b.name ? -1 : 1));
  return out;
}

function addChain(input: InboundInput, service: Service, policies: readonly AccessPolicy[], port: ServicePort, used: Map<number, string>, out: InboundResult): void {
  const listen = input.placement ? explicitListen(input.placement, service, port, out.diagnostics) : undefined;
  if (listen === null) return;
  const owner = used.get(port.targetPort);
  if (owner) {
    out.diagnostics.push({ code: 'WEFT4101', severity: 'warning', path: `services.${service.key}.ports.${port.name}`,
      message: `inbound port ${port.targetPort} already served by ${owner}; ${service.key} left out on it` });
    return;
  }
  used.set(port.targetPort, service.key);
  const name = inboundClusterName(port.targetPort, service.key);
  const protocol = irProtocol(port);
  const limit = policies.find((p) => p.rateLimit)?.rateLimit;
  out.chains.push({
    name, service: service.key, port: port.targetPort, protocol, cluster: name,
    authz: authzOf(input.mesh, policies, port, protocol === 'tcp', out.diagnostics),
    ...(limit && protocol !== 'tcp' ? { rateLimit: { ...limit } } : {}),
    ...(listen ? { listen } : {}),
  });
  out.localClusters.push({ name, address: '127.0.0.1', port: port.targetPort, protocol });
}

/**
 * Without iptables nothing redirects mesh traffic to 15006, so the sidecar listens where callers'
 * endpoints point: the service's registry endpoint at one of the proxy's IPs. The application keeps
 * 127.0.0.1:<targetPort>. `null` (with a diagnostic) when no such endpoint exists or it would take
 * the application's own socket.
 */
function explicitListen(placement: NonNullable<InboundInput['placement']>, service: Service, port: ServicePort, diags: Diagnostic[]): { address: string; port: number } | null {
  // Several workloads may share an address on one machine (different ports): the proxy's labels
  // tell its own endpoint apart.
  const atIps = service.endpoints.filter((e) => placement.ips.includes(e.address));
  const matching = atIps.filter((e) => Object.entries(placement.labels).every(([k, v]) => e.labels[k] === v));
  const ep = matching.length === 1 ? matching[0] : undefined;
  const path = `services.${service.key}.ports.${port.name}`;
  if (!ep) {
    const ips = placement.ips.join(', ');
    const why = atIps.length > 1 ? `${matching.length} endpoints at ${ips} matching the proxy's labels, not exactly one` : `no endpoint at the proxy's instance_ips (${ips || 'none'})`;
    diags.push({ code: 'WEFT4109', severity: 'warning', path, message: `explicit interception: ${service.key} has ${why}; inbound ${port.name} not configured` });
    return null;
  }
  const listen = { address: ep.address, port: ep.ports?.[port.name] ?? port.targetPort };
  if (listen.port === port.targetPort && ['127.0.0.1', '0.0.0.0', '::1', '::'].includes(listen.address)) {
    diags.push({ code: 'WEFT4110', severity: 'warning', path, message: `explicit interception: the endpoint ${listen.address}:${listen.port} is the application's own socket (127.0.0.1:${port.targetPort}); give the endpoint another address or port` });
    return null;
  }
  return listen;
}

type AuthzMesh = InboundInput['mesh'];

function authzOf(mesh: AuthzMesh, policies: readonly AccessPolicy[], port: ServicePort, tcp: boolean, diags: Diagnostic[]): IrAuthz {
  const deny: IrAccessRule[] = [];
  const allow: IrAccessRule[] = [];
  let anyAllow = false;
  policies.forEach((policy, pi) => {
    if (policy.action === 'allow') anyAllow = true;
    policy.rules.forEach((rule, ri) => {
      if (rule.to?.ports?.length && !rule.to.ports.includes(port.port)) return;
      const ir = ruleOf(mesh, policy, rule, `${policy.service}/${policy.action}/${pi}/${ri}`, tcp, diags);
      if (ir) (policy.action === 'deny' ? deny : allow).push(ir);
    });
  });
  return anyAllow ? { deny, allow } : { deny };
}

function ruleOf(mesh: AuthzMesh, policy: AccessPolicy, rule: AccessRule, name: string, tcp: boolean, diags: Diagnostic[]): IrAccessRule | undefined {
  const source = rule.source ?? policy.source;
  const httpOnly = !!(rule.to?.methods?.length || rule.to?.paths?.length);
  if (tcp && httpOnly) {
    const widened = policy.action === 'deny';
    diags.push({ code: 'WEFT4106', severity: 'warning', ...(source ? { source } : {}), path: 'rules.to',
      message: `methods/paths cannot apply to TCP port of ${policy.service}; ${widened ? 'deny widened to the whole port' : 'allow rule left out'}` });
    if (!widened) return undefined;
  }
  const principals = principalsOf(mesh, rule.from);
  const permission = tcp || !httpOnly ? undefined : permissionOf(rule);
  return { name, principals, ...(permission ? { permission } : {}), ...(source ? { source } : {}) };
}

function principalsOf(mesh: AuthzMesh, from: readonly Principal[] | undefined): IrPrincipal[] {
  const td = mesh.trustDomain;
  if (!from?.length) return mesh.mtls === 'disabled' ? [{ any: true }] : [{ identityPrefix: `spiffe://${td}/` }];
  const out: IrPrincipal[] = [];
  for (const p of from) {
    const m = principalOf(td, p);
    if (m) out.push(m);
  }
  return out;
}

/** The fields of one principal are ANDed; contradictory ones can never match and are dropped. */
function principalOf(td: string, p: Principal): IrPrincipal | undefined {
  const exacts = new Set<string>();
  if (p.identity) exacts.add(p.identity);
  if (p.serviceAccount) {
    const dot = p.serviceAccount.lastIndexOf('.');
    exacts.add(spiffeId(td, p.serviceAccount.slice(dot + 1), p.serviceAccount.slice(0, dot)));
  }
  const prefix = p.namespace ? `spiffe://${td}/ns/${p.namespace}/sa/` : undefined;
  if (exacts.size > 1) return undefined;
  const [exact] = exacts;
  if (exact) return !prefix || exact.startsWith(prefix) ? { identityExact: exact } : undefined;
  return prefix ? { identityPrefix: prefix } : { identityPrefix: `spiffe://${td}/` };
}

function permissionOf(rule: AccessRule): IrPermission {
  const paths = (rule.to?.paths ?? []).map((p) => (p.endsWith('*') ? { prefix: p.slice(0, -1) || '/' } : { exact: p }));
  return { methods: [...(rule.to?.methods ?? [])].map((m) => m.toUpperCase()).sort(), paths };
}
