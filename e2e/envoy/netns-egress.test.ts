/**
 * Egress, TCP and TLS routing in the namespace mesh (iptables mode, mTLS strict). `ext` and
 * `undeclared` are hosts outside the mesh (no sidecar, not in the registry); `ext` is declared as
 * ExternalServices (HTTP on 8080 by Host, TLS on 9443 by SNI), `undeclared` is not. Every call
 * leaves the client's namespace and is captured by its sidecar; assertions are on what came back
 * and on the sidecar's own counters.
 */
import path from 'node:path';
import { describe, expect } from 'vitest';
import { envoyCounter, scenario, tally, type Outcome } from './netns/calls.js';
import { APP_TLS_NAME, type ServiceDef, type WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'db', serviceAccount: 'db', ports: [{ name: 'pg', port: 5432, targetPort: 15432, protocol: 'tcp' }] },
  { name: 'alpha', serviceAccount: 'alpha', ports: [{ name: 'tls', port: 8443, targetPort: 18443, protocol: 'tls' }] },
  { name: 'beta', serviceAccount: 'beta', ports: [{ name: 'tls', port: 8443, targetPort: 18443, protocol: 'tls' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'db-v1', service: 'db', serviceAccount: 'db', labels: { app: 'db', version: 'v1' } },
  // SotW only: under registry-only a listener whose filter chains alone change is updated in place,
  // and Envoy 1.40 then keeps the listener's earlier version_info in /config_dump, which fails the
  // delta agreement check's per-resource version comparison though Envoy holds the new content.
  { name: 'db-v2', service: 'db', serviceAccount: 'db', labels: { app: 'db', version: 'v2' } },
  { name: 'alpha-1', service: 'alpha', serviceAccount: 'alpha', labels: { app: 'alpha' } },
  { name: 'beta-1', service: 'beta', serviceAccount: 'beta', labels: { app: 'beta' } },
  { name: 'ext', serviceAccount: 'ext', sidecar: 'none', extraPorts: [{ port: 8080, protocol: 'http' }, { port: 9443, protocol: 'tls' }] },
  { name: 'undeclared', serviceAccount: 'undeclared', sidecar: 'none',
    extraPorts: [{ port: 8080, protocol: 'http' }, { port: 7000, protocol: 'tcp' }, { port: 9443, protocol: 'tls' }] },
];
const mesh = (outboundTraffic: string) => `kind: Mesh\nmtls: strict\noutboundTraffic: ${outboundTraffic}\n`;
const DB = `kind: TrafficPolicy
service: db
subsets: { v1: { version: v1 }, v2: { version: v2 } }
routes:
  - backends: [{ subset: v1, weight: 80 }, { subset: v2, weight: 20 }]
`;
/** The ExternalServices, at `ext`'s address (known once the mesh runs); `vault` and
 * `vault-misnamed` are plain TCP to the caller, TLS from the sidecar to `ext`'s TLS port. */
const external = (address: string, caFile: string) => `kind: ExternalService
name: web
hosts: [web.example.com]
resolution: static
addresses: [${address}]
ports: [{ port: 8080, protocol: http }]
---
kind: ExternalService
name: secure
hosts: [secure.example.com]
resolution: static
addresses: [${address}]
ports: [{ port: 9443, protocol: tls }]
---
kind: ExternalService
name: vault
hosts: [vault.example.com]
resolution: static
addresses: [${address}]
ports: [{ port: 7443, protocol: tcp, targetPort: 9443 }]
tls: { sni: ${APP_TLS_NAME}, caFile: ${caFile} }
---
kind: ExternalService
name: vault-misnamed
hosts: [vault2.example.com]
resolution: static
addresses: [${address}]
ports: [{ port: 7444, protocol: tcp, targetPort: 9443 }]
tls: { sni: wrong.example.com, caFile: ${caFile} }
`;

describe('Envoy namespace mesh: egress, TCP and TLS routing', () => {
  const m = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: { 'mesh.yaml': mesh('allow-any'), 'db.yaml': DB } });
  const addr = (name: string) => m().workload(name).address;
  const client = () => m().workload('client').app;
  const http = (to: string, host: string, count = 5) =>
    client().send<Outcome[]>({ op: 'http', address: addr(to), port: 8080, host, count, concurrency: 1, detail: true });
  const tcp = (to: string, port: number) => client().send<string>({ op: 'tcp', address: addr(to), port, send: 'ping\n' });
  const tls = (to: string, port: number, servername: string) => client().send<string>({ op: 'tls', address: addr(to), port, servername, send: 'ping\n' });
  const blackholed = () => envoyCounter(m(), 'client', 'cluster.BlackHoleCluster.upstream_cx_none_healthy');

  scenario('allow-any: declared external HTTP (by Host) and TLS (by SNI) hosts work, and undeclared HTTP, TCP and TLS pass through', async () => {
    await m().edit('external.yaml', external(addr('ext'), path.join(m().root, 'app-cert.pem')));
    expect(tally(await http('ext', 'web.example.com'))).toEqual({ ext: 5 });
    expect(await tls('ext', 9443, 'secure.example.com')).toBe('ext\nping\n');
    expect(tally(await http('undeclared', 'other.example'))).toEqual({ undeclared: 5 });
    expect(await tcp('undeclared', 7000)).toBe('undeclared\nping\n');
    expect(await tls('undeclared', 9443, 'unknown.example.net')).toBe('undeclared\nping\n');
  }, 60_000);

  scenario('registry-only: declared hosts still work; undeclared HTTP gets a 502 naming the reason, undeclared TCP and TLS are closed, and every refusal is counted', async () => {
    await m().edit('mesh.yaml', mesh('registry-only'));
    const before = await blackholed();
    const directBefore = await envoyCounter(m(), 'client', 'http.0.0.0.0_8080.rq_direct_response');
    expect(tally(await http('ext', 'web.example.com'))).toEqual({ ext: 5 });
    expect(await tls('ext', 9443, 'secure.example.com')).toBe('ext\nping\n');
    const refused = await http('undeclared', 'other.example', 3);
    expect(refused.map((o) => o.status)).toEqual([502, 502, 502]);
    expect(refused[0]!.body).toContain('outbound traffic is registry-only');
    expect(await envoyCounter(m(), 'client', 'http.0.0.0.0_8080.rq_direct_response')).toBe(directBefore + 3);
    // A port no service declares (7000: the virtual listener) and an SNI none declares on 9443.
    expect(await tcp('undeclared', 7000)).not.toContain('undeclared');
    expect(await tls('undeclared', 9443, 'unknown.example.net')).not.toContain('undeclared');
    expect(await tls('ext', 9443, 'unknown.example.net')).not.toContain('ext');
    expect(await blackholed()).toBe(before + 3);
    expect(await m().workload('undeclared').app.send<number>({ op: 'count' })).toBe(7);
  }, 60_000);

  scenario('TLS origination: plain TCP from the caller reaches the external TLS server through its sidecar, which checks the server certificate\'s name against the CA file', async () => {
    expect(await tcp('ext', 7443)).toBe('ext\nping\n');
    const failsBefore = await envoyCounter(m(), 'client', 'cluster.external|7444|vault-misnamed.default.ssl.fail_verify_san');
    expect(await tcp('ext', 7444)).not.toContain('ext');
    expect(await envoyCounter(m(), 'client', 'cluster.external|7444|vault-misnamed.default.ssl.fail_verify_san')).toBeGreaterThan(failsBefore);
  }, 60_000);

  scenario('TCP weighted split: 400 connections to the db proxy go 80/20 to its subsets within ±6 %', async () => {
    const got: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const reply = await tcp('db-v1', 5432);
      const who = reply.split('\n')[0]!;
      got[who] = (got[who] ?? 0) + 1;
    }
    expect((got['db-v1'] ?? 0) + (got['db-v2'] ?? 0)).toBe(400);
    expect(Math.abs((got['db-v2'] ?? 0) / 400 - 0.2)).toBeLessThanOrEqual(0.06);
  }, 120_000);

  scenario('TLS passthrough routed by SNI: connections to one address reach alpha or beta by the name they send, the caller\'s TLS end to end', async () => {
    expect(await tls('alpha-1', 8443, 'beta.default.svc.cluster.local')).toBe('beta-1\nping\n');
    expect(await tls('alpha-1', 8443, 'alpha.default.svc.cluster.local')).toBe('alpha-1\nping\n');
    expect(await tls('beta-1', 8443, 'alpha')).toBe('alpha-1\nping\n');
  }, 60_000);

  scenario('an ExternalService\'s AccessPolicy is enforced at the caller\'s sidecar: the refused client gets a 403 naming it, its TLS port stays open', async () => {
    await m().edit('access.yaml', 'kind: AccessPolicy\nservice: web\naction: deny\nrules:\n  - from: [{ serviceAccount: client }]\n');
    const out = await http('ext', 'web.example.com', 3);
    expect(out.map((o) => o.status)).toEqual([403, 403, 403]);
    expect(out[0]!.body).toContain('AccessPolicy of external service web.default does not allow this caller');
    expect(await tls('ext', 9443, 'secure.example.com')).toBe('ext\nping\n');
  }, 60_000);
});
