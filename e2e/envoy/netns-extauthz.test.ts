/**
 * External authorization in the namespace mesh (issue 17 #4), through real Envoy: `authz` is a
 * mesh service (its own sidecar, called by the others' sidecars over mTLS) whose application
 * answers as an HTTP ext_authz authorizer (app.ts `authorize`: 200 and `x-auth-user` for
 * `x-tenant: acme`, 403 with its own body otherwise). `api` delegates `/orders/*` to provider
 * `closed` (failOpen false), `shop` every request to provider `open` (failOpen true); both allow
 * 300 ms per check.
 *
 * Proven: an allowed request reaches the application with the authorizer's `x-auth-user` (a
 * caller's own value is removed, also where nothing is checked); a denied one gets the
 * authorizer's status and body; the authorizer sees the path prefix and the headers it was given,
 * not others; requests the custom rules do not match, and requests a deny policy refuses first,
 * never reach the authorizer. An authorizer that is too slow, answers 5xx or is down refuses the
 * checked requests with failOpen false (403) and admits them with failOpen true. `pay` delegates
 * POSTs to provider `grpc`, the same application answering `Authorization/Check` (check.ts).
 */
import { describe, expect } from 'vitest';
import { envoyCounter, http as send, scenario, type HttpCall, type Outcome } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'api', serviceAccount: 'api', ports: [{ name: 'http', port: 8080, targetPort: 18080, protocol: 'http' }] },
  { name: 'shop', serviceAccount: 'shop', ports: [{ name: 'http', port: 8081, targetPort: 18081, protocol: 'http' }] },
  { name: 'pay', serviceAccount: 'pay', ports: [{ name: 'http', port: 8082, targetPort: 18082, protocol: 'http' }] },
  { name: 'authz', serviceAccount: 'authz', ports: [{ name: 'http', port: 9000, targetPort: 19000, protocol: 'http' }, { name: 'grpc', port: 9001, targetPort: 19001, protocol: 'grpc' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client' },
  { name: 'api-1', service: 'api', serviceAccount: 'api' },
  { name: 'shop-1', service: 'shop', serviceAccount: 'shop' },
  { name: 'pay-1', service: 'pay', serviceAccount: 'pay' },
  { name: 'authz-1', service: 'authz', serviceAccount: 'authz' },
];
const TIMEOUT_MS = 300;

const POLICY = {
  'mesh.yaml': `kind: Mesh
mtls: strict
extAuthz:
  - name: closed
    http: { service: authz, port: 9000, pathPrefix: /check, requestHeaders: [x-tenant], upstreamHeaders: [x-auth-user] }
    timeout: ${TIMEOUT_MS}ms
  - name: open
    http: { service: authz, port: 9000, pathPrefix: /check, requestHeaders: [x-tenant] }
    timeout: ${TIMEOUT_MS}ms
    failOpen: true
  - name: grpc
    grpc: { service: authz, port: 9001, upstreamHeaders: [x-auth-user] }
    timeout: ${TIMEOUT_MS}ms
`,
  'api.yaml': `kind: AccessPolicy
service: api
action: custom
provider: closed
rules:
  - to: { paths: ["/orders/*"] }
---
kind: AccessPolicy
service: api
action: deny
rules:
  - to: { paths: ["/orders/admin*"] }
`,
  'shop.yaml': 'kind: AccessPolicy\nservice: shop\naction: custom\nprovider: open\nrules: [{}]\n',
  'pay.yaml': 'kind: AccessPolicy\nservice: pay\naction: custom\nprovider: grpc\nrules: [{ to: { methods: [POST] } }]\n',
};

const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
const to = { api: ['api-1', 8080], shop: ['shop-1', 8081], pay: ['pay-1', 8082] } as const;
const call = async (service: keyof typeof to, path: string, headers: Record<string, string> = {}, o: HttpCall = {}): Promise<Outcome> =>
  (await send(mesh(), 'client', to[service][0], service, to[service][1], 1, { concurrency: 1, path, headers, detail: true, ...o }))[0]!;
const authz = () => mesh().workload('authz-1').app;
const behave = (behaviour: Record<string, unknown>) => authz().send({ op: 'behave', behaviour });
const checks = () => authz().send<number>({ op: 'count' });
/** ext_authz counts under the chain's local cluster; the marker's under the chain's HCM. */
const stat = (workload: string, port: number, service: string, name: string) => envoyCounter(mesh(), workload, `cluster.inbound|${port}|${service}.default.ext_authz.${name}`);
const marked = (workload: string, port: number, service: string) => envoyCounter(mesh(), workload, `http.inbound|${port}|${service}.default.rbac.extauthz.shadow_denied`);
const ACME = { 'x-tenant': 'acme' };
/** Failed checks since `since`: refused on api (failOpen false), admitted on shop (failOpen true). */
async function failures(since = { closed: 0, open: 0 }): Promise<{ closed: number; open: number }> {
  return { closed: await stat('api-1', 18080, 'api', 'error') - since.closed, open: await stat('shop-1', 18081, 'shop', 'failure_mode_allowed') - since.open };
}

describe('Envoy namespace mesh: external authorization', () => {
  scenario('the authorizer allows (its header reaches the app) and denies (its status and body reach the caller); only requests the custom rules match are checked, after the deny policy', async () => {
    await behave({ authorize: { header: 'x-tenant', allow: 'acme' } });
    await authz().send({ op: 'reset' });
    const allowed = await call('api', '/orders/1', { ...ACME, 'x-auth-user': 'forged' });
    expect([allowed.status, allowed.backend, allowed.seen?.['x-auth-user']]).toEqual([200, 'api-1', 'acme-verified']);
    const denied = await call('api', '/orders/1', { 'x-tenant': 'evil', 'x-other': 'secret' });
    expect(denied.status).toBe(403);
    // The authorizer's own answer, showing what it was asked: the prefixed path, the header it
    // was given, not the one it was not.
    const asked = JSON.parse(denied.body!) as { name: string; path: string; headers: Record<string, string> };
    expect([asked.name, asked.path, asked.headers['x-tenant'], asked.headers['x-other']]).toEqual(['authz-1', '/check/orders/1', 'evil', undefined]);
    const unchecked = await call('api', '/public', { 'x-tenant': 'evil', 'x-auth-user': 'forged' });
    expect([unchecked.status, unchecked.backend, unchecked.seen?.['x-auth-user']]).toEqual([200, 'api-1', undefined]);
    const refusedFirst = await call('api', '/orders/admin', ACME);
    expect([refusedFirst.status, refusedFirst.body]).toEqual([403, 'RBAC: access denied']);
    // Two checks: the allowed and the denied request; /public and the refused one never reached it.
    expect(await checks()).toBe(2);
    expect({ marked: await marked('api-1', 18080, 'api'), ok: await stat('api-1', 18080, 'api', 'ok'), denied: await stat('api-1', 18080, 'api', 'denied') })
      .toEqual({ marked: 2, ok: 1, denied: 1 });
  }, 60_000);

  scenario('a gRPC authorizer (Authorization/Check) allows with a header for the app and denies with its 403 and body; GET is not checked', async () => {
    await behave({ authorize: { header: 'x-tenant', allow: 'acme' } });
    await authz().send({ op: 'reset' });
    const allowed = await call('pay', '/charge', { ...ACME, 'x-other': 'secret' }, { method: 'POST' });
    expect([allowed.status, allowed.backend, allowed.seen?.['x-auth-user']]).toEqual([200, 'pay-1', 'acme-verified']);
    const denied = await call('pay', '/charge', { 'x-tenant': 'evil' }, { method: 'POST' });
    expect(denied.status).toBe(403);
    // A gRPC authorizer is sent every request header (Envoy's default for gRPC).
    const asked = JSON.parse(denied.body!) as { name: string; path: string; headers: Record<string, string> };
    expect([asked.name, asked.path, asked.headers['x-tenant'], asked.headers[':method']]).toEqual(['authz-1', '/charge', 'evil', 'POST']);
    // Not checked, and the header the authorizer would set is not taken from the caller.
    const unchecked = await call('pay', '/charge', { 'x-tenant': 'evil', 'x-auth-user': 'forged' });
    expect([unchecked.status, unchecked.backend, unchecked.seen?.['x-auth-user']]).toEqual([200, 'pay-1', undefined]);
    expect(await checks()).toBe(2);
    expect({ ok: await stat('pay-1', 18082, 'pay', 'ok'), denied: await stat('pay-1', 18082, 'pay', 'denied') }).toEqual({ ok: 1, denied: 1 });
  }, 60_000);

  scenario('an authorizer slower than the timeout: failOpen false refuses the checked request (403), failOpen true admits it, both after the timeout', async () => {
    await behave({ authorize: { header: 'x-tenant', allow: 'acme' }, delayMs: 3_000 });
    const before = await failures();
    const closed = await call('api', '/orders/2', ACME);
    const open = await call('shop', '/cart', ACME);
    expect([closed.status, open.status, open.backend]).toEqual([403, 200, 'shop-1']);
    // Cut at the provider's timeout, well before the authorizer would have answered.
    for (const o of [closed, open]) {
      expect(o.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(o.ms).toBeLessThan(2_000);
    }
    expect(await failures(before)).toEqual({ closed: 1, open: 1 });
  }, 60_000);

  // The custom rules reach Envoy per route over RDS, so a change to them replaces no chain: the
  // client sidecar's pooled connections to api-1 get the new rules at their next request.
  scenario('a path the custom rules newly match is checked from the next request on, also over connections already open', async () => {
    await behave({ authorize: { header: 'x-tenant', allow: 'acme' } });
    const evil = { 'x-tenant': 'evil' };
    const warm = await send(mesh(), 'client', 'api-1', 'api', 8080, 20, { path: '/public', headers: evil, concurrency: 4 });
    expect(warm.map((o) => o.status)).toEqual(Array(20).fill(200));
    await mesh().edit('api.yaml', POLICY['api.yaml'].replace('  - to: { paths: ["/orders/*"] }\n', '  - to: { paths: ["/orders/*", "/public"] }\n'));
    const after = await send(mesh(), 'client', 'api-1', 'api', 8080, 20, { path: '/public', headers: evil, concurrency: 1 });
    const codes = after.map((o) => o.status);
    expect(codes, codes.join(' ')).toEqual(Array(20).fill(403));
    await mesh().edit('api.yaml', POLICY['api.yaml']);
  }, 60_000);

  scenario('an authorizer answering 5xx, then one that is down: failOpen false refuses, failOpen true admits, unchecked requests are unaffected', async () => {
    await behave({ status: 500 });
    const before = await failures();
    const outcomes = async () => ({
      closed: (await call('api', '/orders/3', ACME)).status, open: (await call('shop', '/cart', ACME)).status,
      grpc: (await call('pay', '/charge', ACME, { method: 'POST' })).status, unchecked: (await call('api', '/public')).status,
    });
    expect(await outcomes()).toEqual({ closed: 403, open: 200, grpc: 403, unchecked: 200 });
    await authz().stop();
    expect(await outcomes()).toEqual({ closed: 403, open: 200, grpc: 403, unchecked: 200 });
    // Two failed checks each, refused on api, admitted on shop; the unchecked requests none.
    expect(await failures(before)).toEqual({ closed: 2, open: 2 });
  }, 60_000);
});
