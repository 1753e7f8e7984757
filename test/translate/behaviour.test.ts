import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';
import { loadGoldenCase } from './golden-case.js';
import { inbound, outbound } from './simulate.js';

const run = (name: string) => {
  const { model, proxy } = loadCase(path.resolve(import.meta.dirname, `../../testdata/translate/${name}.in.yaml`));
  return translate({ model, proxy, cache: new TranslationCache() });
};
const bookinfo = run('bookinfo');
const REVIEWS = 'reviews.default.svc.cluster.local';
const cluster = (subset: string, port = 9080, host = REVIEWS) => ({ kind: 'cluster', cluster: `outbound|${port}|${subset}|${host}` });

describe('outbound requests land on the cluster the policy names', () => {
  it('sends the tester header to the v2 subset', () => {
    expect(outbound(bookinfo, 9080, { host: REVIEWS, path: '/reviews/1', headers: { 'x-user': 'tester' } })).toMatchObject(cluster('v2'));
  });
  it('redirects GET /old but not POST /old', () => {
    expect(outbound(bookinfo, 9080, { host: 'reviews', path: '/old/page', method: 'GET' })).toMatchObject({ kind: 'redirect', to: { path_redirect: '/new' } });
    expect(outbound(bookinfo, 9080, { host: 'reviews', path: '/old/page', method: 'POST' })).toMatchObject({ kind: 'cluster', weighted: [cluster('v1').cluster, cluster('v2').cluster] });
  });
  it('matches the regex path only with the debug query parameter and an allowed method', () => {
    expect(outbound(bookinfo, 9080, { host: REVIEWS, path: '/api/v2/x?debug=1', method: 'POST' })).toMatchObject(cluster('v1'));
    expect(outbound(bookinfo, 9080, { host: REVIEWS, path: '/api/v2/x?debug=1', method: 'DELETE' })).toMatchObject({ weighted: expect.any(Array) });
    expect(outbound(bookinfo, 9080, { host: REVIEWS, path: '/api/v2/x', method: 'GET' })).toMatchObject({ weighted: expect.any(Array) });
  });
  it('resolves short names, namespace names, ports and upper-case hosts to the same service', () => {
    for (const host of ['reviews', 'reviews:9080', 'reviews.default', 'reviews.default.svc:9080', 'REVIEWS.Default.svc.cluster.local']) {
      expect(outbound(bookinfo, 9080, { host, path: '/', headers: { 'x-user': 'tester' } })).toMatchObject(cluster('v2'));
    }
  });
  it('does not route to a service outside the proxy namespace reach (the Host is forwarded as a non-mesh one)', () => {
    expect(outbound(bookinfo, 9080, { host: 'hidden.other.svc.cluster.local', path: '/' })).toEqual({ kind: 'cluster', cluster: PASSTHROUGH });
  });
  it('proxies TCP ports straight to the service cluster', () => {
    expect(outbound(bookinfo, 3306, { path: '' })).toEqual({ kind: 'tcp', cluster: 'outbound|3306||mysql.default.svc.cluster.local' });
  });
  it('sends ring-hash services with a header hash policy', () => {
    expect(outbound(bookinfo, 9090, { host: 'ratings', path: '/ratings.Ratings/Get' })).toMatchObject(cluster('', 9090, 'ratings.default.svc.cluster.local'));
  });
});

const PASSTHROUGH = 'PassthroughCluster';
const passthrough = run('iptables-passthrough');
const WEB = 'outbound|9080||web.default.svc.cluster.local';

describe('iptables outbound listeners take only mesh destinations (issue 11 #4)', () => {
  it('sends a connection to the mesh VIP on 5432 to the mesh cluster', () => {
    expect(outbound(passthrough, 5432, { path: '' }, '10.96.0.20')).toEqual({ kind: 'tcp', cluster: 'outbound|5432||db.default.svc.cluster.local' });
  });
  it('sends a connection to an external Postgres on 5432 to the passthrough cluster', () => {
    expect(outbound(passthrough, 5432, { path: '' }, '203.0.113.9')).toEqual({ kind: 'tcp', cluster: PASSTHROUGH });
  });
  it('does not match a service endpoint address when the service has a VIP', () => {
    expect(outbound(passthrough, 5432, { path: '' }, '10.0.2.1')).toEqual({ kind: 'tcp', cluster: PASSTHROUGH });
  });
  it('matches endpoint addresses (IPv4 and IPv6) of a service without a VIP', () => {
    for (const dst of ['10.0.1.1', '10.0.1.2', 'fd00::7']) {
      expect(outbound(passthrough, 9080, { host: 'web', path: '/' }, dst)).toMatchObject({ kind: 'cluster', cluster: WEB });
    }
  });
  it('forwards HTTP on a mesh port to a non-mesh address through the passthrough cluster', () => {
    expect(outbound(passthrough, 9080, { host: 'example.org', path: '/' }, '198.51.100.4')).toEqual({ kind: 'tcp', cluster: PASSTHROUGH });
  });
  it('forwards HTTP with a non-mesh Host on 9080 to the passthrough cluster instead of a 404', () => {
    expect(outbound(passthrough, 9080, { host: 'example.org', path: '/' }, '10.0.1.1')).toEqual({ kind: 'cluster', cluster: PASSTHROUGH });
  });
});

const TD = 'spiffe://cluster.local';
const gateway = `${TD}/ns/ingress/sa/gateway`;
const neighbour = `${TD}/ns/default/sa/reviews`;
const mtls = (peer: string) => ({ port: 9080, tls: true, peer });
const LOCAL = { kind: 'cluster', cluster: 'inbound|9080|productpage.default' };

describe('inbound authorization', () => {
  it('admits the gateway for GET on an allowed path and the own namespace for anything', () => {
    expect(inbound(bookinfo, mtls(gateway), { path: '/productpage', method: 'GET' })).toEqual(LOCAL);
    expect(inbound(bookinfo, mtls(gateway), { path: '/static/app.js', method: 'GET' })).toEqual(LOCAL);
    expect(inbound(bookinfo, mtls(neighbour), { path: '/api/anything', method: 'DELETE' })).toEqual(LOCAL);
  });
  it('refuses the gateway for other methods, paths, and a lower-case method', () => {
    expect(inbound(bookinfo, mtls(gateway), { path: '/productpage', method: 'POST' })).toMatchObject({ kind: 'denied' });
    expect(inbound(bookinfo, mtls(gateway), { path: '/reviews', method: 'GET' })).toMatchObject({ kind: 'denied' });
    expect(inbound(bookinfo, mtls(gateway), { path: '/productpage', method: 'get' })).toMatchObject({ kind: 'denied' });
  });
  it('evaluates deny before allow: an allowed namespace is still denied /admin/*', () => {
    expect(inbound(bookinfo, mtls(neighbour), { path: '/admin/users' })).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.deny' });
    expect(inbound(bookinfo, mtls(`${TD}/ns/untrusted/sa/x`), { path: '/productpage' })).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.deny' });
  });
  it('defeats path bypass attempts of the deny rule (//, %2e, %61, %2F, case, query)', () => {
    for (const p of ['//admin/users', '/static/../admin/users', '/static/%2e%2e/admin/users', '/%61dmin/users', '/./admin/users', '/ADMIN/users', '/admin/users?x=/ok']) {
      expect(inbound(bookinfo, mtls(neighbour), { path: p }), p).toMatchObject({ kind: 'denied' });
    }
    expect(inbound(bookinfo, mtls(neighbour), { path: '/admin%2Fusers' })).toEqual({ kind: 'rejected', status: 400 });
    expect(inbound(bookinfo, mtls(neighbour), { path: '/admin%5cusers' })).toEqual({ kind: 'rejected', status: 400 });
  });
  it('carries the normalisation settings that the bypass defence relies on', () => {
    const l = bookinfo.resources.get('type.googleapis.com/envoy.config.listener.v3.Listener' as never)!.find((x) => x.name === 'inbound|15006')!;
    const hcm = (l.message as any).filter_chains[0].filters[0].typed_config;
    expect(hcm).toMatchObject({ normalize_path: { value: true }, merge_slashes: true, path_with_escaped_slashes_action: 'REJECT_REQUEST' });
    expect(hcm.http_filters.map((f: { name: string }) => f.name)).toEqual([
      'envoy.filters.http.rbac.audit', 'envoy.filters.http.rbac.deny', 'envoy.filters.http.rbac.allow', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.router']);
    // Authorization arrives over RDS, per route: the chain itself carries no rules.
    expect(hcm.rds).toMatchObject({ route_config_name: 'inbound|9080|productpage.default' });
    expect(hcm.route_config).toBeUndefined();
  });
  it('leaves the inbound listener as it was when an AccessPolicy changes: only its route configuration changes (no drain, every open connection gets the new rules)', () => {
    const { model, proxy } = loadCase(path.resolve(import.meta.dirname, '../../testdata/translate/bookinfo.in.yaml'));
    // Revoke: the deny policy goes, and the allow policy loses its rule for namespace default
    // (it keeps its rate limit, a filter of the chain).
    const [, allow] = model.policy.access.get('productpage.default')!;
    const revoked = new Map([['productpage.default', [{ ...allow!, rules: allow!.rules.slice(0, 1) }]]]);
    const without: typeof model = { ...model, policy: { ...model.policy, access: revoked } };
    const before = translate({ model, proxy, cache: new TranslationCache() });
    const after = translate({ model: without, proxy, cache: new TranslationCache() });
    const of = (r: typeof before, t: string, name: string) => JSON.stringify(r.resources.get(t as never)!.find((x) => x.name === name)!.message);
    const [listener, routes] = ['type.googleapis.com/envoy.config.listener.v3.Listener', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'];
    expect(of(after, listener, 'inbound|15006')).toBe(of(before, listener, 'inbound|15006'));
    expect(of(after, routes, 'inbound|9080|productpage.default')).not.toBe(of(before, routes, 'inbound|9080|productpage.default'));
    expect(inbound(before, mtls(neighbour), { path: '/api/anything' })).toEqual(LOCAL);
    expect(inbound(after, mtls(neighbour), { path: '/api/anything' })).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.allow' });
    // The deny stage, now unused, is disabled for the route: the gateway's allowed call passes.
    expect(inbound(after, mtls(gateway), { path: '/productpage', method: 'GET' })).toEqual(LOCAL);
  });
  it('leaves the inbound listener as it was when custom rules (which requests the authorizer checks) change', async () => {
    const c = await loadGoldenCase(path.resolve(import.meta.dirname, '../../testdata/golden/extauthz'));
    const policies = c.model.policy.access.get('orders.shop')!;
    const narrowed = policies.map((p) => (p.action === 'custom' ? { ...p, rules: p.rules.slice(0, 1) } : p));
    const changed = { ...c.model, policy: { ...c.model.policy, access: new Map([...c.model.policy.access, ['orders.shop', narrowed]]) } };
    const before = translate({ model: c.model, proxy: c.proxy, cache: new TranslationCache() });
    const after = translate({ model: changed, proxy: c.proxy, cache: new TranslationCache() });
    // The HTTP chains: the case's TCP port refuses custom rules as deny rules of its own chain.
    const httpChains = (r: typeof before) => JSON.stringify((r.resources.get('type.googleapis.com/envoy.config.listener.v3.Listener' as never)!
      .find((x) => x.name === 'inbound|15006')!.message as { filter_chains: { filters: { name: string }[] }[] }).filter_chains
      .filter((ch) => ch.filters[0]!.name === 'envoy.filters.network.http_connection_manager'));
    const routes = (r: typeof before) => r.resources.get('type.googleapis.com/envoy.config.route.v3.RouteConfiguration' as never)!
      .filter((x) => x.name.startsWith('inbound|')).map((x) => JSON.stringify(x.message)).join('\n');
    expect(httpChains(after)).toContain('envoy.filters.http.ext_authz');
    expect(httpChains(after)).toBe(httpChains(before));
    expect(routes(after)).not.toBe(routes(before));
    expect(routes(after)).toContain('envoy.filters.http.rbac.extauthz');
  });
  it('fails closed: a route configuration without its per-filter RBAC configuration admits nobody', () => {
    const stripped = structuredClone(bookinfo.resources.get('type.googleapis.com/envoy.config.route.v3.RouteConfiguration' as never)!) as { name: string; message: any }[];
    for (const rc of stripped) for (const vh of rc.message.virtual_hosts) delete vh.typed_per_filter_config;
    const r = { ...bookinfo, resources: new Map([...bookinfo.resources, ['type.googleapis.com/envoy.config.route.v3.RouteConfiguration', stripped]]) } as typeof bookinfo;
    expect(inbound(r, mtls(neighbour), { path: '/api/anything' })).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.allow' });
  });
  it('refuses plaintext in strict mode and certificates from another trust domain', () => {
    expect(inbound(bookinfo, { port: 9080, tls: false }, { path: '/productpage' })).toMatchObject({ kind: 'refused' });
    expect(inbound(bookinfo, mtls('spiffe://evil.org/ns/default/sa/reviews'), { path: '/productpage' })).toMatchObject({ kind: 'refused' });
    expect(inbound(bookinfo, { port: 9999, tls: true, peer: neighbour }, { path: '/' })).toMatchObject({ kind: 'refused', why: 'no filter chain' });
  });
});

describe('mTLS modes', () => {
  const permissive = run('permissive');
  it('permissive accepts both TLS and plaintext callers on the workload port', () => {
    const local = { kind: 'cluster', cluster: 'inbound|8080|web.frontend' };
    expect(inbound(permissive, { port: 8080, tls: false }, { path: '/' })).toEqual(local);
    expect(inbound(permissive, { port: 8080, tls: true, peer: 'spiffe://example.org/ns/backend/sa/api' }, { path: '/' })).toEqual(local);
  });
  it('disabled mode serves plaintext only and still enforces path rules by default-deny allow lists', () => {
    const explicit = run('explicit-collision');
    expect(inbound(explicit, { port: 8080, tls: true, peer: 'x' }, { path: '/' })).toMatchObject({ kind: 'refused' });
    // With mTLS disabled no caller is authenticated, so identity-based allow rules admit nobody.
    expect(inbound(explicit, { port: 8080, tls: false }, { path: '/', method: 'GET' })).toMatchObject({ kind: 'denied' });
  });
  it('explicit mode binds per-port listeners on the outbound address and keeps the first service of a colliding port', () => {
    const explicit = run('explicit-collision');
    expect(outbound(explicit, 6379, { host: 'cache', path: '/' })).toEqual({ kind: 'cluster', cluster: 'outbound|6379||cache.shop.svc.cluster.local' });
    expect(outbound(explicit, 8080, { host: 'ledger.payments', path: '/' })).toEqual({ kind: 'cluster', cluster: 'outbound|8080||ledger.payments.svc.cluster.local' });
    expect(outbound(explicit, 8080, { host: 'secret.finance', path: '/' })).toEqual({ kind: 'not-found' });
    expect(explicit.diagnostics.map((d) => d.code)).toContain('WEFT4101');
  });
});

describe('rules without a source under permissive mTLS (issue 10 #3)', () => {
  const authz = run('permissive-authz');
  const peer = 'spiffe://cluster.local/ns/frontend/sa/web';
  const LOCAL_WEB = { kind: 'cluster', cluster: 'inbound|8080|web.frontend' };
  const plaintext = { port: 8080, tls: false };
  it('denyWithoutFromStopsPlaintextCallers: a deny rule with no from refuses plaintext and mTLS callers alike', () => {
    for (const p of ['/admin/users', '//admin/users', '/ADMIN/x']) {
      expect(inbound(authz, plaintext, { path: p }), p).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.deny' });
      expect(inbound(authz, { port: 8080, tls: true, peer }, { path: p }), p).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.deny' });
    }
  });
  it('allowWithoutFromAdmitsAuthenticatedCallersOnly: plaintext callers are not admitted by it', () => {
    expect(inbound(authz, { port: 8080, tls: true, peer }, { path: '/index.html', method: 'GET' })).toEqual(LOCAL_WEB);
    expect(inbound(authz, plaintext, { path: '/index.html', method: 'GET' })).toEqual({ kind: 'denied', by: 'envoy.filters.http.rbac.allow' });
  });
});

describe('iptables inbound matches the port callers dial (issue 11 #2)', () => {
  const pod = run('iptables-endpoint-port');
  const eds = (cluster: string) => (pod.resources.get('type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment' as never) ?? [])
    .find((r) => r.name === cluster)!.message as any;
  const dialled = (cluster: string, address: string): number => eds(cluster).endpoints.flatMap((l: any) => l.lb_endpoints)
    .find((e: any) => e.endpoint.address.socket_address.address === address).endpoint.address.socket_address.port_value;
  const mtlsFrom = (port: number) => ({ port, tls: true, peer: 'spiffe://cluster.local/ns/default/sa/productpage' });

  it('callerDialsEdsPortAndInboundChainMatchesIt: the EDS port of this pod reaches its local cluster on that port', () => {
    const http = dialled('outbound|9080||reviews.default.svc.cluster.local', '10.0.1.2');
    expect(http).toBe(9082);
    expect(inbound(pod, mtlsFrom(http), { path: '/reviews/1' })).toEqual({ kind: 'cluster', cluster: 'inbound|9082|reviews.default' });
    // Forwarded to the original destination: the pod IP and the port the caller dialled.
    const local = pod.resources.get('type.googleapis.com/envoy.config.cluster.v3.Cluster' as never)!.find((c) => c.name === 'inbound|9082|reviews.default')!.message as any;
    expect(local).toMatchObject({ type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
  });
  it('refuses the service targetPort, which no caller dials', () => {
    expect(inbound(pod, mtlsFrom(9080), { path: '/' })).toMatchObject({ kind: 'refused', why: 'no filter chain' });
  });
});

describe('tracing names the collector, not its cluster (issue 11 #10)', () => {
  const tracingOf = (r: ReturnType<typeof run>) => {
    const l = r.resources.get('type.googleapis.com/envoy.config.listener.v3.Listener' as never)!.find((x) => x.name === 'inbound|15006')!.message as any;
    return l.filter_chains[0].filters[0].typed_config.tracing.provider.typed_config;
  };
  it('zipkinCollectorHostnameIsTheCollectorAddress', () => {
    const z = tracingOf(bookinfo);
    expect(z.collector_cluster).toContain('|');
    expect(z.collector_hostname).toBe('zipkin.observability:9411');
  });
  it('openTelemetryAuthorityIsTheCollectorAddress', () => {
    const o = tracingOf(run('permissive'));
    expect(o.grpc_service.envoy_grpc.authority).toBe('otel-collector.observability:4317');
  });
});
