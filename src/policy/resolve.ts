/**
 * Schema-checked documents -> the parts of a `PolicySet`, with the checks that span documents:
 * one Mesh, one TrafficPolicy per service, Gateway API routes merged into the TrafficPolicy model
 * (gateway-merge.ts), and subset references resolved against the destination service's
 * TrafficPolicy.
 */
import type { Diagnostic } from './diagnostics.js';
import { PolicyCodes } from './codes.js';
import { DEFAULT_MESH, type AccessAction, type AccessPolicy, type ExternalService, type MeshPolicy, type MtlsMode, type MtlsPolicies, type Principal, type TrafficPolicy } from './types.js';
import { collectMtls, resolveMtlsDoc, type SourcedMtls } from './resolve-mtls.js';
import { modesOfService } from './mtls.js';
import type { ParsedDocument } from './parse.js';
import { DocReporter, at, formatRef } from './resolve-util.js';
import { resolveTraffic } from './resolve-traffic.js';
import { checkServiceLocality } from './resolve-locality.js';
import { resolveAccess, resolveMesh } from './resolve-access.js';
import { resolveExternal } from './resolve-external.js';
import { checkCustom } from './resolve-extauthz.js';
import { resolveGatewayRoute, type GatewayRoute } from './resolve-gateway.js';
import { mergeGatewayRoutes, type Sourced } from './gateway-merge.js';
import type { ReferenceGrantDoc } from './schema.js';
import type { IngressGateway } from './types-ingress.js';
import { resolveIngressGateway, type ResolvedGateway } from './resolve-ingress.js';
import { attachIngress } from './ingress-attach.js';
import { NO_CACHE, type PolicyLoadCache } from './load-cache.js';
import { compareText } from '../common/index.js';

export interface ResolvedParts {
  readonly mesh: MeshPolicy;
  readonly traffic: ReadonlyMap<string, TrafficPolicy>;
  readonly access: ReadonlyMap<string, readonly AccessPolicy[]>;
  readonly external: ReadonlyMap<string, ExternalService>;
  /** Absent when there are no MtlsPolicy documents. */
  readonly mtls?: MtlsPolicies;
  /** Gateways of class weft with their attached routes, by `<namespace>/<name>`. */
  readonly gateways: ReadonlyMap<string, IngressGateway>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Resolves documents in the given (file-sorted) order; later duplicates are the ones reported.
 * `memo` resolves each document once across loads (load-cache.ts); documents are resolved alone,
 * so only the checks across documents below run on every load.
 */
export function resolveDocuments(docs: readonly ParsedDocument[], memo: Pick<PolicyLoadCache, 'resolve'> = NO_CACHE): ResolvedParts {
  const diagnostics: Diagnostic[] = [];
  let mesh: { policy: MeshPolicy; pd: ParsedDocument } | undefined;
  const traffic = new Map<string, { policy: TrafficPolicy; pd: ParsedDocument }>();
  const access = new Map<string, AccessPolicy[]>();
  const accessDocs: { policy: AccessPolicy; pd: ParsedDocument }[] = [];
  const external = new Map<string, { policy: ExternalService; pd: ParsedDocument }>();
  const gatewayRoutes: Sourced<GatewayRoute>[] = [];
  const grants: Sourced<ReferenceGrantDoc>[] = [];
  const mtlsDocs: SourcedMtls[] = [];
  const gatewayDocs: Sourced<ResolvedGateway>[] = [];
  for (const pd of docs) {
    const r = new DocReporter(pd, diagnostics);
    const { doc } = pd;
    if (doc.kind === 'Mesh') {
      const policy = memo.resolve(pd, diagnostics, (dr) => resolveMesh(doc.value, dr));
      if (mesh) r.error(PolicyCodes.duplicateMesh.code, '', `a second Mesh document; the first is at ${formatRef(at(mesh.pd, ''))}`);
      else mesh = { policy, pd };
    } else if (doc.kind === 'TrafficPolicy') {
      const policy = memo.resolve(pd, diagnostics, (dr) => resolveTraffic(doc.value, dr));
      const first = traffic.get(policy.service);
      if (first) r.error(PolicyCodes.duplicateTraffic.code, 'service', conflict(policy.service, first.pd, pd));
      else traffic.set(policy.service, { policy, pd });
    } else if (doc.kind === 'HTTPRoute') {
      gatewayRoutes.push({ policy: memo.resolve(pd, diagnostics, (dr) => resolveGatewayRoute('HTTPRoute', doc.value, dr)), pd });
    } else if (doc.kind === 'GRPCRoute') {
      gatewayRoutes.push({ policy: memo.resolve(pd, diagnostics, (dr) => resolveGatewayRoute('GRPCRoute', doc.value, dr)), pd });
    } else if (doc.kind === 'MtlsPolicy') {
      mtlsDocs.push({ policy: memo.resolve(pd, diagnostics, (dr) => resolveMtlsDoc(doc.value, dr)), pd });
    } else if (doc.kind === 'Gateway') {
      gatewayDocs.push({ policy: memo.resolve(pd, diagnostics, (dr) => resolveIngressGateway(doc.value, dr)), pd });
    } else if (doc.kind === 'ReferenceGrant') {
      grants.push({ policy: doc.value, pd });
    } else if (doc.kind === 'ExternalService') {
      const policy = memo.resolve(pd, diagnostics, (dr) => resolveExternal(doc.value, dr));
      const first = external.get(policy.key);
      if (first) r.error(PolicyCodes.duplicateExternal.code, 'name', `a second ExternalService ${policy.key}; the first is at ${formatRef(at(first.pd, 'name'))}`);
      else external.set(policy.key, { policy, pd });
    } else {
      const policy = memo.resolve(pd, diagnostics, (dr) => resolveAccess(doc.value, dr));
      access.set(policy.service, [...(access.get(policy.service) ?? []), policy]);
      accessDocs.push({ policy, pd });
    }
  }
  mergeGatewayRoutes(gatewayRoutes, grants, traffic, diagnostics);
  const gateways = attachIngress(gatewayDocs, gatewayRoutes, grants, diagnostics);
  for (const { policy, pd } of traffic.values()) {
    const r = new DocReporter(pd, diagnostics);
    checkSubsets(policy, traffic, r);
    checkServiceLocality(policy, mesh?.policy ?? DEFAULT_MESH, r);
  }
  const mtlsPolicies = collectMtls(mtlsDocs, (pd) => new DocReporter(pd, diagnostics));
  const settings = { mesh: mesh?.policy ?? DEFAULT_MESH, ...(mtlsPolicies ? { mtls: mtlsPolicies } : {}) };
  const jwtOwners = new Map<string, ParsedDocument>();
  const rateOwners = new Map<string, ParsedDocument>();
  const jwtServices = new Set(accessDocs.filter((a) => a.policy.jwt).map((a) => a.policy.service));
  for (const a of accessDocs) {
    const r = new DocReporter(a.pd, diagnostics);
    checkClaims(a.policy, jwtServices, r);
    if (a.policy.jwt) checkJwt(a.policy, a.pd, jwtOwners, external, r);
    if (a.policy.rateLimit || a.policy.callerLimits) checkRateOwner(a.policy, a.pd, rateOwners, external.has(a.policy.service), r);
    if (external.has(a.policy.service)) checkExternalAccess(a.policy, r);
    else warnIdentityRules(a.policy, laxestMode(modesOfService(settings, serviceOf(a.policy.service))), r);
  }
  checkCustom(settings.mesh, mesh?.pd, accessDocs, external, (pd) => new DocReporter(pd, diagnostics));
  return {
    mesh: mesh?.policy ?? DEFAULT_MESH,
    traffic: new Map([...traffic].sort(([a], [b]) => compareText(a, b)).map(([k, v]) => [k, v.policy])),
    access: new Map([...access].sort(([a], [b]) => compareText(a, b))),
    external: new Map([...external].sort(([a], [b]) => compareText(a, b)).map(([k, v]) => [k, v.policy])),
    ...(mtlsPolicies ? { mtls: mtlsPolicies } : {}),
    gateways,
    diagnostics,
  };
}

/**
 * Under `permissive` mTLS a caller may arrive in plaintext, and under `disabled` every caller
 * does: such a caller has no identity, so it matches only rules without `from` (a deny without
 * `from` stops every caller; an allow policy admits only authenticated callers, see
 * docs/translation.md). A rule naming callers therefore never applies to it; one warning per
 * AccessPolicy, at its first such rule.
 */
function warnIdentityRules(policy: AccessPolicy, mtls: MtlsMode, r: DocReporter): void {
  if (mtls === 'strict') return;
  // Callers named by address only (ipBlocks) match plaintext connections too.
  const named = (p: Principal): boolean => p.serviceAccount !== undefined || p.namespace !== undefined || p.identity !== undefined;
  const i = policy.rules.findIndex((rule) => rule.from?.some(named));
  if (i < 0) return;
  r.warn(PolicyCodes.identityUnderPermissive.code, `rules[${i}].from`, identityMessage(policy.action, mtls));
}

/** The caller's sidecar enforces an external service's AccessPolicies from its own identity and
 * the port dialled; it does not inspect requests for them (docs/policy.md "ExternalService"). */
function checkExternalAccess(policy: AccessPolicy, r: DocReporter): void {
  if (policy.action === 'custom') return;
  if (policy.action === 'audit') r.error(PolicyCodes.externalAccessRule.code, 'action', `${policy.service} is an ExternalService: its AccessPolicies are enforced at the caller's sidecar, which has no audit (shadow) rules for it; use allow or deny`);
  if (policy.jwt) r.error(PolicyCodes.externalAccessRule.code, 'jwt', `${policy.service} is an ExternalService: there is no inbound sidecar to verify end-user tokens at`);
  policy.rules.forEach((rule, i) => {
    for (const field of ['methods', 'paths', 'headers'] as const) {
      if (rule.to?.[field]) r.error(PolicyCodes.externalAccessRule.code, `rules[${i}].to.${field}`, `${policy.service} is an ExternalService: its AccessPolicies are enforced at the caller's sidecar by caller and port only; "to.${field}" is not supported`);
    }
    rule.from?.forEach((p, j) => {
      if (p.ipBlocks) r.error(PolicyCodes.externalAccessRule.code, `rules[${i}].from[${j}].ipBlocks`, `${policy.service} is an ExternalService: its AccessPolicies are enforced at the caller's sidecar by caller and port only; "ipBlocks" is not supported`);
    });
  });
}

/** A rule on claims needs the service's jwt block: without it no request carries verified claims,
 * so a deny on claims would never refuse anything. */
function checkClaims(policy: AccessPolicy, jwtServices: ReadonlySet<string>, r: DocReporter): void {
  if (jwtServices.has(policy.service)) return;
  policy.rules.forEach((rule, i) => rule.from?.forEach((p, j) => {
    if (p.claims) r.error(PolicyCodes.jwtClaimsWithoutJwt.code, `rules[${i}].from[${j}].claims`, `${policy.service} has no jwt block, so no request to it carries verified claims; add one to one of its AccessPolicies`);
  }));
}

/** One `rateLimit` per service (its inbound runs one set of buckets), and none for an
 * ExternalService (no inbound sidecar runs it). */
function checkRateOwner(policy: AccessPolicy, pd: ParsedDocument, owners: Map<string, ParsedDocument>, isExternal: boolean, r: DocReporter): void {
  if (isExternal) return r.error(PolicyCodes.callerRateLimit.code, 'rateLimit', `${policy.service} is an ExternalService: there is no inbound sidecar to run its rate limit`);
  const first = owners.get(policy.service);
  if (first) r.error(PolicyCodes.callerRateLimit.code, 'rateLimit', `a second rateLimit for ${policy.service}; the first is at ${formatRef(at(first, 'rateLimit'))} (the inbound runs one set of buckets per service: put them in one rateLimit)`);
  else owners.set(policy.service, pd);
}

/** One `jwt` block per service; every remote JWKS goes through a declared ExternalService's http port. */
function checkJwt(policy: AccessPolicy, pd: ParsedDocument, owners: Map<string, ParsedDocument>, external: ReadonlyMap<string, { policy: ExternalService }>, r: DocReporter): void {
  const first = owners.get(policy.service);
  if (first) r.error(PolicyCodes.jwtTwice.code, 'jwt', `a second jwt block for ${policy.service}; the first is at ${formatRef(at(first, 'jwt'))}`);
  else owners.set(policy.service, pd);
  policy.jwt!.providers.forEach((p, i) => {
    const remote = p.remoteJwks;
    if (!remote) return;
    const ext = external.get(remote.externalService)?.policy;
    const path = `jwt.providers[${i}].remoteJwks`;
    if (!ext) return r.error(PolicyCodes.jwtRemoteJwks.code, `${path}.externalService`, `no ExternalService ${remote.externalService} is declared; the JWKS is fetched through one`);
    const port = ext.ports.find((x) => (remote.port === undefined ? x.protocol === 'http' : x.port === remote.port));
    if (!port || port.protocol !== 'http') r.error(PolicyCodes.jwtRemoteJwks.code, `${path}.port`, `ExternalService ${ext.key} has no http port${remote.port === undefined ? '' : ` ${remote.port}`}; the sidecar fetches the JWKS over HTTP (TLS when the ExternalService originates it)`);
  });
}

/** `disabled` over `permissive` over `strict`: the mode that admits the most plaintext callers. */
function laxestMode(modes: ReadonlySet<MtlsMode>): MtlsMode {
  return modes.has('disabled') ? 'disabled' : modes.has('permissive') ? 'permissive' : 'strict';
}

function serviceOf(key: string): { key: string; namespace: string } {
  return { key, namespace: key.slice(key.lastIndexOf('.') + 1) };
}

function identityMessage(action: AccessAction, mtls: string): string {
  const who = `mtls is ${mtls}: ${mtls === 'disabled' ? 'callers' : 'plaintext callers'} carry no identity`;
  const effect = action === 'deny'
    ? 'this deny rule naming callers never stops them; only a deny rule without "from" applies to every caller'
    : action === 'audit' ? 'this audit rule naming callers never counts them'
      : action === 'custom' ? 'this custom rule naming callers never sends their requests to the authorizer'
      : 'this allow rule naming callers never admits them';
  return `${who} and match only rules without "from", so ${effect}; set mtls: strict once every caller has a sidecar`;
}

function conflict(service: string, first: ParsedDocument, second: ParsedDocument): string {
  return `a second TrafficPolicy for ${service} (at ${formatRef(at(second, 'service'))}); ` +
    `the first is at ${formatRef(at(first, 'service'))}; merge them into one`;
}

/** Every named subset in backends and mirrors must be defined by the destination's TrafficPolicy. */
function checkSubsets(policy: TrafficPolicy, all: ReadonlyMap<string, { policy: TrafficPolicy }>, r: DocReporter): void {
  policy.routes.forEach((route, i) => {
    route.backends?.forEach((b, j) => checkSubset(b.service, b.subset, `routes[${i}].backends[${j}].subset`, all, r));
    if (route.mirror) checkSubset(route.mirror.service, route.mirror.subset, `routes[${i}].mirror.subset`, all, r);
  });
}

function checkSubset(
  service: string, subset: string | undefined, path: string,
  all: ReadonlyMap<string, { policy: TrafficPolicy }>, r: DocReporter,
): void {
  if (subset === undefined) return;
  const subsets = all.get(service)?.policy.subsets;
  if (subsets?.has(subset)) return;
  const known = subsets && subsets.size > 0 ? `defined subsets: ${[...subsets.keys()].join(', ')}` : 'it defines no subsets';
  const where = all.has(service) ? known : `${service} has no TrafficPolicy defining subsets`;
  r.error(PolicyCodes.unknownSubset.code, path, `unknown subset "${subset}" of ${service}; ${where}`);
}
