/**
 * AccessPolicy conditions and audit in the namespace mesh (issue 15 #5), through real Envoy:
 * request-header, source-address and destination-port conditions allow and deny as written (a
 * repeated or listed header slips past neither an allow nor a deny: Envoy 1.40 matches repeated
 * values one by one), and `action: audit` refuses nothing while
 * Envoy counts (`rbac.audit.shadow_denied`) and logs (`audit_policy`) what a deny would refuse.
 */
import { describe, expect } from 'vitest';
import { until } from './http.js';
import { envoyCounter, http as send, scenario, type HttpCall } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'api', serviceAccount: 'api', ports: [{ name: 'http', port: 8080, targetPort: 18080, protocol: 'http' }, { name: 'admin', port: 8090, targetPort: 18090, protocol: 'http' }] },
  { name: 'open', serviceAccount: 'open', ports: [{ name: 'http', port: 8082, targetPort: 18082, protocol: 'http' }] },
  { name: 'db', serviceAccount: 'db', ports: [{ name: 'tcp', port: 5432, targetPort: 15432, protocol: 'tcp' }] },
];
// Addresses are assigned in workload order from 198.18.0.10 (docs/e2e.md); checked below.
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client' },
  { name: 'other', serviceAccount: 'other' },
  { name: 'api-1', service: 'api', serviceAccount: 'api' },
  { name: 'open-1', service: 'open', serviceAccount: 'open' },
  { name: 'db-1', service: 'db', serviceAccount: 'db' },
];
const CLIENT_IP = '198.18.0.10';
const OTHER_IP = '198.18.0.11';
const POLICY = {
  'mesh.yaml': 'kind: Mesh\nmtls: strict\n',
  'api.yaml': `kind: AccessPolicy
service: api
rules:
  - from: [{ serviceAccount: client }]
    to: { ports: [8080], headers: { x-tenant: { exact: acme } } }
  - from: [{ ipBlocks: ["${OTHER_IP}/32"] }]
    to: { ports: [8090] }
---
kind: AccessPolicy
service: api
action: deny
rules:
  - to: { headers: { x-role: { exact: intruder } } }
`,
  'open.yaml': `kind: AccessPolicy
service: open
action: audit
rules:
  - from: [{ serviceAccount: other }]
  - to: { paths: ["/audit/*"] }
`,
  'db.yaml': `kind: AccessPolicy
service: db
action: audit
rules:
  - from: [{ ipBlocks: ["${CLIENT_IP}"] }]
---
kind: AccessPolicy
service: db
action: deny
rules:
  - from: [{ ipBlocks: ["${OTHER_IP}/32"] }]
`,
};

const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
const status = async (from: string, service: string, port: number, o: HttpCall = {}) =>
  (await send(mesh(), from, `${service}-1`, service, port, 1, { concurrency: 1, ...o }))[0]!.status;
const served = (name: string) => mesh().workload(name).app.send<number>({ op: 'count' });
const reset = (name: string) => mesh().workload(name).app.send({ op: 'reset' });
const tcp = (from: string) => mesh().workload(from).app.send<string>({ op: 'tcp', address: mesh().workload('db-1').address, port: 5432, send: 'ping\n' });

describe('Envoy namespace mesh: authorization conditions and audit', () => {
  scenario('header, source-address and port conditions admit and refuse as written; repeating a denied header does not bypass it', async () => {
    expect([mesh().workload('client').address, mesh().workload('other').address]).toEqual([CLIENT_IP, OTHER_IP]);
    await reset('api-1');
    const tenant = { 'x-tenant': 'acme' };
    const results = {
      tenant: await status('client', 'api', 8080, { headers: tenant }),
      noTenant: await status('client', 'api', 8080),
      tenantTwice: await status('client', 'api', 8080, { headers: { 'x-tenant': ['acme', 'acme'] } }),
      tenantAndEvil: await status('client', 'api', 8080, { headers: { 'x-tenant': ['acme', 'evil'] } }),
      evilAndTenant: await status('client', 'api', 8080, { headers: { 'x-tenant': ['evil', 'acme'] } }),
      tenantListed: await status('client', 'api', 8080, { headers: { 'x-tenant': 'acme, evil' } }),
      otherTenant: await status('client', 'api', 8080, { headers: { 'x-tenant': 'ACME' } }),
      intruder: await status('client', 'api', 8080, { headers: { ...tenant, 'x-role': 'intruder' } }),
      intruderRepeated: await status('client', 'api', 8080, { headers: { ...tenant, 'x-role': ['user', 'Intruder'] } }),
      intruderListed: await status('client', 'api', 8080, { headers: { ...tenant, 'x-role': 'user, intruder' } }),
      notIntruder: await status('client', 'api', 8080, { headers: { ...tenant, 'x-role': 'intruders' } }),
      adminFromClient: await status('client', 'api', 8090),
      adminFromOther: await status('other', 'api', 8090),
      httpFromOther: await status('other', 'api', 8080, { headers: tenant }),
    };
    expect(results).toEqual({
      tenant: 200, noTenant: 403, tenantTwice: 200, tenantAndEvil: 403, evilAndTenant: 403, tenantListed: 403, otherTenant: 403, intruder: 403, intruderRepeated: 403, intruderListed: 403,
      notIntruder: 200, adminFromClient: 403, adminFromOther: 200, httpFromOther: 403,
    });
    expect(await served('api-1')).toBe(4);
    // TCP: the deny by address closes other's connection at its first byte, which never reaches
    // db. (Envoy's network RBAC decides on the first byte from the caller, not at connect: the
    // upstream connection is already open, so db's greeting line still reaches the denied caller;
    // docs/translation.md "Known limits".)
    expect(await tcp('client')).toBe('db-1\nping\n');
    const denied = await tcp('other');
    expect(denied).not.toContain('ping');
    expect(await envoyCounter(mesh(), 'db-1', 'inbound|15432|db.default.deny.rbac.denied')).toBeGreaterThanOrEqual(1);
    // The access log says which filter closed it, and the rule (connection_termination_details).
    const closed = await until('db-1 access log of the denied connection', 10_000, async () =>
      mesh().workload('db-1').envoy!.handle.accessLog!().find((l) => l.includes('"connection_termination_details":"rbac_access_denied_matched_policy')));
    expect(JSON.parse(closed)).toMatchObject({ connection_termination_details: 'rbac_access_denied_matched_policy[db.default/deny/1/0]', downstream_peer: 'spiffe://cluster.local/ns/default/sa/other', upstream_transport_failure_reason: null });
  }, 60_000);

  scenario('audit refuses nothing; Envoy counts what a deny would refuse and logs the rule that matched', async () => {
    await reset('open-1');
    const prefix = 'http.inbound|18082|open.default.rbac.audit.';
    const before = { denied: await envoyCounter(mesh(), 'open-1', `${prefix}shadow_denied`), allowed: await envoyCounter(mesh(), 'open-1', `${prefix}shadow_allowed`) };
    const results = [
      await status('other', 'open', 8082, { path: '/x' }),
      await status('client', 'open', 8082, { path: '/AUDIT/x' }),
      await status('client', 'open', 8082, { path: '/x' }),
    ];
    expect(results).toEqual([200, 200, 200]);
    expect(await served('open-1')).toBe(3);
    const after = await until('audit counters', 10_000, async () => {
      const denied = await envoyCounter(mesh(), 'open-1', `${prefix}shadow_denied`);
      const allowed = await envoyCounter(mesh(), 'open-1', `${prefix}shadow_allowed`);
      return denied - before.denied === 2 && allowed - before.allowed === 1 ? { denied, allowed } : undefined;
    });
    expect(after.denied - before.denied).toBe(2);
    // Envoy flushes its stdout access log every 250 ms here (--file-flush-interval-msec).
    const log = await until('audit log lines', 10_000, async () => {
      const lines = mesh().workload('open-1').envoy!.handle.accessLog!().filter((l) => l.includes('"audit_policy"'));
      return lines.filter((l) => l.includes('open.default/audit/0/')).length >= 2 ? lines : undefined;
    });
    expect(log.some((l) => l.includes('"audit_policy":"open.default/audit/0/0"') && l.includes('"audit_result":"denied"'))).toBe(true);
    expect(log.some((l) => l.includes('"audit_policy":"open.default/audit/0/1"'))).toBe(true);
    // TCP: the audit filter counts client's connection and lets it through.
    const tcpPrefix = 'inbound|15432|db.default.rbac.audit.';
    const tcpBefore = await envoyCounter(mesh(), 'db-1', `${tcpPrefix}shadow_denied`);
    // One retry when a connection ended before anything arrived: this call saw ECONNRESET with
    // nothing received in 2 of 4 CI runs and 1 of 7 loaded local runs (session 9), and a clean
    // close with nothing once unloaded (session 10), never on its first scenario's identical
    // call; not yet explained. The retry is counted, so the audit counter may move by one per
    // attempt, never by none.
    const tcpLog = (w: string) => mesh().workload(w).envoy!.handle.accessLog!().filter((l) => l.includes('5432'));
    const logged = tcpLog('client').length;
    let got = await tcp('client');
    let attempts = 1;
    if (got === '' || got.startsWith('error ')) {
      // Each side's access-log lines of it (response_flags, transport failure reasons,
      // termination details) tell which hop ended it.
      await until('the client Envoy\'s access log of the failed call', 5_000, async () => (tcpLog('client').length > logged ? true : undefined)).catch(() => undefined);
      const lines = ['client', 'db-1'].map((w) => `--- ${w}\n${tcpLog(w).slice(-3).join('\n')}`).join('\n');
      console.log(`netns-authz audit TCP call: ${got || 'closed'} with nothing received; retrying once\n${lines}`);
      got = await tcp('client');
      attempts++;
    }
    const logs = () => ['client', 'db-1'].map((w) => `--- ${w}\n${mesh().workload(w).envoy!.handle.log().slice(-3000)}`).join('\n');
    expect(got, got === 'db-1\nping\n' ? '' : logs()).toBe('db-1\nping\n');
    await until('TCP audit counter', 10_000, async () => {
      const moved = (await envoyCounter(mesh(), 'db-1', `${tcpPrefix}shadow_denied`)) - tcpBefore;
      return moved >= 1 && moved <= attempts ? true : undefined;
    });
  }, 60_000);

  // Last: it rewrites api.yaml. The client's sidecar pools its upstream connections to api-1's
  // inbound listener. The revoking AccessPolicy changes only the chain's route configuration
  // (RBAC per route, over RDS), never the chain: Envoy applies it to the next request on every
  // open connection. (When the chain itself changed, Envoy drained its connections and served each
  // pooled HTTP/1.1 connection's next request under the old rules: 4 of 20 here.)
  scenario('revoking a caller applies to its next request, also on the connections its sidecar already holds', async () => {
    const tenant = { 'x-tenant': 'acme' };
    const warm = await send(mesh(), 'client', 'api-1', 'api', 8080, 40, { headers: tenant, concurrency: 4 });
    expect(warm.map((o) => o.status)).toEqual(Array(40).fill(200));
    await mesh().edit('api.yaml', POLICY['api.yaml'].replace('  - from: [{ serviceAccount: client }]\n    to: { ports: [8080], headers: { x-tenant: { exact: acme } } }\n', ''));
    const after = await send(mesh(), 'client', 'api-1', 'api', 8080, 20, { headers: tenant, concurrency: 1 });
    const codes = after.map((o) => o.status);
    expect(codes, codes.join(' ')).toEqual(Array(20).fill(403));
  }, 60_000);
});
