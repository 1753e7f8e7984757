/**
 * The action of one HTTPRoute or GRPCRoute rule in the resolved route model: weighted
 * backendRefs, filters (header modifiers, redirect, URL rewrite, one mirror) and timeouts
 * (GEP-1742). Services in other namespaces are collected for the ReferenceGrant check.
 */
import { PolicyCodes } from './codes.js';
import type { Backend, HeaderRewrite, PathReplace, RouteMatch, RoutePolicy } from './types.js';
import type { GrpcRouteDoc, HttpRouteDoc } from './schema.js';
import type { DocReporter } from './resolve-util.js';
import type { CrossRef, RouteKind } from './resolve-gateway.js';

type HttpRuleDoc = NonNullable<HttpRouteDoc['spec']['rules']>[number];
type GrpcRuleDoc = NonNullable<GrpcRouteDoc['spec']['rules']>[number];
export type RuleDoc = Partial<HttpRuleDoc> | Partial<GrpcRuleDoc>;
type FilterDoc = NonNullable<HttpRuleDoc['filters']>[number];
type HeaderModDoc = NonNullable<FilterDoc['requestHeaderModifier']>;
type PathModDoc = NonNullable<NonNullable<FilterDoc['urlRewrite']>['path']>;
type RefDoc = { readonly name: string; readonly namespace?: string; readonly port?: number };

export interface RuleAction {
  readonly route: Omit<RoutePolicy, 'match' | 'source'>;
  /** Checks a match of the rule against its filters (ReplacePrefixMatch needs a PathPrefix). */
  readonly checkMatch?: (match: RouteMatch | undefined, path: string) => void;
}

const FIELD = {
  RequestHeaderModifier: 'requestHeaderModifier', ResponseHeaderModifier: 'responseHeaderModifier',
  RequestRedirect: 'requestRedirect', URLRewrite: 'urlRewrite', RequestMirror: 'requestMirror',
} as const;

interface Refs { readonly namespace: string; readonly crossRefs: CrossRef[]; readonly r: DocReporter }

export function ruleAction(kind: RouteKind, rule: RuleDoc, path: string, namespace: string, crossRefs: CrossRef[], r: DocReporter): RuleAction {
  const refs: Refs = { namespace, crossRefs, r };
  const filters = byType(rule.filters as readonly FilterDoc[] | undefined, `${path}.filters`, r);
  const redirect = filters.get('RequestRedirect')?.requestRedirect;
  const rewrite = filters.get('URLRewrite')?.urlRewrite;
  if (redirect && rewrite) r.error(PolicyCodes.gatewayFilter.code, `${path}.filters`, 'a rule has RequestRedirect or URLRewrite, not both');
  if (redirect && rule.backendRefs?.length) r.warn(PolicyCodes.gatewayIgnored.code, `${path}.backendRefs`, 'a rule with RequestRedirect answers with the redirect; its backendRefs are ignored');
  const mirror = filters.get('RequestMirror')?.requestMirror;
  const route: Omit<RoutePolicy, 'match' | 'source'> = {
    ...(redirect
      ? { redirect: { ...(redirect.hostname && { host: redirect.hostname }), ...(redirect.scheme && { scheme: redirect.scheme }),
        ...(redirect.port !== undefined && { port: redirect.port }), ...pathReplaceOf(redirect.path, `${path}.filters`, r, true), code: redirect.statusCode ?? 302 } }
      : { backends: backendsOf(rule.backendRefs ?? [], `${path}.backendRefs`, refs) }),
    ...(rewrite && { rewrite: { ...(rewrite.hostname && { host: rewrite.hostname }), ...pathReplaceOf(rewrite.path, `${path}.filters`, r, false) } }),
    ...(mirror && { mirror: mirrorOf(mirror, `${path}.filters`, refs) }),
    ...headersOf('requestHeaders', filters.get('RequestHeaderModifier')?.requestHeaderModifier),
    ...headersOf('responseHeaders', filters.get('ResponseHeaderModifier')?.responseHeaderModifier),
    ...(kind === 'HTTPRoute' && timeoutOf((rule as Partial<HttpRuleDoc>).timeouts, `${path}.timeouts`, r)),
  };
  const byPrefix = (redirect?.path ?? rewrite?.path)?.type === 'ReplacePrefixMatch';
  return {
    route,
    ...(byPrefix && {
      checkMatch: (match: RouteMatch | undefined, at: string) => {
        const p = match?.path;
        if (p && !('segmentPrefix' in p)) r.error(PolicyCodes.gatewayFilter.code, at, 'ReplacePrefixMatch replaces the matched path prefix: every match of the rule needs a PathPrefix path');
      },
    }),
  };
}

/** Filters by type; each type once per rule, with exactly the field its type names. */
function byType(filters: readonly FilterDoc[] | undefined, path: string, r: DocReporter): Map<FilterDoc['type'], FilterDoc> {
  const out = new Map<FilterDoc['type'], FilterDoc>();
  (filters ?? []).forEach((f, i) => {
    const field = FIELD[f.type];
    const others = Object.values(FIELD).filter((k) => k !== field && f[k] !== undefined);
    if (f[field] === undefined) r.error(PolicyCodes.gatewayFilter.code, `${path}[${i}]`, `a ${f.type} filter needs its field ${field}`);
    else if (others.length > 0) r.error(PolicyCodes.gatewayFilter.code, `${path}[${i}].${others[0]}`, `a ${f.type} filter has only ${field}; ${others[0]} belongs to another filter type`);
    else if (out.has(f.type)) r.error(PolicyCodes.gatewayFilter.code, `${path}[${i}]`, `a second ${f.type} filter in one rule${f.type === 'RequestMirror' ? ' (weft mirrors to one backend per rule)' : ''}; merge them`);
    else out.set(f.type, f);
  });
  return out;
}

/** `{ path }` or `{ prefix }` for a redirect, `{ path: PathReplace }` for a rewrite. */
function pathReplaceOf(doc: PathModDoc | undefined, path: string, r: DocReporter, redirect: true): { path?: string; prefix?: string };
function pathReplaceOf(doc: PathModDoc | undefined, path: string, r: DocReporter, redirect: false): { path?: PathReplace };
function pathReplaceOf(doc: PathModDoc | undefined, path: string, r: DocReporter, redirect: boolean): Record<string, unknown> {
  if (!doc) return {};
  const full = doc.type === 'ReplaceFullPath';
  const value = full ? doc.replaceFullPath : doc.replacePrefixMatch;
  const other = full ? doc.replacePrefixMatch : doc.replaceFullPath;
  if (value === undefined || other !== undefined) {
    r.error(PolicyCodes.gatewayFilter.code, path, `a path modifier of type ${doc.type} needs ${full ? 'replaceFullPath' : 'replacePrefixMatch'} and nothing else`);
    return {};
  }
  if (redirect) return full ? { path: value } : { prefix: value };
  return { path: full ? { full: value } : { prefix: value } };
}

function backendsOf(docs: readonly (RefDoc & { weight?: number; filters?: readonly unknown[] })[], path: string, refs: Refs): Backend[] {
  const out: Backend[] = [];
  docs.forEach((b, i) => {
    if (b.filters?.length) refs.r.error(PolicyCodes.gatewayRef.code, `${path}[${i}].filters`, 'per-backend filters are not supported; put the filter on the rule');
    const service = serviceOf(b, `${path}[${i}]`, refs);
    if (service) out.push({ service, weight: b.weight ?? 1, port: b.port! });
  });
  return out;
}

/** The Service key of a backend or mirror reference (which needs a port), or undefined. */
function serviceOf(ref: RefDoc, path: string, refs: Refs): string | undefined {
  if (ref.port === undefined) {
    refs.r.error(PolicyCodes.gatewayRef.code, path, `a Service backendRef needs port (the port of ${ref.name} to call)`);
    return undefined;
  }
  const ns = ref.namespace ?? refs.namespace;
  if (ns !== refs.namespace) refs.crossRefs.push({ namespace: ns, name: ref.name, path });
  return `${ref.name}.${ns}`;
}

function mirrorOf(doc: NonNullable<FilterDoc['requestMirror']>, path: string, refs: Refs): NonNullable<RoutePolicy['mirror']> {
  if (doc.percent !== undefined && doc.fraction) refs.r.error(PolicyCodes.gatewayFilter.code, path, 'a RequestMirror has percent or fraction, not both');
  const f = doc.fraction;
  if (f && f.numerator > (f.denominator ?? 100)) refs.r.error(PolicyCodes.gatewayFilter.code, path, 'a RequestMirror fraction has its numerator above its denominator');
  const percent = f ? Math.min(100, (f.numerator / (f.denominator ?? 100)) * 100) : doc.percent ?? 100;
  const service = serviceOf(doc.backendRef, path, refs) ?? `${doc.backendRef.name}.${refs.namespace}`;
  return { service, ...(doc.backendRef.port !== undefined && { port: doc.backendRef.port }), percent };
}

function headersOf(key: 'requestHeaders' | 'responseHeaders', doc: HeaderModDoc | undefined): Partial<Record<typeof key, HeaderRewrite>> {
  if (!doc) return {};
  const pairs = (list: readonly { name: string; value: string }[] | undefined) => list?.length ? Object.fromEntries(list.map((h) => [h.name, h.value])) : undefined;
  const add = pairs(doc.set);
  const append = pairs(doc.add);
  return { [key]: { ...(add && { add }), ...(append && { append }), ...(doc.remove?.length && { remove: doc.remove }) } };
}

/** GEP-1742: `request` bounds the whole request, `backendRequest` each request to a backend. With
 * no retries a request is one backend request, so the shorter of the two (0 = none) is the route
 * timeout. */
function timeoutOf(doc: HttpRuleDoc['timeouts'], path: string, r: DocReporter): Pick<RoutePolicy, 'timeoutMs'> {
  if (!doc) return {};
  const { request, backendRequest } = doc;
  if (request !== undefined && backendRequest !== undefined && request > 0 && (backendRequest === 0 || backendRequest > request)) {
    r.error(PolicyCodes.gatewayTimeouts.code, `${path}.backendRequest`, `backendRequest (${backendRequest} ms${backendRequest === 0 ? ', none' : ''}) is longer than request (${request} ms)`);
  }
  const set = [request, backendRequest].filter((t): t is number => t !== undefined && t > 0);
  if (set.length > 0) return { timeoutMs: Math.min(...set) };
  return request !== undefined || backendRequest !== undefined ? { timeoutMs: 0 } : {};
}
