/**
 * mTLS granularity in the namespace mesh (kind MtlsPolicy, issue 15 #4), through real Envoy: a
 * port of one service set to `disabled` while the mesh stays strict, a service moved to
 * `permissive` for a migration and back, and the admin API's effective mode per proxy port with
 * the level and document that set it. Plaintext callers are a workload outside the mesh dialling
 * the application port; what a mesh caller sent is read from the x-forwarded-client-cert header
 * the destination's sidecar adds for a verified client certificate (absent on plaintext).
 */
import { describe, expect } from 'vitest';
import { http as send, scenario, tally } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import { useNetnsMesh } from './netns/use.js';

const TD = 'cluster.local';
const SERVICES: ServiceDef[] = [
  { name: 'orders', serviceAccount: 'orders', ports: [
    { name: 'http', port: 8080, targetPort: 18080, protocol: 'http' },
    { name: 'metrics', port: 8090, targetPort: 18090, protocol: 'http' },
  ] },
  { name: 'legacy', serviceAccount: 'legacy', ports: [{ name: 'http', port: 8081, targetPort: 18081, protocol: 'http' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'orders-1', service: 'orders', serviceAccount: 'orders', labels: { app: 'orders' }, delta: true },
  { name: 'legacy-1', service: 'legacy', serviceAccount: 'legacy', labels: { app: 'legacy' } },
  { name: 'outside', serviceAccount: 'outside', sidecar: 'none' },
];
const ORDERS_PORTS = `kind: MtlsPolicy
namespace: default
service: orders
ports: { "8090": disabled }
`;
const legacy = (mode: string) => `kind: MtlsPolicy
namespace: default
service: legacy
mode: ${mode}
`;
const POLICY = { 'mesh.yaml': `kind: Mesh\ntrustDomain: ${TD}\nmtls: strict\n`, 'orders-mtls.yaml': ORDERS_PORTS, 'legacy-mtls.yaml': legacy('strict') };

describe('MtlsPolicy through real Envoy', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const plain = (to: string, port: number, n = 3) => send(mesh(), 'outside', to, to.replace(/-\d+$/, ''), port, n);
  const served = (outcomes: { backend?: string; status: number }[], name: string) => outcomes.filter((o) => o.status === 200 && o.backend === name).length;

  scenario('a disabled port serves plaintext while the service\'s other port and the mesh stay strict; mesh callers send plaintext there and mTLS elsewhere', async () => {
    expect(served(await plain('orders-1', 18090), 'orders-1')).toBe(3);
    expect(served(await plain('orders-1', 18080), 'orders-1')).toBe(0);
    const strict = await send(mesh(), 'client', 'orders-1', 'orders', 8080, 3);
    expect(tally(strict)).toEqual({ 'orders-1': 3 });
    for (const r of strict) expect(r.xfcc).toContain(`URI=spiffe://${TD}/ns/default/sa/client`);
    const disabled = await send(mesh(), 'client', 'orders-1', 'orders', 8090, 3);
    expect(tally(disabled)).toEqual({ 'orders-1': 3 });
    for (const r of disabled) expect(r.xfcc ?? '').toBe('');
  }, 60_000);

  scenario('a service moved to permissive for a migration accepts plaintext and mesh callers, other services stay strict, and strict again refuses plaintext', async () => {
    expect(served(await plain('legacy-1', 18081), 'legacy-1')).toBe(0);
    await mesh().edit('legacy-mtls.yaml', legacy('permissive'));
    expect(served(await plain('legacy-1', 18081), 'legacy-1')).toBe(3);
    const meshCalls = await send(mesh(), 'client', 'legacy-1', 'legacy', 8081, 3);
    expect(tally(meshCalls)).toEqual({ 'legacy-1': 3 });
    // Callers still originate mTLS to a permissive port.
    for (const r of meshCalls) expect(r.xfcc).toContain(`URI=spiffe://${TD}/ns/default/sa/client`);
    expect(served(await plain('orders-1', 18080), 'orders-1')).toBe(0);
    await mesh().edit('legacy-mtls.yaml', legacy('strict'));
    expect(served(await plain('legacy-1', 18081), 'legacy-1')).toBe(0);
    expect(tally(await send(mesh(), 'client', 'legacy-1', 'legacy', 8081, 3))).toEqual({ 'legacy-1': 3 });
  }, 90_000);

  scenario('the admin API shows each proxy port\'s effective mode, the level that set it and the document', async () => {
    const proxy = async (id: string) => (await (await fetch(`${mesh().weft.admin.url}/api/v1/proxies/${id}`)).json()) as { mtls?: unknown[] };
    expect((await proxy('orders-1')).mtls).toEqual([
      { service: 'orders.default', port: 8080, mode: 'strict', from: 'mesh', source: 'mesh.yaml:1:1' },
      { service: 'orders.default', port: 8090, mode: 'disabled', from: 'port', source: 'orders-mtls.yaml:1:1' },
    ]);
    expect((await proxy('client')).mtls).toEqual([]);
  });
});
