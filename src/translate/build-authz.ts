/**
 * Model → IR authorization of one inbound port, from the service's AccessPolicies
 * (docs/translation.md "Authorization"):
 * - deny rules are collected before allow rules and evaluated first (fail closed);
 * - a deny rule with no `from` matches every caller, authenticated or not: under `permissive` a
 *   plaintext caller has no identity, so anything narrower would let it through (fail open);
 * - an allow rule with no `from` admits any *authenticated* caller of the trust domain (any caller
 *   only when mTLS is disabled and nobody is authenticated): plaintext callers in `permissive`
 *   mode are admitted only by a service without allow policies;
 * - paths: a deny rule covers every spelling of its path, an allow rule exactly what was written
 *   (path-match.ts);
 * - on TCP ports, which cannot see methods, paths or headers, a deny rule that names them is
 *   widened to the whole port and an allow rule that names them is left out: both errors fail closed;
 * - headers: a deny rule matches any element of a list value, an allow rule the whole value
 *   (header-match.ts);
 * - source addresses (`ipBlocks`) are ANDed with the caller's identity fields; a caller named by
 *   addresses only matches every connection from them, plaintext ones included (the user named
 *   the addresses; under strict mTLS only authenticated callers connect at all);
 * - audit rules are built exactly as deny rules (same spellings, same widening) and refuse nothing;
 * - custom rules (`customRulesOf`) are built as deny rules too: what they match goes to the
 *   external authorizer, so every spelling of a path is sent there (the safe side).
 */
import type { AccessPolicy, AccessRule, Diagnostic, MtlsMode, Principal, ServicePort } from '../model/index.js';
import { restrictsCallers } from '../model/index.js';
import type { IrAccessRule, IrAuthz, IrCidr, IrHeaderMatch, IrIdentity, IrPermission, IrPrincipal } from './ir.js';
import { allowPath, denyPath } from './path-match.js';
import { allowHeader, denyHeader } from './header-match.js';
import { TranslateCodes } from './codes.js';
import { compareText, namespacePrefix, trustDomainPrefix, workloadIdText } from '../common/index.js';

/** The mesh settings authorization reads. */
export interface AuthzMesh { readonly trustDomain: string; readonly mtls: MtlsMode }

/** Audit rules are built as deny rules: what they count is what a deny would refuse. */
type Mode = 'allow' | 'deny';
const modeOf = (action: AccessPolicy['action']): Mode => (action === 'allow' ? 'allow' : 'deny');

export function authzOf(mesh: AuthzMesh, policies: readonly AccessPolicy[], port: ServicePort, tcp: boolean, diags: Diagnostic[]): IrAuthz {
  const rules: Record<Exclude<AccessPolicy['action'], 'custom'>, IrAccessRule[]> = { allow: [], deny: [], audit: [] };
  let anyAllow = false;
  policies.forEach((policy, pi) => {
    const action = policy.action;
    if (action === 'custom') return;
    // An AccessPolicy that only authenticates end users (a jwt block, no rules) restricts no caller.
    if (restrictsCallers(policy)) anyAllow = true;
    policy.rules.forEach((rule, ri) => {
      if (rule.to?.ports?.length && !rule.to.ports.includes(port.port)) return;
      const ir = ruleOf(mesh, policy, rule, `${policy.service}/${policy.action}/${pi}/${ri}`, tcp, diags);
      if (ir) rules[action].push(ir);
    });
  });
  return {
    deny: rules.deny,
    ...(anyAllow ? { allow: rules.allow } : {}),
    ...(rules.audit.length ? { audit: rules.audit } : {}),
  };
}

/** The rules of the service's custom policies that apply to `port`, as deny rules (see the module
 * comment), and the provider they name (one per service: the policy loader checks it). */
export function customRulesOf(mesh: AuthzMesh, policies: readonly AccessPolicy[], port: ServicePort, tcp: boolean, diags: Diagnostic[]): { provider: string; rules: IrAccessRule[] } | undefined {
  let provider: string | undefined;
  const rules: IrAccessRule[] = [];
  policies.forEach((policy, pi) => {
    if (policy.action !== 'custom' || !policy.provider) return;
    provider ??= policy.provider;
    policy.rules.forEach((rule, ri) => {
      if (rule.to?.ports?.length && !rule.to.ports.includes(port.port)) return;
      const ir = ruleOf(mesh, policy, rule, `${policy.service}/custom/${pi}/${ri}`, tcp, diags);
      if (ir) rules.push(ir);
    });
  });
  return provider && rules.length ? { provider, rules } : undefined;
}

function ruleOf(mesh: AuthzMesh, policy: AccessPolicy, rule: AccessRule, name: string, tcp: boolean, diags: Diagnostic[]): IrAccessRule | undefined {
  const source = rule.source ?? policy.source;
  const mode = modeOf(policy.action);
  const httpOnly = !!(rule.to?.methods?.length || rule.to?.paths?.length || Object.keys(rule.to?.headers ?? {}).length || rule.from?.some((p) => p.claims));
  if (tcp && httpOnly) {
    const widened = mode === 'deny';
    diags.push({ code: TranslateCodes.methodsOnTcp.code, severity: 'warning', ...(source ? { source } : {}), path: 'rules.to',
      message: `${rule.from?.some((p) => p.claims) ? 'JWT claims' : rule.to?.headers ? 'methods/paths/headers' : 'methods/paths'} cannot apply to TCP port of ${policy.service}; ${widened ? `${policy.action} widened to the whole port` : 'allow rule left out'}` });
    if (!widened) return undefined;
  }
  // On TCP there is no token: a (deny) rule on claims is widened to the callers' other fields.
  const from = tcp ? rule.from?.map(({ claims: _claims, ...p }) => p) : rule.from;
  const principals = principalsOf(mesh, mode, from);
  const warn = (code: string, path: string, message: string): void => {
    diags.push({ code, severity: 'warning', ...(source ? { source } : {}), path, message });
  };
  const permission = tcp || !httpOnly ? undefined : permissionOf(mode, rule, {
    path: (p) => warn(TranslateCodes.denyPathTooLong.code, 'rules.to.paths',
      `${policy.action} path ${p} of ${policy.service} is too long for one matcher of all its spellings; it also covers every path under its first segment that contains ";"`),
    header: (h) => warn(TranslateCodes.denyHeaderTooLong.code, `rules.to.headers.${h}`,
      `${policy.action} header ${h} of ${policy.service} is too long for one matcher of every list element; it covers every value that contains it, in any case`),
    unchecked: (h) => warn(TranslateCodes.allowHeaderTooLong.code, `rules.to.headers.${h}`,
      `allow header ${h} of ${policy.service} is too long to check every value of a repeated header against; allow rule left out`),
  });
  if (permission === null) return undefined;
  return { name, principals, ...(permission ? { permission } : {}), ...(source ? { source } : {}) };
}

/**
 * Who a rule matches. An absent source means "every caller" for a deny rule and "every
 * authenticated caller" for an allow rule (see the module comment); either way the fail-safe side.
 */
function principalsOf(mesh: AuthzMesh, action: Mode, from: readonly Principal[] | undefined): IrPrincipal[] {
  if (!from?.length) return [anySource(mesh, action)];
  const out: IrPrincipal[] = [];
  for (const p of from) {
    const m = principalOf(mesh, action, p);
    if (m) out.push(m);
  }
  return out;
}

function anySource(mesh: AuthzMesh, action: Mode): IrIdentity {
  return action === 'deny' || mesh.mtls === 'disabled' ? { any: true } : { identityPrefix: trustDomainPrefix(mesh.trustDomain) };
}

/** The fields of one principal are ANDed; contradictory ones can never match and are dropped. */
function principalOf(mesh: AuthzMesh, action: Mode, p: Principal): IrPrincipal | undefined {
  const id = identityOf(mesh, action, p);
  if (!id) return id;
  const claims = Object.entries(p.claims ?? {}).map(([name, value]) => ({ name, value }));
  return { ...id, ...(p.ipBlocks?.length ? { sourceIps: p.ipBlocks.map(cidrOf) } : {}), ...(claims.length ? { claims } : {}) };
}

/** The identity part of a principal; a principal naming addresses only is any identity. */
function identityOf(mesh: AuthzMesh, action: Mode, p: Principal): IrIdentity | undefined {
  const td = mesh.trustDomain;
  // Named by addresses or claims only: any peer identity (the user named what to match).
  if ((p.ipBlocks?.length || p.claims) && p.identity === undefined && p.serviceAccount === undefined && p.namespace === undefined) return { any: true };
  const exacts = new Set<string>();
  if (p.identity) exacts.add(p.identity);
  if (p.serviceAccount) {
    const dot = p.serviceAccount.lastIndexOf('.');
    exacts.add(workloadIdText(td, p.serviceAccount.slice(dot + 1), p.serviceAccount.slice(0, dot)));
  }
  const prefix = p.namespace ? namespacePrefix(td, p.namespace) : undefined;
  if (exacts.size > 1) return undefined;
  const [exact] = exacts;
  if (exact) return !prefix || exact.startsWith(prefix) ? { identityExact: exact } : undefined;
  return prefix ? { identityPrefix: prefix } : anySource(mesh, action);
}

interface Widened { path(p: string): void; header(name: string): void; unchecked(name: string): void }

/**
 * Methods, paths and headers of a rule (path semantics: path-match.ts, headers: header-match.ts).
 * Deny rules match methods and paths case-insensitively (fail closed against `/ADMIN`, `get`);
 * allow rules match exactly. null: an allow rule that cannot be expressed (it is left out).
 */
function permissionOf(action: Mode, rule: AccessRule, onWidened: Widened): IrPermission | null {
  const deny = action === 'deny';
  const paths = (rule.to?.paths ?? []).flatMap((p) => {
    if (!deny) return [allowPath(p)];
    const d = denyPath(p);
    if (d.widened) onWidened.path(p);
    return d.matchers;
  });
  const headers: IrHeaderMatch[] = [];
  for (const [name, m] of Object.entries(rule.to?.headers ?? {}).sort(([a], [b]) => compareText(a, b))) {
    const d = deny ? denyHeader(name, m) : { match: allowHeader(name, m), widened: false };
    if (!d.match) {
      onWidened.unchecked(name);
      return null;
    }
    if (d.widened) onWidened.header(name);
    headers.push(d.match);
  }
  return { methods: [...(rule.to?.methods ?? [])].map((m) => m.toUpperCase()).sort(), paths, ignoreCase: deny, ...(headers.length ? { headers } : {}) };
}

/** `<address>/<length>` (schema-cidr.ts normalised it) as an IR range. */
function cidrOf(text: string): IrCidr {
  const slash = text.lastIndexOf('/');
  return { address: text.slice(0, slash), prefixLen: Number(text.slice(slash + 1)) };
}
