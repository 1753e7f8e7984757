/**
 * Model → IR for the inbound side: one filter chain per served service port, with the
 * authorization (build-authz.ts) and rate limits (build-inbound-limits.ts) of the service's
 * AccessPolicies and TrafficPolicy routes.
 */
import type { AccessPolicy, Diagnostic, ExternalService, InboundForward, MeshModel, MtlsMode, ProxyDescription, RoutePolicy, Service, ServicePort } from '../model/index.js';
import { byText } from '../common/index.js';
import type { IrAccessRule, IrAuthorizer, IrAuthz, IrInboundChain, IrJwt, IrLocalCluster } from './ir.js';
import { authorizersOf } from './build-extauthz.js';
import { authzOf, customRulesOf } from './build-authz.js';
import { jwtOf } from './build-jwt.js';
import { inboundLimits } from './build-inbound-limits.js';
import { irProtocol } from './build-clusters.js';
import { inboundClusterName } from './names.js';
import { boundOwn, redirectedOwn, type Own } from './placement.js';
import { formatSocket, sameSocket, type IrSocket } from './sockets.js';
import { TranslateCodes } from './codes.js';
import { mtlsInput, portModes, type PortModes } from './mtls-modes.js';

/** One service the proxy serves: the registry's service (absent when unknown), its policies and
 * how callers reach this proxy for it. */
export interface ServedService {
  readonly key: string;
  readonly service: Service | undefined;
  readonly access: readonly AccessPolicy[];
  readonly own: Own;
  /** Effective inbound mTLS mode per service port (empty for an unknown service). */
  readonly mtls: PortModes;
  /** The routes of the service's TrafficPolicy when one has a rate limit of its own (the inbound
   * enforces those, build-inbound-limits.ts); absent otherwise. */
  readonly routes?: readonly RoutePolicy[];
}

/**
 * Everything `buildInbound` reads, and so its memo key. `forward` is set for Envoy only (a gRPC
 * server is its own listener and has no application cluster).
 */
export interface InboundInput {
  readonly mesh: { readonly trustDomain: string; readonly mtls: MtlsMode };
  readonly served: readonly ServedService[];
  readonly forward?: InboundForward;
  /** Sockets the sidecar already holds (fixed listeners; explicit: its outbound listeners). */
  readonly occupied: readonly IrSocket[];
  /** Proxyless gRPC: the proxy's instance IPs (sorted, unique), which a server may bind. */
  readonly serverIps?: readonly string[];
  /** The ExternalServices the served services' remote JWKS are fetched through (absent: none). */
  readonly jwksExternal?: ReadonlyMap<string, ExternalService>;
  /** The authorizers the served services' custom AccessPolicies name, by provider (absent: none). */
  readonly authorizers?: ReadonlyMap<string, IrAuthorizer>;
}

/** Narrows (model, proxy) to what the inbound side reads; `occupied` as in `InboundInput`. */
export function inboundInput(model: MeshModel, proxy: ProxyDescription, occupied: readonly IrSocket[]): InboundInput {
  const { trustDomain, mtls } = model.policy.mesh;
  const modes = mtlsInput(model.policy);
  // gRPC servers listen through their own server listeners (template), like a redirected sidecar.
  const bound = proxy.kind === 'envoy' && proxy.interception === 'explicit';
  const served = [...new Set(proxy.services)].sort().map((key): ServedService => {
    const service = model.registry.services.get(key);
    const own: Own = !service ? { via: 'none', why: 'unknown service' } : bound ? boundOwn(service, proxy) : redirectedOwn(service, proxy);
    const routes = model.policy.traffic.get(key)?.routes;
    return { key, service, access: model.policy.access.get(key) ?? [], own, mtls: service ? portModes(modes, service) : NO_MODES, ...(routes?.some((r) => r.rateLimit) ? { routes } : {}) };
  });
  const kindPart = proxy.kind === 'envoy' ? { forward: proxy.inboundForward ?? 'instance-ip' } : proxy.ips.length > 0 ? { serverIps: [...new Set(proxy.ips)].sort() } : {};
  const jwksKeys = new Set(served.flatMap((s) => s.access.flatMap((a) => a.jwt?.providers.flatMap((p) => (p.remoteJwks ? [p.remoteJwks.externalService] : [])) ?? [])));
  const external = model.policy.external;
  const jwksExternal = new Map([...jwksKeys].sort().flatMap((k) => { const e = external?.get(k); return e ? [[k, e] as const] : []; }));
  const authorizers = authorizersOf(model, served.map((s) => s.access));
  return { mesh: { trustDomain, mtls }, served, ...kindPart, occupied, ...(jwksExternal.size ? { jwksExternal } : {}), ...(authorizers ? { authorizers } : {}) };
}

const NO_MODES: PortModes = new Map();

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
      out.diagnostics.push({ code: TranslateCodes.unknownServedService.code, severity: 'warning', message: `proxy serves unknown service "${served.key}"`, path: 'proxy.services' });
      continue;
    }
    for (const port of served.service.ports) {
      for (const socket of socketsOf(served.service, port, served.own, input, out.diagnostics)) addChain(input, served, port, socket, used, out);
    }
  }
  out.chains.sort((a, b) => a.port - b.port);
  out.localClusters.sort(byText((x) => x.name));
  return out;
}

/** Where callers reach one service port (a dialled port, or a bound socket) and where the chain
 * hands connections on (absent for gRPC). */
interface Socket { readonly port: number; readonly listen?: IrSocket; readonly target?: IrLocalCluster['target'] }

const LOOPBACK = '127.0.0.1';

function socketsOf(service: Service, port: ServicePort, own: Own, input: InboundInput, diags: Diagnostic[]): Socket[] {
  const path = `services.${service.key}.ports.${port.name}`;
  const { forward, occupied } = input;
  const refuse = (what: string, s: IrSocket, taken: IrSocket): [] => {
    diags.push({ code: TranslateCodes.socketCollision.code, severity: 'warning', path, message: `${service.key} ${port.name}: ${what} ${formatSocket(s)} is the sidecar's own ${formatSocket(taken)}; inbound ${port.name} not configured` });
    return [];
  };
  if (own.via === 'redirect') {
    // The original destination is the instance IP and the dialled port; loopback keeps the port.
    return (own.ports[port.name] ?? [port.targetPort]).flatMap((p): Socket[] => {
      const taken = occupied.find((o) => o.port === p);
      if (taken) return refuse('the dialled port of', { address: '0.0.0.0', port: p }, taken);
      return [{ port: p, ...(forward ? { target: forward === 'loopback' ? { address: LOOPBACK, port: p } : { originalDestination: true as const } } : {}) }];
    });
  }
  if (own.via === 'none') {
    diags.push({ code: TranslateCodes.noLocalEndpoint.code, severity: 'warning', path, message: `explicit interception: ${service.key} has ${own.why}; inbound ${port.name} not configured` });
    return [];
  }
  const listen = { address: own.address, port: own.ports[port.name] ?? port.targetPort };
  const target = { address: forward === 'loopback' ? LOOPBACK : own.address, port: port.targetPort };
  const listenTaken = occupied.find((o) => sameSocket(o, listen));
  if (listenTaken) return refuse('the inbound listener', listen, listenTaken);
  const targetTaken = occupied.find((o) => sameSocket(o, target));
  if (targetTaken) return refuse('the application socket (forwarding target)', target, targetTaken);
  if (sameSocket(listen, target)) {
    diags.push({ code: TranslateCodes.listenerIsAppSocket.code, severity: 'warning', path, message: `explicit interception: the sidecar would listen on ${listen.address}:${listen.port}, the application's own socket (${target.address}:${target.port}, inbound_forward ${forward}); give the endpoint a port other than targetPort ${port.targetPort}${forward === 'loopback' ? '' : ', or forward to loopback'}` });
    return [];
  }
  return [{ port: listen.port, listen, target }];
}

function addChain(input: InboundInput, served: ServedService, port: ServicePort, socket: Socket, used: Map<number, string>, out: InboundResult): void {
  const service = served.service!;
  const owner = used.get(socket.port);
  if (owner) {
    out.diagnostics.push({ code: TranslateCodes.portCollision.code, severity: 'warning', path: `services.${service.key}.ports.${port.name}`,
      message: `inbound port ${socket.port} already served by ${owner}; ${service.key} left out on it` });
    return;
  }
  used.set(socket.port, service.key);
  const name = inboundClusterName(socket.port, service.key);
  const protocol = irProtocol(port);
  const authn = jwtFor(input, served, protocol === 'tcp', name, out.diagnostics);
  const mtls = served.mtls.get(port.port) ?? input.mesh.mtls;
  const authzMesh = { trustDomain: input.mesh.trustDomain, mtls };
  const base = authzOf(authzMesh, served.access, port, protocol === 'tcp', out.diagnostics);
  const custom = customRulesOf(authzMesh, served.access, port, protocol === 'tcp', out.diagnostics);
  const authorizer = custom && input.forward && protocol !== 'tcp' ? input.authorizers?.get(custom.provider) : undefined;
  const extAuthz = custom && authorizer ? { ...authorizer, rules: custom.rules } : undefined;
  const authz = custom && !extAuthz ? refuseCustom(base, custom.rules, served, name, whyUnenforceable(input, protocol === 'tcp', custom.provider), out.diagnostics) : base;
  out.chains.push({
    name, service: service.key, port: socket.port, protocol, cluster: name,
    ...(mtls !== input.mesh.mtls ? { mtls } : {}),
    authz: authn === 'refuse' ? { ...authz, deny: [{ name: `${service.key}/jwt-unenforceable`, principals: [{ any: true }] }, ...authz.deny] } : authz,
    ...(authn && authn !== 'refuse' ? { jwt: authn } : {}),
    ...(extAuthz ? { extAuthz } : {}),
    ...(protocol !== 'tcp' ? inboundLimits(served.access, served.routes, input.mesh.trustDomain, name) : {}),
    ...(socket.listen ? { listen: socket.listen } : {}),
    ...(input.serverIps ? { serverAddresses: input.serverIps } : {}),
  });
  if (socket.target) out.localClusters.push({ name, protocol, target: socket.target });
}

/**
 * The JWT authentication of one chain. It cannot be enforced on TCP ports (no requests) nor by
 * proxyless gRPC servers (grpc-js-xds and grpc-go have no jwt_authn filter): TCP ports are left
 * unauthenticated with a warning (a token is an HTTP notion; AccessPolicies still apply), and a
 * gRPC server refuses every call ('refuse': fail closed rather than admit unauthenticated calls).
 */
function jwtFor(input: InboundInput, served: ServedService, tcp: boolean, chain: string, diags: Diagnostic[]): IrJwt | 'refuse' | undefined {
  const policy = served.access.find((a) => a.jwt);
  if (!policy?.jwt) return undefined;
  const warn = (message: string) => diags.push({ code: TranslateCodes.jwtUnenforceable.code, severity: 'warning', ...(policy.source ? { source: policy.source } : {}), path: 'jwt', message });
  if (tcp) return void warn(`${chain}: a TCP port carries no HTTP requests, so ${served.key}'s jwt block does not apply to it`);
  if (!input.forward) return warn(`${chain}: proxyless gRPC servers cannot verify JWTs (no jwt_authn filter); every call to ${served.key} is refused`), 'refuse';
  const ir = jwtOf(policy.jwt, input.jwksExternal ?? new Map());
  if (!ir) return warn(`${chain}: a remote JWKS of ${served.key} names an ExternalService port that does not exist; every request is refused`), 'refuse';
  return ir;
}

function whyUnenforceable(input: InboundInput, tcp: boolean, provider: string): string {
  if (tcp) return 'a TCP port carries no HTTP requests to send to the authorizer; the connections they match are refused';
  if (!input.forward) return 'proxyless gRPC servers have no ext_authz filter; the calls they match are refused';
  return `provider ${provider}'s service or port is not in the registry; the requests they match are refused`;
}

/**
 * Custom rules no authorizer can be called for on this chain (TCP ports, gRPC servers, a provider
 * whose service is unknown): what they match is refused, fail closed whatever failOpen says
 * (failOpen is about an authorizer that fails, not one that cannot be asked).
 */
export function refuseCustom(authz: IrAuthz, rules: readonly IrAccessRule[], served: Pick<ServedService, 'key' | 'access'>, chain: string, why: string, diags: Diagnostic[]): IrAuthz {
  const source = served.access.find((a) => a.action === 'custom')?.source ?? rules[0]?.source;
  diags.push({ code: TranslateCodes.extAuthzUnenforceable.code, severity: 'warning', ...(source ? { source } : {}), path: 'action',
    message: `${chain}: custom rules of ${served.key}: ${why}` });
  return { ...authz, deny: [...authz.deny, ...rules] };
}
