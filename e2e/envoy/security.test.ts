/**
 * Security through a real Envoy sidecar with `mtls: strict`:
 * - outbound: the sidecar presents the certificate weft served it over SDS and accepts only a
 *   server whose URI SAN is exactly the destination's SPIFFE ID (consul CVE-2021-32574);
 * - inbound (needs the one iptables rule that explicit mode lacks, see env.ts): plaintext callers
 *   are refused and AccessPolicy is enforced per caller identity, method and path.
 *
 * The upstream servers and the test's own TLS client use SVIDs issued by the same CA weft serves
 * from (opened from its state directory before weft starts).
 */
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { iptablesBin, named, needsEnvoy, needsInbound } from './env.js';
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
let redirectRule: string[] | undefined;

function svid(sa: string): TlsIdentity {
  const issued = ca.issueSvid({ spiffeId: id(sa), ttlMs: 3600_000 });
  if (!issued.ok) throw new Error(`CA refused ${sa}: ${issued.error.message}`);
  return { certPem: issued.svid.certPem + issued.svid.chainPem, keyPem: issued.svid.keyPem, caPem: ca.trustBundle().pems.join('') };
}

/** A request straight to the sidecar's inbound side (127.0.0.2:<api port>, redirected to 15006),
 * as the workload `sa` over mTLS; the server must prove it is `api`'s identity (client). */
function inbound(sa: string, method: string, urlPath: string): Promise<{ status: number }> {
  const tls = svid(sa);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: INBOUND_ADDRESS, port: up['api']!.port, method, path: urlPath, cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, agent: false, timeout: 10_000,
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

const scenario = (title: string, why: string | undefined, fn: () => Promise<void>) => it.skipIf(!!why)(named(title, why), fn);

describe('Envoy sidecar: mTLS and authorization', () => {
  beforeAll(async () => {
    if (needsEnvoy) return;
    const root = await meshRoot();
    const opened = await CertificateAuthority.open(path.join(root, 'state', 'ca'), { trustDomain: TD });
    if (!opened.ok) throw new Error('cannot create the CA');
    ca = opened.value;
    up['secure'] = await startUpstream('secure', svid('secure'));
    up['impostor'] = await startUpstream('impostor', svid('someone-else'));
    up['api'] = await startUpstream('api');
    for (const s of ['secure', 'impostor', 'api']) ports[s] = await freePort();
    mesh = await EnvoyMesh.start({
      services: [
        { name: 'secure', serviceAccount: 'secure', port: ports['secure']!, endpoints: [{ port: up['secure']!.port, labels: { version: 'v1' } }] },
        { name: 'impostor', serviceAccount: 'impostor', port: ports['impostor']!, endpoints: [{ port: up['impostor']!.port, labels: { version: 'v1' } }] },
        { name: 'api', serviceAccount: 'client', port: ports['api']!, targetPort: up['api']!.port,
          endpoints: [{ address: INBOUND_ADDRESS, port: up['api']!.port, labels: { version: 'v1' } }] },
      ],
      policy: POLICY,
      client: { id: 'client-1', serviceAccount: 'client', serves: ['api'] },
    }, root);
    if (!needsInbound) {
      // Explicit mode has no redirection to the inbound listener; this one rule provides it for
      // connections to the api workload's address, so Envoy sees the workload port as the
      // original destination, as it would in a pod.
      redirectRule = ['-t', 'nat', 'OUTPUT', '-p', 'tcp', '-d', INBOUND_ADDRESS, '--dport', String(up['api']!.port), '-j', 'REDIRECT', '--to-ports', '15006'];
      const [t, table, chain, ...rest] = redirectRule;
      execFileSync(iptablesBin!, [t!, table!, '-A', chain!, ...rest]);
    }
  }, 90_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && mesh) console.error(`--- envoy\n${mesh.envoyLog()}`);
  });

  afterAll(async () => {
    if (redirectRule) {
      const [t, table, chain, ...rest] = redirectRule;
      execFileSync(iptablesBin!, [t!, table!, '-D', chain!, ...rest]);
    }
    await mesh?.stop();
    await Promise.all(Object.values(up).map((u) => u.close()));
  });

  scenario('mTLS strict: the sidecar presents its SDS certificate to a server with the expected identity', needsEnvoy, async () => {
    const r: Reply = await request(ports['secure']!, hostname('secure'));
    expect(r.status).toBe(200);
    expect(r.backend).toBe('secure');
    expect(r.peer).toBe(id('client'));
  });

  scenario('mTLS strict: a server presenting another SPIFFE ID is refused', needsEnvoy, async () => {
    up['impostor']!.reset();
    const r = await request(ports['impostor']!, hostname('impostor'));
    expect(r.status).toBe(503);
    expect(up['impostor']!.requests()).toBe(0);
  });

  scenario('mTLS strict inbound: a plaintext caller never reaches the workload', needsInbound, async () => {
    up['api']!.reset();
    const plain = await request(up['api']!.port, hostname('api'), '/api/x', {}, 'GET', INBOUND_ADDRESS).then((r) => r.status, () => 'refused' as const);
    expect(plain === 'refused' || plain >= 400).toBe(true);
    expect(up['api']!.requests()).toBe(0);
  });

  scenario('authorization: only productpage may GET /api/*; other callers, methods and paths get 403', needsInbound, async () => {
    up['api']!.reset();
    expect((await inbound('productpage', 'GET', '/api/items')).status).toBe(200);
    expect((await inbound('intruder', 'GET', '/api/items')).status).toBe(403);
    expect((await inbound('productpage', 'DELETE', '/api/items')).status).toBe(403);
    expect((await inbound('productpage', 'GET', '/admin')).status).toBe(403);
    expect(up['api']!.requests()).toBe(1);
  });
});
