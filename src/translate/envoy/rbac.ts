/**
 * IR authorization → Envoy RBAC (HTTP and network filters). Envoy's RBAC filter has one action,
 * so deny-before-allow is two filters: a DENY filter, then (when the service has allow policies)
 * an ALLOW filter. A service with no policies gets no RBAC filter: mTLS alone admits callers.
 *
 * Paths use `url_path`, which excludes the query string, so `/admin?x` is `/admin`. Which
 * spellings a path covers and case sensitivity are decided in the IR (path-match.ts).
 */
import type { IrAccessRule, IrAuthz, IrPathMatch, IrPrincipal } from '../ir.js';
import { ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { any, stringMatch } from './common.js';
import type { PackedAny, Permission, Principal, Rbac, RbacPolicy, StringMatcher } from './messages.js';

export interface RbacFilterConfig { readonly suffix: 'deny' | 'allow'; readonly config: PackedAny }

export function httpRbac(authz: IrAuthz): RbacFilterConfig[] {
  return stages(authz).map(({ suffix, rules }) => ({
    suffix, config: any(ExtensionTypeUrl.HttpRbac, { rules }),
  }));
}

export function networkRbac(authz: IrAuthz, statPrefix: string): RbacFilterConfig[] {
  return stages(authz).map(({ suffix, rules }) => ({
    suffix, config: any(ExtensionTypeUrl.NetworkRbac, { rules, stat_prefix: `${statPrefix}.${suffix}.` }),
  }));
}

function stages(authz: IrAuthz): { suffix: 'deny' | 'allow'; rules: Rbac }[] {
  const out: { suffix: 'deny' | 'allow'; rules: Rbac }[] = [];
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
  return and.length === 1 ? and[0]! : { and_rules: { rules: and } };
}

function pathPermission(m: IrPathMatch, ignoreCase: boolean): Permission {
  const urlPath = (match: StringMatcher): Permission => ({ url_path: { path: match } });
  if ('regex' in m || 'exact' in m || m.contains === undefined) return urlPath(stringMatch(m, ignoreCase));
  return { and_rules: { rules: [urlPath(stringMatch({ prefix: m.prefix }, ignoreCase)), urlPath(stringMatch({ contains: m.contains }, ignoreCase))] } };
}

function principal(p: IrPrincipal): Principal {
  if ('any' in p) return { any: true };
  const match = 'identityExact' in p ? { exact: p.identityExact } : { prefix: p.identityPrefix };
  return { authenticated: { principal_name: match } };
}
