/**
 * The ingress gateway in the namespace mesh (issue 17 #2): a gateway Envoy (`weft bootstrap
 * --kind gateway --gateway default/edge`) in its own namespace takes HTTPS from a client outside
 * the mesh (a namespace with no sidecar, using curl), picks the certificate by SNI (each host its
 * own, checked by the subject curl reads), and calls `web`, whose inbound is strict mTLS, with mTLS
 * as its own identity (spiffe://cluster.local/ns/default/sa/edge, read from the
 * x-forwarded-client-cert web's sidecar sets). An unknown SNI and plaintext are refused; the
 * AccessPolicy of `vault`, which does not allow the gateway's identity, makes vault's sidecar
 * answer 403 (RBAC, counted there).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect } from 'vitest';
import { envoyCounter, scenario } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';
import { serverCertificate } from '../../test/support/tls-files.js';

const run = promisify(execFile);
const SHOP = serverCertificate('shop.example.com');
const DOCS = serverCertificate('docs.example.com');
afterAll(() => [SHOP, DOCS].forEach((c) => rmSync(c.dir, { recursive: true, force: true })));

const SERVICES: ServiceDef[] = [
  { name: 'web', serviceAccount: 'web', ports: [{ name: 'http', port: 8080, targetPort: 18080, protocol: 'http' }] },
  { name: 'vault', serviceAccount: 'vault', ports: [{ name: 'http', port: 8081, targetPort: 18081, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'web-1', service: 'web', serviceAccount: 'web', labels: { app: 'web' } },
  { name: 'vault-1', service: 'vault', serviceAccount: 'vault', labels: { app: 'vault' } },
  { name: 'edge', serviceAccount: 'edge', sidecar: 'gateway', gateway: 'default/edge' },
  { name: 'outsider', serviceAccount: 'outsider', sidecar: 'none' },
];

const listener = (name: string, host: string) => `    - name: ${name}
      port: 8443
      protocol: HTTPS
      hostname: ${host}
      tls: { mode: Terminate, certificateRefs: [{ group: weft.dev, kind: CertificateFile, name: ${name} }] }`;
const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: default }
spec:
  gatewayClassName: weft
  listeners:
${listener('shop', 'shop.example.com')}
${listener('docs', 'docs.example.com')}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: edge }]
  hostnames: [shop.example.com, docs.example.com]
  rules:
    - matches: [{ path: { value: /vault } }]
      backendRefs: [{ name: vault, port: 8081 }]
    - filters: [{ type: RequestHeaderModifier, requestHeaderModifier: { set: [{ name: x-via, value: edge }] } }]
      backendRefs: [{ name: web, port: 8080 }]
`;
// vault admits one caller, and it is not the gateway.
const VAULT_ACCESS = 'kind: AccessPolicy\nservice: vault.default\naction: allow\nrules: [{ from: [{ serviceAccount: someone-else.default }] }]\n';

interface Curl { readonly code: number; readonly status?: number; readonly body: string; readonly log: string }

describe('Envoy namespace mesh: ingress gateway', () => {
  const mesh = useNetnsMesh({
    services: SERVICES, workloads: WORKLOADS,
    policy: { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n', 'gateway.yaml': GATEWAY, 'access.yaml': VAULT_ACCESS },
    gatewayCerts: { 'default/shop': SHOP, 'default/docs': DOCS },
  });

  /** curl from the outsider's namespace: `https://<host>:8443/` dialled at the gateway's address. */
  /** `insecure`: no certificate check (-k), so only a refused connection fails. */
  const curl = async (host: string, o: { ca?: string; insecure?: boolean; scheme?: 'https' | 'http'; path?: string } = {}): Promise<Curl> => {
    const m = mesh();
    const gw = m.workload('edge').address;
    const url = `${o.scheme ?? 'https'}://${host}:8443${o.path ?? '/'}`;
    const args = ['netns', 'exec', m.workload('outsider').ns, 'curl', '-sS', '-v', '--max-time', '10', '--resolve', `${host}:8443:${gw}`,
      ...(o.ca ? ['--cacert', o.ca] : []), ...(o.insecure ? ['-k'] : []), '-w', '\n%{http_code}', url];
    const r = await run('ip', args, { encoding: 'utf8' }).then((x) => ({ code: 0, ...x }), (e: { code: number; stdout: string; stderr: string }) => e);
    const lines = r.stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    return { code: r.code, ...(status > 0 ? { status } : {}), body: lines.join('\n'), log: r.stderr };
  };
  const reply = (c: Curl) => JSON.parse(c.body) as { name: string; headers: Record<string, string> };

  scenario('HTTPS from outside the mesh reaches the strict-mTLS service with the gateway\'s identity, each host with its own certificate', async () => {
    const shop = await curl('shop.example.com', { ca: SHOP.caFile });
    expect([shop.code, shop.status], shop.log).toEqual([0, 200]);
    expect(shop.log).toMatch(/subject: CN=shop\.example\.com/);
    const seen = reply(shop);
    expect(seen.name).toBe('web-1');
    expect(seen.headers['x-via']).toBe('edge');
    expect(seen.headers['x-forwarded-client-cert']).toContain('URI=spiffe://cluster.local/ns/default/sa/edge');
    expect(await envoyCounter(mesh(), 'edge', 'http.gateway|8443|shop.downstream_rq_2xx')).toBeGreaterThanOrEqual(1);
    const docs = await curl('docs.example.com', { ca: DOCS.caFile });
    expect([docs.code, docs.status], docs.log).toEqual([0, 200]);
    expect(docs.log).toMatch(/subject: CN=docs\.example\.com/);
    // The docs certificate is not shop's: verified against shop's CA, it fails.
    expect((await curl('docs.example.com', { ca: SHOP.caFile })).code).not.toBe(0);
  }, 60_000);

  scenario('an unknown host and plaintext are refused at the gateway', async () => {
    const unmatched = 'listener.0.0.0.0_8443.no_filter_chain_match';
    const before = await envoyCounter(mesh(), 'edge', unmatched);
    // Without a certificate check: a chain serving any certificate would answer with a status.
    const unknown = await curl('other.example.com', { insecure: true });
    expect(unknown.status).toBeUndefined();
    expect(unknown.code, unknown.log).toBe(35);
    expect(unknown.log).not.toMatch(/subject:/);
    const plain = await curl('shop.example.com', { scheme: 'http' });
    expect(plain.status).toBeUndefined();
    expect(plain.code, plain.log).not.toBe(0);
    // Both were refused by the gateway's listener itself: no filter chain took them.
    expect(await envoyCounter(mesh(), 'edge', unmatched)).toBe(before + 2);
  }, 60_000);

  scenario('an AccessPolicy that does not allow the gateway\'s identity: 403 from the service\'s RBAC, counted at its sidecar', async () => {
    const denied = 'http.inbound|18081|vault.default.rbac.denied';
    const before = await envoyCounter(mesh(), 'vault-1', denied);
    const refused = await curl('shop.example.com', { ca: SHOP.caFile, path: '/vault/keys' });
    expect(refused.status, refused.log).toBe(403);
    expect(refused.body).toBe('RBAC: access denied');
    expect(await envoyCounter(mesh(), 'vault-1', denied)).toBe(before + 1);
    // The same gateway, on the same host, still reaches web, which has no AccessPolicy.
    expect((await curl('shop.example.com', { ca: SHOP.caFile })).status).toBe(200);
  }, 60_000);
});
