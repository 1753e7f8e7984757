/**
 * Long-lived streams through real Envoy sidecars in the namespace mesh (docs/e2e.md): with a mesh
 * default request timeout of 1 s, a WebSocket connection and a gRPC server stream each last 3 s
 * end to end, while a plain HTTP request slower than 1 s gets Envoy's 504; and an HTTP/2 (non-gRPC)
 * application is reached over its own protocol. iptables mode, SotW and delta sidecars.
 */
import { describe, expect } from 'vitest';
import { host, http, scenario } from './netns/calls.js';
import type { ServiceDef, WorkloadDef } from './netns/mesh.js';
import type { StreamOutcome } from './netns/streams.js';
import { useNetnsMesh } from './netns/use.js';

const SERVICES: ServiceDef[] = [
  { name: 'chat', serviceAccount: 'chat', ports: [{ name: 'http', port: 9090, targetPort: 19090, protocol: 'http' }] },
  { name: 'feed', serviceAccount: 'feed', ports: [{ name: 'grpc', port: 9091, targetPort: 19091, protocol: 'grpc' }] },
  { name: 'h2', serviceAccount: 'h2', ports: [{ name: 'h2', port: 9092, targetPort: 19092, protocol: 'http2' }] },
];
const WORKLOADS: WorkloadDef[] = [
  { name: 'client', serviceAccount: 'client', labels: { app: 'client' } },
  { name: 'chat-1', service: 'chat', serviceAccount: 'chat', labels: { app: 'chat' } },
  { name: 'feed-1', service: 'feed', serviceAccount: 'feed', labels: { app: 'feed' }, delta: true },
  { name: 'h2-1', service: 'h2', serviceAccount: 'h2', labels: { app: 'h2' } },
];
const POLICY = { 'mesh.yaml': 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\ndefaults: { timeout: 1s }\n' };

type H2Outcome = StreamOutcome & { backend?: string; grpcStatus?: string };

describe('Envoy namespace mesh: streams', () => {
  const mesh = useNetnsMesh({ services: SERVICES, workloads: WORKLOADS, policy: POLICY });
  const stream = <T>(op: 'ws' | 'h2stream', to: string, service: string, port: number, durationMs: number) =>
    mesh().workload('client').app.send<T>({ op, address: mesh().workload(to).address, port, host: host(service), durationMs, intervalMs: 100 });

  scenario('a plain request slower than the 1 s default timeout gets Envoy\'s 504', async () => {
    await mesh().workload('chat-1').app.send({ op: 'behave', behaviour: { delayMs: 1500 } });
    try {
      const [r] = await http(mesh(), 'client', 'chat-1', 'chat', 9090, 1);
      expect(r!.status).toBe(504);
      expect(r!.ms).toBeGreaterThanOrEqual(900);
      expect(r!.ms).toBeLessThan(1500);
    } finally {
      await mesh().workload('chat-1').app.send({ op: 'behave', behaviour: {} });
    }
  });

  scenario('a WebSocket connection outlives the 1 s default timeout (3 s of echoes, still open)', async () => {
    const r = await stream<StreamOutcome>('ws', 'chat-1', 'chat', 9090, 3000);
    expect(r.status).toBe(101);
    expect(r.open).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(3000);
    expect(r.sent).toBeGreaterThanOrEqual(20);
    expect(r.received).toBeGreaterThanOrEqual(r.sent - 1);
  }, 30_000);

  scenario('a gRPC server stream outlives the 1 s default timeout (3 s of messages, grpc-status 0)', async () => {
    const r = await stream<H2Outcome>('h2stream', 'feed-1', 'feed', 9091, 3000);
    expect([r.status, r.grpcStatus, r.backend, r.error]).toEqual([200, '0', 'feed-1', undefined]);
    expect(r.ms).toBeGreaterThanOrEqual(3000);
    expect(r.received).toBeGreaterThanOrEqual(20);
  }, 30_000);

  scenario('an HTTP/2 application is reached over HTTP/2 through both sidecars', async () => {
    const r = await stream<H2Outcome>('h2stream', 'h2-1', 'h2', 9092, 300);
    expect([r.status, r.backend, r.error]).toEqual([200, 'h2-1', undefined]);
    expect(r.received).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
