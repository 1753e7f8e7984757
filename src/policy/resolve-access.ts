/** Mesh and AccessPolicy documents -> their resolved forms, with defaults applied. */
import { PolicyCodes } from './codes.js';
import { DEFAULT_MESH, type AccessPolicy, type AccessRule, type MeshPolicy, type Principal } from './types.js';
import { resolveAccessRate } from './resolve-rate.js';
import type { AccessDoc, MeshDoc } from './schema.js';
import { DEFAULT_NAMESPACE, DocReporter, at, qualify } from './resolve-util.js';
import { compareText } from '../common/index.js';
import { child } from './schema-dsl.js';
import { resolveJwt } from './resolve-jwt.js';
import { resolveLocality } from './resolve-locality.js';
import { checkCustomShape, resolveExtAuthz } from './resolve-extauthz.js';

type RuleDoc = NonNullable<AccessDoc['rules']>[number];
type PrincipalDoc = NonNullable<RuleDoc['from']>[number];

export function resolveMesh(doc: MeshDoc, r: DocReporter): MeshPolicy {
  const obs = doc.observability;
  const tracing = obs?.tracing;
  return {
    trustDomain: doc.trustDomain ?? DEFAULT_MESH.trustDomain,
    mtls: doc.mtls ?? DEFAULT_MESH.mtls,
    defaults: {
      timeoutMs: doc.defaults?.timeout ?? DEFAULT_MESH.defaults.timeoutMs,
      connectTimeoutMs: doc.defaults?.connectTimeout ?? DEFAULT_MESH.defaults.connectTimeoutMs,
    },
    observability: {
      accessLog: obs?.accessLog ?? DEFAULT_MESH.observability.accessLog,
      ...(tracing && { tracing: { ...tracing, samplingPercent: tracing.samplingPercent ?? 1 } }),
    },
    reach: new Map(Object.entries(doc.reach ?? {}).sort(([a], [b]) => compareText(a, b))),
    ...(doc.outboundTraffic && { outboundTraffic: doc.outboundTraffic }),
    ...(doc.locality && { locality: resolveLocality(doc.locality, r) }),
    ...(doc.extAuthz && { extAuthz: resolveExtAuthz(doc.extAuthz, r) }),
    source: at(r.pd, ''),
  };
}

export function resolveAccess(doc: AccessDoc, r: DocReporter): AccessPolicy {
  const ns = doc.namespace ?? DEFAULT_NAMESPACE;
  const rules = (doc.rules ?? []).map((rule, i) => resolveRule(rule, `rules[${i}]`, ns, r));
  if ((doc.action ?? 'allow') === 'allow') checkAllowHeaders(rules, r);
  const rl = doc.rateLimit;
  const action = doc.action ?? 'allow';
  checkCustomShape({ action, rules, ...(doc.provider !== undefined && { provider: doc.provider }) }, r);
  return {
    service: qualify(doc.service, ns),
    action,
    rules,
    ...(doc.provider !== undefined && action === 'custom' && { provider: doc.provider }),
    ...(doc.jwt && { jwt: resolveJwt(doc.jwt, ns, r) }),
    ...(rl && resolveAccessRate(rl, ns, r)),
    source: at(r.pd, ''),
  };
}

/** See PolicyCodes.allowHeaderRegex. */
function checkAllowHeaders(rules: readonly AccessRule[], r: DocReporter): void {
  rules.forEach((rule, i) => {
    for (const [name, m] of Object.entries(rule.to?.headers ?? {})) {
      if ('regex' in m) r.error(PolicyCodes.allowHeaderRegex.code, child(child(`rules[${i}].to.headers`, name), 'regex'), `an allow rule cannot require every value of a repeated "${name}" header to match a regex (Envoy matches values one by one, and RE2 has no complement); use exact or prefix, or a deny rule`);
    }
  });
}

function resolveRule(rule: RuleDoc, path: string, ns: string, r: DocReporter): AccessRule {
  const from = rule.from?.map((p, j) => resolvePrincipal(p, `${path}.from[${j}]`, ns, r));
  return {
    ...(from && { from }),
    ...(rule.to && { to: rule.to }),
    source: at(r.pd, path),
  };
}

/** Service accounts without a namespace are in the policy's namespace, like service names. */
function resolvePrincipal(p: PrincipalDoc, path: string, ns: string, r: DocReporter): Principal {
  if (p.serviceAccount === undefined && p.namespace === undefined && p.identity === undefined && p.ipBlocks === undefined && p.claims === undefined) {
    r.error(PolicyCodes.missingField.code, path, 'a caller needs at least one of serviceAccount, namespace, identity, ipBlocks, claims');
  }
  return {
    ...(p.serviceAccount !== undefined && { serviceAccount: qualify(p.serviceAccount, ns) }),
    ...(p.namespace !== undefined && { namespace: p.namespace }),
    ...(p.identity !== undefined && { identity: p.identity }),
    ...(p.ipBlocks !== undefined && { ipBlocks: [...new Set(p.ipBlocks)].sort() }),
    ...(p.claims !== undefined && { claims: Object.fromEntries(Object.entries(p.claims).sort(([a], [b]) => compareText(a, b))) }),
  };
}
