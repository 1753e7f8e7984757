/**
 * IR authorization → Envoy RBAC (HTTP and network filters). Envoy's RBAC filter has one action,
 * so deny-before-allow is two filters: a DENY filter, then (when the service has allow policies)
 * an ALLOW filter. A service with no policies gets no RBAC filter: mTLS alone admits callers.
 *
 * Matching choices (docs/translation.md "Authorization"):
 * - paths use `url_path`, which excludes the query string, so `/admin?x` is `/admin`;
 * - deny rules match methods and paths case-insensitively (fail closed against `/ADMIN`, `get`);
 *   allow rules match exactly (admit only what was written).
 */
import type { IrAccessRule, IrAuthz, IrPrincipal } from '../ir.js';
import { any, stringMatch, type Msg } from './common.js';

export interface RbacFilterConfig { readonly suffix: 'deny' | 'allow'; readonly config: Msg }

export function httpRbac(authz: IrAuthz): RbacFilterConfig[] {
  return stages(authz).map(({ suffix, rules }) => ({
    suffix, config: any('envoy.extensions.filters.http.rbac.v3.RBAC', { rules }),
  }));
}

export function networkRbac(authz: IrAuthz, statPrefix: string): RbacFilterConfig[] {
  return stages(authz).map(({ suffix, rules }) => ({
    suffix, config: any('envoy.extensions.filters.network.rbac.v3.RBAC', { rules, stat_prefix: `${statPrefix}.${suffix}.` }),
  }));
}

function stages(authz: IrAuthz): { suffix: 'deny' | 'allow'; rules: Msg }[] {
  const out: { suffix: 'deny' | 'allow'; rules: Msg }[] = [];
  if (authz.deny.length) out.push({ suffix: 'deny', rules: rbac('DENY', authz.deny, true) });
  if (authz.allow) out.push({ suffix: 'allow', rules: rbac('ALLOW', authz.allow, false) });
  return out;
}

function rbac(action: 'ALLOW' | 'DENY', rules: readonly IrAccessRule[], ignoreCase: boolean): Msg {
  const policies: Msg = {};
  for (const r of rules) {
    // A rule whose principals were all contradictory can match nobody: leave it out.
    if (r.principals.length === 0) continue;
    policies[r.name] = { permissions: [permission(r, ignoreCase)], principals: r.principals.map(principal) };
  }
  return { action, policies };
}

function permission(r: IrAccessRule, ignoreCase: boolean): Msg {
  const p = r.permission;
  if (!p) return { any: true };
  const and: Msg[] = [];
  if (p.methods.length) {
    and.push({ or_rules: { rules: p.methods.map((m) => ({ header: { name: ':method', string_match: stringMatch({ exact: m }, ignoreCase) } })) } });
  }
  if (p.paths.length) {
    and.push({ or_rules: { rules: p.paths.map((m) => ({ url_path: { path: stringMatch(m, ignoreCase) } })) } });
  }
  return and.length === 1 ? and[0]! : { and_rules: { rules: and } };
}

function principal(p: IrPrincipal): Msg {
  if ('any' in p) return { any: true };
  const match = 'identityExact' in p ? { exact: p.identityExact } : { prefix: p.identityPrefix };
  return { authenticated: { principal_name: match } };
}
