/**
 * A test-only model of how Envoy handles one request with the resources weft generated: listener
 * by port, filter chain by destination port / transport / client certificate, the HCM's path
 * normalisation (applied only when the HCM asks for it), RBAC filters in chain order, virtual host
 * by Host, first matching route. It reads the generated Envoy messages, not the IR, so the
 * behaviour tests check what a proxy would actually receive.
 */
import { createRequire } from 'node:module';
import { BlockList, isIP } from 'node:net';
import { TypeUrl } from '../../proto/type-urls.js';
import type { TranslateResult } from '../../src/translate/index.js';

// Envoy's regex engine is RE2 (full-string match); re2-wasm is the same library (it ships with
// @grpc/grpc-js-xds), so `(?i)` and RE2-only syntax behave here as they do in Envoy.
const { RE2 } = createRequire(import.meta.url)('re2-wasm') as { RE2: new (p: string, f: string) => { test(s: string): boolean } };
/** Does RE2 `regex` match all of `value`? */
const compiled = new Map<string, { test(s: string): boolean }>();
export function re2FullMatch(regex: string, value: string): boolean {
  // Compiled once per pattern: re2-wasm never frees a compiled program, so a fresh one per call
  // exhausts its fixed heap in a long table test.
  let re = compiled.get(regex);
  if (!re) compiled.set(regex, (re = new RE2(`^(?:${regex})$`, 'u')));
  return re.test(value);
}

type M = Record<string, any>;
/** A header sent several times is a list of its values. */
export interface Request { host?: string; path: string; method?: string; headers?: Record<string, string | readonly string[]> }
export type Outcome =
  | { kind: 'cluster'; cluster: string; weighted?: string[] } | { kind: 'redirect'; to: M }
  | { kind: 'denied'; by: string } | { kind: 'rejected'; status: number } | { kind: 'refused'; why: string }
  | { kind: 'not-found' } | { kind: 'tcp'; cluster: string };
/** Audit (shadow-rule) verdicts recorded on the way, by filter name: the policy that matched. */
export type AuditLog = { filter: string; policy: string }[];

const list = (r: TranslateResult, t: string): { name: string; message: M }[] => (r.resources.get(t as never) ?? []) as never;
const find = (r: TranslateResult, t: string, name: string) => list(r, t).find((x) => x.name === name)?.message;

/** A client on the proxy's host calls `port` (iptables or explicit listener). */
/**
 * A request on outbound `port`. `dst` is the original destination IP (iptables): the chain whose
 * `prefix_ranges` holds it, else the default chain. Without `dst`, the first (mesh) chain.
 */
export function outbound(r: TranslateResult, port: number, req: Request, dst?: string): Outcome {
  const l = list(r, TypeUrl.Listener).find((x) => x.message.address?.socket_address?.port_value === port && x.message.traffic_direction === 'OUTBOUND')?.message;
  if (!l) return { kind: 'refused', why: 'no listener' };
  const chains: M[] = l.filter_chains ?? [];
  const covers = (c: M) => !c.filter_chain_match?.prefix_ranges || (c.filter_chain_match.prefix_ranges as M[]).some((p) => p.address_prefix === dst);
  const chain = dst === undefined ? chains[0] ?? l.default_filter_chain : chains.find(covers) ?? l.default_filter_chain;
  if (!chain) return { kind: 'refused', why: 'no filter chain' };
  const f = chain.filters[0].typed_config;
  if (f['@type'].endsWith('TcpProxy')) return { kind: 'tcp', cluster: f.cluster };
  const rc = find(r, TypeUrl.RouteConfiguration, f.rds.route_config_name);
  return rc ? routeRequest(rc, req) : { kind: 'refused', why: 'route configuration missing' };
}

/** `source`: the caller's address, what `direct_remote_ip` reads (default 10.0.0.99). */
export interface Connection { port: number; tls: boolean; peer?: string; source?: string }

/** A connection arrives at the inbound listener with original destination `port`. */
/** The listener a connection for workload port `port` reaches: 15006 after an iptables redirect,
 * or (explicit mode) the listener bound for that port's chain. */
function inboundListenerFor(r: TranslateResult, port: number): M | undefined {
  const redirected = find(r, TypeUrl.Listener, 'inbound|15006');
  if (redirected) return redirected;
  return (r.resources.get(TypeUrl.Listener) ?? []).map((x) => x.message as M)
    .find((m) => m.traffic_direction === 'INBOUND' && m.filter_chains.some((c: M) => String(c.name).startsWith(`inbound|${port}|`)));
}

export function inbound(r: TranslateResult, conn: Connection, req: Request, audit: AuditLog = []): Outcome {
  const l = inboundListenerFor(r, conn.port);
  if (!l) return { kind: 'refused', why: 'no inbound listener' };
  const sniffs = (l.listener_filters ?? []).some((f: M) => f.name.includes('tls_inspector'));
  const chain = l.filter_chains.find((c: M) => (c.filter_chain_match.destination_port?.value ?? conn.port) === conn.port &&
    (!sniffs || c.filter_chain_match.transport_protocol === (conn.tls ? 'tls' : 'raw_buffer')));
  if (!chain) return { kind: 'refused', why: 'no filter chain' };
  const tls = chain.transport_socket?.typed_config;
  if (!!tls !== conn.tls) return { kind: 'refused', why: 'transport mismatch' };
  if (tls) {
    const prefix = tls.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.prefix;
    if (!conn.peer || !conn.peer.startsWith(prefix)) return { kind: 'refused', why: 'peer certificate rejected' };
  }
  const hcm = chain.filters[0].typed_config;
  const peer = tls ? conn.peer : undefined;
  const path = normalise(hcm, req.path);
  if (typeof path === 'number') return { kind: 'rejected', status: path };
  const method = req.method ?? 'GET';
  const who: Who = { peer, source: conn.source ?? '10.0.0.99' };
  const headers = valuesOf(req.headers);
  const matching = (rules: M) => Object.entries(rules.policies ?? {}).find(([, p]: [string, any]) =>
    p.principals.some((x: M) => principal(x, who)) && p.permissions.some((x: M) => permission(x, method, path, headers)))?.[0];
  const rc = hcm.route_config ?? (hcm.rds && find(r, TypeUrl.RouteConfiguration, hcm.rds.route_config_name));
  if (!rc) return { kind: 'refused', why: 'route configuration missing' };
  // A filter's configuration is the most specific per-filter one (route, then virtual host), else
  // its own; an RBACPerRoute without `rbac` disables the filter for the route.
  const matched = matchRoute(rc, { ...req, path, method });
  const perFilter = (name: string): M | undefined => matched?.route?.typed_per_filter_config?.[name] ?? matched?.vh.typed_per_filter_config?.[name];
  for (const f of hcm.http_filters) {
    if (!f.typed_config['@type'].endsWith('rbac.v3.RBAC')) continue;
    const over = perFilter(f.name);
    const config = over === undefined ? f.typed_config : over.rbac;
    if (config === undefined) continue;
    const shadow = config.shadow_rules;
    if (shadow) {
      const hit = matching(shadow);
      if ((shadow.action === 'DENY') === (hit !== undefined)) audit.push({ filter: f.name, policy: hit ?? '' });
    }
    const rules = config.rules;
    if (!rules) continue;
    const hit = matching(rules) !== undefined;
    if ((rules.action === 'DENY') === hit) return { kind: 'denied', by: f.name };
  }
  return routeRequest(rc, { ...req, path, method });
}

/** The HCM's path handling, applied only as far as its settings ask: a bypass works unless the
 * setting that defeats it is present. Returns the path routing and RBAC see, or an HTTP status. */
export function normalise(hcm: M, raw: string): string | number {
  const [p0, query] = splitQuery(raw);
  let p = p0;
  if (/%2f|%5c/i.test(p) && hcm.path_with_escaped_slashes_action === 'REJECT_REQUEST') return 400;
  if (hcm.normalize_path?.value) {
    p = p.replace(/%([0-9a-f]{2})/gi, (m, h) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(parseInt(h, 16))) ? String.fromCharCode(parseInt(h, 16)) : m.toUpperCase()));
    p = removeDots(p);
  }
  if (hcm.merge_slashes) p = p.replace(/\/{2,}/g, '/');
  return query === undefined ? p : `${p}?${query}`;
}

function splitQuery(p: string): [string, string | undefined] {
  const i = p.indexOf('?');
  return i < 0 ? [p, undefined] : [p.slice(0, i), p.slice(i + 1)];
}

function removeDots(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/').slice(1)) {
    if (seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** Envoy's StringMatcher: exact/prefix/suffix/contains (with `ignore_case`) or an RE2 regex. */
export function strMatch(m: M, v: string | undefined): boolean {
  if (v === undefined) return false;
  const a = m.ignore_case ? v.toLowerCase() : v;
  const low = (s: string) => (m.ignore_case ? s.toLowerCase() : s);
  if (m.exact !== undefined) return a === low(m.exact);
  if (m.prefix !== undefined) return a.startsWith(low(m.prefix));
  if (m.suffix !== undefined) return a.endsWith(low(m.suffix));
  if (m.contains !== undefined) return a.includes(low(m.contains));
  if (m.safe_regex) return re2FullMatch(m.safe_regex.regex, v);
  return false;
}

/** Route matching joins the values of a header sent several times with ",". */
function joinedHeaders(h: Request['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(valuesOf(h)).map(([k, v]) => [k, v.join(',')]));
}

/** Header name -> its values, in order. */
function valuesOf(h: Request['headers']): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? [v] : v]));
}

interface Who { peer: string | undefined; source: string }

function principal(x: M, who: Who): boolean {
  if (x.any) return true;
  if (x.and_ids) return x.and_ids.ids.every((y: M) => principal(y, who));
  if (x.or_ids) return x.or_ids.ids.some((y: M) => principal(y, who));
  if (x.direct_remote_ip) return inCidr(who.source, x.direct_remote_ip.address_prefix, x.direct_remote_ip.prefix_len?.value ?? 0);
  return x.authenticated ? strMatch(x.authenticated.principal_name, who.peer) : false;
}

function inCidr(address: string, prefix: string, len: number): boolean {
  const family = isIP(prefix) === 4 ? 'ipv4' : 'ipv6';
  if ((isIP(address) === 4 ? 'ipv4' : 'ipv6') !== family) return false;
  const b = new BlockList();
  b.addSubnet(prefix, len, family);
  return b.check(address, family);
}

/**
 * Envoy's RBAC HeaderMatcher (≥ 1.38, `rbac_match_headers_individually`): an absent header
 * matches only an inverted presence match (or `present_match: false`); otherwise it matches when
 * any single value does, `invert_match` applied to each value.
 */
function headerMatch(h: M, headers: Record<string, readonly string[]>): boolean {
  const values = headers[h.name];
  if (!values?.length) return h.present_match !== undefined && (h.invert_match ? h.present_match : !h.present_match);
  return values.some((v) => (h.present_match !== undefined ? h.present_match : strMatch(h.string_match, v)) !== !!h.invert_match);
}

export function permission(x: M, method: string, path: string, headers: Record<string, readonly string[]> = {}): boolean {
  if (x.any) return true;
  if (x.and_rules) return x.and_rules.rules.every((y: M) => permission(y, method, path, headers));
  if (x.or_rules) return x.or_rules.rules.some((y: M) => permission(y, method, path, headers));
  if (x.not_rule) return !permission(x.not_rule, method, path, headers);
  if (x.header?.name === ':method') return strMatch(x.header.string_match, method);
  if (x.header) return headerMatch(x.header, headers);
  if (x.url_path) return strMatch(x.url_path.path.string_match ?? x.url_path.path, splitQuery(path)[0]);
  return false;
}

export function routeRequest(rc: M, req: Request): Outcome {
  const matched = matchRoute(rc, req);
  const route = matched?.route;
  if (!route) return { kind: 'not-found' };
  if (route.direct_response) return { kind: 'rejected', status: route.direct_response.status };
  if (route.redirect) return { kind: 'redirect', to: route.redirect };
  if (route.route.cluster) return { kind: 'cluster', cluster: route.route.cluster };
  const weighted = route.route.weighted_clusters.clusters.map((c: M) => c.name);
  return { kind: 'cluster', cluster: weighted[0], weighted };
}

/** The virtual host a request's host selects and, within it, the first route that matches. */
function matchRoute(rc: M, req: Request): { vh: M; route: M | undefined } | undefined {
  const host = (req.host ?? '').toLowerCase();
  const vh = rc.virtual_hosts.find((v: M) => v.domains.some((d: string) => d === '*' || d.toLowerCase() === host));
  if (!vh) return undefined;
  const [path, query] = splitQuery(req.path);
  const params = new URLSearchParams(query ?? '');
  const headers: Record<string, string> = { ...joinedHeaders(req.headers), ':method': req.method ?? 'GET' };
  const route = vh.routes.find((r: M) => {
    const m = r.match;
    const pathOk = m.prefix !== undefined ? path.startsWith(m.prefix) : m.path !== undefined ? path === m.path : re2FullMatch(m.safe_regex.regex, path);
    const headersOk = (m.headers ?? []).every((h: M) => (h.present_match !== undefined ? (h.name in headers) === h.present_match : strMatch(h.string_match, headers[h.name])) !== !!h.invert_match);
    const queryOk = (m.query_parameters ?? []).every((q: M) => (q.present_match !== undefined ? params.has(q.name) === q.present_match : strMatch(q.string_match, params.get(q.name) ?? undefined)));
    return pathOk && headersOk && queryOk;
  });
  return { vh, route };
}
