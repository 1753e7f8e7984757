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
 * - on TCP ports, which cannot see methods or paths, a deny rule that names them is widened to
 *   the whole port and an allow rule that names them is left out: both errors fail closed.
 */
import type { AccessPolicy, AccessRule, Diagnostic, MtlsMode, Principal, ServicePort } from '../model/index.js';
import type { IrAccessRule, IrAuthz, IrPermission, IrPrincipal } from './ir.js';
import { allowPath, denyPath } from './path-match.js';
import { TranslateCodes } from './codes.js';
import { namespacePrefix, trustDomainPrefix, workloadIdText } from '../common/index.js';

/** The mesh settings authorization reads. */
export interface AuthzMesh { readonly trustDomain: string; readonly mtls: MtlsMode }

export function authzOf(mesh: AuthzMesh, policies: readonly AccessPolicy[], port: ServicePort, tcp: boolean, diags: Diagnostic[]): IrAuthz {
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
    diags.push({ code: TranslateCodes.methodsOnTcp.code, severity: 'warning', ...(source ? { source } : {}), path: 'rules.to',
      message: `methods/paths cannot apply to TCP port of ${policy.service}; ${widened ? 'deny widened to the whole port' : 'allow rule left out'}` });
    if (!widened) return undefined;
  }
  const principals = principalsOf(mesh, policy.action, rule.from);
  const permission = tcp || !httpOnly ? undefined : permissionOf(policy.action, rule, (path) =>
    diags.push({ code: TranslateCodes.denyPathTooLong.code, severity: 'warning', ...(source ? { source } : {}), path: 'rules.to.paths',
      message: `deny path ${path} of ${policy.service} is too long for one matcher of all its spellings; it also denies every path under its first segment that contains ";"` }));
  return { name, principals, ...(permission ? { permission } : {}), ...(source ? { source } : {}) };
}

/**
 * Who a rule matches. An absent source means "every caller" for a deny rule and "every
 * authenticated caller" for an allow rule (see the module comment); either way the fail-safe side.
 */
function principalsOf(mesh: AuthzMesh, action: AccessPolicy['action'], from: readonly Principal[] | undefined): IrPrincipal[] {
  if (!from?.length) return [anySource(mesh, action)];
  const out: IrPrincipal[] = [];
  for (const p of from) {
    const m = principalOf(mesh, action, p);
    if (m) out.push(m);
  }
  return out;
}

function anySource(mesh: AuthzMesh, action: AccessPolicy['action']): IrPrincipal {
  return action === 'deny' || mesh.mtls === 'disabled' ? { any: true } : { identityPrefix: trustDomainPrefix(mesh.trustDomain) };
}

/** The fields of one principal are ANDed; contradictory ones can never match and are dropped. */
function principalOf(mesh: AuthzMesh, action: AccessPolicy['action'], p: Principal): IrPrincipal | undefined {
  const td = mesh.trustDomain;
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

/**
 * Methods and paths of a rule (path semantics: path-match.ts). Deny rules match methods and paths
 * case-insensitively (fail closed against `/ADMIN`, `get`); allow rules match exactly.
 */
function permissionOf(action: AccessPolicy['action'], rule: AccessRule, onWidened: (path: string) => void): IrPermission {
  const deny = action === 'deny';
  const paths = (rule.to?.paths ?? []).flatMap((p) => {
    if (!deny) return [allowPath(p)];
    const d = denyPath(p);
    if (d.widened) onWidened(p);
    return d.matchers;
  });
  return { methods: [...(rule.to?.methods ?? [])].map((m) => m.toUpperCase()).sort(), paths, ignoreCase: deny };
}
