/**
 * Security through a real Envoy sidecar with `mtls: strict`:
 * - outbound: the sidecar presents the certificate weft served it over SDS and accepts only a
 *   server whose URI SAN is exactly the destination's SPIFFE ID (consul CVE-2021-32574);
 * - inbound: in explicit mode the sidecar binds the served service's endpoint (127.0.0.2:<endpoint
 *   port>, the proxy's instance IP) and forwards to the application on 127.0.0.2:<targetPort>;
 *   plaintext callers are refused and AccessPolicy is enforced per caller identity, method and path.
 *
 * The upstream servers and the test's own TLS client use SVIDs issued by the same CA weft serves
 * from (opened from its state directory before weft starts).
 */
import https from 'node:https';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { named, needsEnvoy } from './env.js';
import { guardEnvoys } from './health.js';
import { request, type Reply } from './http.js';
import { EnvoyMesh, hostname, meshRoot } from './mesh.js';
import { freePort, startUpstream, type TlsIdentity, type Upstream } from './upstream.js';

const TD = 'cluster.local';
const id = (sa: string) => `spiffe://${TD}/ns/default/sa/${sa}`;
const INBOUND_ADDRESS = '127.0.0.2';

const POLICY = {
  'mesh.yaml': `kind: Mesh\ntrustDomain: ${TD}\nmtls: strict\n`,
  'api.yaml': `kind: AccessPolicy
service: api.default
action: allow
rules:
  - from: [{ serviceAccount: productpage.default }]
    to: { methods: [GET], paths: ["/api/*"] }
`,
};

let ca: CertificateAuthority;
let mesh: EnvoyMesh | undefined;
const up: Record<string, Upstream> = {};
const ports: Record<string, number> = {};

function svid(sa: string): TlsIdentity {
  const issued = ca.issueSvid({ spiffeId: id(sa), ttlMs: 3600_000 });
  if (!issued.ok) throw new Error(`CA refused ${sa}: ${issued.error.message}`);
  return { certPem: issued.svid.certPem + issued.svid.chainPem, keyPem: issued.svid.keyPem, caPem: ca.trustBundle().pems.join('') };
}

/** A request straight to the sidecar's inbound listener (127.0.0.2:<api endpoint port>) as the workload
 * `sa` over mTLS; the server must prove it is `api`'s identity (client). */
function inbound(sa: string, method: string, urlPath: string): Promise<{ status: number }> {
  const tls = svid(sa);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: INBOUND_ADDRESS, port: ports['apiInbound']!, method, path: urlPath, cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, agent: false, timeout: 10_000,
      checkServerIdentity: (_host: string, cert: PeerCertificate) =>
        cert.subjectaltname === `URI:${id('client')}` ? undefined : new Error(`server identity ${cert.subjectaltname}`),
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const scenario = (title: string, fn: () => Promise<void>) => it.skipIf(!!needsEnvoy)(named(title, needsEnvoy), fn);

describe('Envoy sidecar: mTLS and authorization', () => {
  beforeAll(async () => {
    if (needsEnvoy) return;
    const root = await meshRoot();
    const opened = await CertificateAuthority.open(path.join(root, 'state', 'ca'), { trustDomain: TD });
    if (!opened.ok) throw new Error('cannot create the CA');
    ca = opened.value;
    up['secure'] = await startUpstream('secure', svid('secure'));
    up['impostor'] = await startUpstream('impostor', svid('someone-else'));
    up['api'] = await startUpstream('api', undefined, INBOUND_ADDRESS);
    for (const s of ['secure', 'impostor', 'api', 'apiInbound']) ports[s] = await freePort();
    mesh = await EnvoyMesh.start({
      services: [
        { name: 'secure', serviceAccount: 'secure', port: ports['secure']!, endpoints: [{ port: up['secure']!.port, labels: { version: 'v1' } }] },
        { name: 'impostor', serviceAccount: 'impostor', port: ports['impostor']!, endpoints: [{ port: up['impostor']!.port, labels: { version: 'v1' } }] },
        { name: 'api', serviceAccount: 'client', port: ports['api']!, targetPort: up['api']!.port,
          endpoints: [{ address: INBOUND_ADDRESS, port: ports['apiInbound']!, labels: { version: 'v1' } }] },
      ],
      policy: POLICY,
      // The api endpoint is this sidecar's own (instance IP and labels): its inbound listener.
      client: { id: 'client-1', serviceAccount: 'client', serves: ['api'], ips: [INBOUND_ADDRESS], labels: { version: 'v1' }, delta: true },
    }, root);
  }, 90_000);

  guardEnvoys(() => mesh && { weftAdmin: mesh.weft.admin.url, envoys: [mesh.handle()] });

  afterAll(async () => {
    await mesh?.stop();
    await Promise.all(Object.values(up).map((u) => u.close()));
  });

  scenario('mTLS strict: the sidecar presents its SDS certificate to a server with the expected identity', async () => {
    const r: Reply = await request(ports['secure']!, hostname('secure'));
    expect(r.status).toBe(200);
    expect(r.backend).toBe('secure');
    expect(r.peer).toBe(id('client'));
  });

  scenario('mTLS strict: a server presenting another SPIFFE ID is refused', async () => {
    up['impostor']!.reset();
    const r = await request(ports['impostor']!, hostname('impostor'));
    expect(r.status).toBe(503);
    expect(up['impostor']!.requests()).toBe(0);
  });

  scenario('mTLS strict inbound: a plaintext caller never reaches the workload', async () => {
    up['api']!.reset();
    const plain = await request(ports['apiInbound']!, hostname('api'), '/api/x', {}, 'GET', INBOUND_ADDRESS).then((r) => r.status, () => 'refused' as const);
    expect(plain === 'refused' || plain >= 400).toBe(true);
    expect(up['api']!.requests()).toBe(0);
  });

  scenario('authorization: only productpage may GET /api/*; other callers, methods and paths get 403', async () => {
    up['api']!.reset();
    expect((await inbound('productpage', 'GET', '/api/items')).status).toBe(200);
    expect((await inbound('intruder', 'GET', '/api/items')).status).toBe(403);
    expect((await inbound('productpage', 'DELETE', '/api/items')).status).toBe(403);
    expect((await inbound('productpage', 'GET', '/admin')).status).toBe(403);
    expect(up['api']!.requests()).toBe(1);
  });
});
