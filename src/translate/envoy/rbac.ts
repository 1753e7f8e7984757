/**
 * IR authorization → Envoy RBAC (HTTP and network filters). Envoy's RBAC filter has one action,
 * so deny-before-allow is two filters: a DENY filter, then (when the service has allow policies)
 * an ALLOW filter. A service with no policies enforces none: mTLS alone admits callers. On an
 * Envoy sidecar's inbound HTTP chain the stages are always present and their rules come per route
 * over RDS (`INBOUND_RBAC_FILTERS`, `inboundRbacPerRoute`); TCP chains and gRPC servers carry the
 * stages their policies use in the chain.
 *
 * Audit rules go first, in a filter of their own holding only `shadow_rules` (action DENY): Envoy
 * evaluates shadow rules, counts and records the result, and never refuses (a filter without
 * `rules` enforces nothing). First, so that every request is counted, including those a deny then
 * refuses. Stats: `<prefix>rbac.audit.shadow_denied` / `shadow_allowed` (HTTP: `http.<listener
 * stat prefix>.`; TCP: `<chain name>.audit.`); the matched rule's name is in the dynamic metadata
 * `envoy.filters.http.rbac: audit.shadow_effective_policy_id` (access-log field `audit_policy`).
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rbac_filter#statistics
 *
 * Paths use `url_path`, which excludes the query string, so `/admin?x` is `/admin`. Which
 * spellings a path covers and case sensitivity are decided in the IR (path-match.ts), and so are
 * header spellings (header-match.ts). Source ranges are `direct_remote_ip`: the connection's peer,
 * never an address a caller can claim in `x-forwarded-for`.
 */
import type { IrAccessRule, IrAuthz, IrCidr, IrClaim, IrHeaderMatch, IrPathMatch, IrPrincipal } from '../ir.js';
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { JWT_PAYLOAD_KEY } from './jwt.js';
import { any, stringMatch } from './common.js';
import type { HttpFilter, Message, PackedAny, Permission, Principal, Rbac, RbacPolicy, StringMatcher } from './messages.js';

export type RbacStage = 'audit' | 'deny' | 'allow';
export interface RbacFilterConfig { readonly suffix: RbacStage; readonly config: PackedAny }

/** The shadow stat prefix and dynamic-metadata key prefix of audit rules. */
export const AUDIT_STAT_PREFIX = 'audit.';

const INBOUND_STAGES: readonly RbacStage[] = ['audit', 'deny', 'allow'];
const STAGE_DEFAULTS: Readonly<Record<RbacStage, HttpRbacConfig>> = { audit: { shadow_rules_stat_prefix: AUDIT_STAT_PREFIX }, deny: {}, allow: { rules: { action: 'ALLOW', policies: {} } } };

/**
 * The RBAC filters of every Envoy inbound HTTP chain: the three stages always, in order, so that
 * the chain (LDS) never changes with AccessPolicies; what each stage enforces comes per route from
 * the chain's route configuration over RDS (`inboundRbacPerRoute`), which Envoy applies to the
 * next request on every open connection, where a changed chain would be drained and keep serving
 * each pooled HTTP/1.1 connection's next request under the old rules (docs/security.md
 * "Revocation"). Fail closed: the allow stage's own configuration admits nobody, so a route
 * without its per-route configuration refuses everything; audit and deny enforce nothing on
 * their own. The audit stage keeps its shadow prefix here too (stat and metadata names).
 */
export const INBOUND_RBAC_FILTERS: readonly HttpFilter[] = Object.freeze(INBOUND_STAGES.map((stage) =>
  Object.freeze({ name: `${ExtensionName.HttpRbac}.${stage}`, typed_config: any(ExtensionTypeUrl.HttpRbac, STAGE_DEFAULTS[stage]) })));

/**
 * What each inbound RBAC stage enforces for one chain, as the virtual host's
 * `typed_per_filter_config`: a stage the chain's policies use carries its rules; an unused one is
 * disabled (an `RBACPerRoute` without `rbac`).
 */
export function inboundRbacPerRoute(authz: IrAuthz): Record<string, PackedAny> {
  const used = new Map(stages(authz, true).map((s) => [s.suffix, s.rules]));
  return Object.fromEntries(INBOUND_STAGES.map((stage) => {
    const rules = used.get(stage);
    return [`${ExtensionName.HttpRbac}.${stage}`, any(ExtensionTypeUrl.HttpRbacPerRoute, rules ? { rbac: httpStage(stage, rules) } : {})];
  }));
}

/** The HTTP RBAC configuration of one stage: audit rules as shadow rules only, else enforced. */
function httpStage(stage: RbacStage, rules: Rbac): HttpRbacConfig {
  return stage === 'audit' ? { shadow_rules: rules, shadow_rules_stat_prefix: AUDIT_STAT_PREFIX } : { rules };
}

type HttpRbacConfig = Message<'envoy.extensions.filters.http.rbac.v3.RBAC'>;

/** `audit`: also the audit filter (Envoy); gRPC has no shadow rules (grpc.ts leaves it out). */
export function httpRbac(authz: IrAuthz, opts: { audit: boolean } = { audit: true }): RbacFilterConfig[] {
  return stages(authz, opts.audit).map(({ suffix, rules }) => ({ suffix, config: any(ExtensionTypeUrl.HttpRbac, httpStage(suffix, rules)) }));
}

/**
 * A marker: shadow DENY rules and nothing else, under their own stat and metadata prefix, so a
 * filter that refuses nothing and records in `envoy.filters.http.rbac: <prefix>shadow_engine_result`
 * whether one of its rules matched (`denied`) or not (`allowed`); ext_authz.ts keys its filter on
 * it. Its rules come per route like the RBAC stages' (`markerPerRoute`): on its own it marks
 * every request, so a route without its per-route configuration sends everything to the
 * authorizer rather than nothing.
 */
export function inboundShadowMarker(prefix: string): PackedAny {
  return any(ExtensionTypeUrl.HttpRbac, shadowMarker({ action: 'DENY', policies: { [EVERY_REQUEST]: { permissions: [{ any: true }], principals: [{ any: true }] } } }, prefix));
}

/** The marker's rules for one chain, as an entry of its virtual host's `typed_per_filter_config`. */
export function markerPerRoute(rules: readonly IrAccessRule[], prefix: string): PackedAny {
  return any(ExtensionTypeUrl.HttpRbacPerRoute, { rbac: shadowMarker(rbac('DENY', rules), prefix) });
}

/** The policy name of the marker's own configuration (no rule of a policy can have it: those are
 * named `<service>/<kind>/<n>/<m>`). */
const EVERY_REQUEST = 'weft/every-request';

function shadowMarker(rules: Rbac, prefix: string): HttpRbacConfig {
  return { shadow_rules: rules, shadow_rules_stat_prefix: prefix };
}

export function networkRbac(authz: IrAuthz, statPrefix: string): RbacFilterConfig[] {
  return stages(authz, true).map(({ suffix, rules }) => ({
    suffix,
    config: any(ExtensionTypeUrl.NetworkRbac, suffix === 'audit'
      ? { shadow_rules: rules, shadow_rules_stat_prefix: AUDIT_STAT_PREFIX, stat_prefix: `${statPrefix}.` }
      : { rules, stat_prefix: `${statPrefix}.${suffix}.` }),
  }));
}

function stages(authz: IrAuthz, audit: boolean): { suffix: RbacStage; rules: Rbac }[] {
  const out: { suffix: RbacStage; rules: Rbac }[] = [];
  if (audit && authz.audit?.length) out.push({ suffix: 'audit', rules: rbac('DENY', authz.audit) });
  if (authz.deny.length) out.push({ suffix: 'deny', rules: rbac('DENY', authz.deny) });
  if (authz.allow) out.push({ suffix: 'allow', rules: rbac('ALLOW', authz.allow) });
  return out;
}

function rbac(action: 'ALLOW' | 'DENY', rules: readonly IrAccessRule[]): Rbac {
  const policies: Record<string, RbacPolicy> = {};
  for (const r of rules) {
    // A rule whose principals were all contradictory can match nobody: leave it out.
    if (r.principals.length === 0) continue;
    policies[r.name] = { permissions: [permission(r)], principals: r.principals.map(principal) };
  }
  return { action, policies };
}

function permission(r: IrAccessRule): Permission {
  const p = r.permission;
  if (!p) return { any: true };
  const and: Permission[] = [];
  if (p.methods.length) {
    and.push({ or_rules: { rules: p.methods.map((m) => ({ header: { name: ':method', string_match: stringMatch({ exact: m }, p.ignoreCase) } })) } });
  }
  if (p.paths.length) and.push({ or_rules: { rules: p.paths.map((m) => pathPermission(m, p.ignoreCase)) } });
  for (const h of p.headers ?? []) {
    and.push({ header: headerMatcher(h) });
    // Every value must satisfy it: no value (or joined value) is one of the failing ones.
    if (h.failing) {
      const fails = h.failing.map((regex): Permission => ({ header: { name: h.name, string_match: stringMatch({ regex }) } }));
      and.push({ not_rule: fails.length === 1 ? fails[0]! : { or_rules: { rules: fails } } });
    }
  }
  // A rule that is HTTP-only by its callers (JWT claims) alone has no request condition.
  if (and.length === 0) return { any: true };
  return and.length === 1 ? and[0]! : { and_rules: { rules: and } };
}

function pathPermission(m: IrPathMatch, ignoreCase: boolean): Permission {
  const urlPath = (match: StringMatcher): Permission => ({ url_path: { path: match } });
  if ('regex' in m || 'exact' in m || m.contains === undefined) return urlPath(stringMatch(m, ignoreCase));
  return { and_rules: { rules: [urlPath(stringMatch({ prefix: m.prefix }, ignoreCase)), urlPath(stringMatch({ contains: m.contains }, ignoreCase))] } };
}

/** `present: false` is an inverted presence match: the header must be absent. */
function headerMatcher(h: IrHeaderMatch): NonNullable<Permission['header']> {
  if ('present' in h) return { name: h.name, present_match: true, ...(h.present ? {} : { invert_match: true }) };
  const { name, ignoreCase, failing: _failing, ...m } = h;
  return { name, string_match: stringMatch(m, ignoreCase === true) };
}

function principal(p: IrPrincipal): Principal {
  const parts: Principal[] = 'any' in p ? [] : [identity(p)];
  if (p.sourceIps?.length) parts.push(p.sourceIps.length === 1 ? remoteIp(p.sourceIps[0]!) : { or_ids: { ids: p.sourceIps.map(remoteIp) } });
  for (const c of p.claims ?? []) parts.push(claim(c));
  return parts.length === 0 ? { any: true } : parts.length === 1 ? parts[0]! : { and_ids: { ids: parts } };
}

/** A claim of the verified JWT, from jwt_authn's payload in dynamic metadata (jwt.ts): a string
 * claim equal to the value, or a list claim (e.g. `groups`) with an element equal to it. Without
 * a verified token the metadata is absent and neither matches. */
function claim(c: IrClaim): Principal {
  const path = [{ key: JWT_PAYLOAD_KEY }, { key: c.name }];
  const exact = { string_match: { exact: c.value } };
  return { or_ids: { ids: [
    { metadata: { filter: ExtensionName.JwtAuthn, path, value: exact } },
    { metadata: { filter: ExtensionName.JwtAuthn, path, value: { list_match: { one_of: exact } } } },
  ] } };
}

function identity(p: IrPrincipal): Principal {
  if ('any' in p) return { any: true };
  const match = 'identityExact' in p ? { exact: p.identityExact } : { prefix: p.identityPrefix };
  return { authenticated: { principal_name: match } };
}

function remoteIp(c: IrCidr): Principal {
  return { direct_remote_ip: { address_prefix: c.address, prefix_len: { value: c.prefixLen } } };
}
