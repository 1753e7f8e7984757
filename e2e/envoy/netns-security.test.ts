/**
 * Security in the namespace mesh (iptables mode): authorization by identity at the destination's
 * inbound sidecar, the path-normalisation bypass table, local rate limiting, permissive mTLS, and
 * certificate rotation (workload certificates and the root, through every phase) under traffic.
 * Workload certificates live 20 s here, so weft renews them during the file.
 */
import { describe, expect } from 'vitest';
import { until } from './http.js';
import { http as send, scenario, tally, type HttpCall } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const TD = 'cluster.local';
const SERVICES: ServiceDef[] = [
  { name: 'api', serviceAccount: 'api', ports: [{ name: 'http', port: 8080, targetPort: 18080, protocol: 'http' }] },
  { name: 'limited', serviceAccount: 'limited', ports: [{ name: 'http', port: 8081, targetPort: 18081, protocol: 'http' }] },
  { name: 'open', serviceAccount: 'open', ports: [{ name: 'http', port: 8082, targetPort: 18082, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'intruder', serviceAccount: 'intruder', labels: { app: 'intruder' }, delta: true },
  { name: 'api-1', service: 'api', serviceAccount: 'api', labels: { app: 'api' }, delta: true },
  { name: 'limited-1', service: 'limited', serviceAccount: 'limited', labels: { app: 'limited' } },
  { name: 'open-1', service: 'open', serviceAccount: 'open', labels: { app: 'open' }, delta: true },
  { name: 'outside', serviceAccount: 'outside', sidecar: 'none' },
];
const mtls = (mode: string) => `kind: Mesh\ntrustDomain: ${TD}\nmtls: ${mode}\n`;
const POLICY = {
  'mesh.yaml': mtls('strict'),
  'api.yaml': `kind: AccessPolicy
service: api.default
action: allow
rules:
  - from: [{ identity: "spiffe://${TD}/ns/default/sa/client" }]
    to: { methods: [GET], paths: ["/api/*"] }
  - from: [{ serviceAccount: intruder.default }]
---
kind: AccessPolicy
service: api.default
action: deny
rules:
  - from: [{ serviceAccount: intruder.default }]
    to: { paths: ["/api/*"] }
`,
  'limited.yaml': 'kind: AccessPolicy\nservice: limited.default\naction: allow\nrules:\n  - {}\nrateLimit: { requestsPerSecond: 5, burst: 5 }\n',
};

const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY, svidTtlMs: 20_000 });
const api = (from: string, count: number, o: HttpCall = {}) => send(mesh(), from, 'api-1', 'api', 8080, count, { concurrency: 1, ...o });
const served = (name: string) => mesh().workload(name).app.send<number>({ op: 'count' });
const reset = (name: string) => mesh().workload(name).app.send({ op: 'reset' });
const statuses = async (from: string, path: string) => (await api(from, 1, { path }))[0]!.status;

/** Serial of every mesh workload's certificate, from weft's admin API. */
async function serials(): Promise<Record<string, string>> {
  const { proxies } = (await (await fetch(`${mesh().weft.admin.url}/api/v1/proxies`)).json()) as { proxies: { id: string; certificate?: { serial: string } }[] };
  return Object.fromEntries(proxies.map((p) => [p.id, p.certificate?.serial ?? '']));
}

/** Steady mTLS traffic client → api while `during` runs; every outcome that was not a 200 from api-1. */
async function failuresWhile(during: () => Promise<void>): Promise<Record<string, number>> {
  let stop = false;
  const failed: Record<string, number> = {};
  const load = (async () => {
    while (!stop) {
      const t = tally(await api('client', 20, { path: '/api/items', concurrency: 2 }));
      for (const [k, n] of Object.entries(t)) if (k !== 'api-1') failed[k] = (failed[k] ?? 0) + n;
    }
  })();
  try {
    await during();
  } finally {
    stop = true;
    await load;
  }
  return failed;
}

async function rotationStep(step: 'begin' | 'advance'): Promise<void> {
  // 409 until every connected proxy ACKed the current trust bundle: retry on that signal.
  await until(`root rotation step ${step}`, 60_000, async () => {
    const res = await fetch(`${mesh().weft.admin.url}/api/v1/ca/rotation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step }) });
    if (res.status === 409) return undefined;
    if (!res.ok) throw new Error(`rotation ${step}: ${res.status} ${await res.text()}`);
    return true;
  });
}

describe('Envoy namespace mesh: security', () => {
  scenario('authorization: the allowed identity may GET /api/*; other methods, paths and a denied caller get 403', async () => {
    await reset('api-1');
    expect((await api('client', 5, { path: '/api/items' })).map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await api('client', 1, { path: '/api/items', method: 'DELETE' }))[0]!.status).toBe(403);
    expect(await statuses('client', '/admin')).toBe(403);
    expect(await statuses('intruder', '/api/items')).toBe(403);
    expect(await statuses('intruder', '/other')).toBe(200);
    expect(await served('api-1')).toBe(6);
  });

  scenario('authorization: no path trick reaches anything but /api/* (//, %2F, %2e, case, trailing slash, ;)', async () => {
    const tricks = ['//admin', '/admin/', '/ADMIN', '/API/items', '/api%2F..%2Fadmin', '/api/%2e%2e/admin', '/api/..%2fadmin', '/api/items/../../admin',
      '/api/items;/../../admin', '/admin;/api/x', '/%61dmin', '//api/../admin'];
    await reset('api-1');
    const results: Record<string, number> = {};
    for (const p of tricks) results[p] = await statuses('client', p);
    // Refused (400 from path normalisation, 403 from RBAC, 404): never served by the application.
    for (const [p, status] of Object.entries(results)) expect([p, [400, 403, 404].includes(status)]).toEqual([p, true]);
    expect(await served('api-1')).toBe(0);
    // The same normalisation still serves what is allowed.
    expect(await statuses('client', '//api//items')).toBe(200);
    expect(await statuses('client', '/api/x/../items')).toBe(200);
  });

  scenario('local rate limit: a burst past 5 requests per second is answered 429 and never reaches the app', async () => {
    await reset('limited-1');
    const out = await send(mesh(), 'client', 'limited-1', 'limited', 8081, 30, { concurrency: 6 });
    const ok = out.filter((o) => o.status === 200).length;
    expect(out.filter((o) => o.status === 429).length).toBe(30 - ok);
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(8);
    expect(await served('limited-1')).toBe(ok);
  });

  // `open` has no AccessPolicy (a rule without `from` would admit only authenticated callers).
  scenario('mTLS permissive accepts a plaintext caller and mesh callers; strict again refuses the plaintext one', async () => {
    const plain = () => send(mesh(), 'outside', 'open-1', 'open', 18082, 3);
    const meshCall = () => send(mesh(), 'client', 'open-1', 'open', 8082, 3);
    await reset('open-1');
    expect(tally(await plain())['open-1'] ?? 0).toBe(0);
    expect(await served('open-1')).toBe(0);
    await mesh().edit('mesh.yaml', mtls('permissive'));
    expect(tally(await plain())).toEqual({ 'open-1': 3 });
    expect(tally(await meshCall())).toEqual({ 'open-1': 3 });
    await mesh().edit('mesh.yaml', mtls('strict'));
    expect(tally(await plain())['open-1'] ?? 0).toBe(0);
    expect(tally(await meshCall())).toEqual({ 'open-1': 3 });
  }, 60_000);

  scenario('workload certificate rotation under traffic: every sidecar gets a new certificate and no request fails', async () => {
    const before = await serials();
    const failed = await failuresWhile(async () => {
      await until('every workload certificate renewed', 40_000, async () => {
        const now = await serials();
        return Object.keys(before).every((id) => now[id] && now[id] !== before[id]) ? true : undefined;
      });
    });
    expect(failed).toEqual({});
  }, 60_000);

  scenario('root rotation through every phase (trust both, sign with new, drop old) under traffic: no request fails', async () => {
    const bundle = async () => ((await (await fetch(`${mesh().weft.admin.url}/api/v1/ca`)).json()) as { bundlePem: string; sequence: number });
    const first = await bundle();
    const certsBefore = await serials();
    await reset('api-1');
    const failed = await failuresWhile(async () => {
      await rotationStep('begin');
      await rotationStep('advance');
      await rotationStep('advance');
    });
    const last = await bundle();
    expect(failed).toEqual({});
    expect(last.sequence).toBeGreaterThanOrEqual(first.sequence + 3);
    expect(last.bundlePem).not.toBe(first.bundlePem);
    expect(await served('api-1')).toBeGreaterThan(0);
    // Signing with the new root re-issues every workload certificate.
    const certsAfter = await serials();
    for (const id of Object.keys(certsBefore)) expect([id, certsAfter[id] !== certsBefore[id]]).toEqual([id, true]);
    expect((await api('client', 5, { path: '/api/items' })).map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
  }, 120_000);
});
