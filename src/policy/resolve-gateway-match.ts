/**
 * HTTPRoute and GRPCRoute matches -> `RouteMatch`, with the key the Gateway API orders matches by
 * across every route of one parent (HTTPRoute: an exact path, then a regex path, then the longest
 * prefix, then a method, then the most headers, then the most query parameters; GRPCRoute: an exact
 * service and method, the longest service, the longest method, the most headers). A `Rank` sorts
 * ascending: smaller comes first.
 */
import { PolicyCodes } from './codes.js';
import type { PathMatch, RouteMatch, StringMatch } from './types.js';
import type { GrpcRouteDoc, HttpRouteDoc } from './schema.js';
import type { DocReporter } from './resolve-util.js';
import { pathProblem } from './schema-paths.js';
import { re2Problem } from './regex.js';

export type Rank = readonly number[];

type HttpMatchDoc = NonNullable<NonNullable<HttpRouteDoc['spec']['rules']>[number]['matches']>[number];
type GrpcMatchDoc = NonNullable<NonNullable<GrpcRouteDoc['spec']['rules']>[number]['matches']>[number];
type ValueMatchDoc = { readonly type?: 'Exact' | 'RegularExpression'; readonly name: string; readonly value: string };

export interface Matched { readonly match?: RouteMatch; readonly rank: Rank }

export function httpMatch(m: HttpMatchDoc | undefined, path: string, r: DocReporter): Matched {
  const p = pathOf(m?.path, `${path}.path`, r);
  const headers = valueMatches(m?.headers, `${path}.headers`, (n) => n.toLowerCase(), r);
  const query = valueMatches(m?.queryParams, `${path}.queryParams`, (n) => n, r);
  const match: RouteMatch = {
    ...(p && { path: p }),
    ...(headers && { headers }),
    ...(m?.method && { methods: [m.method] }),
    ...(query && { query }),
  };
  const kind = !p ? 3 : 'exact' in p ? 0 : 'regex' in p ? 1 : 2;
  const prefixLength = p && 'segmentPrefix' in p ? p.segmentPrefix.length : p && 'exact' in p ? p.exact.length : 1;
  const rank = [kind, -prefixLength, m?.method ? 0 : 1, -Object.keys(headers ?? {}).length, -Object.keys(query ?? {}).length];
  return { ...(Object.keys(match).length > 0 && { match }), rank };
}

/** PathPrefix `/` is every path (no condition); other prefixes match whole segments, and the
 * Gateway API ignores a trailing `/` (`/api/` is `/api`). */
function pathOf(doc: HttpMatchDoc['path'], path: string, r: DocReporter): PathMatch | undefined {
  const type = doc?.type ?? 'PathPrefix';
  const value = doc?.value ?? '/';
  if (type === 'RegularExpression') {
    const problem = re2Problem(value);
    if (problem) r.error(PolicyCodes.gatewayMatch.code, `${path}.value`, `invalid regex "${value}": ${problem}`);
    return { regex: value };
  }
  const problem = pathProblem(value, type === 'Exact' ? 'exact' : 'prefix');
  if (problem) r.error(PolicyCodes.gatewayMatch.code, `${path}.value`, `path can never match: it ${problem}`);
  if (type === 'Exact') return { exact: value };
  const prefix = value.replace(/\/+$/, '');
  return prefix === '' ? undefined : { segmentPrefix: prefix };
}

/** Header (names case-insensitive) or query parameter matches; a repeated name keeps the first. */
function valueMatches(docs: readonly ValueMatchDoc[] | undefined, path: string, norm: (n: string) => string, r: DocReporter): Record<string, StringMatch> | undefined {
  if (!docs?.length) return undefined;
  const out: Record<string, StringMatch> = {};
  docs.forEach((d, i) => {
    const name = norm(d.name);
    if (name in out) return void r.warn(PolicyCodes.gatewayIgnored.code, `${path}[${i}]`, `a second match on "${d.name}"; the first one counts (Gateway API), this one is ignored`);
    if (d.type === 'RegularExpression') {
      const problem = re2Problem(d.value);
      if (problem) r.error(PolicyCodes.gatewayMatch.code, `${path}[${i}].value`, `invalid regex "${d.value}": ${problem}`);
      out[name] = { regex: d.value };
    } else {
      out[name] = { exact: d.value };
    }
  });
  return out;
}

const GRPC_SERVICE = /^\.?[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*$/;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** A gRPC method match as a match on the request path `/<service>/<method>`. */
export function grpcMatch(m: GrpcMatchDoc | undefined, path: string, r: DocReporter): Matched {
  const headers = valueMatches(m?.headers, `${path}.headers`, (n) => n.toLowerCase(), r);
  const method = m?.method;
  const p = method ? grpcPath(method, `${path}.method`, r) : undefined;
  const match: RouteMatch = { ...(p && { path: p }), ...(headers && { headers }) };
  const exact = method && (method.type ?? 'Exact') === 'Exact';
  const kind = !method ? 3 : exact && method.service && method.method ? 0 : exact ? 1 : 2;
  const rank = [kind, -(method?.service?.length ?? 0), -(method?.method?.length ?? 0), -Object.keys(headers ?? {}).length];
  return { ...(Object.keys(match).length > 0 && { match }), rank };
}

function grpcPath(m: NonNullable<GrpcMatchDoc['method']>, path: string, r: DocReporter): PathMatch | undefined {
  if (m.service === undefined && m.method === undefined) {
    r.error(PolicyCodes.gatewayMatch.code, path, 'a method match needs service, method or both');
    return undefined;
  }
  if ((m.type ?? 'Exact') === 'RegularExpression') {
    const regex = `/${m.service ?? '[^/]+'}/${m.method ?? '[^/]+'}`;
    const problem = re2Problem(regex);
    if (problem) r.error(PolicyCodes.gatewayMatch.code, path, `invalid regex "${regex}": ${problem}`);
    return { regex };
  }
  if (m.service !== undefined && !GRPC_SERVICE.test(m.service)) r.error(PolicyCodes.gatewayMatch.code, `${path}.service`, `"${m.service}" is not a protobuf service name (like helloworld.Greeter)`);
  if (m.method !== undefined && !GRPC_METHOD.test(m.method)) r.error(PolicyCodes.gatewayMatch.code, `${path}.method`, `"${m.method}" is not a protobuf method name (like SayHello)`);
  if (m.service !== undefined && m.method !== undefined) return { exact: `/${m.service}/${m.method}` };
  if (m.service !== undefined) return { prefix: `/${m.service}/` };
  return { regex: `/[^/]+/${m.method}` };
}
