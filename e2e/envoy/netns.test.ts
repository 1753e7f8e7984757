/**
 * The namespace mesh (docs/e2e.md): every workload in its own network namespace, Envoy sidecars
 * as UID 1337 behind `weft inject`'s iptables rules (SotW and delta), a group in explicit mode
 * (the VM path), and a workload outside the mesh. Assertions are on traffic the applications saw.
 */
import { describe, expect } from 'vitest';
import { OUTBOUND_ADDRESS, until } from './http.js';
import { http as send, scenario, tally, type Outcome, host } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';
import { ENVOY_MAX_PROGRAM_SIZE, setRegexProgramLimit } from '../../src/policy/regex.js';

const TD = 'cluster.local';

const SERVICES: ServiceDef[] = [
  { name: 'reviews', serviceAccount: 'reviews', ports: [{ name: 'http', port: 9080, targetPort: 19080, protocol: 'http' }] },
  { name: 'db', serviceAccount: 'db', ports: [{ name: 'tcp', port: 5432, targetPort: 15432, protocol: 'tcp' }] },
  { name: 'ratings', serviceAccount: 'ratings', ports: [{ name: 'http', port: 9081, targetPort: 19081, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'reviews-v1', service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v1' } },
  { name: 'reviews-v2', service: 'reviews', serviceAccount: 'reviews', labels: { app: 'reviews', version: 'v2' }, delta: true },
  { name: 'db-1', service: 'db', serviceAccount: 'db', labels: { app: 'db' }, delta: true },
  { name: 'vm-client', serviceAccount: 'vm-client', labels: { app: 'vm-client' }, sidecar: 'explicit' },
  { name: 'ratings-1', service: 'ratings', serviceAccount: 'ratings', labels: { app: 'ratings', instance: 'r1' }, sidecar: 'explicit' },
  { name: 'ratings-2', service: 'ratings', serviceAccount: 'ratings', labels: { app: 'ratings', instance: 'r2' }, sidecar: 'explicit', delta: true },
  { name: 'outside', service: 'reviews', serviceAccount: 'outside', sidecar: 'none', extraPorts: [{ port: 9080, protocol: 'http' }, { port: 5432, protocol: 'tcp' }] },
];
const POLICY = {
  'mesh.yaml': `kind: Mesh\ntrustDomain: ${TD}\nmtls: strict\n`,
  'reviews.yaml': `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 } }
routes:
  - backends: [{ subset: v1, weight: 90 }, { subset: v2, weight: 10 }]
`,
};

describe('Envoy namespace mesh', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const { guard } = mesh;
  const http = (from: string, to: string, service: string, port: number, count: number) => send(mesh(), from, to, service, port, count);

  scenario('iptables mode: the client\'s plain HTTP to a reviews address is captured and split 90/10 within ±3 %', async () => {
    const t = tally(await http('client', 'reviews-v1', 'reviews', 9080, 1000));
    expect((t['reviews-v1'] ?? 0) + (t['reviews-v2'] ?? 0)).toBe(1000);
    expect(t['reviews-v2']).toBeGreaterThanOrEqual(70);
    expect(t['reviews-v2']).toBeLessThanOrEqual(130);
  }, 60_000);

  // The inbound HTTP connection manager sets x-forwarded-client-cert (SANITIZE_SET, URI).
  scenario('mTLS strict: the application behind the inbound sidecar sees the caller\'s SPIFFE ID', async () => {
    const replies = await http('client', 'reviews-v1', 'reviews', 9080, 20);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    for (const r of replies) expect(r.xfcc).toContain(`URI=spiffe://${TD}/ns/default/sa/client`);
  });

  scenario('mTLS strict: a plaintext caller outside the mesh never reaches the application', async () => {
    await mesh().workload('reviews-v1').app.send({ op: 'reset' });
    const out = tally(await http('outside', 'reviews-v1', 'reviews', 19080, 5));
    expect(out['reviews-v1'] ?? 0).toBe(0);
    expect(await mesh().workload('reviews-v1').app.send<number>({ op: 'count' })).toBe(0);
  });

  scenario('TCP through the mesh with mTLS: the client reaches db and its bytes come back', async () => {
    const got = await mesh().workload('client').app.send<string>({ op: 'tcp', address: mesh().workload('db-1').address, port: 5432, send: 'ping\n' });
    expect(got).toBe('db-1\nping\n');
  });

  scenario('a connection to a non-mesh address on a non-mesh port reaches it directly', async () => {
    const t = tally(await http('client', 'outside', 'outside', 19080, 3));
    expect(t).toEqual({ outside: 3 });
  });

  // The outbound listener of a mesh port takes only mesh destinations (VIPs, else endpoints);
  // anything else goes to PassthroughCluster, HTTP to an unknown Host through the `*` vhost.
  scenario('a connection to a non-mesh address on a mesh HTTP port (9080) is not captured by the mesh', async () => {
    const t = tally(await mesh().workload('client').app.send<Outcome[]>({ op: 'http', address: mesh().workload('outside').address, port: 9080, host: 'outside.example', count: 3 }));
    expect(t).toEqual({ outside: 3 });
  });

  scenario('a connection to a non-mesh address on a mesh TCP port (5432) is not captured by the mesh', async () => {
    const got = await mesh().workload('client').app.send<string>({ op: 'tcp', address: mesh().workload('outside').address, port: 5432, send: 'ping\n' });
    expect(got).toBe('outside\nping\n');
  });

  scenario('explicit mode (VM path): both ratings replicas serve through their own inbound listeners', async () => {
    const t = tally(await mesh().workload('vm-client').app.send<Outcome[]>({ op: 'http', address: OUTBOUND_ADDRESS, port: 9081, host: host('ratings'), count: 40, concurrency: 2 }));
    expect(t['ratings-1'] ?? 0).toBeGreaterThanOrEqual(10);
    expect(t['ratings-2'] ?? 0).toBeGreaterThanOrEqual(10);
    expect((t['ratings-1'] ?? 0) + (t['ratings-2'] ?? 0)).toBe(40);
  });

  /** weft's report of one type for workload `id`. */
  async function typeReport(id: string, type: string): Promise<{ status: string; ackedVersion?: string; nack?: { message: string; resources: { name: string; source?: string }[] } }> {
    const p = (await (await fetch(`${mesh().weft.admin.url}/api/v1/proxies/${id}`)).json()) as { types: { type: string; status: string }[] };
    return p.types.find((t) => t.type === type)! as never;
  }
  // A regex over Envoy's default RE2 program size (100): weft refuses it at its own default, so the
  // NACK scenarios raise weft's limit (the seam an Envoy fleet with a raised runtime limit uses)
  // and the route reaches Envoy, which rejects it.
  const BIG_REGEX = `^/(${Array.from({ length: 40 }, (_, i) => `p${i}[a-z]{1,9}`).join('|')})$`;
  const REJECTED = `${POLICY['reviews.yaml']}  - match: { path: { regex: "${BIG_REGEX}" } }\n    backends: [{ subset: v2 }]\n`;

  const throughWeft = async <T>(fn: () => Promise<T>): Promise<T> => {
    setRegexProgramLimit(100_000);
    try {
      return await fn();
    } finally {
      setRegexProgramLimit(ENVOY_MAX_PROGRAM_SIZE);
    }
  };

  scenario('NACK: a route Envoy rejects is shown NACKED with Envoy\'s reason, traffic keeps the last good routes, other changes keep flowing', () => throughWeft(async () => {
    guard.expect({ rejected: ['RDS'] });
    await mesh().write('reviews.yaml', REJECTED);
    const nacked = await until('client RDS NACKED', 30_000, async () => {
      const r = await typeReport('client', 'RDS');
      return r.status === 'NACKED' ? r : undefined;
    });
    expect(nacked.nack?.message).toContain('RE2 program size');
    expect(tally(await http('client', 'reviews-v1', 'reviews', 9080, 50))['reviews-v3'] ?? 0).toBe(0);
    const cds = (await typeReport('client', 'CDS')).ackedVersion;
    await mesh().write('db.yaml', 'kind: TrafficPolicy\nservice: db.default\nloadBalancer: random\n');
    await until('the db change to reach the client while RDS stays NACKED', 30_000, async () => {
      const c = await typeReport('client', 'CDS');
      return c.status === 'SYNCED' && c.ackedVersion !== cds ? true : undefined;
    });
    expect((await typeReport('client', 'RDS')).status).toBe('NACKED');
    await mesh().edit('reviews.yaml', POLICY['reviews.yaml']);
    await mesh().edit('db.yaml', 'kind: TrafficPolicy\nservice: db.default\n');
  }), 90_000);

  // A route configuration carries the position of its first regex route (translate/resources.ts).
  scenario('NACK: weft names the policy file:line of the route Envoy rejected', () => throughWeft(async () => {
    guard.expect({ rejected: ['RDS'] });
    await mesh().write('reviews.yaml', REJECTED);
    try {
      const nacked = await until('client RDS NACKED', 30_000, async () => {
        const r = await typeReport('client', 'RDS');
        return r.status === 'NACKED' ? r : undefined;
      });
      // reviews.yaml line 6 is the regex route REJECTED appends.
      expect(nacked.nack?.resources.map((r) => r.source)).toEqual([expect.stringMatching(/reviews\.yaml:6:\d+$/)]);
    } finally {
      await mesh().edit('reviews.yaml', POLICY['reviews.yaml']);
    }
  }), 90_000);
});
