/**
 * A fake `ControlPlaneView` with two proxies (one SYNCED envoy, one grpc client with a NACKed
 * CDS), a service, a policy with a rejected change, and a CA. Tests may replace any part.
 */
import type { ConfigDump, ControlPlaneView, ProxyView, ReadinessView } from '../../src/controlplane/index.js';
import type { Service } from '../../src/discovery/index.js';
import { loadPolicyDocuments } from '../../src/policy/index.js';
import { buildGraph } from '../../src/controlplane/graph.js';
import type { EdgeView } from '../../src/controlplane/edge-stats.js';

export const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
export const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUabc\n-----END CERTIFICATE-----\n';

const reviews: ProxyView = {
  id: 'reviews-v1-7f9c.default',
  kind: 'envoy',
  identity: 'spiffe://cluster.local/ns/default/sa/reviews',
  namespace: 'default',
  serviceAccount: 'reviews',
  peer: '10.0.0.7:51234',
  authenticated: true,
      channel: 'mtls',
      nodeIdCollisions: [],
      refusedServices: [],
  delta: false,
  connectedAt: '2026-01-02T03:04:05.000Z',
  policyVersion: 'p-1a2b3c',
  types: (['CDS', 'EDS', 'LDS', 'RDS', 'SDS'] as const).map((type) => ({
    type, status: 'SYNCED' as const, desiredVersion: `${type}-v1`, sentVersion: `${type}-v1`, ackedVersion: `${type}-v1`, subscribed: ['*'], resources: 2,
  })),
  certificate: { spiffeId: 'spiffe://cluster.local/ns/default/sa/reviews', notAfter: '2026-01-03T03:04:05.000Z', serial: '0a1b' },
  configBytes: 48_213,
};

const ratings: ProxyView = {
  id: 'ratings-grpc-1',
  kind: 'grpc',
  identity: 'spiffe://cluster.local/ns/shop/sa/ratings',
  namespace: 'shop',
  serviceAccount: 'ratings',
  peer: '127.0.0.1:40000',
  authenticated: false,
      channel: 'plaintext',
      nodeIdCollisions: [],
      refusedServices: [],
  delta: true,
  connectedAt: '2026-01-02T03:05:00.000Z',
  types: [
    { type: 'LDS', status: 'SYNCED', desiredVersion: 'l2', sentVersion: 'l2', ackedVersion: 'l2', subscribed: ['reviews.default.svc.cluster.local:9080'], resources: 1 },
    {
      type: 'CDS', status: 'NACKED', desiredVersion: 'c3', sentVersion: 'c3', ackedVersion: 'c2', subscribed: ['*'], resources: 1,
      nack: {
        message: 'cluster outbound|9080||reviews.default.svc.cluster.local: ring_hash requires a hash policy',
        at: '2026-01-02T03:06:00.000Z', version: 'c3',
        resources: [{ name: 'outbound|9080||reviews.default.svc.cluster.local', source: 'policies/reviews.yaml:12:3' }],
      },
    },
    { type: 'EDS', status: 'STALE', desiredVersion: 'e4', sentVersion: 'e4', ackedVersion: 'e3', subscribed: ['outbound|9080||reviews.default.svc.cluster.local'], resources: 1 },
    { type: 'RDS', status: 'NOT_SENT', subscribed: ['reviews'], resources: 0 },
  ],
  configBytes: 3_100,
};

const cluster = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'outbound|9080||reviews.default.svc.cluster.local', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } };
const listener = { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'reviews.default.svc.cluster.local:9080' };

function emptyDump(): Record<'LDS' | 'RDS' | 'CDS' | 'EDS' | 'SDS', object[]> {
  return { LDS: [], RDS: [], CDS: [], EDS: [], SDS: [] };
}

export const service: Service = {
  key: 'reviews.default', name: 'reviews', namespace: 'default', hostname: 'reviews.default.svc.cluster.local', serviceAccount: 'reviews',
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
  endpoints: [{ address: '10.0.0.7', labels: { app: 'reviews', version: 'v1' }, health: 'healthy', zone: 'z1', instance: 'reviews-v1-7f9c' }],
};

/** A dump for `id`; the SDS secret wrongly carries a private key so redaction can be checked. */
export function dumpFor(id: string, leakKey = false): ConfigDump {
  const desired = emptyDump();
  const acked = emptyDump();
  desired.CDS.push({ ...cluster, lb_policy: 'RING_HASH' });
  acked.CDS.push(cluster);
  desired.LDS.push(listener);
  acked.LDS.push(listener);
  if (leakKey) {
    desired.SDS.push({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
      name: 'spiffe://cluster.local/ns/default/sa/reviews',
      tls_certificate: { certificate_chain: { inline_string: PEM_CERT }, private_key: { inline_bytes: Buffer.from(PEM_KEY).toString('base64') } },
    });
    acked.SDS.push({ name: 'x', note: PEM_KEY, nested: [{ privateKey: 'abc' }], blob: Buffer.from(PEM_KEY).toString('base64') });
  }
  return { proxy: id, desired, acked };
}

export interface FakeViewOptions {
  readiness?: ReadinessView;
  leakKey?: boolean;
  edges?: readonly EdgeView[];
}

export function fakeView(opts: FakeViewOptions = {}): ControlPlaneView {
  const proxies = [reviews, ratings];
  return {
    readiness: () => opts.readiness ?? { ready: true, reasons: [] },
    proxies: () => proxies,
    proxy: (id) => proxies.find((p) => p.id === id),
    configDump: (id) => (proxies.some((p) => p.id === id) ? dumpFor(id, opts.leakKey) : undefined),
    services: () => [service],
    policy: () => ({
      version: 'p-1a2b3c', directory: 'policies', files: ['policies/mesh.yaml'], loadedAt: '2026-01-02T03:00:00.000Z',
      warnings: [{ code: 'WEFT2083', severity: 'warning', message: 'locality priorities without outlierDetection', path: 'locality', source: { file: 'policies/mesh.yaml', line: 2, col: 11 } }],
      lastError: { at: '2026-01-02T03:10:00.000Z', diagnostics: [{ code: 'WEFT1003', severity: 'error', message: 'unknown field "retires"', path: 'routes[0].retires', source: { file: 'policies/reviews.yaml', line: 7, col: 5 } }] },
    }),
    validate: (files) => loadPolicyDocuments(files),
    ca: () => ({ trustDomain: 'cluster.local', bundlePem: PEM_CERT, sequence: 3, notAfter: '2036-01-01T00:00:00.000Z' }),
    edges: () => opts.edges ?? [],
    graph: () => buildGraph({ services: [service], proxies, traffic: opts.edges ?? [] }),
  };
}
